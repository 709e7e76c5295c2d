// Issue 4 (server code generation) at scale, and the generated package.json for real:
//  - GitHub's REST description (npm @octokit/openapi, 1,000+ operations) generated with --mode all builds
//    with tsc, starts, and tools/list returns every tool, equal to the manifest (tsc time is reported);
//  - `npm install --prefer-offline` in a generated Petstore project installs its pinned dependencies, and
//    `npm run build` + the built server work with what was installed (no symlink to the repository's).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { startPetstore } from '../fixtures/upstream/petstore.mjs';
import { corpusDir, corpusSkip, nodeModules } from './helpers.mjs';
import {
  assertToolsEqual, buildTs, connectStdio, expectOk, generate, listAllTools, resultText, serverEnv, startEchoUpstream,
} from './helpers/servers.mjs';

const run = promisify(execFile);
const githubSpec = path.join(nodeModules, '@octokit/openapi/generated/api.github.com.json');
const petSpec = path.join(corpusDir, 'openapi/swagger-petstore-3.0.4.yaml');

describe('GitHub REST API (@octokit/openapi), --mode all', {
  skip: existsSync(githubSpec) ? false : `${githubSpec} not found`,
  timeout: 180000,
}, () => {
  let gen;
  let tscMs;
  const timings = {};
  let up;
  let c;
  before(async () => {
    up = await startEchoUpstream();
    const started = performance.now();
    gen = await generate(githubSpec, 'large-github');
    const genMs = performance.now() - started;
    tscMs = await buildTs(gen.serverDir);
    timings.genMs = genMs;
    c = await connectStdio(gen.serverDir, serverEnv(up.base));
  });
  after(async () => {
    await c?.close();
    await up?.close();
  });

  test('it is large: more than 400 operations, one tool each', () => {
    assert.ok(gen.report.operations > 400, `${gen.report.operations} operations`);
    assert.equal(gen.manifest.tools.length, gen.report.operations);
    assert.ok(gen.manifest.tools.length >= 1000, `${gen.manifest.tools.length} tools`);
  });

  test('tsc builds it (time reported)', (t) => {
    t.diagnostic(`generate: ${Math.round(timings.genMs)} ms; tsc: ${Math.round(tscMs)} ms for ${gen.manifest.tools.length} tools`);
    assert.ok(existsSync(path.join(gen.serverDir, 'dist/tools.js')));
  });

  test('tools/list returns every tool, equal to the manifest', async (t) => {
    const started = performance.now();
    const listed = await listAllTools(c.client, { timeout: 60000 });
    t.diagnostic(`tools/list: ${Math.round(performance.now() - started)} ms`);
    assert.equal(listed.length, gen.manifest.tools.length);
    assertToolsEqual(listed, gen.manifest.tools);
  });

  test('a call is dispatched to the upstream', async () => {
    const zen = gen.manifest.tools.find((t) => t._meta['smeltsec.dev/http'].path === '/zen');
    up.requests.length = 0;
    const { result } = await expectOk(c.client, zen.name, {});
    assert.equal(up.requests.length, 1);
    assert.equal(up.requests[0].url, '/zen');
    assert.match(resultText(result), /"GET"/);
  });
});

describe('npm install of a generated project', { skip: corpusSkip, timeout: 180000 }, () => {
  let pet;
  let gen;
  let installed;
  before(async () => {
    pet = await startPetstore();
    gen = await generate(petSpec, 'large-npm-install');
    try {
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'],
        { cwd: gen.serverDir, timeout: 150000, maxBuffer: 16 << 20, encoding: 'utf8' });
      installed = true;
    } catch (e) {
      installed = `npm install failed (offline-first, no network?): ${String(e.stderr ?? e.message).slice(-800)}`;
    }
  });
  after(async () => { await pet?.close(); });

  test('npm install --prefer-offline installs the pinned dependencies, npm run build builds, the server serves', async (t) => {
    if (installed !== true) return t.skip(installed);
    const pkg = JSON.parse(readFileSync(path.join(gen.serverDir, 'package.json'), 'utf8'));
    assert.ok(!lstatSync(path.join(gen.serverDir, 'node_modules')).isSymbolicLink(), 'a real node_modules');
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      const got = JSON.parse(readFileSync(path.join(gen.serverDir, 'node_modules', name, 'package.json'), 'utf8')).version;
      assert.equal(got, version, `${name} installed at the pinned version`);
    }
    assert.ok(existsSync(path.join(gen.serverDir, 'package-lock.json')));
    try {
      await run('npm', ['run', 'build'], { cwd: gen.serverDir, timeout: 120000, encoding: 'utf8' });
    } catch (e) {
      assert.fail(`npm run build failed:\n${e.stdout}\n${e.stderr}`);
    }
    const c = await connectStdio(gen.serverDir, serverEnv(pet.base, { PETSTORE_AUTH_ACCESS_TOKEN: 't' }));
    try {
      assertToolsEqual(await listAllTools(c.client), gen.manifest.tools);
      const { result } = await expectOk(c.client, 'get_pet_by_id', { petId: 1 });
      assert.equal(result.structuredContent.name, 'Rex');
    } finally {
      await c.close();
    }
  });
});
