/**
 * The starter `firebreak.yaml` that `firebreak init` writes (pure: text in, text out): one bridge
 * entry with a preset, the known mainnet addresses for the chosen chains, and every value a person
 * must supply as an environment variable, each line commented.
 */
import { presetNamed, PRESETS } from '../core/presets/index.ts';

/** Chains `init` knows by name (chain ids from chainlist; RPC URLs come from the environment). */
export const KNOWN_CHAINS: Record<string, number> = { ethereum: 1, optimism: 10, arbitrum: 42161, base: 8453, polygon: 137, avalanche: 43114 };

/** Well-known tokens by chainId, for fungible presets (issuers' published addresses). */
const KNOWN_TOKENS: Record<number, Array<{ address: string; line: string }>> = {
  1: [
    { address: '0xA0b86991c6218b36c1D19D4a2e9Eb0cE3606eB48', line: '{ symbol: USDC, decimals: 6, priceUsd: 1 }' },
    // WETH valued by Chainlink's ETH/USD feed on Ethereum
    { address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', line: '{ symbol: WETH, decimals: 18, priceFeed: { chain: ethereum, address: "0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419", maxAge: 1h } }' },
  ],
  42161: [{ address: '0xaf88d065e77c8cC2239327C5EDb3A432268e5831', line: '{ symbol: USDC, decimals: 6, priceUsd: 1 }' }],
  10: [{ address: '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85', line: '{ symbol: USDC, decimals: 6, priceUsd: 1 }' }],
  8453: [{ address: '0x833589fCD6eDb6E08f4c7C32CF6E0b9bC2Fd6b9E', line: '{ symbol: USDC, decimals: 6, priceUsd: 1 }' }],
};

export interface StarterInput {
  preset: string;
  from: string;
  to: string;
}

export interface Starter {
  yaml: string;
  /** environment variables the file references */
  env: Array<{ name: string; what: string }>;
}

const ZERO = '0x0000000000000000000000000000000000000000';
const envName = (chain: string, what: string) => `${chain.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${what}`;

/** What is wrong with the input, or undefined. */
export function starterProblem(input: StarterInput): string | undefined {
  if (!presetNamed(input.preset)) return `--preset: "${input.preset}" is not a preset (known: ${Object.keys(PRESETS).join(', ')})`;
  for (const [flag, chain] of [['--from', input.from], ['--to', input.to]] as const) {
    if (!Object.hasOwn(KNOWN_CHAINS, chain)) return `${flag}: "${chain}" is not a chain init knows (known: ${Object.keys(KNOWN_CHAINS).join(', ')})`;
  }
  if (input.from === input.to) return '--from and --to must be two different chains';
  return undefined;
}

export function starterConfig(input: StarterInput): Starter {
  const preset = presetNamed(input.preset)!;
  const fromId = KNOWN_CHAINS[input.from]!;
  const toId = KNOWN_CHAINS[input.to]!;
  // lower-case: accepted as is (a mistyped checksum can not make the file invalid)
  const sourceAddress = preset.deployments.find((d) => d.chainId === fromId)?.source?.toLowerCase();
  const destinationAddress = preset.deployments.find((d) => d.chainId === toId)?.destination?.toLowerCase();
  const env: Starter['env'] = [
    { name: envName(input.from, 'RPC_URL'), what: `an RPC endpoint for ${input.from} (chain ${fromId}); it may carry an API key` },
    { name: envName(input.to, 'RPC_URL'), what: `an RPC endpoint for ${input.to} (chain ${toId})` },
    { name: envName(input.from, 'FROM_BLOCK'), what: `the ${input.from} block to start reading from (a recent one: history before it is not read)` },
    { name: envName(input.to, 'FROM_BLOCK'), what: `the ${input.to} block to start reading from` },
  ];
  const side = (chain: string, address: string | undefined, role: string) => [
    `      chain: ${chain}`,
    address
      ? `      address: "${address}"   # ${role} on ${chain}, from ${preset.sources[0]?.split(' ')[0] ?? 'the bridge repository'}`
      : `      address: "${ZERO}"   # TODO: the ${role} on ${chain} (not listed in the bridge's repository)`,
    `      fromBlock: "\${${envName(chain, 'FROM_BLOCK')}}"`,
  ];
  const route = { sourceChainId: fromId, destinationChainId: toId, sourceAddress: sourceAddress ?? ZERO, destinationAddress: destinationAddress ?? ZERO };
  const paramLines = preset.params.map((param) => {
    const value = param.default?.(route);
    return value === undefined
      ? `      ${param.name}: "${ZERO}"   # TODO: ${param.description} (required)`
      : `      ${param.name}: ${JSON.stringify(value)}   # ${param.description} (the default for ${input.from} → ${input.to})`;
  });
  const nft = preset.assetKind === 'erc721' || preset.assetKind === 'erc1155';
  const tokens = nft
    ? [
        '    tokens:   # the collection by its source address: one item per transfer at the floor, or per tokenId',
        `      "${sourceAddress ?? ZERO}": { symbol: NFT, kind: ${preset.assetKind}, priceUsd: 1000, prices: { "1": 2500 } }   # TODO: your collection and its floor`,
      ]
    : ['    tokens:   # tokens not listed here are counted as stuck but unpriced (never $0)', ...(KNOWN_TOKENS[fromId] ?? []).map((t) => `      "${t.address.toLowerCase()}": ${t.line}`)];
  if (!nft && !(KNOWN_TOKENS[fromId]?.length)) tokens.push(`      # "0x…": { symbol: TOKEN, decimals: 18, priceUsd: 1 }`);
  if (preset.assetKind === 'native') tokens.push(`    defaultToken: { symbol: ETH, decimals: 18, priceUsd: 3000 }   # values transfers that name no token (ETH)`);
  const yaml = [
    `# Firebreak starter config: ${preset.title}, ${input.from} → ${input.to}.`,
    '# Written by `firebreak init`. Set the environment variables below, then run',
    '#   npx firebreak validate --online   (checks the addresses have code and the events appear)',
    '#   npx firebreak scan                (one pass: what is pending, stuck and locked)',
    '#   npx firebreak start               (the service: watchers, incidents, comms, status page)',
    '#',
    '# Environment:',
    ...env.map((e) => `#   ${e.name}: ${e.what}`),
    ...(preset.notes ? ['#', `# About ${preset.name}: ${preset.notes}.`] : []),
    `# Facts behind this preset: ${preset.sources.join('; ')}.`,
    '',
    'dataDir: ./.firebreak            # the embedded database, IPFS repo and keys',
    '',
    'chains:',
    ...[input.from, input.to].flatMap((chain) => [
      `  ${chain}:`,
      `    chainId: ${KNOWN_CHAINS[chain]}`,
      `    rpc: ["\${${envName(chain, 'RPC_URL')}}"]   # add more URLs for fallback`,
      '    confirmations: 2',
    ]),
    '',
    'bridges:',
    `  - id: ${input.preset.replace(/[^a-z0-9]+/g, '-')}-${input.from}-${input.to}`,
    `    name: ${preset.title.split(' (')[0]} ${input.from} → ${input.to}`,
    `    preset: ${preset.name}   # events, keys, amounts and lifecycle come from the preset`,
    `    # stuckAfter: ${preset.stuckAfter}   # the preset's default; a transfer pending longer is stuck`,
    '    source:',
    ...side(input.from, sourceAddress, preset.name === 'erc721-lock-mint' ? 'collection' : 'source contract'),
    '    destination:',
    ...side(input.to, destinationAddress, preset.name === 'erc721-lock-mint' ? 'wrapped collection' : 'destination contract'),
    ...(paramLines.length ? ['    params:', ...paramLines] : ['    params: {}']),
    ...tokens,
    '',
    '# Add chat, paging, the status mirror and governance when you are ready: see firebreak.example.yaml.',
    '',
  ].join('\n');
  return { yaml, env };
}
