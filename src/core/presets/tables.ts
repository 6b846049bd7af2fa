/**
 * Per-chain constants the presets key on. Each table says where it comes from.
 */

/** Circle CCTP domains by EVM chainId (Circle docs "Supported Chains and Domains"; the repository
 * circlefin/evm-cctp-contracts takes the domain as a constructor argument and lists none). */
export const CCTP_DOMAINS: Record<number, number> = { 1: 0, 43114: 1, 10: 2, 42161: 3, 8453: 6, 137: 7 };

/** LayerZero V2 endpoint ids (LayerZero-Labs/lz-address-book src/generated/LZAddresses.sol). */
export const LZ_EIDS: Record<number, number> = { 1: 30101, 10: 30111, 42161: 30110, 8453: 30184, 137: 30109 };

/** CCIP chain selectors (smartcontractkit/chain-selectors selectors.yml). */
export const CCIP_SELECTORS: Record<number, bigint> = {
  1: 5009297550715157269n,
  10: 3734403246176062136n,
  42161: 4949039107694359620n,
  8453: 15971525489660198786n,
};

/** Wormhole chain ids (wormhole-foundation/wormhole sdk/vaa/structs.go). */
export const WORMHOLE_CHAINS: Record<number, number> = { 1: 2, 42161: 23, 10: 24, 8453: 30 };

/** Wormhole Token Bridge by chainId (wormhole-foundation/wormhole sdk/js/src/utils/consts.ts). */
export const WORMHOLE_TOKEN_BRIDGES: Record<number, string> = {
  1: '0x3ee18B2214AFF97000D974cf647E7C347E8fa585',
  42161: '0x0b2402144Bb366A632D14B83F244D2e0e21bD39c',
  10: '0x1D68124e65faFC907325e3EDbF8c4d84499DAa8b',
  8453: '0x8d2de8d2f73F1F4cAB472AC9A881C9b123C79627',
};

export function lookup<T>(table: Record<number, T>, chainId: number): T | undefined {
  return table[chainId];
}
