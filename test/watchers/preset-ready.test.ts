/**
 * SPEC §3 "a bridge backfilling never delays the others", for preset bridges and outflow limits, on
 * real anvil chains. A source is held mid-backfill by the RPC proxy in front of the source chain:
 * its eth_getLogs are refused while the test holds them, so it stays behind for as long as the test
 * needs (no race against a backfill finishing), while every other source is read to the head.
 *
 * - the drill's NFT bridge (a preset, `erc721-lock-mint`) is judged while another preset bridge on
 *   its chain is still backfilling;
 * - that other bridge (`across-v3`: two event generations, two sources a side) is not judged while
 *   one of its own sources is behind, and is once it is read;
 * - an outflow limit whose source is behind is left out of the bridge's judgement (not read as
 *   "nothing left the escrow"), without holding back the bridge's other readings.
 */
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireChains } from '../../src/app/watch.ts';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { deployArtifact, loadArtifact } from '../../src/chain/artifacts.ts';
import type { Config } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { LocalChain } from '../../src/drill/chains.ts';
import { deployDrillNft, type DrillNft, nftBridgeEntry } from '../../src/drill/nft.ts';
import { saveCheckpoint } from '../../src/store/checkpoints.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { BridgeJudgement } from '../../src/watchers/bridge.ts';
import { exploitDetections } from '../../src/watchers/exploit/detections.ts';
import { outflowSourceKey, outflowSources } from '../../src/watchers/exploit/outflow.ts';
import { presetSources } from '../../src/watchers/preset-sources.ts';
import { createWatchService, type WatchService } from '../../src/watchers/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy.ts';
import { until } from '../support/wait.ts';

const SPOKE_POOL = '0x' + 'a1'.repeat(20);
const ESCROW = privateKeyToAccount(ANVIL_KEYS[5]!);
const USD = 10n ** 6n;

let chains: DrillChains;
let proxy: RpcProxy;
let nft: DrillNft;

/** what an eth_getLogs filter asks for mentions this address or topic */
const asks = (filter: Record<string, unknown>, what: string) => JSON.stringify(filter).toLowerCase().includes(what.toLowerCase());

async function blockOf(chain: LocalChain): Promise<number> {
  return Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
}

/**
 * A source put far behind the others, as a bridge added with an old fromBlock is: its checkpoint
 * written by hand at block 0 (with the fingerprint the sync expects, so it is taken as is).
 */
async function behind(store: Store, chain: string, key: string, fingerprint: string): Promise<void> {
  await saveCheckpoint(store.db, { source: key, chain, blockNumber: -1, blockHash: '', blockTimestamp: 0, fingerprint });
}

interface Running {
  config: Config;
  store: Store;
  watch: WatchService;
  sync: ReturnType<typeof wireChains>['syncs'];
  judged: BridgeJudgement[];
}

async function run(config: Config, prepare: (store: Store) => Promise<void>): Promise<Running> {
  const store = await createStore({ kind: 'pglite', url: 'memory://' });
  await prepare(store);
  const wiring = wireChains({ config, store, logger: silentLogger });
  const judged: BridgeJudgement[] = [];
  const watch = createWatchService({ config, store, logger: silentLogger, headSubscriptions: false, ...wiring, onJudgement: (j) => void judged.push(j) });
  watch.start();
  return { config, store, watch, sync: wiring.syncs, judged };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  await running.watch.stop();
  await running.store.close();
}

beforeAll(async () => {
  chains = await startDrillChains();
  nft = await deployDrillNft(chains.source, chains.destination, chains.bridge.sourceAddress);
  proxy = await startRpcProxy(chains.source.anvil.url);
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await chains?.stop();
});

