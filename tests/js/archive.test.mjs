// Archives through the JS API and the wasm core: a .tar.gz made by the system `tar`, a .zip made by Python's
// zipfile, and hostile entries written by hand. Checks that files arrive (stats.files, the bundle's file count)
// and what is skipped and why, never the analyzers' routes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';

const FLASK_APP = `from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello():
    return "hello"
`;
const EXPRESS_APP = `const express = require('express');
const app = express();
app.get('/ping', (req, res) => res.send('pong'));
module.exports = app;
`;

// One ustar entry (header and padded data), for names no archiver would write.
function tarEntry(name, data, type = '0') {
  const body = Buffer.from(data);
  const header = Buffer.alloc(512);
  const put = (at, text) => header.write(text, at, 'latin1');
  put(0, name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, body.length.toString(8).padStart(11, '0') + '\0');
  put(136, '14530000000\0');
  put(148, '        ');
  put(156, type);
  put(257, 'ustar\u000000');
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding]);
}

// Unpacks through the binding directly: the bundle's file count, which no analyzer can change.
function unpackedFileCount(smeltsec, bytes) {
  const { core } = smeltsec;
  const bundle = new core.Bundle({});
  const ptr = core._malloc(bytes.length);
  try {
    core.HEAPU8.set(bytes, ptr);
    const result = bundle.addArchive(ptr, bytes.length);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    return bundle.fileCount();
  } finally {
    core._free(ptr);
    bundle.delete();
  }
}

function reasons(skipped) {
  return Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
}

describe('archives through the JS API (wasm)', () => {
  let smeltsec;
  let work;
  before(async () => {
    smeltsec = await createSmeltSec();
    work = mkdtempSync(path.join(tmpdir(), 'smeltsec-archive-'));
    const repo = path.join(work, 'myrepo');
    mkdirSync(path.join(repo, 'web'), { recursive: true });
    mkdirSync(path.join(repo, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(path.join(repo, 'app.py'), FLASK_APP);
    writeFileSync(path.join(repo, 'web', 'server.js'), EXPRESS_APP);
    writeFileSync(path.join(repo, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    symlinkSync('app.py', path.join(repo, 'link.py'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a .tar.gz from the system tar, with a ../ entry crafted by hand in front', () => {
    execFileSync('tar', ['-czf', path.join(work, 'repo.tar.gz'), '-C', work, 'myrepo']);
    const fromTar = readFileSync(path.join(work, 'repo.tar.gz'));
    // Two gzip members read as one stream (RFC 1952): the hostile entry, then tar's archive.
    const bytes = Buffer.concat([gzipSync(tarEntry('../evil.py', 'import os\n')), fromTar]);

    const r = smeltsec.analyzeCode([{ path: 'repo.tar.gz', bytes, archive: true }]);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const skipped = reasons(r.value.skipped);
    assert.equal(skipped['../evil.py'], 'path escapes the archive root');
    assert.equal(skipped['link.py'], 'symlink');
    // Arrived (top folder myrepo/ stripped) and then left out by the analysis's own rules.
    assert.equal(skipped['node_modules/dep/index.js'], 'dependency or build folder (node_modules)');
    assert.equal(skipped['app.py'], undefined);
    assert.equal(skipped['web/server.js'], undefined);
    assert.equal(r.value.stats.files, 2, 'app.py and web/server.js are parsed');
    assert.equal(unpackedFileCount(smeltsec, bytes), 3);
  });

  test("a .zip from Python's zipfile: stored, deflated, a symlink, ../ and absolute names", () => {
    const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("proj/", "")
    z.writestr("proj/app.py", sys.argv[2], compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("proj/web/server.js", sys.argv[3], compress_type=zipfile.ZIP_STORED)
    z.writestr("proj/node_modules/dep/index.js", "module.exports = 1;\\n", compress_type=zipfile.ZIP_DEFLATED)
    link = zipfile.ZipInfo("proj/link.py")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    z.writestr(link, "app.py")
    z.writestr(zipfile.ZipInfo("../evil.txt"), "x")
    z.writestr(zipfile.ZipInfo("/etc/cron.d/evil"), "x")
`;
    const zipPath = path.join(work, 'repo.zip');
    execFileSync('python3', ['-c', script, zipPath, FLASK_APP, EXPRESS_APP]);
    const bytes = readFileSync(zipPath);

    const r = smeltsec.analyzeCode([{ path: 'repo.zip', bytes, archive: true }]);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const skipped = reasons(r.value.skipped);
    assert.equal(skipped['../evil.txt'], 'path escapes the archive root');
    assert.equal(skipped['/etc/cron.d/evil'], 'path escapes the archive root');
    assert.equal(skipped['link.py'], 'symlink');
    assert.equal(skipped['node_modules/dep/index.js'], 'dependency or build folder (node_modules)');
    assert.equal(r.value.stats.files, 2, 'app.py and web/server.js are parsed');
    assert.equal(unpackedFileCount(smeltsec, bytes), 3);
  });

  test('hostile and broken archives are error values', () => {
    const zeros = Buffer.alloc(20 << 20);
    const bomb = gzipSync(Buffer.concat([tarEntry('bomb/zeros.bin', zeros), Buffer.alloc(1024)]), { level: 9 });
    const cases = [
      ['a gzip bomb', bomb, 'archive_bomb'],
      ['a truncated .tar.gz', bomb.subarray(0, 2000), 'corrupt_archive'],
      ['not an archive', Buffer.from('just text\n'), 'unsupported_archive'],
    ];
    for (const [name, bytes, code] of cases) {
      const r = smeltsec.analyzeCode([{ path: 'x.tar.gz', bytes, archive: true }]);
      assert.equal(r.ok, false, name);
      assert.equal(r.error.code, code, `${name}: ${r.error.message}`);
      assert.ok(r.error.message.length > 0, name);
    }
  });
});
