// Files reach the core by being written straight into its copy (Bundle.stageFile / addStaged): every byte
// must arrive, for files of every small size (short strings live inside the string object itself) and
// large ones, given as bytes or as text, several per bundle.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';

let smeltsec;
before(async () => {
  smeltsec = await createSmeltSec();
});

test('an unclosed JSON array of every length 1-40 fails exactly at its end', () => {
  for (let n = 1; n <= 40; n++) {
    const text = '['.repeat(n);
    for (const bytes of [text, new TextEncoder().encode(text)]) {
      const r = smeltsec.analyzeSpec([{ path: 'x.json', bytes }], { entry: 'x.json' });
      assert.equal(r.ok, false);
      assert.equal(r.error.code, 'json_syntax', `n=${n}`);
      assert.equal(r.error.where, `x.json:1:${n + 1}`, `n=${n}`);
    }
  }
});

test('a large file and a small one in one bundle arrive intact', () => {
  // A 3 MB description whose last operation names the file it refers to: both files must be whole.
  const paths = {};
  for (let i = 0; i < 20000; i++) paths[`/items/${i}`] = { get: { operationId: `get_${i}`, responses: { 200: { description: 'ok' } } } };
  paths['/last'] = { get: { operationId: 'last', responses: { 200: { $ref: 'small.json#/r' } } } };
  const big = JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths }, null, 2);
  assert.ok(big.length > 2_000_000);
  const r = smeltsec.analyzeSpec(
    [{ path: 'big.json', bytes: big }, { path: 'small.json', bytes: '{"r":{"description":"x"}}' }],
    { entry: 'big.json' },
  );
  assert.ok(r.ok, JSON.stringify(r.error));
  assert.equal(r.value.candidates.length, 20001);
  assert.equal(r.value.candidates.at(-1).name, 'last');
});

test('a file over the size limit is refused before it takes any of the core\'s memory', () => {
  // Wasm memory never shrinks: a refused file must not grow it. 64 MB of bytes against a 1 MB limit.
  const big = new Uint8Array(64 << 20);
  const before = smeltsec.core.HEAPU8.length;
  const r = smeltsec.analyzeSpec([{ path: 'big.json', bytes: big }], { entry: 'big.json', limits: { maxDocumentBytes: 1 << 20 } });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'size_limit');
  assert.equal(r.error.where, 'big.json');
  assert.equal(smeltsec.core.HEAPU8.length, before);
});

test('a file source is read straight into the core: every byte arrives, beside files given as bytes', () => {
  const text = JSON.stringify({
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: { '/a': { get: { operationId: 'get_a', responses: { 200: { $ref: 'small.json#/r' } } } } },
  });
  const bytes = new TextEncoder().encode(text);
  let calls = 0;
  const source = {
    path: 'spec.json',
    size: bytes.length,
    read(target) {
      calls++;
      assert.equal(target.length, bytes.length);
      target.set(bytes);
      return bytes.length;
    },
  };
  const r = smeltsec.analyzeSpec([source, { path: 'small.json', bytes: '{"r":{"description":"x"}}' }], { entry: 'spec.json' });
  assert.ok(r.ok, JSON.stringify(r.error));
  assert.equal(calls, 1);
  assert.deepEqual(r.value.candidates.map((c) => c.name), ['get_a']);
});

test('a file source that writes fewer bytes than its size gives the core only those', () => {
  // The file shrank while it was read: the bytes past what was written never reach the core.
  const spec = '{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}';
  const source = {
    path: 's.json',
    size: spec.length + 100,
    read(target) {
      target.fill(0x41); // garbage where nothing is written
      target.set(new TextEncoder().encode(spec));
      return spec.length;
    },
  };
  const r = smeltsec.analyzeSpec([source], { entry: 's.json' });
  assert.ok(r.ok, JSON.stringify(r.error));
  assert.equal(r.value.candidates.length, 0);
});

test('file sources: a failing read, a bad count, a bad size and an over-limit size are clear errors', () => {
  const failing = smeltsec.analyzeSpec([{ path: 'f.json', size: 10, read() { throw new Error('EIO: disk on fire'); } }], { entry: 'f.json' });
  assert.equal(failing.ok, false);
  assert.equal(failing.error.code, 'read_failed');
  assert.match(failing.error.message, /disk on fire/);
  assert.equal(failing.error.where, 'f.json');
  for (const written of [11, -1, 1.5, undefined, '10']) {
    const r = smeltsec.analyzeSpec([{ path: 'f.json', size: 10, read: () => written }], { entry: 'f.json' });
    assert.equal(r.ok, false, String(written));
    assert.equal(r.error.code, 'bad_input', String(written));
  }
  for (const size of [-1, 1.5, Number.NaN, '10', 2 ** 53]) {
    const r = smeltsec.analyzeSpec([{ path: 'f.json', size, read: () => 0 }], { entry: 'f.json' });
    assert.equal(r.ok, false, String(size));
    assert.equal(r.error.code, 'bad_input', String(size));
  }
  let read = false;
  const before = smeltsec.core.HEAPU8.length;
  const big = smeltsec.analyzeSpec([{ path: 'big.json', size: 64 << 20, read: () => { read = true; return 0; } }], {
    entry: 'big.json',
    limits: { maxDocumentBytes: 1 << 20 },
  });
  assert.equal(big.ok, false);
  assert.equal(big.error.code, 'size_limit');
  assert.equal(read, false); // refused before it is read
  assert.equal(smeltsec.core.HEAPU8.length, before);
});
