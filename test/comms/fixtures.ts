/** A small Config (no chains needed) for rendering and sink tests. */
import { checkConfigObject } from '../../src/config/load.ts';
import { formatIssue } from '../../src/core/errors.ts';
import type { Config } from '../../src/config/types.ts';

export function commsConfig(extra: Record<string, unknown> = {}): Config {
  const raw = {
    chains: { ethereum: { chainId: 1, rpc: 'https://eth.example' }, arbitrum: { chainId: 42161, rpc: 'https://arb.example' } },
    bridges: [
      {
        id: 'usdc-lane',
        name: 'USDC lane',
        stuckAfter: '30m',
        source: { chain: 'ethereum', address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585', event: 'event TokensLocked(uint64 indexed nonce, address token, uint256 amount)', fields: { id: 'nonce', amount: 'amount' } },
        destination: { chain: 'arbitrum', address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28', event: 'event TokensReleased(uint64 indexed nonce)', fields: { id: 'nonce' } },
        defaultToken: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
      },
    ],
    ...extra,
  };
  const result = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!result.config || result.errors.length > 0) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config;
}
