/**
 * A full, memory-reducing collection for benchmarks: it also shrinks V8's young generation back,
 * which ordinary collections do only now and then, so figures taken after it do not depend on GC
 * heuristics nor on the garbage an earlier measurement left behind.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as (options: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    // no gc available: the figures include some garbage, which only makes them pessimistic
  }
}
