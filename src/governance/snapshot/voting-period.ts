/**
 * `firebreak validate`: a Snapshot vote meant to ratify a pause is useless if the pause lapses
 * before the vote ends. The pause's length is on-chain (the governor's `allowance(target)`), so this
 * reads it from each configured governor for each auto-paused target, with a short timeout; an
 * unreachable chain gives a warning that says what to check by hand.
 */
import type { Address } from 'viem';
import { loadArtifact, ROLLBACK_GOVERNOR } from '../../chain/artifacts.ts';
import type { ConfigIssue } from '../../core/errors.ts';
import { formatDuration } from '../../core/duration.ts';
import type { Config } from '../../config/types.ts';
import { chainClients } from '../chain.ts';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

export async function governanceTimingIssues(config: Config, options: { timeoutMs?: number } = {}): Promise<ConfigIssue[]> {
  const snapshot = config.governance.snapshot;
  const issues: ConfigIssue[] = [];
  const governors = config.governance.rollbackGovernors;
  const abi = loadArtifact(ROLLBACK_GOVERNOR).abi;
  const votingSeconds = snapshot ? Math.round(snapshot.votingPeriodMs / 1000) : 0;
  for (const [g, governor] of governors.entries()) {
    const path = governors.length > 1 ? `governance.rollbackGovernor[${g}]` : 'governance.rollbackGovernor';
    for (const [i, entry] of governor.autoPause.entries()) {
      const target = config.bridges.find((b) => b.id === entry.bridge)?.pausable;
      if (!target || !config.chains[governor.chain]) continue;
      let maxPauseSeconds: number;
      try {
        const { publicClient } = chainClients(config, governor.chain);
        const [seconds] = (await withTimeout(
          publicClient.readContract({ address: governor.address, abi, functionName: 'allowance', args: [target as Address] }),
          options.timeoutMs ?? 5_000,
        )) as readonly [bigint, boolean];
        maxPauseSeconds = Number(seconds);
      } catch {
        issues.push({
          level: 'warning',
          path: `${path}.autoPause[${i}]`,
          message: `cannot read the governor's allowance for ${target} on ${governor.chain} (chain unreachable, or not a RollbackGovernor at ${governor.address})${snapshot ? `: check by hand that governance.snapshot.votingPeriod (${formatDuration(snapshot.votingPeriodMs)}) is shorter than its maxPauseSeconds` : ''}`,
        });
        continue;
      }
      if (maxPauseSeconds === 0) {
        issues.push({ level: 'warning', path: `${path}.autoPause[${i}]`, message: `the governor has no allowance for ${target} (bridge ${entry.bridge}): an auto-pause would be refused until governance calls allow()` });
      } else if (snapshot && votingSeconds > maxPauseSeconds) {
        issues.push({
          level: 'warning',
          path: 'governance.snapshot.votingPeriod',
          message: `${formatDuration(snapshot.votingPeriodMs)} outlasts the pause it would ratify (bridge ${entry.bridge}: maxPauseSeconds ${maxPauseSeconds} s = ${formatDuration(maxPauseSeconds * 1000)}); the pause lapses before the vote ends: shorten votingPeriod or allow a longer pause`,
        });
      }
    }
  }
  return issues;
}
