import { BadRequestError, reasonOf } from '../core/errors.ts';
import { createLogger } from '../app/logger.ts';
import { type DrillReport, isScenario, type RunningDrill, SCENARIOS, startDrill } from '../app/drill.ts';
import type { CommandSpec } from './args.ts';
import { createStepProgress } from './progress.ts';

/** The fields SPEC §1 fixes for the `--once` line, then what the drill adds to explain itself. */
function summaryLine(report: DrillReport): string {
  const { incident, severity, stuck, lockedUsd, messages, mirrorCid, paused, proposal, postmortemDigest, anchorTx, verified } = report;
  return JSON.stringify({
    incident,
    severity,
    stuck,
    lockedUsd,
    messages,
    mirrorCid,
    paused,
    proposal,
    postmortemDigest,
    anchorTx,
    verified,
    // exploit: SPEC §11 figures
    ...(report.unbackedUsd !== undefined ? { unbackedUsd: report.unbackedUsd } : {}),
    ...(report.pausedAfterBlocks !== undefined ? { pausedAfterBlocks: report.pausedAfterBlocks } : {}),
    ...(report.rollbackTx !== undefined ? { rollbackTx: report.rollbackTx } : {}),
    scenario: report.scenario,
    failedStep: report.failedStep,
    steps: report.steps,
  });
}

export const drillCommand: CommandSpec = {
  name: 'drill',
  summary: 'game day on local chains: an incident run end to end, on a dashboard',
  usage: `firebreak drill [--scenario ${SCENARIOS.join('|')}] [--port 8787] [--once] [--json]`,
  help: [
    `  --scenario NAME     ${SCENARIOS.join(' | ')} (default stuck-bridge)`,
    '  --port N            dashboard port (default 8787; 0 picks a free one)',
    '  --once              run the scenario to the end, print one JSON summary line, exit',
    '  --json              no spinners: JSON log lines on stderr',
  ],
  options: { scenario: { type: 'string' }, port: { type: 'string' }, once: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values }) {
    const scenario = (values.scenario as string | undefined) ?? 'stuck-bridge';
    if (!isScenario(scenario)) throw new BadRequestError(`--scenario: unknown scenario "${scenario}"; use one of ${SCENARIOS.join(', ')}`, { code: 'usage' });
    const port = values.port === undefined ? 8787 : String(values.port).trim() === '' ? Number.NaN : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadRequestError('--port must be a port number (0–65535)', { code: 'usage' });
    const tty = process.stderr.isTTY === true && !values.json;
    const logger = createLogger({ level: tty ? 'warn' : 'info' });
    const progress = createStepProgress({ logger, tty });

    let drill: RunningDrill | null = null;
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      progress.close();
      progress.say(`${signal}: stopping the drill (chains, server, store)`);
      await drill?.stop();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));

    try {
      drill = await startDrill({ scenario, port, logger, progress });
    } catch (error) {
      progress.close();
      throw error;
    }
    try {
      if (!values.once) {
        progress.say(`dashboard: ${drill.url}/ — Ctrl-C stops everything`);
        const report = await drill.run({ recover: 'manual' });
        progress.say(
          report.failedStep
            ? `drill over; step "${report.failedStep}" did not complete (the dashboard shows the rest). Ctrl-C stops everything`
            : `drill over: ${report.incident} resolved, postmortem anchored and verified. Ctrl-C stops everything`,
        );
        await new Promise(() => {});
      }
      const report = await drill.run({ recover: 'auto' });
      progress.close();
      await drill.stop();
      process.stdout.write(`${summaryLine(report)}\n`);
      if (report.failedStep) {
        process.stderr.write(`firebreak drill: step "${report.failedStep}" did not complete (steps: ${Object.entries(report.steps).map(([s, o]) => `${s} ${o}`).join(', ')})\n`);
        return 3;
      }
      return 0;
    } catch (error) {
      progress.close();
      await drill.stop();
      process.stderr.write(`firebreak drill: ${reasonOf(error)}\n`);
      return 3;
    }
  },
};