describe('preset bridges are judged on their own sources', () => {
  let running: Running | undefined;
  let legacy: { key: string; topic0: string };

  beforeAll(async () => {
    const from = { source: await blockOf(chains.source), destination: await blockOf(chains.destination) };
    // the NFT bridge's traffic: 3 items locked, 1 minted
    await nft.lock([1n, 2n, 3n]);
    await nft.mint([1n]);
    await chains.source.mine(3);
    await chains.destination.mine(3);
    const config = configFor(chains.bridge, {
      confirmations: 2,
      patch: (raw) => {
        raw.chains.ethereum.rpc = [proxy.url];
        const drill = nftBridgeEntry({ id: 'drill', name: 'Drill NFT bridge', sourceChain: 'ethereum', destinationChain: 'arbitrum', nft, pausable: chains.bridge.sourceAddress }) as Record<string, any>;
        drill.source.fromBlock = from.source;
        drill.destination.fromBlock = from.destination;
        const across = {
          id: 'across',
          name: 'Across',
          preset: 'across-v3',
          source: { chain: 'ethereum', address: SPOKE_POOL, fromBlock: from.source },
          destination: { chain: 'arbitrum', address: SPOKE_POOL, fromBlock: from.destination },
          tokens: {},
        };
        raw.bridges = [drill, across];
      },
    });
    // Across reads two event generations on its source side: the older one was added with its whole history
    const acrossSources = presetSources(config.bridges.find((b) => b.id === 'across')!, { source: 31337, destination: 31338 }, silentLogger);
    const older = acrossSources.find((s) => s.source.key.startsWith('bridge:across:source:'))!.source;
    legacy = { key: older.key, topic0: older.topic0 };
    proxy.holdLogs = (filter) => asks(filter, legacy.topic0);
    running = await run(config, (store) => behind(store, 'ethereum', older.key, older.fingerprint));
  }, 180_000);

  afterAll(async () => {
    proxy.holdLogs = undefined;
    await stop(running);
  });

  it('the NFT bridge (a preset) is judged while another bridge on its chain backfills', { timeout: 120_000 }, async () => {
    const { watch, sync, judged } = running!;
    const judgement = await until('the NFT bridge judged', () => judged.find((j) => j.id === 'drill'), 60_000);
    expect(judgement).toMatchObject({ pending: 2, stuck: 0 });
    // the chain as a whole is not caught up: the other bridge's older events are still being read
    expect(sync.ethereum!.caughtUp(legacy.key)).toBe(false);
    expect(sync.ethereum!.caughtUp()).toBe(false);
    expect(watch.backfill().find((b) => b.source === legacy.key)).toMatchObject({ following: false });
    expect(proxy.calls.some((c) => c.refused && asks(c.params[0] as Record<string, unknown>, legacy.topic0))).toBe(true);
  });

  it('a preset bridge one of whose own sources is behind is not judged; read to the head, it is', { timeout: 120_000 }, async () => {
    const { sync, judged } = running!;
    // its newer generation and its destination are caught up; the older generation is not
    await until('Across read to the heads but for its older events', () => sync.ethereum!.caughtUp('bridge:across:source') && sync.arbitrum!.caughtUp('bridge:across:destination'));
    // several more rounds of judgements of the NFT bridge, none of Across
    const seen = judged.filter((j) => j.id === 'drill').length;
    await until('three more NFT judgements', async () => {
      await chains.source.mine(1);
      return judged.filter((j) => j.id === 'drill').length >= seen + 3;
    });
    expect(sync.ethereum!.caughtUp(legacy.key)).toBe(false);
    expect(judged.filter((j) => j.id === 'across')).toEqual([]);
    // the backfill let go: it reads to the head and Across is judged
    proxy.holdLogs = undefined;
    const across = await until('Across judged once its older events are read', () => judged.find((j) => j.id === 'across'), 60_000);
    expect(across).toMatchObject({ pending: 0, severity: null });
    expect(sync.ethereum!.caughtUp(legacy.key)).toBe(true);
  });
});

