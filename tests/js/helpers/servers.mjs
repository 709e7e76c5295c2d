// Shared by the codegen tests: generate a server with the CLI, build it with the repository's tsc, start
// it (stdio or streamable HTTP) and drive it with the official MCP SDK client; a generic recording
// upstream. Generated projects live under build/test-servers/<name>/ (git-ignored).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { cliPath, nodeModules, repoRoot } from '../helpers.mjs';

const run = promisify(execFile);
export const testServersDir = path.join(repoRoot, 'build/test-servers');
export const NODE_FLAGS = ['--enable-experimental-regexp-engine-on-excessive-backtracks'];

/**
 * `smeltsec generate SOURCE --out build/test-servers/NAME --json [...]` into a fresh folder.
 * Returns { dir, serverDir, report, manifest, manifestText }.
 */
export async function generate(source, name, { target = 'ts', mode = 'all', args = [], dir } = {}) {
  const out = dir ?? path.join(testServersDir, name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.dirname(out), { recursive: true });
  const argv = [cliPath, 'generate', source, '--out', out, '--target', target, '--mode', mode, '--json', ...args];
  let stdout;
  try {
    ({ stdout } = await run(process.execPath, argv, { cwd: repoRoot, maxBuffer: 64 << 20, encoding: 'utf8' }));
  } catch (e) {
    assert.fail(`smeltsec generate ${source} failed (${e.code}):\n${e.stdout}\n${e.stderr}`);
  }
  const report = JSON.parse(stdout);
  assert.equal(report.ok, true, stdout);
  const manifestText = readFileSync(path.join(out, 'manifest.json'), 'utf8');
  return { dir: out, serverDir: path.join(out, 'server'), report, manifest: JSON.parse(manifestText), manifestText };
}

/** Builds a generated TypeScript project offline (node_modules → the repository's); returns tsc's ms. */
export async function buildTs(serverDir) {
  const link = path.join(serverDir, 'node_modules');
  if (!existsSync(link)) symlinkSync(nodeModules, link, 'dir');
  const started = performance.now();
  try {
    await run(process.execPath, [path.join(nodeModules, 'typescript/bin/tsc'), '-p', serverDir],
      { cwd: serverDir, maxBuffer: 64 << 20, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc -p ${serverDir} failed:\n${e.stdout}\n${e.stderr}`);
  }
  return performance.now() - started;
}

/** Every file under `dir` (relative path → bytes), skipping node_modules and dist. */
export function readTree(dir, base = dir, out = new Map()) {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === '__pycache__') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) readTree(full, base, out);
    else out.set(path.relative(base, full), readFileSync(full));
  }
  return out;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The server's environment: small timeouts, quiet logs, the upstream base URL. */
export function serverEnv(base, extra = {}) {
  const env = {
    ...process.env,
    SMELTSEC_TIMEOUT_MS: '400',
    SMELTSEC_RETRIES: '2',
    SMELTSEC_RETRY_BASE_MS: '10',
    SMELTSEC_RETRY_MAX_MS: '40',
    SMELTSEC_RETRY_AFTER_MAX_MS: '5000',
    SMELTSEC_BREAKER_FAILURES: '1000',
    SMELTSEC_BREAKER_COOLDOWN_MS: '300',
    SMELTSEC_LOG_LEVEL: 'warn',
    ...extra,
  };
  if (base !== undefined) env.API_BASE_URL = base;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** Starts `dist/index.js` over stdio and connects an SDK client. */
export async function connectStdio(serverDir, env, { entry = 'dist/index.js', command = process.execPath, args } = {}) {
  const transport = new StdioClientTransport({
    command,
    args: args ?? [...NODE_FLAGS, path.join(serverDir, entry)],
    env,
    cwd: serverDir,
    stderr: 'pipe',
  });
  const log = { text: '' };
  transport.stderr.on('data', (c) => { log.text += c.toString('utf8'); });
  const client = new Client({ name: 'codegen-test', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    await client.close().catch(() => undefined);
    throw new Error(`stdio connect failed: ${e.message}\n${log.text}`);
  }
  return { client, log, close: () => client.close() };
}

/** Starts `dist/index.js --http PORT` and waits until the port accepts connections. */
export async function startHttp(serverDir, env, { entry = 'dist/index.js', port } = {}) {
  const p = port ?? await freePort();
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(serverDir, entry), '--http', String(p)],
    { cwd: serverDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { text: '', stdout: '' };
  child.stdout.on('data', (c) => { log.stdout += c.toString('utf8'); });
  child.stderr.on('data', (c) => { log.text += c.toString('utf8'); });
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log.text}`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect(p, '127.0.0.1', () => { sock.destroy(); resolve(true); });
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not listen on ${p}:\n${log.text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('exit', (code) => { clearTimeout(timer); resolve(code); });
    child.kill('SIGTERM');
  });
  return { port: p, url: `http://127.0.0.1:${p}/mcp`, log, stop, child };
}

export async function connectHttp(url) {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'codegen-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, close: () => client.close() };
}

/** tools/list, following nextCursor. */
export async function listAllTools(client, options) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, options);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

export const resultText = (result) => (result.content ?? []).map((c) => c.text ?? '').join('\n');

/** Calls a tool; always returns { result, ms } (a transport error or a hang fails the test). */
export async function call(client, name, args, { timeout = 15000 } = {}) {
  const started = performance.now();
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout });
  return { result, ms: performance.now() - started };
}

export async function expectOk(client, name, args, opts) {
  const { result, ms } = await call(client, name, args, opts);
  assert.notEqual(result.isError, true, `${name} should succeed: ${JSON.stringify(result)}`);
  return { result, ms };
}

/** Calls and asserts a tool error (isError, no stack trace) matching `pattern`; returns { text, ms }. */
export async function expectToolError(client, name, args, pattern, opts) {
  const { result, ms } = await call(client, name, args, opts);
  assert.equal(result.isError, true, `${name}(${JSON.stringify(args).slice(0, 200)}) should fail: ${JSON.stringify(result).slice(0, 500)}`);
  const text = resultText(result);
  if (pattern) assert.match(text, pattern);
  assert.doesNotMatch(text, /\n\s+at /, 'no stack trace in the error');
  return { text, ms };
}

/**
 * A generic recording upstream: answers every request with a JSON echo of what it received
 * ({ method, url, path, query: [[k, v]...], headers, body }).
 */
export async function startEchoUpstream() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://upstream');
      const rec = { method: req.method, url: req.url, path: url.pathname, rawQuery: url.search.slice(1), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const body = JSON.stringify({ method: rec.method, url: rec.url, body: rec.body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Deep-equal of two tool lists, with a short diff on failure. */
export function assertToolsEqual(listed, manifestTools) {
  const a = listed.map((t) => t.name);
  const b = manifestTools.map((t) => t.name);
  assert.deepEqual(a, b, 'same tool names in the same order');
  for (let i = 0; i < listed.length; i++) assert.deepEqual(listed[i], manifestTools[i], `tool ${b[i]} equals the manifest`);
}
