/**
 * Every preset on two real anvil chains: the emitters in contracts/presets emit the bridges' real
 * events; one scan reads both chains and must give each bridge the right pending, stuck, waiting,
 * expired, failed and locked figures — deliveries, failures, retries, expiries, users' steps,
 * other routes' events ignored, and the same NFT out, back and out again.
 */
import { type Abi, type Address, decodeEventLog, type Hex, keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan, type ScanBridge } from '../../src/app/scan.ts';
import { type ArtifactName, deployArtifact, loadArtifact } from '../../src/chain/artifacts.ts';
import { checkConfigObject } from '../../src/config/load.ts';
import { formatIssue } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { depositMsgHash } from '../../src/core/presets/op-stack-deposits.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { countTransfers } from '../../src/store/transfers.ts';

const USDC = '0x' + 'ab'.repeat(20);
const CCIP_TOKEN = '0x' + 'cd'.repeat(20);
const WORMHOLE_TOKEN = '0x' + 'ef'.repeat(20);
const TOKEN_BRIDGE = '0x' + '77'.repeat(20);
const ESCROW = '0x' + 'e5'.repeat(20);
const USER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const HOUR = 3600;
/** deeper than the reorg window (256 blocks, 300 s at a block a second) */
const FINAL_DEPTH = 301;

let a: LocalChain;
let b: LocalChain;
const at: Record<string, Address> = {};

async function deploy(chain: LocalChain, name: ArtifactName): Promise<Address> {
  return deployArtifact({ name, walletClient: chain.walletClient, publicClient: chain.publicClient, args: [] });
}

async function call(chain: LocalChain, address: Address, name: ArtifactName, functionName: string, args: unknown[]) {
  const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact(name).abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
  return receipt;
}

function judged(bridges: ScanBridge[], id: string) {
  const bridge = bridges.find((x) => x.id === id);
  if (!bridge || !bridge.judged) throw new Error(`${id} not judged: ${JSON.stringify(bridge)}`);
  return bridge;
}

const guid = (n: number) => keccak256(toHex(`guid-${n}`));

