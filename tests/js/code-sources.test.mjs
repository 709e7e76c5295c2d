// The CLI on code repositories: folders (with .gitignore), archives, and github:owner/repo@ref served by a
// local stand-in for GitHub's tarball endpoint.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { cliPath, repoRoot } from './helpers.mjs';

function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('code sources through the CLI', () => {
  let tmp;
  let repo;
  let tarball;
  let server;
  let baseUrl;
  const requests = [];

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'smeltsec-code-'));
    repo = path.join(tmp, 'octo-shop-1a2b3c');
    mkdirSync(path.join(repo, 'app'), { recursive: true });
    mkdirSync(path.join(repo, 'node_modules/dep'), { recursive: true });
    writeFileSync(path.join(repo, 'app/api.py'), 'def ping():\n    """Answers pong."""\n    return "pong"\n');
    writeFileSync(path.join(repo, 'app/generated.py'), 'def generated():\n    return 1\n');
    writeFileSync(path.join(repo, 'node_modules/dep/index.js'), 'module.exports = () => 1;\n');
    writeFileSync(path.join(repo, '.gitignore'), 'app/generated.py\n');
    tarball = path.join(tmp, 'repo.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', tmp, 'octo-shop-1a2b3c']);
    server = http.createServer((req, res) => {
      requests.push(req.url);
      if (req.url === '/octo/shop/tar.gz/v1.2') {
        res.writeHead(200, { 'content-type': 'application/x-gzip' });
        res.end(readFileSync(tarball));
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => {
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a folder: .gitignore and dependency folders are honoured and reported', async () => {
    const r = await run(['analyze', repo, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const value = JSON.parse(r.stdout);
    const skipped = Object.fromEntries(value.skipped.map((s) => [s.path, s.reason]));
    assert.equal(skipped['app/generated.py'], 'ignored by .gitignore');
    assert.equal(skipped.node_modules, 'dependency or build folder');
    assert.equal(value.stats.files, 1);
  });

  test('an archive is unpacked inside the core', async () => {
    const r = await run(['analyze', tarball, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const value = JSON.parse(r.stdout);
    assert.ok(value.skipped.some((s) => s.path.startsWith('node_modules/')), JSON.stringify(value.skipped));
    assert.ok(value.stats.files >= 2, JSON.stringify(value.stats));
  });

  test('github:owner/repo@ref downloads the tarball from the configured host', async () => {
    const r = await run(['analyze', 'github:octo/shop@v1.2', '--json'], { SMELTSEC_GITHUB_URL: baseUrl });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(requests.includes('/octo/shop/tar.gz/v1.2'));
    assert.ok(JSON.parse(r.stdout).stats.files >= 2);
    const missing = await run(['analyze', 'github:octo/none', '--json'], { SMELTSEC_GITHUB_URL: baseUrl });
    assert.equal(missing.code, 2);
    assert.equal(JSON.parse(missing.stdout).error.code, 'download_failed');
    const bad = await run(['analyze', 'github:not a repo', '--json']);
    assert.equal(bad.code, 2);
    assert.equal(JSON.parse(bad.stdout).error.code, 'bad_source');
  });
});
