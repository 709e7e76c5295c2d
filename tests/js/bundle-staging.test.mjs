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
