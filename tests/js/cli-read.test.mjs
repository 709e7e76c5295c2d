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

test('readForCore: a regular file becomes a source that reads it whole; other files are read whole', async () => {
  const { readForCore, coreFiles } = await import('../../cli/read.mjs');
  const file = path.join(dir, 'source.bin');
  const bytes = randomBytes(70000);
  writeFileSync(file, bytes);
  const source = readForCore(file);
  assert.equal(source.size, bytes.length);
  const target = new Uint8Array(bytes.length);
  assert.equal(source.read(target), bytes.length);
  assert.ok(Buffer.from(target).equals(bytes));
  // It shrank since its size was taken: fewer bytes, as many as there are.
  writeFileSync(file, bytes.subarray(0, 100));
  const again = new Uint8Array(bytes.length);
  assert.equal(source.read(again), 100);
  assert.ok(Buffer.from(again.subarray(0, 100)).equals(bytes.subarray(0, 100)));
  // Empty files and files without a size are read whole; missing ones throw as fs does.
  const empty = path.join(dir, 'empty');
  writeFileSync(empty, '');
  assert.ok(Buffer.isBuffer(readForCore(empty)));
  assert.throws(() => readForCore(path.join(dir, 'missing')), { code: 'ENOENT' });
  assert.throws(() => readForCore(dir), { code: 'EISDIR' });
  // coreFiles: bytes stay bytes, sources keep their size and read
  const list = coreFiles(new Map([['a.json', Buffer.from('{}')], ['b.json', source]]));
  assert.deepEqual(list.map((f) => f.path), ['a.json', 'b.json']);
  assert.ok(list[0].bytes instanceof Uint8Array);
  assert.equal(list[1].size, bytes.length);
  assert.equal(typeof list[1].read, 'function');
});
