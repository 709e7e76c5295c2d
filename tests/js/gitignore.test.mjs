// The CLI's .gitignore matcher, table-driven (cases from git's documentation of gitignore patterns).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { GitIgnore } from '../../cli/gitignore.mjs';

const CASES = [
  // [patterns, base, path, isDir, ignored]
  [['*.log'], '', 'a/b/debug.log', false, true],
  [['*.log', '!keep.log'], '', 'keep.log', false, false],
  [['build/'], '', 'build', true, true],
  [['build/'], '', 'build', false, false],
  [['/todo.txt'], '', 'todo.txt', false, true],
  [['/todo.txt'], '', 'sub/todo.txt', false, false],
  [['doc/*.txt'], '', 'doc/notes.txt', false, true],
  [['doc/*.txt'], '', 'doc/server/arch.txt', false, false],
  [['**/foo'], '', 'a/b/foo', false, true],
  [['**/foo'], '', 'foo', false, true],
  [['abc/**'], '', 'abc/x/y', false, true],
  [['a/**/b'], '', 'a/x/y/b', false, true],
  [['a/**/b'], '', 'a/b', false, true],
  [['secret?.py'], '', 'secret1.py', false, true],
  [['[abc].py'], '', 'b.py', false, true],
  [['[!abc].py'], '', 'b.py', false, false],
  [['\\#hash'], '', '#hash', false, true],
  [['# comment', ''], '', 'comment', false, false],
  [['*.py'], 'sub', 'other/x.py', false, false],
  [['*.py'], 'sub', 'sub/deep/x.py', false, true],
  [['/gen'], 'sub', 'sub/gen', true, true],
  [['/gen'], 'sub', 'gen', true, false],
];

test('gitignore patterns', () => {
  for (const [patterns, base, p, isDir, expected] of CASES) {
    const g = new GitIgnore();
    g.add(base, patterns.join('\n'));
    assert.equal(g.ignores(p, isDir), expected, `${JSON.stringify(patterns)} in '${base}' vs ${p}${isDir ? '/' : ''}`);
  }
});

test('a hostile pattern matches in bounded time', () => {
  const g = new GitIgnore();
  g.add('', `${'*a'.repeat(200)}b\n${'**/'.repeat(100)}x`);
  const t0 = performance.now();
  assert.equal(g.ignores('a'.repeat(1000), false), false);
  assert.equal(g.ignores(`${'d/'.repeat(200)}y`, false), false);
  assert.ok(performance.now() - t0 < 2000);
});
