#!/usr/bin/env node
// What a SmeltSec CLI run does, and nothing more, so the benchmark can time SmeltSec as a whole process
// even where cli/smeltsec.mjs is absent: read the spec, load the wasm core, generate the manifest, write
// OUTDIR/manifest.json. Prints one JSON line with the phases it saw and the process's peak RSS.
//
//   node bench/smeltsec-process.mjs SPEC OUTDIR [--mode all|grouped|auto]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { readForCore } from '../cli/read.mjs';

const t0 = performance.now();
const args = process.argv.slice(2);
const modeAt = args.indexOf('--mode');
const mode = modeAt >= 0 ? args.splice(modeAt, 2)[1] : 'auto';
const [spec, outDir] = args;
if (!spec || !outDir || !['all', 'grouped', 'auto'].includes(mode)) {
  process.stderr.write('usage: node bench/smeltsec-process.mjs SPEC OUTDIR [--mode all|grouped|auto]\n');
  process.exit(2);
}

const { createSmeltSec } = await import('../wasm/smeltsec.mjs');
const t1 = performance.now();
const smeltsec = await createSmeltSec();
const t2 = performance.now();
const source = readForCore(spec); // as the CLI reads files: the core reads it during generate
const t3 = performance.now();
const entry = path.basename(spec);
const result = smeltsec.generateManifest([{ path: entry, ...source }], { entry, mode });
const t4 = performance.now();
if (!result.ok) {
  const e = result.error;
  process.stderr.write(`smeltsec: ${e.code}: ${e.message}${e.where ? ` (${e.where})` : ''}\n`);
  process.exit(2);
}
const { manifestBytes, report } = result.value;
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'manifest.json'), manifestBytes); // as the CLI writes it
const t5 = performance.now();

process.stdout.write(
  JSON.stringify({
    ok: true,
    mode: report.mode,
    operations: report.operations,
    tools: report.tools,
    manifestBytes: report.manifestBytes,
    phasesMs: { import: t1 - t0, instantiate: t2 - t1, stat: t3 - t2, generate: t4 - t3, write: t5 - t4, total: t5 - t0 },
    timingsMs: report.timingsMs,
    maxRssKB: process.resourceUsage().maxRSS,
  }) + '\n',
);
