/** Two anvil chains with the drill bridge deployed, and a loaded Config pointing at them. */
import { checkConfigObject } from '../../src/config/load.ts';
import { formatIssue } from '../../src/core/errors.ts';
import type { Config } from '../../src/config/types.ts';
import { startLocalChain, type LocalChain } from '../../src/drill/chains.ts';
import { type DrillBridge, type DrillConfigOptions, deployDrillBridge, drillConfig } from '../../src/drill/bridge.ts';

export interface DrillChains {
  source: LocalChain;
  destination: LocalChain;
  bridge: DrillBridge;
  stop(): Promise<void>;
}

/** `anvilArgs`: for both chains (`--load-state <file>` starts them on a long history, say) */
export async function startDrillChains(options: { anvilArgs?: string[] } = {}): Promise<DrillChains> {
  const [source, destination] = await Promise.all([
    startLocalChain({ name: 'ethereum', chainId: 31337, anvilArgs: options.anvilArgs }),
    startLocalChain({ name: 'arbitrum', chainId: 31338, anvilArgs: options.anvilArgs }),
  ]);
  const bridge = await deployDrillBridge(source, destination);
  return {
    source,
    destination,
    bridge,
    stop: async () => {
      await Promise.all([source.stop(), destination.stop()]);
    },
  };
}

export function configFor(
  bridge: DrillBridge,
  options: Partial<Omit<DrillConfigOptions, 'bridge'>> & { patch?: (raw: Record<string, any>) => void } = {},
): Config {
  const raw = drillConfig({ bridge, storage: 'pglite://memory', dataDir: '/tmp/firebreak-test', ...options }) as Record<string, any>;
  options.patch?.(raw);
  const result = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!result.config || result.errors.length > 0) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config;
}
