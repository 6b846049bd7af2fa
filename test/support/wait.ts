/** Waiting on conditions (never on wall-clock durations) and free loopback ports, for tests. */

/** Poll `probe` until it returns something truthy; fail naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 120_000,
  everyMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export { freePort } from '../../src/chain/anvil.ts';

/** `until` for probes that throw while the system under test is still coming up (a restart). */
export function untilOk<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  return until(what, () => probe().catch(() => null), timeoutMs);
}
