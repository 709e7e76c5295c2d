// Issue 4 (server code generation), end to end from an OpenAPI spec: `smeltsec generate` writes a
// TypeScript MCP server project, the repository's tsc builds it, it runs as a child process and the
// official SDK client drives it (stdio and streamable HTTP) against a real in-memory Petstore upstream
// (tests/fixtures/upstream/petstore.mjs) that records every request. Proves: tools/list is the manifest,
// calls reach the upstream and come back (structuredContent where there is an outputSchema), invalid or
// hostile arguments never reach the upstream, faults (500, slow, reset, 429, breaker) always end in an
// answer, a spec full of code-breaking text generates compiling TS and clean Python, and generation is
// deterministic.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { startPetstore } from '../fixtures/upstream/petstore.mjs';
import { corpusDir, corpusSkip, repoRoot } from './helpers.mjs';
import {
  assertToolsEqual, buildTs, call, connectHttp, connectStdio, expectOk, expectToolError, generate,
  listAllTools, readTree, resultText, serverEnv, startEchoUpstream, startHttp,
} from './helpers/servers.mjs';

const run = promisify(execFile);
const petSpec = path.join(corpusDir, 'openapi/swagger-petstore-3.0.4.yaml');
const hostileSpec = path.join(repoRoot, 'tests/fixtures/openapi/hostile-codegen.yaml');

const CREDENTIALS = { PETSTORE_AUTH_ACCESS_TOKEN: 'petstore-token-123', API_KEY_API_KEY: 'petstore-key-456' };
const newPet = (name, extra = {}) => ({ name, photoUrls: ['https://img.example.com/p.png'], status: 'available', ...extra });

/**
 * Invalid arguments are refused before anything runs: either a JSON-RPC error or an isError result
 * (the SDK's input validation), never a success.
 */
async function expectRefused(client, name, args, pattern) {
  let text;
  try {
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 10000 });
    assert.equal(result.isError, true, `${name}(${JSON.stringify(args).slice(0, 120)}) should be refused: ${JSON.stringify(result).slice(0, 300)}`);
    text = resultText(result);
  } catch (e) {
    assert.ok(e.code !== undefined, `a JSON-RPC error, not a transport failure: ${e}`);
    text = e.message;
  }
  if (pattern) assert.match(text, pattern);
  return text;
}

