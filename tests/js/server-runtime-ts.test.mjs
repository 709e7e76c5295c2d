// The static TypeScript server runtime (src/codegen/runtime/typescript/runtime.ts) and the JavaScript
// code bridge (src/codegen/runtime/bridge/bridge.mjs), end to end: the runtime and the fixtures under
// tests/fixtures/server-runtime/ (a hand-written tools.ts + index.ts in the generator's shape, a
// manifest, a small JS library) are compiled with the repository's tsc into build/test-servers/, the
// server runs as a child process (stdio, and streamable HTTP) and the official SDK client drives it
// against a real local upstream (node:http on 127.0.0.1) that records every request it receives.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { nodeModules, repoRoot } from './helpers.mjs';

const fixtures = path.join(repoRoot, 'tests/fixtures/server-runtime');
const serverDir = path.join(repoRoot, 'build/test-servers/runtime-ts');
const bridgePy = path.join(repoRoot, 'src/codegen/runtime/bridge/bridge.py');
const python = process.env.SMELTSEC_PYTHON ?? 'python3';
const pythonSkip = !existsSync(bridgePy) ? 'bridge.py not written yet'
  : spawnSync(python, ['--version']).status !== 0 ? `${python} not found` : false;
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'manifest.json'), 'utf8'));

const SECRETS = {
  APIKEYAUTH_API_KEY: 'sekret-api-key-1234',
  BEARERAUTH_TOKEN: 'sekret-bearer-5678',
  CC_CLIENT_ID: 'client-id-abc',
  CC_CLIENT_SECRET: 'sekret-client-9012',
};
const OAUTH_TOKEN = 'sekret-oauth-token-3456';

// ---------------------------------------------------------------------------------------------------
// The project: runtime.ts + fixtures, compiled once
// ---------------------------------------------------------------------------------------------------