describe('an outflow limit whose source is backfilling', () => {
  let running: Running | undefined;
  let token: Address;

  async function tokenCall(chain: LocalChain, address: Address, functionName: string, args: unknown[], key?: `0x${string}`): Promise<void> {
    const account = key ? privateKeyToAccount(key) : chain.walletClient.account;
    const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact('DrillToken').abi, functionName, args, chain: chain.chain, account });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
  }

  beforeAll(async () => {
    const from = { source: await blockOf(chains.source), destination: await blockOf(chains.destination) };
    const deploy = (chain: LocalChain, symbol: string) =>
      deployArtifact({ name: 'DrillToken', walletClient: chain.walletClient, publicClient: chain.publicClient, args: [symbol, symbol, 6] });
    token = await deploy(chains.source, 'USDX');
    const wrapped = await deploy(chains.destination, 'wUSDX');
    // $500 left the escrow on the source chain: over the $100 limit once it is read
    await tokenCall(chains.source, token, 'mint', [ESCROW.address, 1_000n * USD]);
    await tokenCall(chains.source, token, 'transfer', ['0x000000000000000000000000000000000000dEaD', 500n * USD], ANVIL_KEYS[5] as `0x${string}`);
    await chains.source.mine(3);
    const config = configFor(chains.bridge, {
      confirmations: 2,
      patch: (raw) => {
        raw.chains.ethereum.rpc = [proxy.url];
        const bridge = raw.bridges[0];
        bridge.source.fromBlock = from.source;
        bridge.destination.fromBlock = from.destination;
        bridge.tokens[token] = { symbol: 'USDX', decimals: 6, priceUsd: 1 };
        bridge.tokens[wrapped] = { symbol: 'wUSDX', decimals: 6, priceUsd: 1 };
        bridge.limits = [
          { chain: 'ethereum', token, escrow: ESCROW.address, window: '1h', maxOutUsd: 100 },
          // a second limit, read to the head all along: its reading is clear
          { chain: 'arbitrum', token: wrapped, escrow: ESCROW.address, window: '1h', maxOutUsd: 100 },
        ];
      },
    });
    const limit = outflowSources(config, 'ethereum', silentLogger).find((s) => s.key === outflowSourceKey('drill', 0))!;
    proxy.holdLogs = (filter) => asks(filter, token);
    running = await run(config, (store) => behind(store, 'ethereum', limit.key, limit.fingerprint));
  }, 180_000);

  afterAll(async () => {
    proxy.holdLogs = undefined;
    await stop(running);
  });

  it('its reading is left out while the bridge is judged; read to the head, it counts', { timeout: 120_000 }, async () => {
    const { config, sync, judged } = running!;
    const held = await until('the bridge judged with its other limit read', () => judged.find((j) => j.id === 'drill' && j.outflow?.some((o) => o.index === 1)), 60_000);
    expect(sync.ethereum!.caughtUp(outflowSourceKey('drill', 0))).toBe(false);
    // the other limit is read and judged; the held one is left out (not "nothing left the escrow")
    expect(held.outflow?.map((o) => o.index)).toEqual([1]);
    expect(held.outflow?.[0]).toMatchObject({ transfers: 0, severity: null });
    expect(held.outflowUnread).toEqual([0]);
    // and no "all clear" is raised on that half-read reading
    const bridge = config.bridges[0]!;
    expect(exploitDetections(config, bridge, held).filter((d) => d.key.endsWith(':outflow'))).toEqual([]);

    proxy.holdLogs = undefined;
    const read = await until('the limit read and judged', () => judged.find((j) => j.id === 'drill' && j.outflow?.length === 2), 60_000);
    expect(read.outflow?.[0]).toMatchObject({ index: 0, transfers: 1, valueUsd: 500, severity: 'S0' });
    expect(read.outflowUnread).toBeUndefined();
    expect(exploitDetections(config, bridge, read).find((d) => d.key.endsWith(':outflow'))).toMatchObject({ severity: 'S0' });
  });
});
