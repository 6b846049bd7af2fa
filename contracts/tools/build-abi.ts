/**
 * Builds the contracts with forge and writes one artifact per deployable contract:
 * `contracts-abi/<Name>.json` = `{ "abi": [...], "bytecode": "0x…" }` (SPEC §8).
 *
 *   node contracts/tools/build-abi.ts              write contracts-abi/
 *   node contracts/tools/build-abi.ts --out DIR    write DIR instead
 *   node contracts/tools/build-abi.ts --check      compare with contracts-abi/, exit 1 on drift
 *
 * Deployable = a contract in contracts/ (not contracts/test, not contracts/tools) whose creation
 * bytecode is not empty (interfaces and abstract contracts are skipped).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const CONTRACTS = join(ROOT, 'contracts');
const OUT = join(ROOT, 'out');
const COMMITTED = join(ROOT, 'contracts-abi');
const SKIP_DIRS = new Set(['test', 'tools']);

interface ForgeArtifact {
  abi?: unknown[];
  bytecode?: { object?: string };
}

export interface Artifact {
  abi: unknown[];
  bytecode: `0x${string}`;
}

function parseArgs(argv: string[]): { out: string | undefined; check: boolean } {
  let out: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--out') {
      out = argv[++i];
      if (!out) throw new Error('--out needs a directory');
    } else if (arg?.startsWith('--out=')) out = arg.slice('--out='.length);
    else throw new Error(`unknown argument ${arg} (usage: build-abi.ts [--out DIR] [--check])`);
  }
  return { out: out === undefined ? undefined : resolve(out), check };
}

/** The .sol files that hold product contracts, relative to contracts/. */
function sourceFiles(dir = CONTRACTS): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === CONTRACTS && SKIP_DIRS.has(entry.name)) continue;
      files.push(...sourceFiles(path));
    } else if (entry.isFile() && entry.name.endsWith('.sol') && !entry.name.endsWith('.t.sol')) {
      files.push(relative(CONTRACTS, path));
    }
  }
  return files.sort();
}

/**
 * The forge binary. Prefer the platform package's binary: the npm wrapper (node_modules/.bin/forge,
 * @foundry-rs/forge 1.7.1 bin.mjs) does not pass the binary's exit code on, so a failed build or
 * test would look like success through it.
 */
export function forgeBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const exe = process.platform === 'win32' ? 'forge.exe' : 'forge';
  try {
    const pkg = require.resolve(`@foundry-rs/forge-${process.platform}-${arch}/package.json`);
    const binary = join(dirname(pkg), 'bin', exe);
    if (existsSync(binary)) return binary;
  } catch {
    // fall back to the npm wrapper below
  }
  const wrapper = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'forge.cmd' : 'forge');
  if (existsSync(wrapper)) return wrapper;
  throw new Error('forge not found (npm @foundry-rs/forge); run npm ci');
}

function forgeBuild(): void {
  const result = spawnSync(forgeBinary(), ['build'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  // the wrapper exits 0 even when the build failed: look at the output too
  if (result.status !== 0 || /Compiler run failed|^Error( \(\d+\))?:/m.test(output)) {
    process.stderr.write(output);
    throw new Error(`forge build failed (exit ${result.status})`);
  }
}

/** Collects the deployable artifacts from forge's out/ directory. */
export function collectArtifacts(): Map<string, Artifact> {
  const artifacts = new Map<string, Artifact>();
  for (const file of sourceFiles()) {
    const dir = join(OUT, basename(file));
    if (!existsSync(dir)) throw new Error(`no forge output for contracts/${file} (expected ${dir})`);
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith('.json')) continue;
      const name = entry.slice(0, -'.json'.length);
      if (name.includes('.')) continue; // Name.0.8.x.json when several compilers were used
      const forgeArtifact = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as ForgeArtifact;
      const bytecode = forgeArtifact.bytecode?.object ?? '';
      if (!Array.isArray(forgeArtifact.abi) || bytecode === '' || bytecode === '0x') continue;
      if (artifacts.has(name)) throw new Error(`two contracts are named ${name}; artifact names must be unique`);
      const hex = bytecode.startsWith('0x') ? bytecode : `0x${bytecode}`;
      artifacts.set(name, { abi: forgeArtifact.abi, bytecode: hex as `0x${string}` });
    }
  }
  return artifacts;
}

export function serialize(artifact: Artifact): string {
  return `${JSON.stringify({ abi: artifact.abi, bytecode: artifact.bytecode }, null, 2)}\n`;
}

function writeAll(dir: string, artifacts: Map<string, Artifact>): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, artifact] of artifacts) {
    writeFileSync(join(dir, `${name}.json`), serialize(artifact));
    written.push(`${name}.json`);
  }
  return written;
}

/** Files that differ between `dir` and the freshly built artifacts (changed, missing or extra). */
function drift(dir: string, artifacts: Map<string, Artifact>): string[] {
  const drifted: string[] = [];
  const expected = new Set<string>();
  for (const [name, artifact] of artifacts) {
    const file = `${name}.json`;
    expected.add(file);
    const path = join(dir, file);
    if (!existsSync(path)) drifted.push(`${file} (missing)`);
    else if (readFileSync(path, 'utf8') !== serialize(artifact)) drifted.push(`${file} (changed)`);
  }
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.json') && !expected.has(file)) drifted.push(`${file} (no such contract)`);
    }
  }
  return drifted;
}

function main(): number {
  const { out, check } = parseArgs(process.argv.slice(2));
  forgeBuild();
  const artifacts = collectArtifacts();
  if (artifacts.size === 0) throw new Error('forge produced no deployable contracts');
  if (check) {
    const drifted = drift(COMMITTED, artifacts);
    if (out) writeAll(out, artifacts);
    if (drifted.length > 0) {
      process.stderr.write(
        `contracts-abi/ is out of date: ${drifted.join(', ')}\nrun: node contracts/tools/build-abi.ts\n`,
      );
      return 1;
    }
    process.stdout.write(`contracts-abi/ is up to date (${artifacts.size} artifacts)\n`);
    return 0;
  }
  const dir = out ?? COMMITTED;
  if (!out) {
    // drop artifacts of contracts that no longer exist
    for (const file of existsSync(dir) ? readdirSync(dir) : []) {
      if (file.endsWith('.json') && !artifacts.has(file.slice(0, -'.json'.length))) rmSync(join(dir, file));
    }
  }
  const written = writeAll(dir, artifacts);
  process.stdout.write(`wrote ${written.length} artifacts to ${relative(process.cwd(), dir) || '.'}: ${written.join(', ')}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`build-abi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

