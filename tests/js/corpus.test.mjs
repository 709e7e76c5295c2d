// Every real spec of the development corpus: exactly one tool per operation in "all" mode, names valid for
// every major client, and every schema compiles under Ajv 2020 in strict mode (the independent judge).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import yaml from 'js-yaml';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { corpusDir, corpusSkip, listSpecs } from './helpers.mjs';
import { generateFromFile } from './spec-bundle.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ARG_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

// The independent count: parse with js-yaml / JSON.parse and count the methods of each path item.
function countOperations(file) {
  const text = readFileSync(file, 'utf8');
  const doc = file.endsWith('.json') ? JSON.parse(text) : yaml.load(text);
  if (!doc || typeof doc !== 'object' || !(doc.openapi || doc.swagger)) return null;
  let n = 0;
  for (const item of Object.values(doc.paths ?? {})) {
    for (const m of METHODS) if (item && item[m]) n++;
  }
  return n;
}

// Walks a schema and reports what MCP clients and strict validators trip over.
export function schemaProblems(schema, where, problems = []) {
  if (schema === null || typeof schema !== 'object') return problems;
  if ('$ref' in schema) problems.push(`${where}: $ref`);
  if (schema.type === 'array' && !('items' in schema)) problems.push(`${where}: array without items`);
  if (Array.isArray(schema.type)) problems.push(`${where}: type array`);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const typed = (s) => typeof s === 'object' && s !== null &&
      ('type' in s || 'const' in s || 'enum' in s || ['anyOf', 'allOf', 'oneOf'].some((k) => Array.isArray(s[k]) && s[k].every(typed)));
    if (!typed(prop)) problems.push(`${where}.${name}: untyped property`);
    schemaProblems(prop, `${where}.${name}`, problems);
  }
  for (const k of ['items', 'additionalProperties', 'not']) {
    if (typeof schema[k] === 'object') schemaProblems(schema[k], `${where}/${k}`, problems);
  }
  for (const k of ['anyOf', 'allOf', 'oneOf']) {
    (schema[k] ?? []).forEach((s, i) => schemaProblems(s, `${where}/${k}/${i}`, problems));
  }
  return problems;
}

describe('corpus: OpenAPI documents → MCP tools', { skip: corpusSkip }, () => {
  let smeltsec;
  before(async () => {
    smeltsec = await createSmeltSec();
  });

  const specs = corpusSkip ? [] : listSpecs(path.join(corpusDir, 'openapi'));
  for (const file of specs) {
    const rel = path.relative(corpusDir, file);
    const expected = countOperations(file);
    if (expected === null) continue; // a fragment referenced by another document
    test(`${rel}: ${expected} operations`, () => {
      const r = generateFromFile(smeltsec, file, { mode: 'all' });
      assert.ok(r.ok, JSON.stringify(r.error));
      const manifest = JSON.parse(r.value.manifestJson);
      assert.equal(manifest.tools.length, expected, 'one tool per operation');
      assert.equal(r.value.report.operations, expected);

      const names = new Set();
      const ajv = new Ajv2020({ strict: true });
      for (const tool of manifest.tools) {
        assert.match(tool.name, TOOL_NAME);
        assert.ok(!names.has(tool.name), `duplicate name ${tool.name}`);
        names.add(tool.name);
        assert.ok(tool.description.length > 0 && [...tool.description].length <= 1024, `${tool.name}: description`);
        assert.equal(tool.inputSchema.type, 'object');
        for (const arg of Object.keys(tool.inputSchema.properties)) assert.match(arg, ARG_NAME);
        assert.doesNotThrow(() => ajv.compile(tool.inputSchema), `${tool.name}: inputSchema`);
        assert.deepEqual(schemaProblems(tool.inputSchema, tool.name), []);
        if (tool.outputSchema) {
          assert.equal(tool.outputSchema.type, 'object');
          assert.doesNotThrow(() => ajv.compile(tool.outputSchema), `${tool.name}: outputSchema`);
          assert.deepEqual(schemaProblems(tool.outputSchema, `${tool.name} output`), []);
        }
        const a = tool.annotations;
        for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) assert.equal(typeof a[k], 'boolean');
        const http = tool._meta['smeltsec.dev/http'];
        assert.match(http.method, /^[A-Z]+$/);
        assert.equal(a.readOnlyHint, ['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(http.method));
      }
    });
  }
});
