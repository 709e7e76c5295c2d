// Issue 4 (server code generation) from code: `smeltsec generate` on a runnable Express app (its routes
// become HTTP tools; the app itself runs as the upstream) and on a plain JavaScript library (its exported
// functions become code tools, run through bridge/bridge.mjs), plus the Python bridge on the Python
// library fixture. The generated TypeScript servers are built with the repository's tsc and driven with
// the official SDK client over stdio.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { repoRoot } from './helpers.mjs';
import {
  assertToolsEqual, buildTs, connectStdio, expectOk, expectToolError, generate, listAllTools, resultText,
  serverEnv,
} from './helpers/servers.mjs';

const expressDir = path.join(repoRoot, 'tests/fixtures/code/runnable-express-app');
const libraryDir = path.join(repoRoot, 'tests/fixtures/code/runnable-js-library');
const pythonLibDir = path.join(repoRoot, 'tests/fixtures/code/runnable-py-library');
const bridgePy = path.join(repoRoot, 'src/codegen/runtime/bridge/bridge.py');

/** Starts the fixture app (`node app.js 0`); resolves once it prints `listening PORT`. */
async function startExpressApp() {
  const child = spawn(process.execPath, [path.join(expressDir, 'app.js'), '0'], { cwd: expressDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the express app did not start:\n${err}`)), 10000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => reject(new Error(`the express app exited (${code}):\n${err}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    seen: async () => (await fetch(`http://127.0.0.1:${port}/__seen`)).json(),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

describe('Express app → HTTP tools (tests/fixtures/code/runnable-express-app)', () => {
  let app;
  let gen;
  let c;
  before(async () => {
    app = await startExpressApp();
    gen = await generate(expressDir, 'code-express');
    await buildTs(gen.serverDir);
    c = await connectStdio(gen.serverDir, serverEnv(app.base));
  });
  after(async () => {
    await c?.close();
    await app?.stop();
  });

  test('the routes are the tools, and tools/list is the manifest', async () => {
    assert.equal(gen.report.source.kind, 'code');
    const routes = gen.manifest.tools.map((t) => `${t._meta['smeltsec.dev/http'].method} ${t._meta['smeltsec.dev/http'].path}`);
    for (const r of ['GET /health', 'GET /notes', 'GET /notes/{id}', 'POST /notes', 'DELETE /notes/{id}']) {
      assert.ok(routes.includes(r), `${r} in ${routes}`);
    }
    assertToolsEqual(await listAllTools(c.client), gen.manifest.tools);
  });

  test('calls return the app\'s answers', async () => {
    const byRoute = (method, p) => gen.manifest.tools.find((t) => {
      const h = t._meta['smeltsec.dev/http'];
      return h.method === method && h.path === p;
    }).name;
    const health = await expectOk(c.client, byRoute('GET', '/health'), {});
    assert.deepEqual(JSON.parse(resultText(health.result)), { ok: true });

    const one = await expectOk(c.client, byRoute('GET', '/notes/{id}'), { id: '1' });
    assert.deepEqual(JSON.parse(resultText(one.result)), { id: 1, title: 'first', body: 'hello' });

    const created = await expectOk(c.client, byRoute('POST', '/notes'), { title: 'from mcp', body: 'über "quoted"' });
    const note = JSON.parse(resultText(created.result));
    assert.equal(note.title, 'from mcp');
    assert.equal(note.body, 'über "quoted"');

    const list = await expectOk(c.client, byRoute('GET', '/notes'), { q: 'from' });
    assert.deepEqual(JSON.parse(resultText(list.result)), [note]);

    await expectToolError(c.client, byRoute('GET', '/notes/{id}'), { id: '424242' }, /404|no such note/);
    await expectOk(c.client, byRoute('DELETE', '/notes/{id}'), { id: String(note.id) });

    const seen = await app.seen();
    assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), [
      'GET /health', 'GET /notes/1', 'POST /notes', 'GET /notes?q=from', 'GET /notes/424242', `DELETE /notes/${note.id}`,
    ]);
    assert.deepEqual(seen[2].body, { title: 'from mcp', body: 'über "quoted"' });
  });

  test('a traversal in a path parameter never reaches the app', async () => {
    const before = (await app.seen()).length;
    const tool = gen.manifest.tools.find((t) => t._meta['smeltsec.dev/http'].path === '/notes/{id}').name;
    for (const id of ['../health', '..', '%2e%2e%2fhealth', '1/../../health']) {
      await expectToolError(c.client, tool, { id }, /refused/);
    }
    assert.equal((await app.seen()).length, before);
  });
});

describe('JavaScript library → code tools (tests/fixtures/code/runnable-js-library)', () => {
  let gen;
  let c;
  before(async () => {
    gen = await generate(libraryDir, 'code-js-library');
    await buildTs(gen.serverDir);
    c = await connectStdio(gen.serverDir, serverEnv(undefined, {
      SMELTSEC_CODE_ROOT: libraryDir, SMELTSEC_TIMEOUT_MS: '1500', API_BASE_URL: undefined,
    }));
  });
  after(async () => { await c?.close(); });

  test('the exported functions are the tools, and tools/list is the manifest', async () => {
    const fns = gen.manifest.tools.map((t) => t._meta['smeltsec.dev/code'].function).sort();
    assert.deepEqual(fns, ['add', 'explode', 'greet', 'hang', 'readText', 'slowDouble']);
    assertToolsEqual(await listAllTools(c.client), gen.manifest.tools);
  });

  test('pure, structured and async functions return their results', async () => {
    const sum = await expectOk(c.client, 'add', { a: 2, b: 40.5 });
    assert.equal(JSON.parse(resultText(sum.result)), 42.5);
    const greet = await expectOk(c.client, 'greet', { name: 'Ada "\u2028"', shout: true });
    const expected = { greeting: 'HELLO, ADA "\u2028"!', length: 'HELLO, ADA "\u2028"!'.length };
    assert.deepEqual(greet.result.structuredContent ?? JSON.parse(resultText(greet.result)), expected);
    const dbl = await expectOk(c.client, 'slow_double', { n: 21 });
    assert.equal(JSON.parse(resultText(dbl.result)), 42);
  });

  test('a throwing function is an error answer with its message', async () => {
    await expectToolError(c.client, 'explode', { reason: 'boom' }, /exploded: boom/);
  });

  test('a hanging function times out in bounded time', async () => {
    const { ms } = await expectToolError(c.client, 'hang', { ms: 1 }, /time|1500 ms/i);
    assert.ok(ms >= 1400 && ms < 5000, `took ${ms} ms`);
    // the server still answers afterwards
    await expectOk(c.client, 'add', { a: 1, b: 1 });
  });

  test('a file argument inside SMELTSEC_ALLOWED_ROOT is read', async () => {
    const { result } = await expectOk(c.client, 'read_text', { path: 'data/note.txt' });
    assert.match(resultText(result), /note for the codegen tests/);
  });

  test('a file argument outside SMELTSEC_ALLOWED_ROOT is refused', async () => {
    for (const p of ['../../etc/passwd', '/etc/passwd', '../../../../../../../../etc/passwd', 'data/../../../../etc/hostname', 'data/\u0000x']) {
      await expectToolError(c.client, 'read_text', { path: p }, /refused/);
    }
  });

  test('SMELTSEC_ALLOWED_ROOT narrower than the code root', async () => {
    const narrow = await connectStdio(gen.serverDir, serverEnv(undefined, {
      SMELTSEC_CODE_ROOT: libraryDir, SMELTSEC_ALLOWED_ROOT: path.join(libraryDir, 'data'), API_BASE_URL: undefined,
    }));
    try {
      await expectOk(narrow.client, 'read_text', { path: 'data/note.txt' });
      await expectToolError(narrow.client, 'read_text', { path: 'index.js' }, /refused/);
      await expectToolError(narrow.client, 'read_text', { path: path.join(libraryDir, 'package.json') }, /refused/);
    } finally {
      await narrow.close();
    }
  });
});

describe('Python library → code tools through bridge.py (tests/fixtures/code/runnable-py-library)', {
  skip: existsSync(bridgePy) ? false : 'no Python bridge (src/codegen/runtime/bridge/bridge.py)',
}, () => {
  test('a pure function returns its result', async () => {
    const gen = await generate(pythonLibDir, 'code-python-library');
    await buildTs(gen.serverDir);
    const c = await connectStdio(gen.serverDir, serverEnv(undefined, { SMELTSEC_CODE_ROOT: pythonLibDir, API_BASE_URL: undefined, SMELTSEC_TIMEOUT_MS: '5000' }));
    try {
      assertToolsEqual(await listAllTools(c.client), gen.manifest.tools);
      const { result } = await expectOk(c.client, 'version', {});
      assert.match(resultText(result), /1\.4\.0/);
      const r = await expectOk(c.client, 'slugify', { value: 'Hello World', separator: '_' });
      assert.match(resultText(r.result), /hello_world/);
      const count = await expectOk(c.client, 'word_count', { text: 'one two three' });
      assert.equal(resultText(count.result).trim(), '3', 'the function printed, yet the result is intact');
    } finally {
      await c.close();
    }
  });
});