beforeAll(async () => {
  [a, b] = await Promise.all([startLocalChain({ name: 'ethereum', chainId: 31337 }), startLocalChain({ name: 'arbitrum', chainId: 31338 })]);
  for (const name of ['AcrossEmitter', 'CctpEmitter', 'LayerZeroEmitter', 'CcipEmitter', 'OpStackEmitter', 'WormholeEmitter'] as const) {
    at[`a:${name}`] = await deploy(a, name);
    at[`b:${name}`] = await deploy(b, name);
  }
  at.collection = await deploy(a, 'NftCollection');
  at.wrapped = await deploy(b, 'NftCollection');

  // ---- traffic, 13 h before the scan: everything not delivered by then is old enough to be stuck
  const across = at['a:AcrossEmitter']!;
  const now = Number((await a.publicClient.getBlock()).timestamp);
  await call(a, across, 'AcrossEmitter', 'deposit', [USDC, 1_000_000_000n, 31338n, 1n, 0xffffffff]); // filled
  await call(a, across, 'AcrossEmitter', 'legacyDeposit', [USDC, 2_000_000_000n, 31338n, 2, 0xffffffff]); // legacy, filled by a current fill
  await call(a, across, 'AcrossEmitter', 'deposit', [USDC, 3_000_000_000n, 31338n, 3n, now + HOUR]); // expires unfilled
  await call(a, across, 'AcrossEmitter', 'deposit', [USDC, 4_000_000_000n, 31338n, 4n, 0xffffffff]); // stuck
  await call(a, across, 'AcrossEmitter', 'deposit', [USDC, 9_000_000_000n, 10n, 5n, 0xffffffff]); // another route
  await call(b, at['b:AcrossEmitter']!, 'AcrossEmitter', 'fill', [31337n, 1n]);
  await call(b, at['b:AcrossEmitter']!, 'AcrossEmitter', 'fill', [31337n, 2n]);
  await call(b, at['b:AcrossEmitter']!, 'AcrossEmitter', 'fill', [10n, 4n]); // a fill for another origin's id 4

  const cctp = at['a:CctpEmitter']!;
  await call(a, cctp, 'CctpEmitter', 'burn', [1n, USDC, 10_000_000n, 3]);
  await call(a, cctp, 'CctpEmitter', 'burn', [2n, USDC, 20_000_000n, 3]); // stuck
  await call(a, cctp, 'CctpEmitter', 'burn', [3n, USDC, 30_000_000n, 6]); // another domain
  await call(b, at['b:CctpEmitter']!, 'CctpEmitter', 'receiveMessage', [0, 1n]);
  await call(b, at['b:CctpEmitter']!, 'CctpEmitter', 'receiveMessage', [7, 2n]); // nonce 2 from another domain

  const lz = at['a:LayerZeroEmitter']!;
  await call(a, lz, 'LayerZeroEmitter', 'oftSend', [guid(1), 40102, 5n * 10n ** 18n]);
  await call(a, lz, 'LayerZeroEmitter', 'oftSend', [guid(2), 40102, 7n * 10n ** 18n]); // stuck
  await call(b, at['b:LayerZeroEmitter']!, 'LayerZeroEmitter', 'oftReceive', [guid(1), 40101, 5n * 10n ** 18n]);
  await call(a, lz, 'LayerZeroEmitter', 'onftSend', [guid(3), 40102, 5n]);
  await call(a, lz, 'LayerZeroEmitter', 'onftSend', [guid(4), 40102, 6n]); // stuck
  await call(b, at['b:LayerZeroEmitter']!, 'LayerZeroEmitter', 'onftReceive', [guid(3), 40101, 5n]);

  const ccip = at['a:CcipEmitter']!;
  const [m1, m2, m3] = [guid(11), guid(12), guid(13)];
  await call(a, ccip, 'CcipEmitter', 'send', [m1, 111n, 222n, 1n, CCIP_TOKEN, 100n * 10n ** 18n]); // fails, never retried
  await call(a, ccip, 'CcipEmitter', 'send', [m2, 111n, 222n, 2n, CCIP_TOKEN, 200n * 10n ** 18n]); // fails, then retried
  await call(a, ccip, 'CcipEmitter', 'send', [m3, 111n, 222n, 3n, CCIP_TOKEN, 300n * 10n ** 18n]); // succeeds
  await call(b, at['b:CcipEmitter']!, 'CcipEmitter', 'execute', [111n, 1n, m1, false]);
  await call(b, at['b:CcipEmitter']!, 'CcipEmitter', 'execute', [111n, 2n, m2, false]);
  await call(b, at['b:CcipEmitter']!, 'CcipEmitter', 'execute', [111n, 3n, m3, true]);
  await call(b, at['b:CcipEmitter']!, 'CcipEmitter', 'execute', [111n, 2n, m2, true]);

  const op = at['a:OpStackEmitter']!;
  const opAbi = loadArtifact('OpStackEmitter').abi as Abi;
  const hashes: Hex[] = [];
  for (let i = 0; i < 3; i++) {
    const receipt = await call(a, op, 'OpStackEmitter', 'depositMessage', [BigInt(i), USER, 10n ** 18n, '0x']);
    const decoded = decodeEventLog({ abi: opAbi, ...receipt.logs[0]! } as never) as unknown as { args: { opaqueData: Hex } };
    hashes.push(depositMsgHash(decoded.args.opaqueData));
  }
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'relayed', [hashes[0], false]); // failed, not replayed
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'relayed', [hashes[1], false]);
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'relayed', [hashes[1], true]); // replayed
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'relayed', [hashes[2], true]);

  // withdrawals: the L2 (a) passes messages, the L1 (b) sees proofs and finalizations
  const withdrawals: Hex[] = [];
  for (let i = 0; i < 3; i++) {
    const receipt = await call(a, op, 'OpStackEmitter', 'passMessage', [BigInt(i), USER, 2n * 10n ** 18n, '0x']);
    const decoded = decodeEventLog({ abi: opAbi, ...receipt.logs[0]! } as never) as unknown as { args: { withdrawalHash: Hex } };
    withdrawals.push(decoded.args.withdrawalHash);
  }
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'prove', [withdrawals[1]]);
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'prove', [withdrawals[2]]);
  await call(b, at['b:OpStackEmitter']!, 'OpStackEmitter', 'finalize', [withdrawals[2], true]);

  const wh = at['a:WormholeEmitter']!;
  await call(a, wh, 'WormholeEmitter', 'publishTransfer', [TOKEN_BRIDGE, 150_000_000n, WORMHOLE_TOKEN, 2, 23]); // seq 0: redeemed
  await call(a, wh, 'WormholeEmitter', 'publishTransfer', [TOKEN_BRIDGE, 250_000_000n, WORMHOLE_TOKEN, 2, 23]); // seq 1: waits for its user
  await call(a, wh, 'WormholeEmitter', 'publishTransfer', [TOKEN_BRIDGE, 999_000_000n, WORMHOLE_TOKEN, 2, 30]); // to another chain
  await call(b, at['b:WormholeEmitter']!, 'WormholeEmitter', 'redeem', [2, `0x${TOKEN_BRIDGE.slice(2).padStart(64, '0')}`, 0n]);

  // NFT lock-mint: items 1..3 locked; 1 and 2 minted; item 1 comes back and goes out again (not minted yet)
  const deployer = a.walletClient.account.address;
  await call(a, at.collection, 'NftCollection', 'mintBatch', [deployer, 1n, 3n]);
  await call(a, at.collection, 'NftCollection', 'transferBatch', [deployer, ESCROW, 1n, 3n]);
  await call(b, at.wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 2n]);
  await call(a, at.collection, 'NftCollection', 'transferFrom', [ESCROW, deployer, 1n]); // released back on the source
  await call(b, at.wrapped, 'NftCollection', 'burn', [1n]);
  await call(a, at.collection, 'NftCollection', 'transferFrom', [deployer, ESCROW, 1n]); // and out again

  await a.advance(13 * HOUR);
  await Promise.all([a.mine(3), b.mine(3)]);
}, 240_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

