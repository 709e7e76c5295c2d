// One fresh Node process of the in-process benchmark (bench/openapi.mjs starts it; not for direct use).
//
//   node bench/inprocess-child.mjs TOOL SPEC WARM_RUNS MODE
//
// TOOL is `smeltsec-wasm` or `openapi-mcp-generator`. The first call in this process is the cold one: its
// time runs from just before the tool's module is imported to the end of that call (import, wasm
// instantiation and first-call JIT included). Then WARM_RUNS more calls are timed one by one.
// Each call goes from the spec's path on disk to the tool's output in memory (both tools read the file
// inside the timed call: openapi-mcp-generator takes a path; SmeltSec gets the file as the SmeltSec CLI
// passes it, cli/read.mjs readForCore: a file source the core reads into its memory during the call, timed
// apart as part of readMs).
// Prints one JSON line on stdout.
import path from 'node:path';

import { readForCore } from '../cli/read.mjs';

const [tool, spec, warmArg, mode] = process.argv.slice(2);
const warmRuns = Number(warmArg);

async function loadSmeltSec() {
  const t0 = performance.now();
  const { createSmeltSec } = await import('../wasm/smeltsec.mjs');
  const t1 = performance.now();
  const smeltsec = await createSmeltSec();
  const t2 = performance.now();
  const entry = path.basename(spec);
  const call = async () => {
    const a = performance.now();
    // As the CLI passes files: a file source that the core reads straight into its memory during the call.
    // Its read is timed apart, so that callMs (generateManifest without the file read) compares with native.
    const source = readForCore(spec);
    let fileReadMs = 0;
    const file = source instanceof Uint8Array ? { path: entry, bytes: source } : {
      path: entry,
      size: source.size,
      read: (target) => {
        const x = performance.now();
        const n = source.read(target);
        fileReadMs = performance.now() - x;
        return n;
      },
    };
    const b = performance.now();
    const r = smeltsec.generateManifest([file], { entry, mode });
    const c = performance.now();
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} (${r.error.where})`);
    const { report } = r.value;
    return {
      ms: c - a,
      readMs: b - a + fileReadMs,
      callMs: c - b - fileReadMs,
      timingsMs: report.timingsMs,
      mode: report.mode,
      operations: report.operations,
      tools: report.tools,
      outputBytes: report.manifestBytes,
    };
  };
  return { t0, phases: { importMs: t1 - t0, instantiateMs: t2 - t1 }, call };
}

async function loadOpenapiMcpGenerator() {
  const t0 = performance.now();
  // The documented programmatic entry point (README "Programmatic API").
  const { getToolsFromOpenApi } = await import('openapi-mcp-generator');
  const t1 = performance.now();
  const call = async () => {
    const a = performance.now();
    // dereference: true is what its CLI does (parseSpecSecurely = parse + dereference); without it the
    // tools keep unresolved $refs ("Unresolved $ref ..." warnings) and are not a usable manifest.
    const tools = await getToolsFromOpenApi(spec, { dereference: true });
    const b = performance.now();
    // Not part of `ms` (this favours the peer): serialising its tools to a manifest text, which SmeltSec's
    // time includes.
    const text = JSON.stringify({ tools });
    const c = performance.now();
    return { ms: b - a, stringifyMs: c - b, tools: tools.length, outputBytes: Buffer.byteLength(text) };
  };
  return { t0, phases: { importMs: t1 - t0 }, call };
}

const loaded = tool === 'smeltsec-wasm' ? await loadSmeltSec() : tool === 'openapi-mcp-generator' ? await loadOpenapiMcpGenerator() : null;
if (!loaded) {
  process.stderr.write(`unknown tool ${tool}\n`);
  process.exit(2);
}
const first = await loaded.call();
const coldMs = performance.now() - loaded.t0;
const coldMaxRssKB = process.resourceUsage().maxRSS;
const warm = [];
for (let i = 0; i < warmRuns; i++) warm.push(await loaded.call());
process.stdout.write(
  JSON.stringify({
    tool,
    coldMs,
    coldPhases: { ...loaded.phases, firstCallMs: first.ms },
    first,
    coldMaxRssKB,
    warm,
    maxRssKB: process.resourceUsage().maxRSS,
  }) + '\n',
);
