// The same small API written in Flask, FastAPI and Express (tests/fixtures/code/shared-api-*): the three
// analyses must agree on every route: method, path as served, and whether it needs auth.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { codeFixturesDir, readFolder } from '../golden/code-cases.mjs';

const FRAMEWORKS = ['flask', 'fastapi', 'express'];
const EXPECTED = [
  'DELETE /api/items/{item_id}',
  'GET /api/health',
  'GET /api/items',
  'GET /api/items/{item_id}',
  'POST /api/items auth',
  'PUT /api/items/{item_id}',
];

let smeltsec;
before(async () => {
  smeltsec = await createSmeltSec();
});

for (const framework of FRAMEWORKS) {
  const dir = path.join(codeFixturesDir, `shared-api-${framework}`);
  test(`shared API in ${framework}`, { skip: existsSync(dir) ? false : `${dir} not written yet` }, () => {
    const r = smeltsec.analyzeCode(readFolder(dir));
    assert.ok(r.ok, JSON.stringify(r.error));
    const routes = r.value.candidates
      .filter((c) => c.kind === 'route')
      .map((c) => `${c.method} ${c.path}${c.auth ? ' auth' : ''}`)
      .sort();
    assert.deepEqual(routes, EXPECTED);
    assert.ok(r.value.candidates.every((c) => c.kind !== 'route' || c.framework === framework));
  });
}