function config() {
  const chains = {
    ethereum: { chainId: 31337, rpc: [a.anvil.url], confirmations: 2 },
    arbitrum: { chainId: 31338, rpc: [b.anvil.url], confirmations: 2 },
  };
  const side = (chain: 'ethereum' | 'arbitrum', address: string) => ({ chain, address, fromBlock: 0 });
  const route = (name: string) => ({ source: side('ethereum', at[`a:${name}`]!), destination: side('arbitrum', at[`b:${name}`]!) });
  const raw = {
    storage: { url: 'pglite://memory' },
    dataDir: '/tmp/firebreak-presets-test',
    chains,
    bridges: [
      { id: 'across', preset: 'across-v3', ...route('AcrossEmitter'), tokens: { [USDC]: { symbol: 'USDC', decimals: 6, priceUsd: 1 } } },
      { id: 'cctp', preset: 'cctp-v1', ...route('CctpEmitter'), params: { sourceDomain: 0, destinationDomain: 3 }, tokens: { [USDC]: { symbol: 'USDC', decimals: 6, priceUsd: 1 } } },
      { id: 'oft', preset: 'layerzero-oft', ...route('LayerZeroEmitter'), params: { srcEid: 40101, dstEid: 40102 }, tokens: { [at['a:LayerZeroEmitter']!]: { symbol: 'OFT', decimals: 18, priceUsd: 2 } } },
      {
        id: 'onft',
        preset: 'layerzero-onft721',
        ...route('LayerZeroEmitter'),
        params: { srcEid: 40101, dstEid: 40102 },
        tokens: { [at['a:LayerZeroEmitter']!]: { symbol: 'PUNK', kind: 'erc721', priceUsd: 1000 } },
      },
      {
        id: 'ccip',
        preset: 'ccip-v1.6',
        ...route('CcipEmitter'),
        params: { sourceChainSelector: '111', destChainSelector: '222' },
        tokens: { [CCIP_TOKEN]: { symbol: 'LINK', decimals: 18, priceUsd: 10 } },
      },
      { id: 'op-deposits', preset: 'op-stack-deposits', ...route('OpStackEmitter'), defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 } },
      { id: 'op-withdrawals', preset: 'op-stack-withdrawals', ...route('OpStackEmitter'), stuckAfter: '1h', defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 } },
      {
        id: 'wormhole',
        preset: 'wormhole-token-bridge',
        ...route('WormholeEmitter'),
        params: { emitterChain: 2, targetChain: 23, tokenBridge: TOKEN_BRIDGE },
        tokens: { [WORMHOLE_TOKEN]: { symbol: 'W', decimals: 18, priceUsd: 4 } },
      },
      {
        id: 'nft',
        preset: 'erc721-lock-mint',
        source: side('ethereum', at.collection!),
        destination: side('arbitrum', at.wrapped!),
        params: { escrow: ESCROW },
        tokens: { [at.collection!]: { symbol: 'APE', kind: 'erc721', priceUsd: 10, prices: { '3': 100 } } },
      },
    ],
  };
  const result = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!result.config) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config;
}

