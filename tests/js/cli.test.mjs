// The command-line tool as users run it: a child process, its stdout/stderr and exit code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { cliPath, repoRoot } from './helpers.mjs';

const fixtures = path.join(repoRoot, 'tests/fixtures/openapi');

function run(...args) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('smeltsec CLI', () => {
  let tmp;
  let smeltsec;
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'smeltsec-cli-'));
    smeltsec = await createSmeltSec();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('--help and --version exit 0', () => {
    const help = run('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: smeltsec/);
    const version = run('--version');
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^smeltsec \d+\.\d+\.\d+\n$/);
  });

  test('usage errors exit 2 with a message', () => {
    for (const args of [[], ['bogus'], ['analyze'], ['generate', path.join(fixtures, 'swagger-2.0.yaml')],
      ['generate', path.join(fixtures, 'swagger-2.0.yaml'), '--out', tmp, '--mode', 'some'], ['analyze', 'a', 'b'],
      ['--no-such-flag']]) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /smeltsec: .+\n/);
      assert.equal(r.stdout, '');
    }
  });

  test('analyze --json prints the candidates', () => {
    const r = run('analyze', path.join(fixtures, 'features-3.0.yaml'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.candidates.length, 9);
    assert.deepEqual(
      { ...out.candidates[0], summary: undefined },
      { kind: 'operation', method: 'GET', path: '/pets', name: 'list_pets', operationId: 'listPets', summary: undefined,
        tags: [], deprecated: false, parameters: 5, hasBody: false, location: 'features-3.0.yaml#/paths/~1pets/get' },
    );
    assert.equal(out.source.specVersion, '3.0.3');
  });

  test('analyze prints a readable table by default', () => {
    const r = run('analyze', path.join(fixtures, 'swagger-2.0.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Legacy Files \(0\.9\) — OpenAPI 2\.0, 3 operations/);
    assert.match(r.stdout, /POST\s+\/files\s+→\s+upload_file/);
  });

  test('generate writes manifest.json, the same bytes as the API, and a JSON summary', () => {
    const out = path.join(tmp, 'gen');
    const spec = path.join(fixtures, 'features-3.0.yaml');
    const r = run('generate', spec, '--out', out, '--json', '--mode', 'all');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.manifest, path.join(out, 'manifest.json'));
    assert.equal(summary.operations, 9);
    assert.equal(summary.tools, 9);
    assert.equal(summary.mode, 'all');
    for (const step of ['read', 'intake', 'analyze', 'tools', 'codegen', 'write']) assert.equal(typeof summary.timingsMs[step], 'number');
    const api = smeltsec.generateManifest([{ path: 'features-3.0.yaml', bytes: readFileSync(spec) }], { entry: 'features-3.0.yaml', mode: 'all' });
    assert.equal(readFileSync(path.join(out, 'manifest.json'), 'utf8'), api.value.manifestJson);
    // The server project: every file the API generates, written under DIR/server, the manifest copied unchanged.
    assert.equal(summary.server.dir, path.join(out, 'server'));
    assert.equal(summary.server.target, 'ts');
    const project = smeltsec.generateServer(api.value.manifestBytes, { target: 'ts', name: 'Feature Zoo', version: '2.1' });
    assert.ok(project.ok);
    assert.deepEqual(summary.server.files, project.value.files.map((f) => f.path));
    for (const f of project.value.files) assert.deepEqual(readFileSync(path.join(out, 'server', f.path)), Buffer.from(f.bytes), f.path);
    assert.equal(readFileSync(path.join(out, 'server/manifest.json'), 'utf8'), api.value.manifestJson);
    assert.match(r.stderr, /generating/); // progress goes to stderr, never into the JSON
  });

  test('generate prints a summary with per-step timings by default', () => {
    const r = run('generate', path.join(fixtures, 'swagger-2.0.yaml'), '--out', path.join(tmp, 'human'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 operations → 3 tools \(mode: all\)/);
    assert.match(r.stdout, /time: read [\d.]+ ms, intake [\d.]+ ms, analyze [\d.]+ ms, tools [\d.]+ ms, codegen [\d.]+ ms, write [\d.]+ ms/);
    assert.match(r.stdout, /server: .*human[\\/]server \(TypeScript, MCP SDK; \d+ files\)/);
  });

  test('generate --target python writes a FastMCP project; a bad --target is a usage error', () => {
    const out = path.join(tmp, 'py');
    const r = run('generate', path.join(fixtures, 'swagger-2.0.yaml'), '--out', out, '--target', 'python', '--name', 'Files', '--json');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.server.target, 'python');
    for (const f of ['server.py', 'smeltsec_runtime.py', 'requirements.txt', 'README.md', 'manifest.json']) {
      assert.ok(summary.server.files.includes(f), f);
    }
    assert.match(readFileSync(path.join(out, 'server/server.py'), 'utf8'), /^SERVER_NAME = "Files"$/m);
    const bad = run('generate', path.join(fixtures, 'swagger-2.0.yaml'), '--out', out, '--target', 'go');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--target must be ts or python/);
  });

  test('files that $refs point to are read on demand; a folder works too', () => {
    const viaFile = run('generate', path.join(fixtures, 'multi-file/openapi.yaml'), '--out', path.join(tmp, 'mf1'), '--json');
    assert.equal(viaFile.code, 0, viaFile.stdout + viaFile.stderr);
    const viaFolder = run('generate', path.join(fixtures, 'multi-file'), '--out', path.join(tmp, 'mf2'), '--json');
    assert.equal(viaFolder.code, 0, viaFolder.stdout + viaFolder.stderr);
    const a = readFileSync(path.join(tmp, 'mf1/manifest.json'), 'utf8');
    assert.equal(a, readFileSync(path.join(tmp, 'mf2/manifest.json'), 'utf8'));
    const tool = JSON.parse(a).tools[0];
    assert.equal(tool.outputSchema.properties.lines.items.properties.quantity.minimum, 1);
  });

  test('a $ref that leaves the folder needs --root, and nothing outside the root is read', () => {
    const dir = path.join(tmp, 'outside');
    mkdirSync(path.join(dir, 'spec'), { recursive: true });
    writeFileSync(path.join(dir, 'common.yaml'), 'Thing: {type: object, properties: {a: {type: string}}}\n');
    writeFileSync(path.join(dir, 'spec/api.yaml'), [
      'openapi: 3.0.0', 'info: {title: t, version: "1"}', 'paths:', '  /t:', '    get:', '      responses:',
      "        '200': {description: ok, content: {application/json: {schema: {$ref: '../common.yaml#/Thing'}}}}", ''].join('\n'));
    const denied = run('generate', path.join(dir, 'spec/api.yaml'), '--out', path.join(tmp, 'o1'), '--json');
    assert.equal(denied.code, 2);
    const err = JSON.parse(denied.stdout).error;
    assert.equal(err.code, 'ref_outside_bundle');
    assert.match(err.where, /^api\.yaml#\/paths\/~1t\/get\/responses\/200/);
    const allowed = run('generate', path.join(dir, 'spec/api.yaml'), '--root', dir, '--out', path.join(tmp, 'o2'), '--json');
    assert.equal(allowed.code, 0, allowed.stdout);
  });

  test('bad input exits 2 with a located, structured error', () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'openapi: 3.0.0\npaths:\n  /a: [\n');
    const r = run('generate', bad, '--out', path.join(tmp, 'o3'), '--json');
    assert.equal(r.code, 2);
    const err = JSON.parse(r.stdout).error;
    assert.equal(err.code, 'yaml_syntax');
    assert.match(err.where, /^bad\.yaml:\d+:\d+$/);
    const human = run('generate', bad, '--out', path.join(tmp, 'o3'));
    assert.equal(human.code, 2);
    assert.match(human.stderr, /smeltsec: yaml_syntax: invalid YAML: .+ \(bad\.yaml:\d+:\d+\)/);

    const notSpec = path.join(tmp, 'package.json');
    writeFileSync(notSpec, '{"name": "x"}');
    const r2 = run('analyze', notSpec, '--json');
    assert.equal(r2.code, 2);
    assert.equal(JSON.parse(r2.stdout).error.code, 'not_openapi');

    const missing = run('analyze', path.join(tmp, 'nope.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not_found/);
  });

  test('auto mode groups a large spec into search/describe/call', () => {
    const ops = Array.from({ length: 45 }, (_, i) => `  /r${i}:\n    get:\n      operationId: op${i}\n      responses: {'200': {description: ok}}`);
    const spec = path.join(tmp, 'big.yaml');
    writeFileSync(spec, `openapi: 3.0.0\ninfo: {title: Big, version: "1"}\npaths:\n${ops.join('\n')}\n`);
    const r = run('generate', spec, '--out', path.join(tmp, 'big'), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).mode, 'grouped');
    const manifest = JSON.parse(readFileSync(path.join(tmp, 'big/manifest.json'), 'utf8'));
    assert.deepEqual(manifest.tools.map((t) => t.name), ['search_operations', 'describe_operation', 'call_operation']);
    assert.equal(manifest._meta['smeltsec.dev/catalog'].operations.length, 45);
  });
});
