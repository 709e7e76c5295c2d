// Whole manifests pinned as golden files (regenerate with `npm run golden`), and byte-for-byte determinism.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { GOLDEN_CASES, caseName } from '../golden/cases.mjs';
import { goldenPath, resolveInput } from '../golden/regen.mjs';
import { corpusSkip } from './helpers.mjs';
import { generateFromFile } from './spec-bundle.mjs';

describe('golden manifests', () => {
  let smeltsec;
  before(async () => {
    smeltsec = await createSmeltSec();
  });
  for (const c of GOLDEN_CASES) {
    const skip = c.input.startsWith('corpus:') ? corpusSkip : false;
    test(caseName(c), { skip }, () => {
      const file = goldenPath(c);
      assert.ok(existsSync(file), `${file} is missing: run npm run golden`);
      const golden = JSON.parse(readFileSync(file, 'utf8'));
      const first = generateFromFile(smeltsec, resolveInput(c.input), c.options);
      assert.ok(first.ok, JSON.stringify(first.error));
      assert.deepEqual(JSON.parse(first.value.manifestJson), golden.manifest, 'differs from the golden file (npm run golden to accept)');
      const second = generateFromFile(smeltsec, resolveInput(c.input), c.options);
      assert.equal(second.value.manifestJson, first.value.manifestJson, 'same input, same bytes');
    });
  }
});
