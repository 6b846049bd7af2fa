/**
 * On every answer of the service's server: how `firebreak status|postmortem|anchor` tell the
 * service from another program holding the configured port (whose answers are not ours to act on).
 */
export const SERVICE_HEADER = 'x-firebreak-service';
