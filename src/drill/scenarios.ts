/**
 * What each drill scenario does to the local chains. Pure chain actions (no engine here): the
 * composition root (src/app/drill.ts) injects them and waits for the product to notice.
 */
import type { Hex } from 'viem';
import type { DrillBridge } from './bridge.ts';
import type { LocalChain } from './chains.ts';
import { routineTransfers, SEED, stuckTransfers } from './seed.ts';
import type { DrillTraffic } from './traffic.ts';
import { type DrillNft, seedNftIds } from './nft.ts';

export const BAD_UPGRADE = { inFlight: 8, stuckForSeconds: 3600 } as const;

export const SCENARIOS = ['stuck-bridge', 'stuck-tokens', 'rpc-outage', 'chain-halt', 'exploit', 'bad-upgrade'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TEXT: Record<Scenario, string> = {
  'stuck-bridge': `an NFT bridge: ${SEED.stuck} items locked on the source are never minted on the destination, $40,000 at the collection floor, 12 h pass`,
  'stuck-tokens': `${SEED.stuck} token transfers whose finalization never comes, $40,000 locked, 12 h pass`,
  'rpc-outage': "the source chain's first RPC dies mid-drill; the watcher must carry on through the second",
  'chain-halt': 'the destination chain stops producing blocks while transfers are pending',
  exploit: 'twenty forged releases of the same amount to fresh addresses over a minute, no deposit behind any (Nomad, 2022)',
  'bad-upgrade': `an upgrade of the destination (a UUPS proxy) breaks finalization: ${BAD_UPGRADE.inFlight} transfers get stuck; governance's pre-authorized rollback is run by a person`,
};

/** The steps `--once` runs for each scenario, in order. */
export const SCENARIO_STEPS: Record<Scenario, readonly string[]> = {
  'stuck-bridge': ['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify'],
  'stuck-tokens': ['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify'],
  'chain-halt': ['detected', 'messages', 'mirror', 'no-pause', 'resolved', 'postmortem', 'anchor', 'verify'],
  'rpc-outage': ['outage', 'fallback', 'observable', 'no-pause'],
  exploit: ['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify'],
  'bad-upgrade': ['detected', 'messages', 'mirror', 'recommended', 'rollback', 'resolved', 'postmortem', 'anchor', 'verify'],
};

/** The drill control that ends a scenario on the chains (none for rpc-outage: nothing to undo). */
export function recoverLabel(scenario: Scenario, destination: string): string | null {
  // bad-upgrade: the person's control is the incident's own "Roll back" button (a real API call)
  if (scenario === 'rpc-outage' || scenario === 'bad-upgrade') return null;
  if (scenario === 'exploit') return 'Contained: resolve';
  return scenario === 'chain-halt' ? `Restart ${destination}` : 'The relayer is back';
}

export function isScenario(name: string): name is Scenario {
  return (SCENARIOS as readonly string[]).includes(name);
}

/**
 * bad-upgrade: the relayer holds while transfers are in flight, the owner upgrades the destination
 * to the broken V2, the relayer's finalization reverts, and an hour passes (past stuckAfter, inside
 * the 24 h "what changed" window). The relayer stays held until the rollback (its retries would
 * lose track of what it deposited). Returns the stuck ids, the upgrade tx and the relayer's error.
 */
export async function injectBadUpgrade(
  bridge: DrillBridge,
  traffic: DrillTraffic,
  upgrade: () => Promise<Hex>,
): Promise<{ stuck: Hex[]; upgradeTx: Hex; relayerError: string }> {
  await traffic.pause();
  const inFlight = routineTransfers('drill-bad-upgrade', BAD_UPGRADE.inFlight);
  await bridge.deposit(inFlight);
  const upgradeTx = await upgrade();
  const relayerError = await bridge.finalize(inFlight.map((t) => t.id)).then(
    () => 'finalization still works (the upgrade did not break it)',
    (error: unknown) => (error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error)),
  );
  await Promise.all([bridge.source.advance(BAD_UPGRADE.stuckForSeconds), bridge.destination.advance(BAD_UPGRADE.stuckForSeconds)]);
  await bridge.setWethPrice(2000);
  return { stuck: inFlight.map((t) => t.id), upgradeTx, relayerError };
}

/** stuck-bridge: 37 NFTs locked on the source that the relayer never mints; 12 h pass on both chains. */
export async function injectStuckNft(bridge: DrillBridge, nft: DrillNft, traffic: DrillTraffic): Promise<bigint[]> {
  const ids = seedNftIds();
  await traffic.pause();
  await nft.lock(ids);
  await Promise.all([bridge.source.advance(SEED.stuckForSeconds), bridge.destination.advance(SEED.stuckForSeconds)]);
  traffic.resume();
  return ids;
}

/** stuck-tokens: the relayer stops for the seed case's token transfers and 12 h pass on both chains. */
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
