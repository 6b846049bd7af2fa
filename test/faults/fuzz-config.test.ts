/**
 * Fault injection, bad config files (fast-check): random YAML text, the example config mangled
 * (lines dropped, swapped, duplicated, truncated, random bytes spliced in), and hostile YAML (alias
 * bombs, deep nesting, huge numbers). `checkConfigFile` must never throw: either a config or a list
 * of issues, each with a message that says what is wrong. (test/config/robustness.test.ts fuzzes
 * config objects; this is the text layer in front of it.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigFile, type LoadResult } from '../../src/config/load.ts';
import { held } from '../support/faults.ts';

const EXAMPLE = readFileSync(new URL('../../firebreak.example.yaml', import.meta.url), 'utf8');
const ENV = { ETH_RPC_PRIMARY: 'http://127.0.0.1:8545', ETH_RPC_FALLBACK: 'http://127.0.0.1:8547', ARB_RPC: 'http://127.0.0.1:8546' };

describe('fault: bad config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-fuzz-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  function check(text: string): LoadResult {
    const file = join(dir, `config-${n++}.yaml`);
    writeFileSync(file, text);
    let result: LoadResult;
    try {
      result = checkConfigFile(file, { env: ENV });
    } finally {
      rmSync(file, { force: true });
    }
    if (result.config === null) {
      expect(result.errors.length, text).toBeGreaterThan(0);
      for (const issue of result.errors) expect(issue.message.trim().length, text).toBeGreaterThan(0);
    }
    return result;
  }

  const lines = EXAMPLE.split('\n');
  const mangled = fc.oneof(
    // drop a run of lines
    fc.tuple(fc.nat(lines.length - 1), fc.integer({ min: 1, max: 6 })).map(([at, count]) => [...lines.slice(0, at), ...lines.slice(at + count)].join('\n')),
    // swap two lines
    fc.tuple(fc.nat(lines.length - 1), fc.nat(lines.length - 1)).map(([a, b]) => {
      const copy = [...lines];
      [copy[a], copy[b]] = [copy[b]!, copy[a]!];
      return copy.join('\n');
    }),
    // duplicate a line (duplicate keys)
    fc.nat(lines.length - 1).map((at) => [...lines.slice(0, at + 1), lines[at]!, ...lines.slice(at + 1)].join('\n')),
    // truncate anywhere
    fc.nat(EXAMPLE.length).map((at) => EXAMPLE.slice(0, at)),
    // splice random text in
    fc.tuple(fc.nat(EXAMPLE.length), fc.oneof(fc.string(), fc.constantFrom(':', '- ', '\t', '  ', '{', '[', '&a', '*a', '!!binary', '%YAML 1.1', '---', '"', "'", '#', '\u0000', '\uFEFF'))).map(
      ([at, text]) => EXAMPLE.slice(0, at) + text + EXAMPLE.slice(at),
    ),
    // replace a value with something of another type
    fc.tuple(fc.nat(lines.length - 1), fc.oneof(fc.constantFrom('null', '~', '[]', '{}', '-1', '1e999', '0x', 'true', '"${MISSING}"', '.nan'), fc.string())).map(([at, value]) => {
      const copy = [...lines];
      copy[at] = copy[at]!.replace(/:\s.*$/, `: ${value}`);
      return copy.join('\n');
    }),
  );

  it('the example config mangled 300 ways: never a throw, a config or issues with messages', () => {
    expect(check(EXAMPLE).config).not.toBeNull();
    let rejected = 0;
    fc.assert(
      fc.property(mangled, (text) => {
        if (check(text).config === null) rejected++;
      }),
      { numRuns: 300 },
    );
    expect(rejected).toBeGreaterThan(0);
    held(`the example config mangled 300 ways (${rejected} invalid)`, 'checkConfigFile never threw; every invalid one came back with issues that have messages');
  });

  it('random and hostile YAML text: never a throw', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`)].join('\n');
    const hostile = [
      bomb,
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
      `${'{a: '.repeat(2_000)}1${'}'.repeat(2_000)}`,
      'chains: &c\n  x: *c',
      `chains:\n  ethereum:\n    chainId: ${'9'.repeat(400)}\n`,
      '!!js/function "function(){}"',
      '\uFEFF\u0000',
      '',
      '---\n---\n',
      'bridges: !!set {a, b}',
    ];
    for (const text of hostile) expect(check(text).config, text.slice(0, 80)).toBeNull();
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        check(text);
      }),
      { numRuns: 300 },
    );
    held('300 random texts and 10 hostile YAML files (alias bomb, 5,000-deep nesting, recursive alias, huge ints, binary)', 'checkConfigFile never threw; each refused with issues that have messages');
  });
});
