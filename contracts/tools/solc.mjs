#!/usr/bin/env node
// Adapts solc-js (npm `solc`) to the native solc command line, as far as forge uses it:
//   solc --version
//   solc [--base-path DIR] [--include-path DIR]... [--allow-paths ...] --standard-json  (input on stdin)
// Other flags are ignored. Imports that forge did not inline are resolved against the base path,
// the include paths and the current directory, in that order.
import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
  if (flag === '--base-path' || flag === '--include-path') {
    const value = inline ?? args[++i];
    if (value) roots.push(value);
  } else if (flag === '--allow-paths') {
    if (inline === undefined) i++;
  }
}
roots.push(process.cwd());

if (!args.includes('--standard-json')) {
  process.stderr.write('solc.mjs (solc-js adapter) supports only --version and --standard-json\n');
  process.exit(1);
}

function findImports(path) {
  const candidates = isAbsolute(path) ? [path] : roots.map((root) => resolve(root, path));
  for (const file of candidates) {
    if (existsSync(file)) {
      try {
        return { contents: readFileSync(file, 'utf8') };
      } catch (error) {
        return { error: `cannot read ${file}: ${error.message}` };
      }
    }
  }
  return { error: `File not found: ${path} (searched ${roots.join(', ')})` };
}

const input = readFileSync(0, 'utf8');
const output = solc.compile(input, { import: findImports });
process.stdout.write(output);
process.stdout.write('\n');
