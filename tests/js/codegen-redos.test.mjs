// A schema pattern that backtracks catastrophically must not hang a generated server: the runtime turns on
// V8's fallback to its linear-time regexp engine itself (src/codegen/runtime/typescript/runtime.ts), and the
// generator keeps patterns free of the u flag where it can (the fallback does not cover u-mode patterns). The
// server is started as `node dist/index.js`, without the flag on the command line, as MCP clients start it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { repoRoot } from './helpers.mjs';
import { buildTs, call, connectStdio, generate, resultText, serverEnv } from './helpers/servers.mjs';


const spec = path.join(repoRoot, 'tests/fixtures/openapi/redos-pattern.yaml');

describe('a backtracking schema pattern cannot hang the generated server', () => {
  let gen, c;
  before(async () => {
    gen = await generate(spec, 'redos');
    await buildTs(gen.serverDir);
    c = await connectStdio(gen.serverDir, serverEnv('http://127.0.0.1:9/api'), { args: [path.join(gen.serverDir, 'dist/index.js')] });
  });
  after(async () => {
    await c?.close();
  });

  test('the pattern is emitted without the u flag', () => {
    assert.equal(gen.manifest.tools[0].inputSchema.properties.word.pattern, '^(a+)+$');
    const tools = readFileSync(path.join(gen.serverDir, 'src/tools.ts'), 'utf8');
    assert.match(tools, /\.regex\(new RegExp\("\^\(a\+\)\+\\u0024"\)\)/);
  });

  test('a near-miss argument is refused quickly, not after exponential backtracking', async () => {
    const started = performance.now();
    // 2^40 backtracking steps without the linear-time fallback: hours.
    let text;
    try {
      const { result } = await call(c.client, 'get_word', { word: `${'a'.repeat(40)}b` }, { timeout: 10000 });
      assert.equal(result.isError, true);
      text = resultText(result);
    } catch (e) {
      text = String(e.message);  // an InvalidParams protocol error is a refusal too
    }
    const ms = performance.now() - started;
    assert.match(text, /word|pattern|Invalid/i);
    assert.ok(ms < 5000, `answered in ${Math.round(ms)} ms`);
  });
});
