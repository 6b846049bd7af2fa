import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
import { createLogger } from '../app/logger.ts';
import { runScan, type ScanResult } from '../app/scan.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { createProgressReporter } from './progress.ts';

export const scanCommand: CommandSpec = {
  name: 'scan',
  summary: 'read every chain up to its confirmed head, judge every bridge, print the result',
  usage: 'firebreak scan [--json] [--config FILE]',
  help: ['  --json              print the result as JSON on stdout (logs stay on stderr)'],
  options: { json: { type: 'boolean' } },
  async run({ values, configFile }) {
    const logger = createLogger();
    const config = loadConfigOrExit(configFile, logger);
    const progress = createProgressReporter(logger);
    let result: ScanResult;
    try {
      result = await runScan({ config, logger, onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(renderScan(result));
    const unreadable = Object.values(result.chains).some((chain) => chain.error !== undefined);
    return unreadable ? 2 : 0;
  },
};

export function renderScan(result: ScanResult): string {
  const lines: string[] = [`scan at ${result.at}`, ''];
  for (const [name, chain] of Object.entries(result.chains)) {
    if (chain.error) lines.push(`  ${name}: NOT READ — ${chain.error}`);
    else
      lines.push(
        `  ${name}: head ${chain.head} (${new Date(chain.headTimestamp! * 1000).toISOString()}), confirmed ${chain.confirmed}${chain.halted ? ', HALTED' : ''}, rpc #${chain.rpc}`,
      );
  }
  lines.push('');
  for (const bridge of result.bridges) {
    if (!bridge.judged) {
      lines.push(`  ${bridge.id}: ${bridge.reason}`);
      continue;
    }
    const severity = bridge.severity ?? 'ok';
    lines.push(
      `  ${bridge.id} [${severity}]: ${bridge.pending} pending, ${bridge.stuck} stuck, ${formatUsd(bridge.lockedUsd)} locked` +
        (bridge.stuck > 0 ? `, oldest ${formatDuration(bridge.oldestStuckSeconds * 1000)}` : '') +
        (bridge.unpriced > 0 ? `, ${bridge.unpriced} unpriced` : '') +
        // SPEC §10 lifecycle states: shown, not paged (failed ones also count as stuck once old)
        (bridge.failed > 0 ? `, ${bridge.failed} failed (retryable)` : '') +
        (bridge.waiting > 0 ? `, ${bridge.waiting} waiting for their users` : '') +
        (bridge.expired > 0 ? `, ${bridge.expired} expired` : '') +
        (bridge.destinationHalted ? ', destination halted' : ''),
    );
    for (const warning of bridge.warnings) lines.push(`    warning: ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}