function buildServer() {
  rmSync(serverDir, { recursive: true, force: true });
  mkdirSync(path.join(serverDir, 'bridge'), { recursive: true });
  cpSync(path.join(fixtures, 'src'), path.join(serverDir, 'src'), { recursive: true });
  cpSync(path.join(fixtures, 'code'), path.join(serverDir, 'code'), { recursive: true });
  cpSync(path.join(fixtures, 'manifest.json'), path.join(serverDir, 'manifest.json'));
  cpSync(path.join(repoRoot, 'src/codegen/runtime/typescript/runtime.ts'), path.join(serverDir, 'src/runtime.ts'));
  cpSync(path.join(repoRoot, 'src/codegen/runtime/bridge/bridge.mjs'), path.join(serverDir, 'bridge/bridge.mjs'));
  if (existsSync(bridgePy)) cpSync(bridgePy, path.join(serverDir, 'bridge/bridge.py'));
  writeFileSync(path.join(serverDir, 'package.json'), JSON.stringify({ name: 'fixture', private: true, type: 'module' }));
  writeFileSync(path.join(serverDir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022',
      outDir: 'dist', rootDir: 'src', types: ['node'],
    },
    include: ['src'],
  }));
  try {
    execFileSync(process.execPath, [path.join(nodeModules, 'typescript/bin/tsc'), '-p', serverDir],
      { cwd: repoRoot, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// The upstream: records requests; a few misbehaving routes
// ---------------------------------------------------------------------------------------------------

async function startUpstream() {
  const requests = [];
  const counts = new Map();
  const state = { failHealthy: false, tokenCalls: 0 };
  const bump = (key) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
  const json = (res, status, value, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://upstream');
      const body = Buffer.concat(chunks).toString('utf8');
      const p = url.pathname;
      if (p === '/token') {
        state.tokenCalls += 1;
        const expected = 'Basic ' + Buffer.from(`${SECRETS.CC_CLIENT_ID}:${SECRETS.CC_CLIENT_SECRET}`).toString('base64');
        if (req.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client' });
        return json(res, 200, { access_token: OAUTH_TOKEN, token_type: 'bearer', expires_in: 3600, scope: new URLSearchParams(body).get('scope') });
      }
      requests.push({ method: req.method, url: req.url, path: p, headers: req.headers, body });
      let m;
      if (p === '/api/echo/bad') return json(res, 200, { other: 1 });
      if (p.startsWith('/api/echo/')) return json(res, 200, { method: req.method, url: req.url, headers: req.headers, body });
      if ((m = /^\/api\/flaky\/(.+)$/.exec(p))) {
        const n = bump(`flaky:${req.method}:${m[1]}`);
        return n <= 2 ? json(res, 500, { error: `temporary failure ${n}` }) : json(res, 200, { ok: true, n });
      }
      if (p === '/api/slow') {
        const timer = setTimeout(() => json(res, 200, { slow: true }), 5000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if ((m = /^\/api\/reset\/(.+)$/.exec(p))) {
        if (bump(`reset:${m[1]}`) === 1) return req.socket.destroy();
        return json(res, 200, { ok: true, recovered: true });
      }
      if ((m = /^\/api\/limited\/(.+)$/.exec(p))) {
        if (bump(`limited:${m[1]}`) === 1) {
          return json(res, 429, { error: 'slow down' }, { 'retry-after': url.searchParams.get('wait') ?? '1' });
        }
        return json(res, 200, { ok: true, limited: false });
      }
      if (p === '/api/fail') return state.failHealthy ? json(res, 200, { ok: true, healthy: true }) : json(res, 500, { error: 'down' });
      if (p === '/api/redirect/same') {
        res.writeHead(302, { location: '/api/echo/redirected' });
        return res.end();
      }
      if (p === '/api/redirect/away') {
        res.writeHead(302, { location: `http://localhost:${server.address().port}/api/echo/away` });
        return res.end();
      }
      if (p === '/api/text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end('hello, plain text');
      }
      if (p === '/api/big') {
        res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: the cap applies while streaming
        for (let i = 0; i < 20; i++) res.write('x'.repeat(8192));
        return res.end();
      }
      if (p === '/api/missing') return json(res, 404, { error: 'no such thing here' });
      json(res, 404, { error: 'unknown route' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/api`,
    requests,
    state,
    count: () => requests.length,
    last: () => requests[requests.length - 1],
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Servers and clients
// ---------------------------------------------------------------------------------------------------

function serverEnv(upstream, extra = {}) {
  return {
    ...process.env,
    API_BASE_URL: upstream.base,
    SMELTSEC_TIMEOUT_MS: '1500',
    SMELTSEC_RETRY_BASE_MS: '10',
    SMELTSEC_RETRY_MAX_MS: '40',
    SMELTSEC_RETRY_AFTER_MAX_MS: '5000',
    SMELTSEC_BREAKER_FAILURES: '1000',
    SMELTSEC_MAX_STRING_BYTES: '1024',
    SMELTSEC_MAX_RESPONSE_BYTES: '65536',
    SMELTSEC_CODE_ROOT: path.join(serverDir, 'code'),
    SMELTSEC_PASSTHROUGH_HEADERS: 'x-user-token',
    SMELTSEC_LOG_LEVEL: 'debug',
    CC_TOKEN_URL: `http://127.0.0.1:${upstream.port}/token`,
    FIXTURE_METRICS: '1',
    ...SECRETS,
    ...extra,
  };
}

async function connectStdio(env) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(serverDir, 'dist/index.js')],
    env,
    cwd: serverDir,
    stderr: 'pipe',
  });
  const log = { text: '' };
  transport.stderr.on('data', (c) => { log.text += c.toString('utf8'); });
  const client = new Client({ name: 'runtime-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, log, close: () => client.close() };
}

async function startHttpServer(env) {
  const child = spawn(process.execPath, [path.join(serverDir, 'dist/index.js'), '--http', '0'],
    { cwd: serverDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { text: '', stdout: '' };
  child.stdout.on('data', (c) => { log.stdout += c.toString('utf8'); });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line:\n${log.text}`)), 10000);
    child.stderr.on('data', (c) => {
      log.text += c.toString('utf8');
      for (const line of log.text.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(entry.port);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log.text}`)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
  return { port, log, stop, child };
}

async function connectHttp(port, headers = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'runtime-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const text = (result) => result.content.map((c) => c.text ?? '').join('\n');

/** Calls and asserts the result is an error whose text matches `pattern`; returns the text. */
async function expectError(client, name, args, pattern) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} should fail: ${JSON.stringify(result)}`);
  assert.match(text(result), pattern);
  assert.doesNotMatch(text(result), /\n\s+at /, 'no stack trace');
  return text(result);
}

async function expectOk(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, `${name} should succeed: ${JSON.stringify(result)}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------
// The shared suite, run over stdio and over streamable HTTP
// ---------------------------------------------------------------------------------------------------

let upstream;

before(async () => {
  buildServer();
  upstream = await startUpstream();
});

after(async () => {
  await upstream?.close();
});

function toolSuite(kind, connect) {
  describe(`over ${kind}`, () => {
    let ctx;
    let client;
    const k = (key) => `${kind.replace(/\W+/g, "-")}-${key}`; // upstream counters per transport
    before(async () => {
      ctx = await connect();
      client = ctx.client;
    });
    after(async () => {
      await ctx?.close();
    });

    test('tools/list answers with the manifest tools verbatim', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools, manifest.tools);
    });

    test('a GET returns the upstream JSON as structuredContent and text; arguments are serialised', async () => {
      const result = await expectOk(client, 'echo_get', {
        id: 'item 7', q: 'hello world', tags: ['a', 'b,c'], filter: { color: 'red', size: 3 }, ids: [1, 2, 3],
        multi: ['x', 'y'], trace: 'trace-1', session: 's=1',
      });
      const seen = upstream.last();
      assert.equal(seen.method, 'GET');
      assert.equal(seen.url, '/api/echo/items/item%207?q=hello%20world&tags=a,b%2Cc&filter%5Bcolor%5D=red' +
        '&filter%5Bsize%5D=3&ids=1|2|3&multi=x&multi=y');
      assert.equal(seen.headers['x-trace'], 'trace-1');
      assert.equal(seen.headers.cookie, 'session=s%3D1');
      assert.equal(result.structuredContent.method, 'GET');
      assert.equal(result.structuredContent.url, seen.url);
      assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
    });

    test('bodies follow their content type', async () => {
      await expectOk(client, 'create_item', { body: { name: 'n1', count: 2 }, trace: 't' });
      assert.equal(upstream.last().headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(upstream.last().body), { name: 'n1', count: 2 });

      await expectOk(client, 'submit_form', { a: 'one & two', b: ['x', 'y'] });
      assert.equal(upstream.last().headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(upstream.last().body, 'a=one%20%26%20two&b=x,y');

      await expectOk(client, 'upload_note', { body: { title: 'T', text: 'hello' } });
      assert.match(upstream.last().headers['content-type'], /^multipart\/form-data; boundary=/);
      assert.match(upstream.last().body, /name="title"\r\n\r\nT\r\n/);

      await expectOk(client, 'put_text', { body: 'just text' });
      assert.equal(upstream.last().headers['content-type'], 'text/plain');
      assert.equal(upstream.last().body, 'just text');

      await expectOk(client, 'save_fields', { name: 'widget', quantity: 4 });
      assert.deepEqual(JSON.parse(upstream.last().body), { name: 'widget', quantity: 4 });
    });

    test('text, 404 and oversize answers', async () => {
      const plain = await expectOk(client, 'text_get', {});
      assert.equal(text(plain), 'hello, plain text');
      assert.equal(plain.structuredContent, undefined);
      await expectError(client, 'not_found', {}, /404 Not Found: .*no such thing here/);
      await expectError(client, 'big_get', {}, /larger than 65536 bytes/);
    });

    test('a JSON answer that does not match the output schema is a clear error', async () => {
      await expectError(client, 'echo_bad_output', {}, /does not match the tool's output schema: missing/);
    });

    test('zod-invalid arguments are refused before any upstream call', async () => {
      const before = upstream.count();
      await expectError(client, 'echo_get', { id: 5 }, /Input validation error/);
      await expectError(client, 'echo_get', { id: 'x', extra: 1 }, /Input validation error/);
      assert.equal(upstream.count(), before);
    });

    test('an idempotent GET is retried after 500s; a POST is not, unless marked retryable', async () => {
      const got = await expectOk(client, 'flaky_get', { key: k('g') });
      assert.deepEqual(got.structuredContent, { ok: true, n: 3 });
      assert.equal(upstream.requests.filter((r) => r.path === `/api/flaky/${k('g')}`).length, 3);

      await expectError(client, 'flaky_post', { key: k('p') }, /500 Internal Server Error: .*temporary failure 1/);
      assert.equal(upstream.requests.filter((r) => r.path === `/api/flaky/${k('p')}`).length, 1);

      await expectOk(client, 'flaky_post_retryable', { key: k('r') });
      assert.equal(upstream.requests.filter((r) => r.path === `/api/flaky/${k('r')}`).length, 3);
    });

    test('a slow upstream past the timeout is an error answer', async () => {
      const t0 = Date.now();
      await expectError(client, 'slow_get', {}, /did not answer within 1500 ms/);
      assert.ok(Date.now() - t0 < 4000, 'gave up at the timeout');
    });

    test('a reset connection is retried for a GET', async () => {
      const result = await expectOk(client, 'reset_get', { key: k('reset') });
      assert.equal(result.structuredContent.recovered, true);
      assert.equal(upstream.requests.filter((r) => r.path === `/api/reset/${k('reset')}`).length, 2);
    });

    test('429 with Retry-After is waited for and retried; too long a wait gives up', async () => {
      const t0 = Date.now();
      await expectOk(client, 'limited_get', { key: k('lim') });
      assert.ok(Date.now() - t0 >= 900, `waited ${Date.now() - t0} ms`);
      assert.equal(upstream.requests.filter((r) => r.path === `/api/limited/${k('lim')}`).length, 2);

      await expectError(client, 'limited_get', { key: k('lim-long'), wait: 120 }, /retry after 120 s, longer than SMELTSEC_RETRY_AFTER_MAX_MS/);
      assert.equal(upstream.requests.filter((r) => r.path === `/api/limited/${k('lim-long')}`).length, 1);
    });

    test('redirects: same origin followed, another origin refused', async () => {
      const same = await expectOk(client, 'redirect_same', {});
      assert.equal(same.structuredContent.url, '/api/echo/redirected');
      const before = upstream.count();
      await expectError(client, 'redirect_away', {}, /redirected to another origin/);
      assert.equal(upstream.count(), before + 1, 'the other origin was never contacted');
    });

    test('path traversal, SSRF URLs, CRLF headers and oversize strings never reach the upstream', async () => {
      const before = upstream.count();
      await expectError(client, 'echo_get', { id: '../admin' }, /path separator/);
      await expectError(client, 'echo_get', { id: 'a/b' }, /path separator/);
      await expectError(client, 'echo_get', { id: '%2e%2e' }, /"\." or "\.\." segment/);
      await expectError(client, 'echo_get', { id: '..' }, /"\." or "\.\." segment/);
      await expectError(client, 'echo_get', { id: '%2F' }, /path separator/);
      await expectError(client, 'echo_get', { id: 'a\\b' }, /path separator/);
      await expectError(client, 'fetch_url', { target: 'http://169.254.169.254/latest/meta-data/' }, /non-public host/);
      await expectError(client, 'fetch_url', { target: 'http://localhost:1/' }, /non-public host/);
      await expectError(client, 'fetch_url', { target: 'http://[::ffff:127.0.0.1]/' }, /non-public host/);
      await expectError(client, 'fetch_url', { target: 'http://10.1.2.3/' }, /non-public host/);
      await expectError(client, 'fetch_url', { target: 'http://metadata.google.internal/' }, /non-public host/);
      await expectError(client, 'fetch_url', { target: 'file:///etc/passwd' }, /only http and https/);
      await expectError(client, 'echo_get', { id: 'x', trace: 'a\r\nX-Injected: 1' }, /CR, LF, NUL/);
      await expectError(client, 'echo_get', { id: 'x', session: 'a\nb' }, /CR, LF, NUL/);
      await expectError(client, 'echo_get', { id: 'x', q: 'y'.repeat(1025) }, /longer than 1024 bytes/);
      await expectError(client, 'create_item', { body: { name: 'z'.repeat(2000) } }, /longer than 1024 bytes/);
      assert.equal(upstream.count(), before, 'the upstream recorded no request');

      await expectOk(client, 'fetch_url', { target: 'https://example.com/page' });
      await expectOk(client, 'fetch_url', { target: `http://127.0.0.1:${upstream.port}/self` }); // the base host itself
    });

    test('credentials come from the environment and stay out of answers and logs', async () => {
      await expectOk(client, 'secure_key', {});
      assert.equal(upstream.last().headers['x-api-key'], SECRETS.APIKEYAUTH_API_KEY);
      await expectOk(client, 'secure_bearer', {});
      assert.equal(upstream.last().headers.authorization, `Bearer ${SECRETS.BEARERAUTH_TOKEN}`);

      const tokenCalls = upstream.state.tokenCalls;
      await expectOk(client, 'secure_oauth', {});
      assert.equal(upstream.last().headers.authorization, `Bearer ${OAUTH_TOKEN}`);
      await expectOk(client, 'secure_oauth', {});
      assert.ok(upstream.state.tokenCalls - tokenCalls <= 1, 'the client-credentials token is cached');

      const before = upstream.count();
      const message = await expectError(client, 'secure_missing', {}, /needs credentials: set VAULT_API_KEY, or BASICAUTH_USERNAME and BASICAUTH_PASSWORD/);
      assert.equal(upstream.count(), before);
      assert.doesNotMatch(message, /sekret/);

      const listed = JSON.stringify(await client.listTools());
      const logText = ctx.log.text;
      assert.match(logText, /"msg":"tool call"/);
      for (const value of [...Object.values(SECRETS), OAUTH_TOKEN]) {
        assert.ok(!listed.includes(value), 'secret absent from tools/list');
        assert.ok(!logText.includes(value), 'secret absent from the log');
      }
    });

    test('code tools run through bridge.mjs', async () => {
      const slug = await expectOk(client, 'slugify', { text: 'Hello, World!' });
      assert.equal(text(slug), 'hello-world');
      assert.equal(text(await expectOk(client, 'slugify', { text: 'A b', sep: '_' })), 'a_b');
      assert.equal(text(await expectOk(client, 'calc_add', { a: 2, b: 3 })), '5'); // .ts → sibling .js
      assert.equal(text(await expectOk(client, 'read_note', { path: 'data/note.txt' })), 'hello from a note');
      const noisy = await expectOk(client, 'noisy', {});
      assert.deepEqual(noisy.structuredContent, { ok: true, note: 'noise ignored' });

      await expectError(client, 'explode', { reason: 'on purpose' }, /RangeError: exploded: on purpose/);
      const t0 = Date.now();
      await expectError(client, 'hang', {}, /did not finish within 1500 ms/);
      assert.ok(Date.now() - t0 < 4000);
      await expectError(client, 'read_note', { path: '../../../../etc/passwd' }, /outside the allowed root/);
      await expectError(client, 'read_note', { path: '/etc/passwd' }, /outside the allowed root/);
    });

    test('code tools run through bridge.py (keyword arguments after an omitted one)', { skip: pythonSkip }, async () => {
      assert.equal(text(await expectOk(client, 'py_shout', { text: 'hi' })), 'HI!');
      assert.equal(text(await expectOk(client, 'py_shout', { text: 'hi', suffix: '?' })), 'HI?'); // times omitted
      assert.equal(text(await expectOk(client, 'py_shout', { text: 'a', times: 2 })), 'A!A!');
      const total = await expectOk(client, 'py_total', { values: [1, 2, 3.5] });
      assert.deepEqual(total.structuredContent, { total: 6.5, count: 3 });
    });

    test('grouped tools: search, describe and call over the catalogue', async () => {
      const found = await expectOk(client, 'search_operations', { query: 'widget' });
      assert.deepEqual(found.structuredContent.operations, [
        { name: 'list_widgets', method: 'GET', path: '/echo/widgets', title: 'List widgets' },
        { name: 'create_widget', method: 'POST', path: '/echo/widgets', title: 'Create a widget' },
      ]);
      const one = await expectOk(client, 'search_operations', { query: 'create', limit: 1 });
      assert.deepEqual(one.structuredContent.operations.map((o) => o.name), ['create_widget']);

      const described = await expectOk(client, 'describe_operation', { operation: 'list_widgets' });
      const op = manifest._meta['smeltsec.dev/catalog'].operations[0];
      assert.deepEqual(described.structuredContent.inputSchema, op.inputSchema);
      assert.equal(described.structuredContent.method, 'GET');
      assert.equal(described.structuredContent._meta, undefined);
      await expectError(client, 'describe_operation', { operation: 'nope' }, /unknown operation "nope"/);

      const called = await expectOk(client, 'call_operation', { operation: 'list_widgets', arguments: { color: 'red' } });
      assert.equal(called.structuredContent.url, '/api/echo/widgets?color=red');
      await expectOk(client, 'call_operation', { operation: 'create_widget', arguments: { body: { name: 'w' } } });
      assert.deepEqual(JSON.parse(upstream.last().body), { name: 'w' });

      const before = upstream.count();
      await expectError(client, 'call_operation', { operation: 'list_widgets', arguments: { color: 'green' } }, /invalid arguments for operation "list_widgets": color/);
      await expectError(client, 'call_operation', { operation: 'create_widget', arguments: {} }, /invalid arguments/);
      assert.equal(upstream.count(), before);
    });

    test('the metrics hook sees every call', async () => {
      const key = k('metrics');
      await expectOk(client, 'flaky_get', { key });
      await new Promise((r) => setTimeout(r, 100));
      const lines = ctx.log.text.split('\n').filter((l) => l.startsWith('METRIC ')).map((l) => JSON.parse(l.slice(7)));
      const last = lines.at(-1);
      assert.equal(last.event.tool, 'flaky_get');
      assert.equal(last.event.ok, true);
      assert.equal(last.event.status, 200);
      assert.equal(last.event.attempts, 3);
      assert.equal(typeof last.event.latencyMs, 'number');
      const failed = lines.find((l) => l.event.tool === 'flaky_post');
      assert.equal(failed.event.ok, false);
      assert.equal(failed.event.status, 500);
      assert.match(failed.event.error, /500/);
      const flakyCalls = lines.filter((l) => l.event.tool === 'flaky_get').length;
      assert.equal(last.snapshot.flaky_get.calls, flakyCalls);
      assert.ok(last.snapshot.flaky_post.errors >= 1);
      // the per-call log line: argument names, never their values
      const calls = ctx.log.text.split('\n').filter((l) => l.includes('"msg":"tool call"')).map((l) => JSON.parse(l));
      const echo = calls.find((c) => c.tool === 'echo_get' && c.outcome === 'ok');
      assert.deepEqual(echo.args, ['filter', 'id', 'ids', 'multi', 'q', 'session', 'tags', 'trace']);
      assert.ok(!ctx.log.text.includes('hello world'), 'argument values are not logged');
    });
  });
}

toolSuite('stdio', async () => {
  const c = await connectStdio(serverEnv(upstream));
  return c;
});

toolSuite('streamable HTTP', async () => {
  const server = await startHttpServer(serverEnv(upstream));
  const client = await connectHttp(server.port);
  return {
    client,
    log: server.log,
    close: async () => {
      await client.close();
      assert.equal(await server.stop(), 0, 'clean shutdown on SIGTERM');
      assert.equal(server.log.stdout, '', 'nothing on stdout in HTTP mode');
    },
  };
});

// ---------------------------------------------------------------------------------------------------
// HTTP transport specifics, the breaker, start-up
// ---------------------------------------------------------------------------------------------------

describe('streamable HTTP transport', () => {
  let server;
  before(async () => {
    server = await startHttpServer(serverEnv(upstream));
  });
  after(async () => {
    await server?.stop();
  });

  test('a bad Host header is refused with 403 (DNS rebinding protection)', async () => {
    const status = await new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: server.port, path: '/mcp', method: 'POST',
        headers: { host: 'evil.example:80', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
    });
    assert.equal(status, 403);
  });

  test('other paths are 404; a request without a session is 400', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/other`);
    assert.equal(res.status, 404);
    const noSession = await fetch(`http://127.0.0.1:${server.port}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(noSession.status, 400);
  });

  test('passthrough headers are forwarded from the MCP request', async () => {
    const client = await connectHttp(server.port, { 'x-user-token': 'user-42', 'x-other': 'not forwarded' });
    try {
      await expectOk(client, 'echo_get', { id: 'pt' });
      assert.equal(upstream.last().headers['x-user-token'], 'user-42');
      assert.equal(upstream.last().headers['x-other'], undefined);
    } finally {
      await client.close();
    }
  });
});

describe('circuit breaker', () => {
  test('opens after N failures (fast failures, upstream not hit), then a half-open probe recovers', async () => {
    const { client, close } = await connectStdio(serverEnv(upstream, {
      SMELTSEC_BREAKER_FAILURES: '3',
      SMELTSEC_BREAKER_WINDOW_MS: '10000',
      SMELTSEC_BREAKER_COOLDOWN_MS: '600',
      SMELTSEC_LOG_LEVEL: 'off',
    }));
    try {
      upstream.state.failHealthy = false;
      const hits = () => upstream.requests.filter((r) => r.path === '/api/fail').length;
      const start = hits();
      for (let i = 0; i < 3; i++) await expectError(client, 'fail_get', {}, /500/);
      assert.equal(hits() - start, 3);

      const t0 = Date.now();
      await expectError(client, 'fail_get', {}, /circuit open for http:\/\/127\.0\.0\.1:\d+ .*retry after 1 s/);
      await expectError(client, 'echo_get', { id: 'x' }, /circuit open/); // per origin, not per tool
      assert.ok(Date.now() - t0 < 500, 'fails fast');
      assert.equal(hits() - start, 3, 'upstream not hit while open');

      await new Promise((r) => setTimeout(r, 700));
      await expectError(client, 'fail_get', {}, /500/); // the probe fails: open again
      assert.equal(hits() - start, 4);
      await expectError(client, 'fail_get', {}, /circuit open/);

      await new Promise((r) => setTimeout(r, 700));
      upstream.state.failHealthy = true;
      const ok = await expectOk(client, 'fail_get', {}); // the probe succeeds: closed
      assert.equal(ok.structuredContent.healthy, true);
      await expectOk(client, 'fail_get', {});
      assert.equal(hits() - start, 6);
    } finally {
      upstream.state.failHealthy = false;
      await close();
    }
  });
});

describe('start-up and configuration', () => {
  test('no base URL at all is a clear tool error', async () => {
    const env = serverEnv(upstream, { SMELTSEC_LOG_LEVEL: 'off' });
    delete env.API_BASE_URL;
    const dir = path.join(repoRoot, 'build/test-servers/runtime-ts-nobase');
    rmSync(dir, { recursive: true, force: true });
    cpSync(serverDir, dir, { recursive: true });
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    for (const t of m.tools) if (t._meta['smeltsec.dev/http']) t._meta['smeltsec.dev/http'].baseUrl = '';
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(dir, 'dist/index.js')], env, stderr: 'pipe' });
    const client = new Client({ name: 'runtime-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      await expectError(client, 'text_get', {}, /no upstream base URL: set API_BASE_URL/);
    } finally {
      await client.close();
    }
  });

  test('real manifests (golden files) are served verbatim: plain, grouped and code', async () => {
    for (const golden of ['openapi/swagger-petstore-3.0.4', 'openapi/features-3.0.grouped', 'code/js-library-exports', 'code/flask-auth']) {
      const m = JSON.parse(readFileSync(path.join(repoRoot, `tests/golden/${golden}.golden.json`), 'utf8')).manifest;
      const dir = path.join(repoRoot, 'build/test-servers/runtime-ts-golden');
      rmSync(dir, { recursive: true, force: true });
      cpSync(serverDir, dir, { recursive: true });
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
      // tools.js as the generator would compile it, with permissive validators
      const ops = (m._meta?.['smeltsec.dev/catalog']?.operations ?? []).map((o) => o.name);
      writeFileSync(path.join(dir, 'dist/tools.js'), `import { z } from "zod";
export function registerTools(rt) {
  for (const name of ${JSON.stringify(m.tools.map((t) => t.name))}) rt.tool(name, z.looseObject({}));
  for (const name of ${JSON.stringify(ops)}) rt.operation(name, z.looseObject({}));
}\n`);
      const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(dir, 'dist/index.js')],
        env: { ...process.env, SMELTSEC_LOG_LEVEL: 'off' }, stderr: 'pipe' });
      const client = new Client({ name: 'runtime-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        assert.deepEqual((await client.listTools()).tools, m.tools, golden);
        if (ops.length > 0) {
          const found = await expectOk(client, 'search_operations', { query: 'pet' });
          assert.ok(found.structuredContent.operations.length > 0);
        }
      } finally {
        await client.close();
      }
    }
  });

  test('a tool name missing from the manifest stops start-up with a clear log line', async () => {
    const dir = path.join(repoRoot, 'build/test-servers/runtime-ts-badname');
    rmSync(dir, { recursive: true, force: true });
    cpSync(serverDir, dir, { recursive: true });
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    m.tools = m.tools.filter((t) => t.name !== 'hang');
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const result = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(dir, 'dist/index.js')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SMELTSEC_LOG_LEVEL: 'info' } });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c) => { stderr += c; });
      child.stdout.on('data', (c) => { stdout += c; });
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /"msg":"start-up failed".*rt\.tool: \\"hang\\" is not a tool of manifest\.json/);
  });
});
