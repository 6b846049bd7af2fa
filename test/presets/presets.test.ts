/**
 * Presets against their bridges' own sources: every event's topic0 equals the value computed from
 * the signature in the bridge's repository (noted in /work/shared/research/bridge-presets.md, each
 * re-read in the repository: see the preset files' headers) and the one our emitter contract
 * compiles to; key derivations against vectors copied from the bridges' own tests.
 */
import { readFileSync } from 'node:fs';
import { type AbiEvent, encodeAbiParameters, type Hex, keccak256, toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../src/chain/artifacts.ts';
import { eventAbi } from '../../src/core/presets/abi.ts';
import { PRESETS, presetNamed } from '../../src/core/presets/index.ts';
import { compositeKey, latestStage, messageState, pairByOccurrence } from '../../src/core/presets/model.ts';
import { lzGuid } from '../../src/core/presets/layerzero-oft.ts';
import { depositMsgHash } from '../../src/core/presets/op-stack-deposits.ts';
import { withdrawalHash } from '../../src/core/presets/op-stack-withdrawals.ts';
import { parseTransferPayload } from '../../src/core/presets/wormhole-token-bridge.ts';
import { scaleAmount } from '../../src/watchers/preset-sources.ts';
import { bridgeVerdict, summarizePending, type TokenPrice } from '../../src/core/valuation.ts';

/** topic0 of each event, computed with keccak-256 from the signature in the bridge's repository */
const REPOSITORY_TOPIC0: Record<string, string> = {
  FundsDeposited: '0x32ed1a409ef04c7b0227189c3a103dc5ac10e775a15b785dcc510201f7c25ad3',
  FilledRelay: '0x44b559f101f8fbcc8a0ea43fa91a05a729a5ea6e14a7c75aa750374690137208',
  V3FundsDeposited: '0xa123dc29aebf7d0c3322c8eeb5b999e859f39937950ed31056532713d0de396f',
  FilledV3Relay: '0x571749edf1d5c9599318cdbc4e28a6475d65e87fd3b2ddbe1e9a8d5e7a0f0ff7',
  DepositForBurn: '0x2fa9ca894982930190727e75500a97d8dc500233a5065e0f3126c48fbe0343c0',
  MessageReceived: '0x58200b4c34ae05ee816d710053fff3fb75af4395915d3d2a771b24aa10e3cc5d',
  OFTSent: '0x85496b760a4b7f8d66384b9df21b381f5d1b1e79f229a47aaf4c232edc2fe59a',
  OFTReceived: '0xefed6d3500546b29533b128a29e3a94d70788727f0507505ac12eaf2e578fd9c',
  CCIPMessageSent: '0x192442a2b2adb6a7948f097023cb6b57d29d3a7a5dd33e6666d33c39cc456f32',
  ExecutionStateChanged: '0x05665fe9ad095383d018353f4cbcba77e84db27dd215081bbf7cdf9ae6fbe48b',
  TransactionDeposited: '0xb3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32',
  RelayedMessage: '0x4641df4a962071e12719d8c8c8e5ac7fc4d97b927346a3d7a335b1f7517e133c',
  FailedRelayedMessage: '0x99d0e048484baa1b1540b1367cb128acd7ab2946d1ed91ec10e3c85e4bf51b8f',
  MessagePassed: '0x02a52367d10742d8032712c1bb8e0144ff1ec5ffda1ed7d70bb05a2744955054',
  WithdrawalProven: '0x67a6208cfcc0801d50f6cbe764733f4fddf66ac0b04442061a8a8c0cb6b63f62',
  WithdrawalFinalized: '0xdb5c7652857aa163daadd670e116628fb42e869d8ac4251ef8971d9e5727df1b',
  LogMessagePublished: '0x6eb224fb001ed210e379b335e35efe88672a8ce935d981a6896b27ffdf52a3b2',
  TransferRedeemed: '0xcaf280c8cfeba144da67230d9b009c8f868a75bac9a528fa0474be1ba317c169',
  // EIP-721
  Transfer: '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
  // LayerZero-Labs/devtools packages/onft-evm/contracts/onft721/interfaces/IONFT721.sol, computed here
  ONFTSent: toEventSelector('ONFTSent(bytes32,uint32,address,uint256)'),
  ONFTReceived: toEventSelector('ONFTReceived(bytes32,uint32,address,uint256)'),
};

const EMITTERS = ['AcrossEmitter', 'CctpEmitter', 'LayerZeroEmitter', 'CcipEmitter', 'OpStackEmitter', 'WormholeEmitter', 'NftCollection'] as const;
const emitted = new Map<string, string>();
for (const name of EMITTERS) {
  for (const item of loadArtifact(name).abi) if (item.type === 'event') emitted.set(item.name, toEventSelector(item as AbiEvent));
}

describe('every preset event is the real one', () => {
  for (const preset of Object.values(PRESETS)) {
    it(`${preset.name}: topic0 = the repository's, = what the emitter contract emits; sources recorded`, () => {
      expect(preset.sources.length).toBeGreaterThan(0);
      for (const event of [...preset.source, ...preset.destination]) {
        const abi = eventAbi(event.signature);
        const name = abi.abiEvent.name;
        expect(REPOSITORY_TOPIC0[name], name).toBeDefined();
        expect(abi.topic0).toBe(REPOSITORY_TOPIC0[name]);
        expect(emitted.get(name), `${name} in contracts/presets`).toBe(abi.topic0);
      }
    });
  }
  it('the table of SPEC §10 is complete', () => {
    expect(Object.keys(PRESETS).sort()).toEqual(
      ['across-v3', 'ccip-v1.6', 'cctp-v1', 'erc721-lock-mint', 'layerzero-oft', 'layerzero-onft721', 'op-stack-deposits', 'op-stack-withdrawals', 'wormhole-token-bridge'].sort(),
    );
  });
});

describe('key derivations against the bridges’ own vectors', () => {
  it('OP Stack withdrawalHash: a real MessagePassed log from op-node/withdrawals/utils_test.go', () => {
    const vector = JSON.parse(readFileSync(new URL('../fixtures/presets/op-message-passed.json', import.meta.url), 'utf8'));
    const preset = presetNamed('op-stack-withdrawals')!;
    const event = preset.source[0]!.decode(vector, { chainId: 10, otherChainId: 1, params: {} })!;
    expect(event).toMatchObject({ key: vector.withdrawalHash, stage: 'deposit', waitsForUser: true });
    // recomputed the way Hashing.hashWithdrawal does, from the log's fields
    const args = eventAbi(preset.source[0]!.signature).decode(vector)!;
    expect(
      withdrawalHash({ nonce: args.nonce as bigint, sender: args.sender as Hex, target: args.target as Hex, value: args.value as bigint, gasLimit: args.gasLimit as bigint, data: args.data as Hex }),
    ).toBe(vector.withdrawalHash);
    // the message inside is the L2CrossDomainMessenger's relayMessage calldata: msgHash = keccak256(data)
    expect((args.data as string).slice(0, 10)).toBe('0xd764ad0b');
  });

  it('OP Stack deposit msgHash = keccak256(opaqueData[73:]) (OptimismPortal2._depositTransaction packing)', () => {
    const calldata = '0xd764ad0b0001' as Hex;
    const opaque = `0x${'00'.repeat(32)}${'00'.repeat(31)}05${'0000000000030d40'}00${calldata.slice(2)}` as Hex;
    expect(depositMsgHash(opaque)).toBe(keccak256(calldata));
  });

  it('Wormhole transfer payload: a real Ethereum Token Bridge VAA from sdk/js/src/utils/repairVaa.test.ts', () => {
    const vector = JSON.parse(readFileSync(new URL('../fixtures/presets/wormhole-vaa.json', import.meta.url), 'utf8'));
    const { body } = vector;
    const transfer = parseTransferPayload(body.payload)!;
    expect(transfer).toMatchObject({ payloadId: 1, amount: 7879620482n, tokenChain: 2, toChain: 4 });
    expect(transfer.tokenAddress.slice(-40)).toBe('1f9840a85d5af5bf1d1762f925bdaddc4201f984'); // UNI
    // as the Core contract logged it: LogMessagePublished(sender = token bridge, sequence, nonce, payload, consistency)
    const abi = eventAbi(presetNamed('wormhole-token-bridge')!.source[0]!.signature);
    const log = {
      address: '0x98f3c9e6e3face36baad05fe09d375ef1464288b',
      topics: [abi.topic0, body.emitterAddress],
      data: encodeAbiParameters([{ type: 'uint64' }, { type: 'uint32' }, { type: 'bytes' }, { type: 'uint8' }], [BigInt(body.sequence), body.nonce, body.payload, body.consistencyLevel]),
    };
    const params = { emitterChain: 2, targetChain: 4, tokenBridge: '0x3ee18b2214aff97000d974cf647e7c347e8fa585' };
    const event = presetNamed('wormhole-token-bridge')!.source[0]!.decode(log, { chainId: 1, otherChainId: 56, params })!;
    expect(event.key).toBe(compositeKey(body.emitterChain, body.emitterAddress, body.sequence));
    expect(event).toMatchObject({ amount: 7879620482n, token: '0x1f9840a85d5af5bf1d1762f925bdaddc4201f984', waitsForUser: true });
    // UNI has 18 decimals: the 8-decimal amount scaled back
    expect(scaleAmount(event.amount!, 8, 18)).toBe(78796204820000000000n);
    expect(scaleAmount(5n, 8, 6)).toBe(5n); // tokens with ≤ 8 decimals are not normalised
    // the redemption on the destination pairs with it
    const redeemed = eventAbi(presetNamed('wormhole-token-bridge')!.destination[0]!.signature);
    const seqTopic = `0x${BigInt(body.sequence).toString(16).padStart(64, '0')}`;
    const done = presetNamed('wormhole-token-bridge')!.destination[0]!.decode(
      { address: '0x0', topics: [redeemed.topic0, `0x${'2'.padStart(64, '0')}`, body.emitterAddress, seqTopic], data: '0x' },
      { chainId: 56, otherChainId: 1, params },
    );
    expect(done?.key).toBe(event.key);
    // another source chain's redemption is not this route's
    expect(
      presetNamed('wormhole-token-bridge')!.destination[0]!.decode(
        { address: '0x0', topics: [redeemed.topic0, `0x${'5'.padStart(64, '0')}`, body.emitterAddress, seqTopic], data: '0x' },
        { chainId: 56, otherChainId: 1, params },
      ),
    ).toBeNull();
  });

  it('LayerZero GUID: GUID.generate packing (keccak256(nonce ‖ srcEid ‖ sender ‖ dstEid ‖ receiver))', () => {
    // the packed layout, field by field; the repository's own vector is in ./vectors.test.ts
    const sender = '0x1111111111111111111111111111111111111111' as Hex;
    const receiver = `0x${'22'.repeat(32)}` as Hex;
    const packed = `0x${'0000000000000007'}${(30101).toString(16).padStart(8, '0')}${'0'.repeat(24)}${'11'.repeat(20)}${(30110).toString(16).padStart(8, '0')}${'22'.repeat(32)}` as Hex;
    expect(lzGuid(7n, 30101, sender, 30110, receiver)).toBe(keccak256(packed));
  });
});

describe('the lifecycle model', () => {
  it('the latest event wins, a delivery ends it', () => {
    expect(latestStage([{ stage: 'failed-retryable', blockNumber: 5, logIndex: 0 }])).toBe('failed-retryable');
    expect(latestStage([{ stage: 'failed-retryable', blockNumber: 5, logIndex: 0 }, { stage: 'delivered', blockNumber: 9, logIndex: 0 }])).toBe('delivered');
    expect(latestStage([{ stage: 'delivered', blockNumber: 5, logIndex: 0 }, { stage: 'failed-retryable', blockNumber: 9, logIndex: 0 }])).toBe('delivered');
    expect(latestStage([{ stage: 'waiting-for-user', blockNumber: 5, logIndex: 0 }, { stage: 'failed-retryable', blockNumber: 5, logIndex: 3 }])).toBe('failed-retryable');
    expect(latestStage([])).toBeNull();
  });
  it('states: waiting for a user is not pending; an unfilled deposit past its deadline is expired', () => {
    expect(messageState({ latest: null, waitsForUser: true, expiresAt: null, chainTime: 10 })).toBe('waiting-for-user');
    expect(messageState({ latest: null, waitsForUser: false, expiresAt: 9, chainTime: 10 })).toBe('expired');
    expect(messageState({ latest: null, waitsForUser: false, expiresAt: 10, chainTime: 10 })).toBe('pending');
    expect(messageState({ latest: 'failed-retryable', waitsForUser: true, expiresAt: 1, chainTime: 10 })).toBe('failed-retryable');
  });
  it('occurrence pairing: the same NFT out, back and out again is one pending, not a replay', () => {
    const deposits = [{ key: '0x7', n: 1 }, { key: '0x7', n: 2 }, { key: '0x8', n: 1 }];
    expect(pairByOccurrence(deposits, [{ key: '0x7' }])).toEqual([{ key: '0x7', n: 2 }, { key: '0x8', n: 1 }]);
    expect(pairByOccurrence(deposits, [{ key: '0x7' }, { key: '0x7' }, { key: '0x8' }])).toEqual([]);
  });
  it('Across: both generations give one key for one deposit id; other routes are skipped', () => {
    const preset = presetNamed('across-v3')!;
    const [current, legacy] = preset.source;
    const deposit = (abiSig: string, destination: bigint, id: bigint, tokenWord: Hex) => {
      const abi = eventAbi(abiSig);
      const types = abi.abiEvent.inputs.filter((i) => !i.indexed);
      const values = types.map((i) => (i.name === 'inputToken' ? (i.type === 'address' ? `0x${tokenWord.slice(-40)}` : tokenWord) : i.type === 'bytes' ? '0x' : i.type.startsWith('uint') ? (i.name === 'fillDeadline' ? 4294967295 : i.name === 'inputAmount' ? 5n : 0) : i.type === 'address' ? '0x0000000000000000000000000000000000000000' : `0x${'0'.repeat(64)}`));
      const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
      return { address: '0x0', topics: [abi.topic0, word(destination), word(id), word(1n)], data: encodeAbiParameters(types, values as never) };
    };
    const token = `0x${'0'.repeat(24)}${'ab'.repeat(20)}` as Hex;
    const ctx = { chainId: 1, otherChainId: 42161, params: {} };
    const a = current!.decode(deposit(current!.signature, 42161n, 42n, token), ctx)!;
    const b = legacy!.decode(deposit(legacy!.signature, 42161n, 42n, token), ctx)!;
    expect(a.key).toBe(b.key);
    expect(a).toMatchObject({ token: `0x${'ab'.repeat(20)}`, amount: 5n, expiresAt: null, id: '1:42' });
    expect(current!.decode(deposit(current!.signature, 10n, 42n, token), ctx)).toBeNull();
  });
});

describe('asset kinds in valuation', () => {
  const policy = { S0: {}, S1: {}, S2: {}, S3: { stuckTransfers: 1 } } as never;
  const verdict = (transfers: Parameters<typeof summarizePending>[0], priceOf: (t: string | null) => TokenPrice | undefined) =>
    bridgeVerdict({ stuckAfterMs: 0, chainTime: 1000, pending: summarizePending(transfers, 999), priceOf, policy, destinationHalted: false });
  const t = (id: string, token: string, amount: bigint, tokenId?: string, state?: 'waiting-for-user' | 'expired' | 'failed-retryable') => ({
    id, sourceTx: '0x', token, amount, blockTimestamp: 100, ...(tokenId ? { tokenId } : {}), ...(state ? { state } : {}),
  });
  it('erc721: one item at the floor, per-tokenId prices over it; an item with no price is unpriced, never $0', () => {
    const nft: TokenPrice = { symbol: 'APE', decimals: 0, priceUsd: 10, prices: { '7': 25 } };
    const v = verdict([t('a', '0xn', 1n, '7'), t('b', '0xn', 1n, '8'), t('c', '0xn', 1n, '9')], () => nft);
    expect(v).toMatchObject({ stuck: 3, lockedUsd: 45, unpriced: 0 });
    const idsOnly: TokenPrice = { symbol: 'APE', decimals: 0, priceUsd: null, prices: { '7': 25 } };
    const w = verdict([t('a', '0xn', 1n, '7'), t('b', '0xn', 1n, '8')], () => idsOnly);
    expect(w).toMatchObject({ stuck: 2, lockedUsd: 25, unpriced: 1 });
    expect(w.transfers.find((x) => x.id === 'b')!.valueUsd).toBeNull();
  });
  it('erc1155: units × the id’s price', () => {
    const items: TokenPrice = { symbol: 'ITEM', decimals: 0, priceUsd: 2, prices: { '7': 25 } };
    expect(verdict([t('a', '0xi', 3n, '7'), t('b', '0xi', 4n, '1')], () => items)).toMatchObject({ stuck: 2, lockedUsd: 83 });
  });
  it('waiting and expired transfers are shown, never stuck; a failed delivery is', () => {
    const usdc: TokenPrice = { symbol: 'USDC', decimals: 6, priceUsd: 1 };
    const v = verdict([t('a', '0xu', 5_000_000n, undefined, 'waiting-for-user'), t('b', '0xu', 7_000_000n, undefined, 'expired'), t('c', '0xu', 9_000_000n, undefined, 'failed-retryable')], () => usdc);
    expect(v).toMatchObject({ pending: 2, waiting: 1, expired: 1, failed: 1, stuck: 1, lockedUsd: 9 });
  });
});
