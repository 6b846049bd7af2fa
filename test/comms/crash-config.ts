import type { Config } from '../../src/config/types.ts';
import { commsConfig } from './fixtures.ts';

export function crashConfig(api: string, token: string): Config {
  return commsConfig({
    discord: { token, channels: { ops: '201', community: '204' }, api },
    oncall: { tiers: [{ name: 'primary', discord: '<@111>' }] },
  });
}
