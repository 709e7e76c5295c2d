// The edge worker (worker/worker.mjs) served by workerd: HTTP in, the same results as the JS API in Node out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { nodeModules, repoRoot } from './helpers.mjs';
import { createSmeltSec } from '../../wasm/smeltsec.mjs';

// The workerd binary from npm (@cloudflare/workerd-linux-64, pinned in package.json).
const workerdBin = path.join(nodeModules, '@cloudflare/workerd-linux-64/bin/workerd');
const configPath = path.join(repoRoot, 'worker/config.capnp');
const wasmPath = path.join(repoRoot, 'wasm/dist/smeltsec-core.wasm');
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const PETS_YAML = `openapi: 3.0.3
info:
  title: Pet Store
  version: "1.2.0"
servers:
  - url: https://pets.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      summary: List all pets
      parameters:
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 100}
      responses:
        "200":
          description: A page of pets
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Pet"}
    post:
      operationId: createPet
      summary: Create a pet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses:
        "201": {description: Created}
  /pets/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        schema: {type: string}
    get:
      operationId: showPetById
      summary: Info for a specific pet
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    delete:
      operationId: deletePet
      summary: Delete a pet
      responses:
        "204": {description: Deleted}
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
    Pet:
      allOf:
        - $ref: "#/components/schemas/NewPet"
        - type: object
          required: [id]
          properties:
            id: {type: integer, format: int64}
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The report carries wall-clock timings; everything else must match exactly. */
function withoutTimings(report) {
  assert.equal(typeof report.timingsMs, 'object');
  for (const v of Object.values(report.timingsMs)) assert.equal(typeof v, 'number');
  const { timingsMs, ...rest } = report;
  return rest;
}

describe('edge worker on workerd', { timeout: 20_000 }, () => {
  let child;
  let base;
  let stderr = '';
  let smeltsec;

  before(async () => {
    assert.ok(existsSync(wasmPath), `${wasmPath} is missing: build the wasm target first (see worker/README.md)`);
    smeltsec = await createSmeltSec();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(workerdBin, ['serve', configPath, '--socket-addr', `http=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`workerd exited (${child.exitCode ?? child.signalCode}):\n${stderr}`);
      }
      try {
        const r = await fetch(`${base}/v1/health`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`workerd did not answer /v1/health within 10 s:\n${stderr}`);
      await sleep(50);
    }
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  });

  async function call(pathname, init = {}) {
    const res = await fetch(`${base}${pathname}`, init);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  const post = (pathname, body) =>
    call(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  function assertError(body, code) {
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.message.length > 0);
    assert.equal(typeof body.error.where, 'string');
    assert.ok(Array.isArray(body.error.needs));
    assert.doesNotMatch(body.error.message, /\n\s+at /); // never a stack trace
  }

  test('GET /v1/health gives the core version', async () => {
    const { status, body } = await call('/v1/health');
    assert.equal(status, 200);
    assert.deepEqual(body, { ok: true, version: smeltsec.version() });
  });

  test('POST /v1/generate equals generateManifest in Node', async () => {
    const expected = smeltsec.generateManifest({ spec: PETS_YAML }, { mode: 'all' });
    assert.equal(expected.ok, true);
    const { status, body } = await post('/v1/generate', { spec: PETS_YAML, mode: 'all' });
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['manifest', 'report']);
    assert.equal(body.manifest.tools.length, 4);
    assert.deepEqual(body.manifest, JSON.parse(expected.value.manifestJson));
    assert.deepEqual(withoutTimings(body.report), withoutTimings(expected.value.report));
  });

  test('POST /v1/generate with files and entry, default mode', async () => {
    const files = { 'api/openapi.yaml': PETS_YAML, 'README.md': '# not a spec\n' };
    const expected = smeltsec.generateManifest(files, { entry: 'api/openapi.yaml' });
    assert.equal(expected.ok, true);
    const { status, body } = await post('/v1/generate', { files, entry: 'api/openapi.yaml' });
    assert.equal(status, 200);
    assert.deepEqual(body.manifest, JSON.parse(expected.value.manifestJson));
    assert.deepEqual(withoutTimings(body.report), withoutTimings(expected.value.report));
  });

  test('POST /v1/analyze equals analyzeSpec in Node', async () => {
    const expected = smeltsec.analyzeSpec({ spec: PETS_YAML });
    assert.equal(expected.ok, true);
    const { status, body } = await post('/v1/analyze', { spec: PETS_YAML });
    assert.equal(status, 200);
    assert.deepEqual(body, expected.value);
    assert.equal(body.candidates.length, 4);
  });

  test('a malformed spec gives the core structured error', async () => {
    for (const [spec, code] of [
      ['openapi: 3.0.3\npaths: [unclosed\n', 'yaml_syntax'],
      ['{"openapi": "3.0.3", "paths": {', 'json_syntax'],
    ]) {
      const expected = smeltsec.generateManifest({ spec });
      assert.equal(expected.ok, false);
      const { status, body } = await post('/v1/generate', { spec });
      assert.equal(status, 422);
      assertError(body, code);
      assert.deepEqual(body.error, expected.error);
    }
  });

  test('a JSON document that is not OpenAPI gives not_openapi', async () => {
    const spec = JSON.stringify({ name: 'package', version: '1.0.0', dependencies: {} });
    for (const endpoint of ['/v1/analyze', '/v1/generate']) {
      const { status, body } = await post(endpoint, { spec });
      assert.equal(status, 422);
      assertError(body, 'not_openapi');
    }
  });

  test('bad requests: malformed JSON body, wrong shapes, bad options', async () => {
    let r = await post('/v1/generate', '{"spec": "openapi: 3.0.3"');
    assert.equal(r.status, 400);
    assertError(r.body, 'bad_request');
    r = await post('/v1/generate', { spec: 42 });
    assert.equal(r.status, 400);
    assertError(r.body, 'bad_request');
    r = await post('/v1/analyze', { spec: PETS_YAML, files: { 'a.yaml': PETS_YAML } });
    assert.equal(r.status, 400);
    assertError(r.body, 'bad_request');
    r = await post('/v1/analyze', { spec: PETS_YAML, mode: 'all' }); // mode belongs to /v1/generate
    assert.equal(r.status, 400);
    assertError(r.body, 'bad_request');
    r = await post('/v1/generate', { spec: PETS_YAML, mode: 'bogus' }); // checked by the core
    assert.equal(r.status, 400);
    assertError(r.body, 'bad_option');
  });

  test('an oversize body gives 413', async () => {
    // The worker answers from the declared length, before reading the body. Sending the whole body first
    // races with that answer (the connection may be reset mid-upload), so only the headers go out here.
    const { status, body: out } = await new Promise((resolve, reject) => {
      const req = http.request(`${base}/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 100) },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 413);
    assertError(out, 'payload_too_large');
    // the worker still serves afterwards
    assert.equal((await call('/v1/health')).status, 200);
  });

  test('unknown path gives 404 JSON', async () => {
    const { status, body } = await call('/v1/nope');
    assert.equal(status, 404);
    assertError(body, 'not_found');
  });

  test('wrong method gives 405 with Allow', async () => {
    let r = await call('/v1/generate');
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
    assertError(r.body, 'method_not_allowed');
    r = await call('/v1/health', { method: 'POST', body: '{}' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
  });
});
