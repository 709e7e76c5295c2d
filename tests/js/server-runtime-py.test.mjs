// The Python side of generated servers: runs the unittest suite in tests/python (each Python test is
// reported as its own subtest) and checks the runtime, the bridge and an assembled server.py with
// pyflakes + py_compile. Fails when any Python test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './helpers.mjs';

const python = process.env.SMELTSEC_TEST_PYTHON ?? 'python3';
const hasPython = spawnSync(python, ['--version'], { encoding: 'utf8' }).status === 0;
const pythonSkip = hasPython ? false : `${python} not found`;
const pyflakes = ['pyflakes3', 'pyflakes'].find((p) => spawnSync(p, ['--version'], { encoding: 'utf8' }).status === 0);

const runtimeFile = path.join(repoRoot, 'src/codegen/runtime/python/smeltsec_runtime.py');
const glueFile = path.join(repoRoot, 'src/codegen/runtime/python/server_glue.py');
const bridgeFile = path.join(repoRoot, 'src/codegen/runtime/bridge/bridge.py');

/** Parses `python -m unittest -v` output into [{name, status, detail}]. */
function parseUnittest(output) {
  const results = new Map();
  const line = /^(\w+) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|FAIL|ERROR|skipped(?: .*)?|expected failure|unexpected success)$/gm;
  for (const m of output.matchAll(line)) {
    const name = m[2];
    const status = m[3].startsWith('skipped') ? 'skipped' : m[3];
    results.set(name, { name, status, detail: m[3].startsWith('skipped') ? m[3].slice(8).trim() : '' });
  }
  // Failure details (including subTest failures, which may also follow an "ok" line).
  const block = /^={50,}\n(FAIL|ERROR): (\w+) \(([\w.]+)\)(?: \((.*)\))?\n-{50,}\n([\s\S]*?)(?=^={50,}$|^-{50,}\nRan )/gm;
  for (const m of output.matchAll(block)) {
    const name = m[3];
    const entry = results.get(name) ?? { name, status: m[1], detail: '' };
    entry.status = entry.status === 'ok' ? m[1] : entry.status === 'skipped' ? m[1] : entry.status;
    entry.detail += `${m[1]}${m[4] ? ` (${m[4]})` : ''}\n${m[5].trim()}\n`;
    results.set(name, entry);
  }
  return [...results.values()];
}

test('python runtime: unittest suite (tests/python)', { skip: pythonSkip, timeout: 180_000 }, async (t) => {
  const run = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests/python', '-v'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 170_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONWARNINGS: 'default' },
  });
  const output = `${run.stderr ?? ''}`;
  const results = parseUnittest(output);
  for (const r of results) {
    await t.test(r.name, { skip: r.status === 'skipped' ? r.detail || 'skipped' : false }, () => {
      if (r.status === 'FAIL' || r.status === 'ERROR' || r.status === 'unexpected success') {
        assert.fail(`${r.status}\n${r.detail}`);
      }
    });
  }
  assert.ok(results.length >= 50, `expected the Python suite to report its tests, got ${results.length}:\n${output.slice(-3000)}`);
  assert.equal(run.status, 0, `python -m unittest failed (status ${run.status}, signal ${run.signal}):\n${output.slice(-4000)}`);
});

test('python runtime: py_compile + pyflakes', { skip: pythonSkip }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smeltsec-pyflakes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // server.py as the generator assembles it (header + server_glue.py + footer), next to the runtime.
  const assemble = spawnSync(python, ['-c', [
    'import sys',
    'sys.path.insert(0, "tests/python")',
    'from test_server_glue import assemble_server',
    'sys.stdout.write(assemble_server("petstore", "1.0.0", ["get_pet_by_id", "add_pet"]))',
  ].join('\n')], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(assemble.status, 0, assemble.stderr);
  const serverFile = path.join(dir, 'server.py');
  writeFileSync(serverFile, assemble.stdout);
  copyFileSync(runtimeFile, path.join(dir, 'smeltsec_runtime.py'));
  copyFileSync(bridgeFile, path.join(dir, 'bridge.py'));
  copyFileSync(glueFile, path.join(dir, 'server_glue.py'));

  for (const file of [runtimeFile, bridgeFile, serverFile]) {
    await t.test(`py_compile ${path.basename(file)}`, () => {
      const r = spawnSync(python, ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', file, path.join(dir, 'compiled.pyc')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
    await t.test(`pyflakes ${path.basename(file)}`, { skip: pyflakes ? false : 'pyflakes3 not installed' }, () => {
      const r = spawnSync(pyflakes, [file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }
  await t.test('the runtime and the bridge import only the standard library', () => {
    const r = spawnSync(python, ['-c', [
      'import ast, sys',
      'std = set(sys.stdlib_module_names)',
      'bad = []',
      'for f in sys.argv[1:]:',
      '    for n in ast.walk(ast.parse(open(f).read())):',
      '        names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module] if isinstance(n, ast.ImportFrom) and n.level == 0 else []',
      '        bad += [f + ": " + m for m in names if m and m.split(".")[0] not in std]',
      'print("\\n".join(bad)); sys.exit(1 if bad else 0)',
    ].join('\n'), runtimeFile, bridgeFile], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