describe('Petstore (TypeScript, --mode all)', { skip: corpusSkip }, () => {
  let pet;
  let gen;
  before(async () => {
    pet = await startPetstore();
    gen = await generate(petSpec, 'e2e-petstore');
    await buildTs(gen.serverDir);
  });
  after(async () => {
    await pet?.close();
  });

  test('the project is the documented one', () => {
    assert.equal(gen.report.tools, 19);
    assert.deepEqual(gen.report.server.files, [
      '.env.example', '.gitignore', 'README.md', 'bridge/bridge.mjs', 'bridge/bridge.py', 'manifest.json',
      'package.json', 'src/index.ts', 'src/runtime.ts', 'src/tools.ts', 'tsconfig.json',
    ]);
  });

  for (const transport of ['stdio', 'http']) {
    describe(`over ${transport}`, () => {
      let client;
      let stop;
      before(async () => {
        const env = serverEnv(pet.base, CREDENTIALS);
        if (transport === 'stdio') {
          const c = await connectStdio(gen.serverDir, env);
          client = c.client;
          stop = c.close;
        } else {
          const server = await startHttp(gen.serverDir, env);
          const c = await connectHttp(server.url);
          client = c.client;
          stop = async () => { await c.close(); await server.stop(); };
        }
      });
      after(async () => { await stop?.(); });

      test('tools/list deep-equals manifest.json', async () => {
        assertToolsEqual(await listAllTools(client), gen.manifest.tools);
      });

      test('add_pet then get_pet_by_id: the upstream data, as structuredContent', async () => {
        pet.clearRequests();
        const body = newPet(`Fido-${transport}`, { tags: [{ id: 7, name: 'new' }], category: { id: 1, name: 'Dogs' } });
        const added = await expectOk(client, 'add_pet', { body });
        assert.equal(pet.requests.length, 1);
        const sent = pet.requests[0];
        assert.equal(sent.method, 'POST');
        assert.equal(sent.path, '/pet');
        assert.match(sent.headers['content-type'], /^application\/json/);
        assert.deepEqual(JSON.parse(sent.body), body);
        assert.equal(sent.headers.authorization, `Bearer ${CREDENTIALS.PETSTORE_AUTH_ACCESS_TOKEN}`);
        const id = added.result.structuredContent?.id;
        assert.ok(Number.isInteger(id), `add_pet has an outputSchema: structuredContent ${JSON.stringify(added.result)}`);
        assert.deepEqual(added.result.structuredContent, pet.db.pets.get(id));

        const got = await expectOk(client, 'get_pet_by_id', { petId: id });
        assert.equal(pet.requests.at(-1).url, `/api/v3/pet/${id}`);
        assert.deepEqual(got.result.structuredContent, { ...body, id });
        assert.deepEqual(JSON.parse(resultText(got.result)), { ...body, id }, 'the text content carries the same JSON');
      });

      test('find_pets_by_status sends the query and returns the list', async () => {
        pet.clearRequests();
        const { result } = await expectOk(client, 'find_pets_by_status', { status: 'sold' });
        assert.equal(pet.requests.length, 1);
        assert.equal(pet.requests[0].url, '/api/v3/pet/findByStatus?status=sold');
        const expected = [...pet.db.pets.values()].filter((p) => p.status === 'sold');
        assert.ok(expected.length >= 1);
        const value = result.structuredContent ?? JSON.parse(resultText(result));
        assert.deepEqual(value.result ?? value, expected);
      });

      test('an upstream 404 is an error answer with the upstream message', async () => {
        await expectToolError(client, 'get_pet_by_id', { petId: 987654 }, /404|not found/i);
      });

      test('invalid arguments are refused and never reach the upstream', async () => {
        pet.clearRequests();
        await expectRefused(client, 'get_pet_by_id', { petId: 'abc' }, /petId|number|invalid/i);
        await expectRefused(client, 'get_pet_by_id', { petId: 1.5 }, /petId|int|invalid/i);
        await expectRefused(client, 'get_pet_by_id', {}, /petId|required|invalid/i);
        await expectRefused(client, 'get_pet_by_id', { petId: 1, extra: true }, /extra|unrecognized|invalid/i);
        await expectRefused(client, 'add_pet', { body: { name: 5, photoUrls: [] } }, /name|string|invalid/i);
        await expectRefused(client, 'add_pet', { body: { photoUrls: [] } }, /name|required|invalid/i);
        await expectRefused(client, 'add_pet', { body: newPet('x', { status: 'eaten' }) }, /status|enum|invalid/i);
        await expectRefused(client, 'add_pet', { body: newPet('x', { sneaky: 1 }) }, /sneaky|unrecognized|invalid/i);
        await expectRefused(client, 'find_pets_by_status', { status: 'lost' }, /status|invalid/i);
        await expectRefused(client, 'no_such_tool', {}, /no_such_tool|not found/i);
        assert.deepEqual(pet.requests, [], 'the upstream saw nothing');
      });
    });
  }

  describe('faults (stdio)', () => {
    let c;
    before(async () => {
      c = await connectStdio(gen.serverDir, serverEnv(pet.base, CREDENTIALS));
    });
    after(async () => { await c?.close(); pet.clearFaults(); });

    test('GET answered 500 twice is retried until it succeeds', async () => {
      pet.reset();
      pet.fault({ method: 'GET', path: '/pet/1', kind: 'status', status: 500, times: 2 });
      const { result } = await expectOk(c.client, 'get_pet_by_id', { petId: 1 });
      assert.equal(result.structuredContent.name, 'Rex');
      assert.deepEqual(pet.requests.map((r) => r.fault ?? 'ok'), ['status', 'status', 'ok']);
    });

    test('GET failing 500 more often than SMELTSEC_RETRIES gives up with an error answer', async () => {
      pet.reset();
      pet.fault({ method: 'GET', path: '/pet/1', kind: 'status', status: 500 });
      await expectToolError(c.client, 'get_pet_by_id', { petId: 1 }, /500/);
      assert.equal(pet.requests.length, 3, '1 + SMELTSEC_RETRIES (2) attempts');
    });

    test('POST add_pet answered 500 is NOT retried', async () => {
      pet.reset();
      pet.fault({ method: 'POST', path: '/pet', kind: 'status', status: 500, times: 5 });
      await expectToolError(c.client, 'add_pet', { body: newPet('Once') }, /500/);
      assert.equal(pet.requests.length, 1, 'exactly one upstream request');
    });

    test('POST add_pet with a connection reset is NOT retried', async () => {
      pet.reset();
      pet.fault({ method: 'POST', path: '/pet', kind: 'reset', times: 5 });
      await expectToolError(c.client, 'add_pet', { body: newPet('Reset') });
      assert.equal(pet.requests.length, 1);
    });

    test('GET with a connection reset (socket.destroy) is retried', async () => {
      pet.reset();
      pet.fault({ method: 'GET', path: '/pet/2', kind: 'reset', times: 1 });
      const { result } = await expectOk(c.client, 'get_pet_by_id', { petId: 2 });
      assert.equal(result.structuredContent.name, 'Tom');
      assert.deepEqual(pet.requests.map((r) => r.fault ?? 'ok'), ['reset', 'ok']);
    });

    test('a response slower than SMELTSEC_TIMEOUT_MS is an error answer in bounded time', async () => {
      pet.reset();
      pet.fault({ kind: 'slow', delayMs: 5000 });
      const post = await expectToolError(c.client, 'add_pet', { body: newPet('Slow') }, /400 ms|timeout|did not answer/i);
      assert.ok(post.ms >= 350 && post.ms < 1500, `one 400 ms attempt for a POST, took ${post.ms} ms`);
      assert.equal(pet.requests.length, 1);
      pet.clearRequests();
      const get = await expectToolError(c.client, 'get_pet_by_id', { petId: 3 }, /400 ms|timeout|did not answer/i);
      assert.ok(get.ms < 2500, `three 400 ms attempts at most, took ${get.ms} ms`);
      assert.equal(pet.requests.length, 3, 'a GET timing out is retried');
    });

    test('429 with Retry-After: 1 is retried after about a second', async () => {
      pet.reset();
      pet.fault({ method: 'GET', path: '/pet/1', kind: 'status', status: 429, retryAfter: '1', times: 1 });
      const { ms } = await expectOk(c.client, 'get_pet_by_id', { petId: 1 });
      assert.equal(pet.requests.length, 2);
      const gap = pet.requests[1].at - pet.requests[0].at;
      assert.ok(gap >= 950, `waited ${gap} ms before the retry`);
      assert.ok(ms < 4000, `answered in ${ms} ms`);
    });
  });

  describe('circuit breaker (stdio)', () => {
    let c;
    before(async () => {
      pet.reset();
      c = await connectStdio(gen.serverDir, serverEnv(pet.base, {
        ...CREDENTIALS, SMELTSEC_BREAKER_FAILURES: '3', SMELTSEC_RETRIES: '0', SMELTSEC_BREAKER_COOLDOWN_MS: '500',
      }));
    });
    after(async () => { await c?.close(); pet.clearFaults(); });

    test('opens after N failures, fails fast, probes after the cool-down and closes', async () => {
      pet.fault({ method: 'GET', kind: 'status', status: 500 });
      for (let i = 0; i < 3; i++) await expectToolError(c.client, 'get_pet_by_id', { petId: 1 }, /500/);
      assert.equal(pet.requests.length, 3);

      // open: answers at once, the upstream sees nothing (any operation of the same origin)
      const fast = await expectToolError(c.client, 'get_pet_by_id', { petId: 1 }, /circuit open/i);
      assert.ok(fast.ms < 250, `failed fast (${fast.ms} ms)`);
      await expectToolError(c.client, 'get_inventory', {}, /circuit open/i);
      assert.equal(pet.requests.length, 3, 'no request while open');

      // after the cool-down, one probe; it fails → open again at once
      await new Promise((r) => setTimeout(r, 600));
      await expectToolError(c.client, 'get_pet_by_id', { petId: 1 }, /500/);
      assert.equal(pet.requests.length, 4, 'the half-open probe reached the upstream');
      await expectToolError(c.client, 'get_pet_by_id', { petId: 1 }, /circuit open/i);
      assert.equal(pet.requests.length, 4);

      // after the cool-down again, the probe succeeds and the circuit closes
      pet.clearFaults();
      await new Promise((r) => setTimeout(r, 600));
      const probe = await expectOk(c.client, 'get_pet_by_id', { petId: 1 });
      assert.equal(probe.result.structuredContent.name, 'Rex');
      await expectOk(c.client, 'get_inventory', {});
      await expectOk(c.client, 'get_pet_by_id', { petId: 2 });
      assert.equal(pet.requests.length, 7, 'closed: every call reaches the upstream');
    });
  });

  describe('abuse (stdio, SMELTSEC_MAX_STRING_BYTES=1024)', () => {
    let c;
    before(async () => {
      pet.reset();
      c = await connectStdio(gen.serverDir, serverEnv(pet.base, { ...CREDENTIALS, SMELTSEC_MAX_STRING_BYTES: '1024' }));
    });
    after(async () => { await c?.close(); });

    test('a plain path parameter works (control)', async () => {
      pet.clearRequests();
      const { result } = await expectOk(c.client, 'get_user_by_name', { username: 'user1' });
      assert.equal(result.structuredContent.email, 'user1@example.com');
      assert.equal(pet.requests[0].url, '/api/v3/user/user1');
    });

    test('path traversal in a path parameter is refused', async () => {
      pet.clearRequests();
      for (const username of ['../admin', 'a/b', '..', '.', '%2e%2e%2f', '%2e%2e', '..%2fadmin', '%252e%252e%252f', 'a\\b', 'a%5cb', 'user1\r\nX: 1', 'a\u0000b']) {
        await expectToolError(c.client, 'get_user_by_name', { username }, /refused/);
      }
      for (const username of ['../admin', '..']) await expectToolError(c.client, 'delete_user', { username }, /refused/);
      assert.deepEqual(pet.requests, [], 'the upstream saw nothing');
    });

    test('URL-valued arguments to private, metadata or non-http targets are refused (SSRF)', async () => {
      pet.clearRequests();
      for (const url of [
        'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://localhost:1/', 'file:///etc/passwd',
        'http://[::1]:8080/', 'http://10.0.0.5/', 'http://metadata.google.internal/', 'gopher://127.0.0.1:25/',
        'http://0.0.0.0/', 'http://[::ffff:169.254.169.254]/',
      ]) {
        await expectToolError(c.client, 'add_pet', { body: newPet('Ssrf', { photoUrls: [url] }) }, /refused|only http/);
      }
      assert.deepEqual(pet.requests, [], 'the upstream saw nothing');
      await expectOk(c.client, 'add_pet', { body: newPet('Public', { photoUrls: ['https://img.example.com/ok.png'] }) });
      assert.equal(pet.requests.length, 1, 'a public URL is fine (control)');
    });

    test('CR/LF in a header argument is refused', async () => {
      pet.clearRequests();
      for (const apiKey of ['k\r\nX-Injected: 1', 'k\nX-Injected: 1', 'k\rx', 'k\u0000']) {
        await expectToolError(c.client, 'delete_pet', { petId: 1, api_key: apiKey }, /refused/);
      }
      assert.deepEqual(pet.requests, []);
      await expectOk(c.client, 'delete_pet', { petId: 3, api_key: 'plain-key' });
      assert.equal(pet.requests.length, 1);
      assert.equal(pet.requests[0].method, 'DELETE');
      assert.equal(pet.requests[0].headers.api_key, 'plain-key', 'the header argument is sent (control)');
      assert.equal(pet.requests[0].headers['x-injected'], undefined);
    });

    test('strings longer than SMELTSEC_MAX_STRING_BYTES are refused, at any depth', async () => {
      pet.clearRequests();
      await expectToolError(c.client, 'get_user_by_name', { username: 'a'.repeat(1025) }, /1024 bytes|refused/);
      await expectToolError(c.client, 'get_user_by_name', { username: 'é'.repeat(600) }, /1024 bytes|refused/); // 1200 bytes
      await expectToolError(c.client, 'add_pet', { body: newPet('x'.repeat(5000)) }, /1024 bytes|refused/);
      await expectToolError(c.client, 'add_pet', { body: newPet('Deep', { tags: [{ id: 1, name: 'y'.repeat(2000) }] }) }, /1024 bytes|refused/);
      assert.deepEqual(pet.requests, []);
      await call(c.client, 'get_user_by_name', { username: 'u'.repeat(1000) });
      assert.equal(pet.requests.length, 1, 'a string under the limit is sent (control)');
    });
  });

  test('the Python project passes py_compile and pyflakes', async () => {
    const py = await generate(petSpec, 'e2e-petstore-py', { target: 'python' });
    await checkPython(py.serverDir);
  });

  test('generation is deterministic (both targets, byte for byte)', async () => {
    for (const target of ['ts', 'python']) {
      const a = await generate(petSpec, `e2e-det-a-${target}`, { target });
      const b = await generate(petSpec, `e2e-det-b-${target}`, { target });
      assertSameTree(a.dir, b.dir);
    }
  });
});

