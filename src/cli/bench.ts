import { BadRequestError } from '../core/errors.ts';
import { createLogger } from '../app/logger.ts';
import { BENCH_NAMES, type BenchName, DEFAULT_SIZES, FULL_SIZES, renderBench, runBench } from '../bench/run.ts';
import type { CommandSpec } from './args.ts';

function count(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new BadRequestError(`--${name} must be a whole number of at least 2 (got "${String(value)}")`, { code: 'usage' });
  return n;
}

function only(value: string | boolean | undefined): BenchName[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value).split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = names.filter((n) => !(BENCH_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new BadRequestError(`--only takes names from ${BENCH_NAMES.join(', ')} (got "${String(value)}")`, { code: 'usage' });
  return names as BenchName[];
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'benchmarks on local chains: ingest vs the RPC, vs Ponder, detection latency, memory, API load',
  usage: 'firebreak bench [--full] [--json]',
  help: [
    '  --full              1M events and 1M pending transfers (default 200k events, 100k pending)',
    '  --json              print the results as one JSON object on stdout (progress on stderr)',
    '  --events N          events to emit (overrides the size)',
    '  --trials N          detection latency trials (default 100)',
    '  --pending N         pending transfers for the memory figure',
    '  --no-peer           skip the Ponder comparison',
    `  --only A,B          run only these of ${BENCH_NAMES.join(', ')}`,
    '  --output FILE       where to write the results (default bench/results.json)',
  ],
  options: {
    full: { type: 'boolean' },
    json: { type: 'boolean' },
    events: { type: 'string' },
    trials: { type: 'string' },
    pending: { type: 'string' },
    'no-peer': { type: 'boolean' },
    only: { type: 'string' },
    output: { type: 'string' },
  },
  async run({ values }) {
    const base = values.full ? FULL_SIZES : DEFAULT_SIZES;
    const sizes = {
      events: count(values.events, 'events', base.events),
      latencyTrials: count(values.trials, 'trials', base.latencyTrials),
      pending: count(values.pending, 'pending', base.pending),
    };
    const logger = createLogger({ level: process.env.FIREBREAK_LOG_LEVEL ?? 'warn' });
    const results = await runBench({
      sizes,
      logger,
      say: (line) => process.stderr.write(`${line}\n`),
      skipPeer: values['no-peer'] === true,
      only: only(values.only),
      output: (values.output as string | undefined) ?? 'bench/results.json',
    });
    if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else process.stdout.write(renderBench(results));
    return 0;
  },
};
