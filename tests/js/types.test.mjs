// The JS API's TypeScript declarations: they type-check real usage (tsc --strict), and every method they
// declare exists at run time, and the other way round (declarations must not drift from the code).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { SmeltSec, createSmeltSec } from '../../wasm/smeltsec.mjs';
import { nodeModules, repoRoot } from './helpers.mjs';

test('smeltsec.d.ts type-checks the documented usage under tsc --strict', () => {
  const tsc = path.join(nodeModules, 'typescript/bin/tsc');
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution',
    'nodenext', '--allowJs', 'false', path.join(repoRoot, 'tests/types/usage.ts')];
  try {
    execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

test('declared methods match the runtime class and the wasm exports', async () => {
  const dts = readFileSync(path.join(repoRoot, 'wasm/smeltsec.d.mts'), 'utf8');
  const body = dts.slice(dts.indexOf('export declare class SmeltSec'));
  const declared = [...body.slice(0, body.indexOf('\n}')).matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]).sort();
  const runtime = Object.getOwnPropertyNames(SmeltSec.prototype).filter((n) => n !== 'constructor').sort();
  assert.deepEqual(declared, runtime);
  const s = await createSmeltSec();
  for (const name of ['Bundle', 'analyzeSpec', 'generateManifest', 'analyzeCode', 'generateCodeManifest', 'detectSourceKind', 'version']) {
    assert.equal(typeof s.core[name], 'function', `wasm export ${name}`);
  }
});

test('options of the wrong type are refused with bad_option', async () => {
  const s = await createSmeltSec();
  const files = [{ path: 'a.yaml', bytes: 'openapi: 3.0.0\npaths: {}' }];
  for (const options of [{ mode: 1 }, { entry: ['a'] }, { maxTools: '3' }, { colour: 'red' }, { limits: { maxFiles: -1 } }]) {
    const r = s.generateManifest(files, options);
    assert.equal(r.ok, false, JSON.stringify(options));
    assert.equal(r.error.code, 'bad_option');
  }
  assert.equal(s.generateManifest(files, { mode: 'all' }).ok, true);
});