describe('every preset on two anvil chains', () => {
  it('one scan: pending, stuck, waiting, expired, failed and locked figures per bridge', async () => {
    const store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      const { bridges } = await runScan({ config: config(), logger: silentLogger, store });

      // Across: 1 and 2 (legacy deposit, current fill) filled; 3 expired; 4 stuck; 5 another route
      expect(judged(bridges, 'across')).toMatchObject({ pending: 1, stuck: 1, expired: 1, lockedUsd: 4000, unpriced: 0 });
      expect(judged(bridges, 'across').transfers.map((t) => t.id)).toEqual(['31337:4']);

      // CCTP: nonce 1 received; nonce 2's receipt came from another domain; nonce 3 burnt to another domain
      expect(judged(bridges, 'cctp')).toMatchObject({ pending: 1, stuck: 1, lockedUsd: 20 });

      expect(judged(bridges, 'oft')).toMatchObject({ pending: 1, stuck: 1, lockedUsd: 14 });
      expect(judged(bridges, 'onft')).toMatchObject({ pending: 1, stuck: 1, lockedUsd: 1000 });
      expect(judged(bridges, 'onft').transfers[0]).toMatchObject({ tokenId: '6', valueUsd: 1000 });

      // CCIP: m1 failed (retryable, stuck), m2 failed then succeeded, m3 succeeded
      expect(judged(bridges, 'ccip')).toMatchObject({ pending: 1, stuck: 1, failed: 1, lockedUsd: 1000 });
      expect(judged(bridges, 'ccip').transfers[0]!.state).toBe('failed-retryable');

      // OP deposits: the first failed relay was never replayed; the second was
      expect(judged(bridges, 'op-deposits')).toMatchObject({ pending: 1, stuck: 1, failed: 1, lockedUsd: 3000 });

      // OP withdrawals: one not proven, one proven not finalized: both wait for their user, none paged
      expect(judged(bridges, 'op-withdrawals')).toMatchObject({ pending: 2, waiting: 2, stuck: 0, lockedUsd: 0, severity: null });

      // Wormhole: seq 1 not redeemed: waits for a user; amounts scaled from 8 decimals
      const wormhole = judged(bridges, 'wormhole');
      expect(wormhole).toMatchObject({ pending: 1, waiting: 1, stuck: 0, severity: null });
      expect(wormhole.transfers[0]).toMatchObject({ amount: '2500000000000000000', valueUsd: 10, state: 'waiting-for-user' });

      // NFT: item 3 (priced by id) and item 1's second trip out; not a replay, not paired with its first mint
      const nft = judged(bridges, 'nft');
      expect(nft).toMatchObject({ pending: 2, stuck: 2, lockedUsd: 110, unpriced: 0 });
      expect(nft.transfers.map((t) => t.id).sort()).toEqual(['1', '3']);
    } finally {
      await store.close();
    }
  }, 240_000);
});

/** a fresh erc721-lock-mint pair (collection on a, wrapped on b) and a scan of it alone into `store` */
async function nftLockMint(store: Store, id: string, stuckAfter: string) {
  const collection = await deploy(a, 'NftCollection');
  const wrapped = await deploy(b, 'NftCollection');
  const raw = {
    storage: { url: 'pglite://memory' },
    dataDir: '/tmp/firebreak-presets-test',
    chains: { ethereum: { chainId: 31337, rpc: [a.anvil.url], confirmations: 1 }, arbitrum: { chainId: 31338, rpc: [b.anvil.url], confirmations: 1 } },
    bridges: [
      {
        id,
        preset: 'erc721-lock-mint',
        stuckAfter,
        source: { chain: 'ethereum', address: collection, fromBlock: 0 },
        destination: { chain: 'arbitrum', address: wrapped, fromBlock: 0 },
        params: { escrow: ESCROW },
        tokens: { [collection]: { symbol: 'APE', kind: 'erc721', priceUsd: 10 } },
      },
    ],
  };
  const checked = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!checked.config) throw new Error(checked.errors.map(formatIssue).join('\n'));
  const scan = async () => judged((await runScan({ config: checked.config!, logger: silentLogger, store })).bridges, id);
  return { collection, wrapped, scan };
}

