// Benchmark (not a test): code analysis of a 300-file repository (bench/make-repo.mjs) with SmeltSec in
// Node + wasm (cold: fresh process, first call; warm: best of N) and native (best of N). Target: under 1 s
// in Node wasm; wasm / native ratio printed. Usage: node bench/code.mjs [--runs N] [--files N]
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { makeRepo } from './make-repo.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, files: { type: 'string', default: '300' } } });
const runs = Number(values.runs);
const repo = makeRepo(path.join(os.tmpdir(), 'smeltsec-bench-repo'), Number(values.files));

function readRepo(dir) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.push({ path: path.relative(dir, full), bytes: readFileSync(full) });
    }
  };
  walk(dir);
  return files;
}

const files = readRepo(repo);
const bytes = files.reduce((n, f) => n + f.bytes.length, 0);

// Cold: a fresh Node process per sample (import + instantiate + first call).
const coldChild = `
  const { createSmeltSec } = await import(${JSON.stringify(path.join(root, 'wasm/smeltsec.mjs'))});
  const { readFileSync, readdirSync, statSync } = await import('node:fs');
  const path = await import('node:path');
  const files = [];
  const walk = (d) => { for (const n of readdirSync(d).sort()) { const f = path.join(d, n); if (statSync(f).isDirectory()) walk(f); else files.push({ path: path.relative(${JSON.stringify(repo)}, f), bytes: readFileSync(f) }); } };
  walk(${JSON.stringify(repo)});
  const t0 = performance.now();
  const s = await createSmeltSec();
  const r = s.analyzeCode(files);
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  console.log(JSON.stringify({ ms, stats: r.value.stats }));`;
const cold = [];
let stats;
for (let i = 0; i < runs; i++) {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', coldChild], { encoding: 'utf8' }));
  cold.push(out.ms);
  stats = out.stats;
}

const { createSmeltSec } = await import(path.join(root, 'wasm/smeltsec.mjs'));
const smeltsec = await createSmeltSec();
const warm = [];
for (let i = 0; i < runs + 1; i++) {
  const t0 = performance.now();
  const r = smeltsec.analyzeCode(files);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  warm.push(performance.now() - t0);
}
warm.shift();

let native = null;
const nativeBin = path.join(root, 'build/native/smeltsec-native');
try {
  const out = execFileSync(nativeBin, ['--code', repo, '--repeat', String(runs)], { encoding: 'utf8' }).trim().split('\n');
  native = JSON.parse(out[out.length - 1]).bestMs;
} catch (e) {
  console.error(`native driver not available (${e.message.split('\n')[0]}): build it with sh scripts/build.sh native`);
}

const best = (a) => Math.min(...a);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`code analysis: ${files.length} files, ${(bytes / 1024).toFixed(0)} KB; ${stats.routes} routes, ${stats.functions} functions, ${stats.filtered} filtered`);
console.log(`  wasm cold (fresh process: instantiate + first call)  best ${best(cold).toFixed(1)} ms  median ${median(cold).toFixed(1)} ms   target < 1000 ms`);
console.log(`  wasm warm (best of ${runs})                              best ${best(warm).toFixed(1)} ms  median ${median(warm).toFixed(1)} ms`);
if (native !== null) {
  console.log(`  native (best of ${runs})                                 best ${native.toFixed(1)} ms`);
  console.log(`  wasm warm / native: ${(best(warm) / native).toFixed(2)}x   (target <= 1.5x)`);
}
console.log(JSON.stringify({ files: files.length, bytes, stats, coldMs: cold, warmMs: warm, nativeBestMs: native }));
