/**
 * The drill's Firebreak config: everything the product has switched on, pointed at the local
 * chains and stand-ins — the rollback governor (auto-pause at S1), the postmortem registry, the
 * Snapshot hub stand-in, IPFS on loopback, no Discord/Telegram (messages are rendered and kept as
 * `skipped` outbox rows). Signing keys are anvil's well-known dev keys; the YAML copy written to
 * the dataDir names them as environment variables instead.
 */
import { join } from 'node:path';
import type { DrillBridge } from './bridge.ts';
import { drillConfig } from './bridge.ts';
import type { Address } from 'viem';
import { type ReleaseBridge, useReleaseDestination } from './exploit.ts';
import { DRILL_KEYS, type DrillGovernance } from './governance.ts';
import type { Scenario } from './scenarios.ts';
import type { DrillUpgrade } from './upgrade.ts';
import { nftBridgeEntry } from './nft.ts';

export interface DrillConfigInput {
  scenario: Scenario;
  bridge: DrillBridge;
  governance: DrillGovernance;
  dataDir: string;
  playbooksDir: string;
  host: string;
  port: number;
  token: string;
  /** the source chain's RPC list (rpc-outage puts a relay that will die in front) */
  sourceRpc?: string[];
  /** the Snapshot hub stand-in; null → proposals are written as drafts */
  snapshotHub: string | null;
  /** exploit: the release bridge on the destination and the governor there that may pause it */
  exploit?: { release: ReleaseBridge; governor: Address };
  /** bad-upgrade: the destination's rollback governor and proxy */
  upgrade?: DrillUpgrade;
}

/** how long without a new block means halted: short in chain-halt, relaxed otherwise */
export function haltedAfterFor(scenario: Scenario): string {
  return scenario === 'chain-halt' ? '8s' : '60s';
}

export function buildDrillConfig(input: DrillConfigInput): Record<string, any> {
  const { bridge, governance } = input;
  const raw = drillConfig({
    bridge,
    storage: `pglite://${join(input.dataDir, 'db')}`,
    dataDir: input.dataDir,
    confirmations: 2,
    wethFeed: true,
  }) as Record<string, any>;
  const source = bridge.source.name;
  for (const chain of Object.values(raw.chains as Record<string, Record<string, unknown>>)) {
    chain.haltedAfter = haltedAfterFor(input.scenario);
    // a game day shows the outage within seconds (the default grace is 2m)
    chain.unobservableAfter = '10s';
  }
  if (input.sourceRpc) raw.chains[source].rpc = input.sourceRpc;
  if (bridge.nft) {
    // the default scenario watches the NFT bridge under the drill bridge's id (pause, proposals apply to it)
    raw.bridges = [nftBridgeEntry({ id: 'drill', name: 'Drill NFT bridge', sourceChain: source, destinationChain: bridge.destination.name, nft: bridge.nft, pausable: bridge.sourceAddress })];
  }
  const built: Record<string, any> = {
    ...raw,
    playbooks: input.playbooksDir,
    server: { host: input.host, port: input.port, apiTokens: [{ name: 'drill', token: input.token }] },
    oncall: {
      tiers: [
        { name: 'primary', discord: '<@111>', telegram: '@alice', ackTimeout: '2m' },
        { name: 'secondary', discord: '<@222>' },
      ],
    },
    ipfs: { enabled: true, listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status' },
    governance: {
      snapshot: {
        hub: input.snapshotHub ?? 'http://127.0.0.1:9/no-snapshot-hub',
        space: 'firebreak-drill.eth',
        network: source,
        ...(input.snapshotHub ? { signer: DRILL_KEYS.snapshot } : {}),
        minSeverity: 'S1',
        votingPeriod: '3d',
      },
      rollbackGovernor: [
        {
          chain: source,
          address: governance.governor,
          signer: DRILL_KEYS.guardian,
          autoPause: [{ bridge: 'drill', minSeverity: 'S1' }],
        },
        // bad-upgrade: a governor on the destination chain that may roll its proxy back
        ...(input.upgrade
          ? [{ chain: bridge.destination.name, address: input.upgrade.governor, signer: DRILL_KEYS.guardian, rollbacks: [{ bridge: 'drill', proxy: input.upgrade.proxy }] }]
          : []),
      ],
    },
    anchor: { chain: source, registry: governance.registry, signer: DRILL_KEYS.anchorer },
  };
  if (input.exploit) {
    // releases are read with their value; the governor on the destination pauses them at S0, at the
    // first unbacked release (grace 0: counted as soon as the source is read to its timestamp)
    useReleaseDestination(built, bridge, input.exploit.release, { address: input.exploit.governor });
    built.bridges[0].unbacked = { grace: '0s' };
  }
  return built;
}

/** The config as written to `<dataDir>/firebreak.yaml`: secrets become `${ENV}` references. */
export function redactedDrillConfig(raw: Record<string, any>): Record<string, any> {
  const copy = structuredClone(raw);
  copy.server.apiTokens = [{ name: 'drill', token: '${FIREBREAK_DRILL_TOKEN}' }];
  if (copy.governance.snapshot.signer) copy.governance.snapshot.signer = '${DRILL_SNAPSHOT_KEY}';
  for (const governor of copy.governance.rollbackGovernor) governor.signer = '${DRILL_GUARDIAN_KEY}';
  copy.anchor.signer = '${DRILL_ANCHOR_KEY}';
  return copy;
}
