// Fixture apps (tests/fixtures/code/*): their analysis and manifest equal the golden files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { codeCases, codeGoldenDocument, codeGoldenPath } from '../golden/code-cases.mjs';

describe('code fixtures: golden analyses and manifests', () => {
  let smeltsec;
  before(async () => {
    smeltsec = await createSmeltSec();
  });
  for (const name of codeCases()) {
    test(name, () => {
      const file = codeGoldenPath(name);
      assert.ok(existsSync(file), `${file} is missing: run npm run golden`);
      const golden = JSON.parse(readFileSync(file, 'utf8'));
      const actual = codeGoldenDocument(smeltsec, name);
      assert.deepEqual(actual.analysis, golden.analysis, 'analysis differs (npm run golden to accept)');
      assert.deepEqual(actual.manifest, golden.manifest, 'manifest differs (npm run golden to accept)');
    });
  }
});
