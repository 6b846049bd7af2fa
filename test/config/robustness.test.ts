import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';
import { formatIssue } from '../../src/core/errors.ts';

const SECRET = 'SeCrEt-VaLuE-42';

function base(): Record<string, any> {
  return {
    server: { apiTokens: ['${TOKEN}'] },
    chains: { ethereum: { chainId: 1, rpc: 'https://eth.example' }, arbitrum: { chainId: 42161, rpc: ['https://arb.example'] } },
    bridges: [
      {
        id: 'b',
        stuckAfter: '30m',
        source: {
          chain: 'ethereum',
          address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585',
          event: 'event L(bytes32 indexed id, address token, uint256 amount)',
          fields: { id: 'id', amount: 'amount', token: 'token' },
        },
        destination: {
          chain: 'arbitrum',
          address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28',
          event: 'event R(bytes32 indexed id)',
          fields: { id: 'id' },
        },
        tokens: { '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48': { symbol: 'USDC', decimals: 6, priceUsd: 1 } },
      },
    ],
    governance: { snapshot: { space: 'x.eth', network: 'ethereum', signer: '${KEY}' } },
  };
}

/** every path to a leaf or a node of the base config */
function paths(node: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(node)) node.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const ALL_PATHS = paths(base()).filter((p) => p.length > 0);

describe('any mangled config', () => {
  it('never throws, reports one line per problem, and never shows an environment value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_PATHS),
        fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant('${TOKEN}'), fc.constant(`0x${'ab'.repeat(32)}`)),
        (path, value) => {
          const config = base();
          let node: any = config;
          for (const key of path.slice(0, -1)) node = node[key];
          const last = path[path.length - 1]!;
          if (value === undefined) delete node[last];
          else node[last] = value;
          const result = checkConfigObject(config, { env: { TOKEN: SECRET, KEY: SECRET }, baseDir: '/tmp' });
          expect(result.config === null).toBe(result.errors.length > 0);
          for (const issue of [...result.errors, ...result.warnings]) {
            const line = formatIssue(issue);
            expect(line).not.toContain('\n');
            expect(line).not.toContain(SECRET);
            expect(line).not.toContain('abababab');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