describe('preset sides through a reorg', () => {
  it('a reorg that removes a mint makes the item pending again; minting it again pairs by occurrence', async () => {
    const store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      const { collection, wrapped, scan } = await nftLockMint(store, 'nft-reorg', '1s');
      const deployer = a.walletClient.account.address;
      await call(a, collection, 'NftCollection', 'mintBatch', [deployer, 1n, 2n]);
      await call(a, collection, 'NftCollection', 'transferBatch', [deployer, ESCROW, 1n, 2n]);
      await a.advance(60);
      await a.mine(1);
      await call(b, wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 2n]);
      await b.mine(1);
      expect(await scan()).toMatchObject({ pending: 0 });

      await b.testClient.request({ method: 'anvil_reorg' as never, params: [2, []] as never });
      await b.mine(1);
      expect(await scan()).toMatchObject({ pending: 2, stuck: 2, lockedUsd: 20 });

      await call(b, wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 2n]);
      await b.mine(1);
      expect(await scan()).toMatchObject({ pending: 0, stuck: 0 });
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('preset history pruned once final', () => {
  it('settled pairs leave the store; an NFT out, minted, back and out again keeps its number and pairs with its next mint', async () => {
    const store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      const { collection, wrapped, scan } = await nftLockMint(store, 'nft-pruned', '1m');
      const rows = async () => countTransfers(store.db, 'nft-pruned');
      const deployer = a.walletClient.account.address;
      // items 1..3 out and minted; item 1 comes back and goes out again (its second trip, #2)
      await call(a, collection, 'NftCollection', 'mintBatch', [deployer, 1n, 3n]);
      await call(a, collection, 'NftCollection', 'transferBatch', [deployer, ESCROW, 1n, 3n]);
      await call(b, wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 3n]);
      await call(a, collection, 'NftCollection', 'transferFrom', [ESCROW, deployer, 1n]);
      await call(b, wrapped, 'NftCollection', 'burn', [1n]);
      await call(a, collection, 'NftCollection', 'transferFrom', [deployer, ESCROW, 1n]);
      // deeper than the reorg window (256 blocks, 300 s): final on both chains
      await Promise.all([a.mine(FINAL_DEPTH), b.mine(FINAL_DEPTH)]);
      const first = await scan();
      expect(first).toMatchObject({ pending: 1 });
      expect(first.transfers.map((t) => t.id)).toEqual(['1']);
      // the three settled trips are gone; item 1's second trip (pending) is what is left
      expect(await rows()).toEqual({ deposits: 1, finalizations: 0 });

      // its mint pairs with the second trip: numbered #2 past the pruned #1, not a release without a deposit
      await call(b, wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 1n]);
      await a.advance(600); // past the unbacked grace on the source's clock
      await Promise.all([a.mine(FINAL_DEPTH), b.mine(FINAL_DEPTH)]);
      const second = await scan();
      expect(second).toMatchObject({ pending: 0, stuck: 0, severity: null });
      expect(second.unbacked?.count ?? 0).toBe(0);
      expect(await rows()).toEqual({ deposits: 0, finalizations: 0 });

      // and its third trip is #3: pending until minted
      await call(b, wrapped, 'NftCollection', 'burn', [1n]);
      await call(a, collection, 'NftCollection', 'transferFrom', [ESCROW, deployer, 1n]);
      await call(a, collection, 'NftCollection', 'transferFrom', [deployer, ESCROW, 1n]);
      await Promise.all([a.mine(3), b.mine(3)]);
      expect(await scan()).toMatchObject({ pending: 1 });
      await call(b, wrapped, 'NftCollection', 'mintBatch', [USER, 1n, 1n]);
      await Promise.all([a.mine(3), b.mine(3)]);
      expect(await scan()).toMatchObject({ pending: 0 });
    } finally {
      await store.close();
    }
  }, 120_000);
});
