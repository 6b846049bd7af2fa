/**
 * What each drill scenario does to the local chains. Pure chain actions (no engine here): the
 * composition root (src/app/drill.ts) injects them and waits for the product to notice.
 */
import type { Hex } from 'viem';
import type { DrillBridge } from './bridge.ts';
import type { LocalChain } from './chains.ts';
import { routineTransfers, SEED, stuckTransfers } from './seed.ts';
import type { DrillTraffic } from './traffic.ts';

export const SCENARIOS = ['stuck-bridge', 'rpc-outage', 'chain-halt'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TEXT: Record<Scenario, string> = {
  'stuck-bridge': `${SEED.stuck} transfers whose finalization never comes, $40,000 locked, 12 h pass`,
  'rpc-outage': "the source chain's first RPC dies mid-drill; the watcher must carry on through the second",
  'chain-halt': 'the destination chain stops producing blocks while transfers are pending',
};

/** The steps `--once` runs for each scenario, in order. */
export const SCENARIO_STEPS: Record<Scenario, readonly string[]> = {
  'stuck-bridge': ['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify'],
  'chain-halt': ['detected', 'messages', 'mirror', 'no-pause', 'resolved', 'postmortem', 'anchor', 'verify'],
  'rpc-outage': ['outage', 'fallback', 'observable', 'no-pause'],
};

/** The drill control that ends a scenario on the chains (none for rpc-outage: nothing to undo). */
export function recoverLabel(scenario: Scenario, destination: string): string | null {
  if (scenario === 'rpc-outage') return null;
  return scenario === 'chain-halt' ? `Restart ${destination}` : 'The relayer is back';
}

export function isScenario(name: string): name is Scenario {
  return (SCENARIOS as readonly string[]).includes(name);
}

/** stuck-bridge: the relayer stops for the seed case's transfers and 12 h pass on both chains. */
export async function injectStuck(bridge: DrillBridge, traffic: DrillTraffic): Promise<Hex[]> {
  const stuck = stuckTransfers('drill-stuck');
  // routine transfers in flight would age 12 h too: let them land before time jumps
  await traffic.pause();
  await bridge.deposit(stuck);
  await Promise.all([bridge.source.advance(SEED.stuckForSeconds), bridge.destination.advance(SEED.stuckForSeconds)]);
  await bridge.setWethPrice(2000);
  traffic.resume();
  return stuck.map((t) => t.id);
}

/** chain-halt: a few deposits that the relayer will not finalize, then the destination stops. */
export async function depositPending(bridge: DrillBridge, traffic: DrillTraffic): Promise<Hex[]> {
  await traffic.pause();
  const pending = routineTransfers('drill-halt-pending', 3);
  await bridge.deposit(pending);
  return pending.map((t) => t.id);
}

export async function haltChain(chain: LocalChain): Promise<void> {
  await chain.testClient.setIntervalMining({ interval: 0 });
  await chain.testClient.setAutomine(false);
}

export async function restartChain(chain: LocalChain, blockTime = 1): Promise<void> {
  await chain.testClient.setIntervalMining({ interval: blockTime });
  await chain.mine(1);
}
