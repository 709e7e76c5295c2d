// cli/read.mjs: whole files, byte for byte what fs.readFile gives; errors as fs.readFile's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { readWhole } from '../../cli/read.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'smeltsec-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('files of every kind of size read whole', async () => {
  for (const size of [0, 1, 4095, 4096, 65537, 3 * 1024 * 1024 + 7]) {
    const file = path.join(dir, `f${size}`);
    const bytes = randomBytes(size);
    writeFileSync(file, bytes);
    const got = readWhole(file);
    assert.ok(Buffer.isBuffer(got));
    assert.equal(got.length, size);
    assert.ok(got.equals(bytes), `size ${size}`);
  }
});

test('a file whose size the file system does not report is still read', { skip: !existsSync('/proc/version') && 'no /proc' }, async () => {
  const got = readWhole('/proc/version');
  assert.ok(got.length > 0);
  assert.ok(got.equals(await readFile('/proc/version')));
});

test('a missing file or a folder fails as fs.readFile does', async () => {
  await assert.rejects(readFile(path.join(dir, 'missing')), { code: 'ENOENT' });
  assert.throws(() => readWhole(path.join(dir, 'missing')), { code: 'ENOENT' });
  await assert.rejects(readFile(dir), { code: 'EISDIR' });
  assert.throws(() => readWhole(dir), { code: 'EISDIR' });
});
