/** Two fresh anvil chains with the drill bridge deployed: the ground every benchmark runs on. */
import { type DrillBridge, deployDrillBridge } from '../drill/bridge.ts';
import { startLocalChain } from '../drill/chains.ts';

export interface BenchChains {
  bridge: DrillBridge;
  stop(): Promise<void>;
}

export async function startBenchChains(): Promise<BenchChains> {
  const [source, destination] = await Promise.all([
    startLocalChain({ name: 'ethereum-local', chainId: 31337 }),
    startLocalChain({ name: 'arbitrum-local', chainId: 31338 }),
  ]);
  try {
    const bridge = await deployDrillBridge(source, destination);
    return { bridge, stop: async () => void (await Promise.all([source.stop(), destination.stop()])) };
  } catch (error) {
    await Promise.all([source.stop(), destination.stop()]);
    throw error;
  }
}