async function checkPython(serverDir) {
  const files = ['server.py', 'smeltsec_runtime.py'];
  try {
    await run('python3', ['-m', 'py_compile', ...files], { cwd: serverDir });
  } catch (e) {
    assert.fail(`py_compile failed:\n${e.stdout}${e.stderr}`);
  }
  try {
    await run('pyflakes3', files, { cwd: serverDir });
  } catch (e) {
    if (e.code === 'ENOENT') return; // pyflakes3 missing: py_compile still ran
    assert.fail(`pyflakes3 reported:\n${e.stdout}${e.stderr}`);
  }
}

function assertSameTree(a, b) {
  const ta = readTree(a);
  const tb = readTree(b);
  assert.deepEqual([...ta.keys()], [...tb.keys()]);
  assert.ok(ta.size >= 3);
  for (const [file, bytes] of ta) assert.ok(bytes.equals(tb.get(file)), `${file} differs between two runs`);
}

describe('hostile spec (tests/fixtures/openapi/hostile-codegen.yaml)', () => {
  let up;
  let gen;
  let c;
  before(async () => {
    up = await startEchoUpstream();
    gen = await generate(hostileSpec, 'e2e-hostile');
    await buildTs(gen.serverDir);
    c = await connectStdio(gen.serverDir, serverEnv(`${up.base}/v1`));
  });
  after(async () => {
    await c?.close();
    await up?.close();
  });

  test('the TypeScript server compiles, starts and lists exactly the manifest', async () => {
    assert.equal(gen.manifest.tools.length, 3);
    assertToolsEqual(await listAllTools(c.client), gen.manifest.tools);
    assert.equal(c.client.getServerVersion().name, gen.report.source.title, 'the hostile title is the server name, verbatim');
  });

  test('hostile enum values reach the upstream byte-exact (query and JSON body)', async () => {
    const get = gen.manifest.tools.find((t) => t._meta['smeltsec.dev/http'].method === 'GET');
    const post = gen.manifest.tools.find((t) => t._meta['smeltsec.dev/http'].method === 'POST');
    const modeKey = get._meta['smeltsec.dev/http'].arguments.find((a) => a.in === 'query').key;
    assert.equal(modeKey, 'mode\'"`');
    const modes = get.inputSchema.properties.mode.enum;
    assert.ok(modes.includes('para\u2028sep') && modes.includes('line\nbreak') && modes.includes('${process.exit(1)}'));
    for (const mode of modes) {
      up.requests.length = 0;
      await expectOk(c.client, get.name, { item_Id: 'abc', mode });
      assert.equal(up.requests.length, 1);
      const r = up.requests[0];
      assert.equal(r.path, '/v1/items/abc');
      const pairs = r.rawQuery.split('&').map((kv) => kv.split('=').map(decodeURIComponent));
      assert.deepEqual(pairs, [[modeKey, mode]], `query for ${JSON.stringify(mode)}: ${r.rawQuery}`);
    }
    for (const choice of post.inputSchema.properties.body.properties.choice.enum) {
      up.requests.length = 0;
      const name = 'n\\"x';
      await expectOk(c.client, post.name, { item_Id: 'abc', body: { choice, 'name with spaces "': name } });
      assert.equal(up.requests.length, 1);
      assert.deepEqual(JSON.parse(up.requests[0].body), { choice, 'name with spaces "': name });
    }
  });

  test('the hostile pattern survived as a working validator', async () => {
    up.requests.length = 0;
    await expectRefused(c.client, gen.manifest.tools[0].name, { item_Id: 'ABC' }, /item_Id|pattern|invalid/i);
    await expectRefused(c.client, gen.manifest.tools[0].name, { item_Id: 'abc', mode: 'not-in-enum' });
    await expectRefused(c.client, gen.manifest.tools[1].name, { item_Id: 'abc', body: { choice: '\'"`', 'name with spaces "': '"' } });
    assert.deepEqual(up.requests, []);
    await expectOk(c.client, gen.manifest.tools[0].name, { item_Id: 'a$b{}*"\'`' });
    assert.equal(up.requests.length, 1);
  });

  test('a header whose name is not a valid HTTP token still ends in an answer', async () => {
    // The spec's header parameter is named "X-Hostile*/Header" ("/" is not an RFC 9110 token character).
    const { result } = await call(c.client, gen.manifest.tools[0].name, { item_Id: 'abc', 'X-Hostile_Header': 'v' });
    assert.equal(typeof result, 'object');
    if (result.isError) assert.doesNotMatch(resultText(result), /\n\s+at /);
  });

  test('an invalid header name is not an upstream failure: no retries, the breaker stays closed', async () => {
    const own = await connectStdio(gen.serverDir, serverEnv(`${up.base}/v1`, { SMELTSEC_BREAKER_FAILURES: '3' }));
    try {
      up.requests.length = 0;
      const bad = await call(own.client, gen.manifest.tools[0].name, { item_Id: 'abc', 'X-Hostile_Header': 'v' });
      assert.equal(bad.result.isError, true);
      assert.doesNotMatch(resultText(bad.result), /after \d+ attempts/, 'not retried');
      await expectOk(own.client, gen.manifest.tools[0].name, { item_Id: 'abc' });
      assert.equal(up.requests.length, 1, 'the circuit did not open');
    } finally {
      await own.close();
    }
  });

  test('the Python project passes py_compile and pyflakes', async () => {
    const py = await generate(hostileSpec, 'e2e-hostile-py', { target: 'python' });
    await checkPython(py.serverDir);
  });

  test('generation is deterministic (both targets, byte for byte)', async () => {
    for (const target of ['ts', 'python']) {
      const a = await generate(hostileSpec, `e2e-hostile-det-a-${target}`, { target });
      const b = await generate(hostileSpec, `e2e-hostile-det-b-${target}`, { target });
      assertSameTree(a.dir, b.dir);
    }
  });
});
