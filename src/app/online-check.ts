/**
 * `firebreak validate --online`: each bridge side checked against its chain — the address has code,
 * and the side's events appear within a recent window. Findings are warnings (a quiet bridge or a
 * young deployment is not a config error); an unreachable chain is a warning too, saying so.
 */
import type { ConfigIssue } from '../core/errors.ts';
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { eventAbi } from '../core/presets/abi.ts';
import { presetNamed } from '../core/presets/index.ts';
import type { BridgeConfig, Config } from '../config/types.ts';
import { createRpcClient, type RpcClient } from '../chain/rpc.ts';

/** blocks looked back for events; halved on a provider's range refusal down to MIN_WINDOW */
export const RECENT_WINDOW = 10_000;
const MIN_WINDOW = 500;

function sideTopics(bridge: BridgeConfig, side: 'source' | 'destination'): string[] {
  if (!bridge.preset) return [bridge[side].selector.toLowerCase()];
  const preset = presetNamed(bridge.preset.name)!;
  return [...new Set(preset[side].map((e) => eventAbi(e.signature).topic0))];
}

async function recentLogCount(rpc: RpcClient, address: string, topics: string[], head: number): Promise<{ count: number; window: number }> {
  let window = RECENT_WINDOW;
  for (;;) {
    const fromBlock = Math.max(0, head - window + 1);
    try {
      const logs = await rpc.request<unknown[]>('eth_getLogs', [{ address, topics: [topics], fromBlock: `0x${fromBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` }]);
      return { count: logs.length, window: head - fromBlock + 1 };
    } catch (error) {
      if (window <= MIN_WINDOW) throw error;
      window = Math.floor(window / 4);
    }
  }
}

export async function onlineIssues(config: Config, logger: Logger): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const clients = new Map<string, RpcClient>();
  const rpcFor = (chain: string) => {
    let client = clients.get(chain);
    if (!client) clients.set(chain, (client = createRpcClient({ chain, urls: config.chains[chain]!.rpc, logger, timeoutMs: 15_000 })));
    return client;
  };
  const heads = new Map<string, Promise<number>>();
  const headOf = (chain: string) => {
    let head = heads.get(chain);
    if (!head) heads.set(chain, (head = rpcFor(chain).request<string>('eth_blockNumber', []).then(Number)));
    return head;
  };
  for (const [index, bridge] of config.bridges.entries()) {
    for (const side of ['source', 'destination'] as const) {
      const path = `bridges[${index}].${side}`;
      const { chain, address } = bridge[side];
      const warn = (message: string) => issues.push({ path, message, level: 'warning' });
      try {
        const rpc = rpcFor(chain);
        const code = await rpc.request<string>('eth_getCode', [address, 'latest']);
        if (!code || code === '0x') {
          warn(`no contract at ${address} on ${chain}: check the address and the chain`);
          continue;
        }
        const head = await headOf(chain);
        const { count, window } = await recentLogCount(rpc, address, sideTopics(bridge, side), head);
        if (count === 0) warn(`no ${bridge.preset ? `${bridge.preset.name} ` : ''}${side} events from ${address} in the last ${window} blocks of ${chain} (a quiet bridge, or the wrong address or preset?)`);
      } catch (error) {
        warn(`could not check ${address} on ${chain}: ${reasonOf(error)}`);
      }
    }
  }
  return issues;
}
