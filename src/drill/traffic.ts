/**
 * Healthy background flow for a drill: a few deposits every couple of seconds, finalized on the
 * next round (the relayer works). Once the bridge is paused (the governor fired), deposits would
 * revert: the traffic stops depositing and only lets the relayer finish what is in flight.
 */
import type { Hex } from 'viem';
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { DrillBridge } from './bridge.ts';
import { routineTransfers } from './seed.ts';

export interface DrillTraffic {
  /** finish the round in flight and finalize what it deposited, then hold */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
  /** deposits made so far */
  deposited(): number;
}

export function startTraffic(bridge: DrillBridge, logger: Logger, options: { everyMs?: number; paused?: () => Promise<boolean> } = {}): DrillTraffic {
  let round = 0;
  let deposited = 0;
  let previous: Hex[] = [];
  let stopped = false;
  let held = false;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped || held) return;
    current = current.then(async () => {
      try {
        const bridgePaused = options.paused ? await options.paused() : false;
        const batch = bridgePaused ? [] : routineTransfers(`traffic-${round++}`, 3);
        if (batch.length) await bridge.deposit(batch);
        deposited += batch.length;
        if (previous.length) await bridge.finalize(previous);
        previous = batch.map((t) => t.id);
      } catch (error) {
        if (!stopped) logger.warn({ reason: reasonOf(error) }, 'drill traffic round failed');
      }
    });
  }, options.everyMs ?? 2_000);
  return {
    async pause() {
      held = true;
      await current;
      if (previous.length) await bridge.finalize(previous);
      previous = [];
    },
    resume() {
      held = false;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
    deposited: () => deposited,
  };
}
