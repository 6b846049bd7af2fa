/**
 * "What changed" window: only admin events of the bridge's own contracts, in the 24 h before
 * detection (chain time), become timeline entries; the advice comes only with at least one change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { RECENT_CHANGE_WINDOW_SECONDS, recentChangeEntries, recentChanges } from '../../src/incidents/recent-changes.ts';
import { createStore, type Store } from '../../src/store/store.ts';

const SOURCE = '0x3ee18b2214aff97000d974cf647e7c347e8fa585';
const DESTINATION = '0x8eb8a3b98659cce290402893d0123abb75e3ab28';
const OTHER = '0x1111111111111111111111111111111111111111';
const DETECTED = 1_767_225_600;

let store: Store;
let config: Config;

beforeAll(async () => {
  const result = checkConfigObject(
    {
      storage: { url: 'memory://' },
      chains: { ethereum: { chainId: 1, rpc: ['http://127.0.0.1:9'] }, arbitrum: { chainId: 42161, rpc: ['http://127.0.0.1:9'] } },
      bridges: [
        {
          id: 'acme',
          stuckAfter: '30m',
          source: { chain: 'ethereum', address: SOURCE, event: 'event TokensLocked(uint64 indexed nonce, address token, uint256 amount)', fields: { id: 'nonce', amount: 'amount' } },
          destination: { chain: 'arbitrum', address: DESTINATION, event: 'event TokensReleased(uint64 indexed nonce)', fields: { id: 'nonce' } },
          defaultToken: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
        },
      ],
    },
    { baseDir: process.cwd(), env: {} },
  );
  config = result.config!;
  store = await createStore(config.storage);
  const row = (chain: string, address: string, event: string, ts: number, i: number, args: Record<string, unknown> = {}) => ({
    chain,
    address,
    block_number: 100 + i,
    block_timestamp: ts,
    tx_hash: `0x${String(i).padStart(64, '0')}`,
    log_index: 0,
    event,
    args: JSON.stringify(args),
  });
  await store.db
    .insertInto('admin_events')
    .values([
      row('ethereum', SOURCE, 'Upgraded', DETECTED - 3600, 1, { implementation: '0xabc' }),
      row('arbitrum', DESTINATION, 'RoleGranted', DETECTED - 7200, 2, { role: '0x01', account: '0xdef', sender: '0x123' }),
      row('ethereum', SOURCE, 'OwnershipTransferred', DETECTED - RECENT_CHANGE_WINDOW_SECONDS - 1, 3), // too old
      row('ethereum', SOURCE, 'Paused', DETECTED + 60, 4), // after detection
      row('ethereum', OTHER, 'Upgraded', DETECTED - 60, 5), // not this bridge's contract
      row('arbitrum', SOURCE, 'Upgraded', DETECTED - 60, 6), // same address, other chain
    ])
    .execute();
}, 240_000);

afterAll(async () => {
  await store?.close();
});

describe('recent changes', () => {
  it('selects the bridge contracts changes of the 24 h before detection', async () => {
    const changes = await recentChanges(store.db, config, 'acme', DETECTED);
    expect(changes.map((c) => `${c.chain}:${c.event}`)).toEqual(['arbitrum:RoleGranted', 'ethereum:Upgraded']);
    expect(changes[1]).toMatchObject({ address: SOURCE, args: { implementation: '0xabc' }, blockTimestamp: DETECTED - 3600 });
    expect(await recentChanges(store.db, config, 'unknown-bridge', DETECTED)).toEqual([]);
  });

  it('turns them into timeline entries and the runbook advice', async () => {
    const changes = await recentChanges(store.db, config, 'acme', DETECTED);
    const advice = config.playbooks.runbooks['bridge-stuck'].recentChangeAdvice;
    expect(advice).toMatch(/Roll back first/);
    const entries = recentChangeEntries(changes, DETECTED, advice, new Date(DETECTED * 1000));
    expect(entries.map((e) => e.kind)).toEqual(['admin_change', 'admin_change', 'recommendation']);
    expect(entries[1]!.text).toMatch(/^Upgraded on ethereum 0x3ee1.* 1 h before detection \(implementation 0xabc\)/);
    expect(entries[2]).toMatchObject({ text: advice, actor: 'firebreak' });
    expect(recentChangeEntries([], DETECTED, advice, new Date())).toEqual([]);
  });
});
