/**
 * "What changed": admin events on every configured contract (bridge sides, pausable targets, price
 * feeds, rollback governors, the anchor registry) as log sources for chain sync, stored in
 * `admin_events`. An incident shows the ones of the 24 h before detection; a recent upgrade or role
 * change turns into a "roll back first" recommendation (src/incidents/recent-changes.ts).
 */
import { type AbiEvent, decodeEventLog, type Hex, parseAbiItem, toEventSelector } from 'viem';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import type { RawLog } from '../chain/blocks.ts';
import type { LogSource } from '../chain/sync.ts';
import type { Db } from '../store/store.ts';

/** The standard admin events (OpenZeppelin / EIP-1967 shapes). */
export const ADMIN_EVENTS: Record<string, AbiEvent> = Object.fromEntries(
  [
    'event Upgraded(address indexed implementation)',
    'event AdminChanged(address previousAdmin, address newAdmin)',
    'event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)',
    'event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)',
    'event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)',
    'event Paused(address account)',
    'event Unpaused(address account)',
  ].map((signature) => {
    const event = parseAbiItem(signature) as AbiEvent;
    return [event.name, event];
  }),
);

/** Every configured contract, per chain (lower-case addresses), with the block to read from. */
export function watchedContracts(config: Config): Array<{ chain: string; address: string; fromBlock: number }> {
  const found = new Map<string, { chain: string; address: string; fromBlock: number }>();
  const add = (chain: string, address: string | undefined, fromBlock = 0) => {
    if (!address || !config.chains[chain]) return;
    const key = `${chain}:${address.toLowerCase()}`;
    const known = found.get(key);
    if (!known || fromBlock < known.fromBlock) found.set(key, { chain, address: address.toLowerCase(), fromBlock });
  };
  for (const bridge of config.bridges) {
    add(bridge.source.chain, bridge.source.address, Number(bridge.source.fromBlock));
    add(bridge.destination.chain, bridge.destination.address, Number(bridge.destination.fromBlock));
    add(bridge.source.chain, bridge.pausable, Number(bridge.source.fromBlock));
    for (const token of Object.values(bridge.tokens)) if (token.priceFeed) add(token.priceFeed.chain, token.priceFeed.address, Number(bridge.source.fromBlock));
  }
  for (const governor of config.governance.rollbackGovernors) {
    add(governor.chain, governor.address);
    // proxies the governor may roll back: their upgrades are what a rollback undoes
    for (const entry of governor.rollbacks) add(governor.chain, entry.proxy);
  }
  if (config.anchor) add(config.anchor.chain, config.anchor.registry);
  return [...found.values()];
}

function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v.toLowerCase() : v]));
}

/** One log source per (contract, admin event) on `chain`. */
export function adminSources(config: Config, chain: string, logger: Logger): LogSource[] {
  const sources: LogSource[] = [];
  for (const contract of watchedContracts(config).filter((c) => c.chain === chain)) {
    for (const event of Object.values(ADMIN_EVENTS)) {
      const topic0 = toEventSelector(event).toLowerCase();
      const where = (db: Db) =>
        db.deleteFrom('admin_events').where('chain', '=', chain).where('address', '=', contract.address).where('event', '=', event.name);
      sources.push({
        key: `admin:${chain}:${contract.address}:${event.name}`,
        address: contract.address,
        topic0,
        fromBlock: contract.fromBlock,
        fingerprint: `admin|${contract.address}|${topic0}|${contract.fromBlock}`,
        quietWhenEmpty: true,
        async ingest(trx, logs: RawLog[]) {
          const rows = [];
          for (const log of logs) {
            try {
              const { args } = decodeEventLog({ abi: [event], data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]], strict: true });
              rows.push({
                chain,
                address: contract.address,
                block_number: log.blockNumber,
                block_timestamp: log.blockTimestamp ?? 0,
                tx_hash: log.transactionHash,
                log_index: log.logIndex,
                event: event.name,
                args: JSON.stringify(jsonArgs(args as unknown as Record<string, unknown>)),
              });
            } catch {
              // same topic0, another layout (e.g. a governor's own Paused event): not an admin event
              logger.debug({ chain, tx: log.transactionHash, event: event.name }, 'log does not decode as the admin event: skipped');
            }
          }
          if (rows.length > 0) await trx.insertInto('admin_events').values(rows).onConflict((oc) => oc.columns(['chain', 'tx_hash', 'log_index']).doNothing()).execute();
        },
        rollback: async (trx, block) => void (await where(trx).where('block_number', '>', block).execute()),
        reset: async (trx) => void (await where(trx).execute()),
      });
    }
  }
  return sources;
}
