#!/usr/bin/env node
// Benchmark (prints numbers; asserts nothing): SmeltSec vs openapi-mcp-generator@4.0.1 on one OpenAPI
// description, by default GitHub's REST API (1,223 operations, 13 MB). See bench/README.md.
//
//   node bench/openapi.mjs [--runs N] [--spec PATH] [--mode all|grouped|auto]
//
// Every measurement runs in child processes, interleaved round by round so that load from elsewhere on
// the machine spreads over all tools alike. Progress goes to stderr, the table and a last line of JSON
// to stdout.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SPEC = 'node_modules/@octokit/openapi/generated/api.github.com.json';
const NATIVE = path.join(ROOT, 'build/native/smeltsec-native');
const WASM = path.join(ROOT, 'wasm/dist/smeltsec-core.wasm');
const CHILD = path.join(ROOT, 'bench/inprocess-child.mjs');
const PROCESS_SCRIPT = path.join(ROOT, 'bench/smeltsec-process.mjs');
const RSS_PROBE = path.join(ROOT, 'bench/rss-probe.mjs');
const SMELTSEC_CLI = path.join(ROOT, 'cli/smeltsec.mjs');
const OMG_PKG = path.join(ROOT, 'node_modules/openapi-mcp-generator/package.json');
const OMG_BIN = path.join(ROOT, 'node_modules/openapi-mcp-generator/bin/openapi-mcp-generator.js');
const TIME = '/usr/bin/time';
const NODE = process.execPath;
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;

const TARGET_SPEEDUP = 10; // openapi-mcp-generator time / SmeltSec wasm time, at least
const TARGET_WASM_NATIVE = 1.5; // SmeltSec wasm time / native time, at most
const TARGET_PEAK_MB = 256; // SmeltSec peak memory, at most

// ---------------------------------------------------------------------------------------------- options

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    'usage: node bench/openapi.mjs [--runs N] [--spec PATH] [--mode all|grouped|auto]\n' +
      `  --runs N     runs per measurement (default 5)\n` +
      `  --spec PATH  OpenAPI description to bench (default ${DEFAULT_SPEC})\n` +
      `  --mode M     SmeltSec manifest mode (default all: one tool per operation, like openapi-mcp-generator)\n`,
  );
  process.exit(code);
}

let opts;
try {
  opts = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      spec: { type: 'string', default: DEFAULT_SPEC },
      mode: { type: 'string', default: 'all' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  usage(2);
}
if (opts.help) usage(0);
const RUNS = Number(opts.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('--runs must be a positive integer\n');
  usage(2);
}
if (!['all', 'grouped', 'auto'].includes(opts.mode)) {
  process.stderr.write('--mode must be all, grouped or auto\n');
  usage(2);
}
const MODE = opts.mode;
// A --spec given by the user is relative to where they ran the command (scripts/bench.sh passes it on).
const SPEC = opts.spec === DEFAULT_SPEC ? path.join(ROOT, DEFAULT_SPEC) : path.resolve(process.env.BENCH_CWD || process.cwd(), opts.spec);
const SPEC_SHOWN = SPEC.startsWith(ROOT + path.sep) ? path.relative(ROOT, SPEC) : SPEC;

for (const [file, hint] of [
  [SPEC, 'the spec to bench (npm ci installs the default one)'],
  [NATIVE, 'the native driver: sh scripts/bench.sh builds it'],
  [WASM, 'the wasm core: sh scripts/bench.sh builds it'],
  [OMG_BIN, 'openapi-mcp-generator: npm ci'],
]) {
  if (!existsSync(file)) {
    process.stderr.write(`missing ${file} (${hint})\n`);
    process.exit(2);
  }
}
const HAVE_TIME = existsSync(TIME);

// Both SmeltSec builds should come from the same sources: warn when a source file is newer than a build.
function newestSource() {
  let newest = { file: null, mtimeMs: 0 };
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) visit(path.join(p, name));
    } else if (st.mtimeMs > newest.mtimeMs) {
      newest = { file: path.relative(ROOT, p), mtimeMs: st.mtimeMs };
    }
  };
  for (const p of ['src', 'include', 'wasm/bindings.cpp', 'wasm/pre.js', 'CMakeLists.txt', 'bench/native_main.cpp']) visit(path.join(ROOT, p));
  return newest;
}
const SOURCE = newestSource();
const BUILDS = Object.fromEntries([['native', NATIVE], ['wasm', WASM]].map(([k, f]) => {
  const mtimeMs = statSync(f).mtimeMs;
  return [k, { file: f, mtimeMs, built: new Date(mtimeMs).toISOString(), stale: mtimeMs < SOURCE.mtimeMs }];
}));
const STALE_NOTE = Object.values(BUILDS).some((b) => b.stale)
  ? `WARNING: ${Object.keys(BUILDS).filter((k) => BUILDS[k].stale).join(' and ')} build older than ${SOURCE.file} ` +
    `(${new Date(SOURCE.mtimeMs).toISOString()}): numbers may not match the sources; BENCH_REBUILD=1 sh scripts/bench.sh rebuilds`
  : null;
const HAVE_CLI = existsSync(SMELTSEC_CLI);

// -------------------------------------------------------------------------------------------- children

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'smeltsec-bench-'));
let tmpSeq = 0;
function tmpPath(name) {
  return path.join(tmpRoot, `${name}-${tmpSeq++}`);
}

/** Runs a command to its end: wall time as seen from here, peak RSS (KB) from /usr/bin/time -f %M. */
function run(cmd, args) {
  const rssFile = tmpPath('rss');
  let argv = [cmd, ...args];
  const env = { ...process.env };
  if (HAVE_TIME) {
    argv = [TIME, '-f', '%M', '-o', rssFile, ...argv];
  } else if (cmd === NODE) {
    argv = [NODE, '--import', RSS_PROBE, ...args];
    env.SMELTSEC_BENCH_RSS_FILE = rssFile;
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      let maxRssKB = null;
      if (existsSync(rssFile)) {
        // /usr/bin/time writes "Command exited with non-zero status N" before %M when the command fails.
        const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop();
        if (/^\d+$/.test(last)) maxRssKB = Number(last);
        rmSync(rssFile, { force: true });
      }
      resolve({ code, signal, wallMs, maxRssKB, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

function check(r, what) {
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} failed (exit ${r.code ?? r.signal}):\n${tail}`);
  }
  return r;
}

function lastJsonLine(text) {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1]);
}

// ---------------------------------------------------------------------------------------- measurements

const specBytes = statSync(SPEC).size;
const omgVersion = JSON.parse(readFileSync(OMG_PKG, 'utf8')).version;
const log = (s) => process.stderr.write(`${s}\n`);

const m = {
  wasmChildren: [], // in-process children, SmeltSec wasm
  omgChildren: [], // in-process children, openapi-mcp-generator
  nativeRepeat: null, // one smeltsec-native --repeat RUNS process
  nativeProc: [], // smeltsec-native processes, one run each
  smeltsecProc: [], // node bench/smeltsec-process.mjs
  smeltsecCli: [], // node cli/smeltsec.mjs generate
  omgCli: [], // openapi-mcp-generator CLI
  cliError: null,
};

async function measure() {
  log(`bench: ${SPEC_SHOWN} (${size(specBytes)}), ${RUNS} runs, SmeltSec mode ${MODE}` +
    `${HAVE_TIME ? '' : ' (no /usr/bin/time: peak memory of Node children only)'}`);
  if (STALE_NOTE) log(STALE_NOTE);
  for (let i = 0; i < RUNS; i++) {
    const warm = i === 0 ? RUNS : 0;
    log(`round ${i + 1}/${RUNS}${warm ? ` (with ${warm} warm in-process runs)` : ''}`);

    let r = check(await run(NODE, [CHILD, 'smeltsec-wasm', SPEC, String(warm), MODE]), 'SmeltSec wasm in-process');
    m.wasmChildren.push(lastJsonLine(r.stdout));

    r = check(await run(NODE, [CHILD, 'openapi-mcp-generator', SPEC, String(warm), MODE]), 'openapi-mcp-generator in-process');
    m.omgChildren.push(lastJsonLine(r.stdout));

    if (i === 0) {
      r = check(await run(NATIVE, [SPEC, '--mode', MODE, '--repeat', String(RUNS)]), 'smeltsec-native --repeat');
      const lines = r.stdout.trim().split('\n');
      m.nativeRepeat = { report: JSON.parse(lines[0]), bestMs: JSON.parse(lines[1]).bestMs, maxRssKB: r.maxRssKB };
    }

    let dir = tmpPath('native');
    mkdirSync(dir);
    r = check(await run(NATIVE, [SPEC, '--mode', MODE, '--out', path.join(dir, 'manifest.json')]), 'smeltsec-native');
    m.nativeProc.push({ wallMs: r.wallMs, maxRssKB: r.maxRssKB, report: JSON.parse(r.stdout.split('\n')[0]), outputBytes: statSync(path.join(dir, 'manifest.json')).size });
    rmSync(dir, { recursive: true, force: true });

    dir = tmpPath('smeltsec-process');
    r = check(await run(NODE, [PROCESS_SCRIPT, SPEC, dir, '--mode', MODE]), 'bench/smeltsec-process.mjs');
    m.smeltsecProc.push({ wallMs: r.wallMs, maxRssKB: r.maxRssKB, summary: lastJsonLine(r.stdout), outputBytes: statSync(path.join(dir, 'manifest.json')).size });
    rmSync(dir, { recursive: true, force: true });

    if (HAVE_CLI && !m.cliError) {
      dir = tmpPath('smeltsec-cli');
      r = await run(NODE, [SMELTSEC_CLI, 'generate', SPEC, '--out', dir, '--json', '--mode', MODE]);
      if (r.code !== 0) {
        m.cliError = `exit ${r.code ?? r.signal}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ')}`;
        log(`cli/smeltsec.mjs failed, left out: ${m.cliError}`);
      } else {
        let summary = null;
        try {
          summary = JSON.parse(r.stdout);
        } catch {
          /* not JSON: only the time counts */
        }
        const manifest = path.join(dir, 'manifest.json');
        m.smeltsecCli.push({ wallMs: r.wallMs, maxRssKB: r.maxRssKB, summary, outputBytes: existsSync(manifest) ? statSync(manifest).size : null });
      }
      rmSync(dir, { recursive: true, force: true });
    }

    dir = tmpPath('omg-cli'); // must not exist: the CLI refuses a non-empty directory without --force
    r = check(await run(NODE, [OMG_BIN, '--input', SPEC, '--output', dir]), 'openapi-mcp-generator CLI');
    const index = path.join(dir, 'src/index.ts');
    if (!existsSync(index)) throw new Error(`openapi-mcp-generator CLI wrote no ${index}`);
    m.omgCli.push({ wallMs: r.wallMs, maxRssKB: r.maxRssKB, outputBytes: statSync(index).size });
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------- reporting

function mb(bytes) {
  return bytes / (1024 * 1024);
}
function size(bytes) {
  return bytes >= 1 << 20 ? `${fmt(mb(bytes))} MB` : `${fmt(bytes / 1024)} KB`;
}
function kbToMB(kb) {
  return kb == null ? null : kb / 1024;
}
function best(xs) {
  return Math.min(...xs);
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
function maxOf(xs) {
  const v = xs.filter((x) => x != null);
  return v.length ? Math.max(...v) : null;
}
function sumTimings(t) {
  return (t.intake ?? 0) + (t.analyze ?? 0) + (t.tools ?? 0);
}
function round(x, d = 1) {
  return x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;
}
function fmt(x, d = 1) {
  return x == null || !Number.isFinite(x) ? '–' : x.toFixed(d);
}

function row(id, tool, kind, mode, samplesMs, peakKB, output, extra = {}) {
  return {
    id,
    tool,
    kind,
    mode,
    n: samplesMs.length,
    bestMs: best(samplesMs),
    medianMs: median(samplesMs),
    samplesMs,
    peakMB: kbToMB(peakKB),
    output,
    ...extra,
  };
}

function buildRows() {
  const w0 = m.wasmChildren[0];
  const o0 = m.omgChildren[0];
  const ops = w0.first.operations;
  const smeltOut = (n, bytes) => `${n} tools, ${size(bytes)} manifest`;
  const rows = [];

  // In-process: from the spec's path to the output in memory.
  rows.push(row('wasmCold', 'SmeltSec wasm (Node)', 'in-process', 'cold: import + instantiate + 1st call',
    m.wasmChildren.map((c) => c.coldMs), maxOf(m.wasmChildren.map((c) => c.coldMaxRssKB)), smeltOut(w0.first.tools, w0.first.outputBytes)));
  rows.push(row('wasmWarm', 'SmeltSec wasm (Node)', 'in-process', `warm, best of ${w0.warm.length}`,
    w0.warm.map((x) => x.ms), w0.maxRssKB, `same; peak after 1 cold + ${w0.warm.length} warm calls`));
  rows.push(row('wasmWarmCall', 'SmeltSec wasm (Node)', 'in-process', 'warm, generateManifest only',
    w0.warm.map((x) => x.callMs), w0.maxRssKB, 'no file read (compare with native)'));
  rows.push(row('nativeWarm', 'SmeltSec native', 'in-process', `best of ${RUNS} (driver --repeat)`,
    [m.nativeRepeat.bestMs], m.nativeRepeat.maxRssKB, 'no file read', { medianMs: null }));
  rows.push(row('omgCold', `openapi-mcp-generator ${omgVersion}`, 'in-process', 'cold: import + 1st call',
    m.omgChildren.map((c) => c.coldMs), maxOf(m.omgChildren.map((c) => c.coldMaxRssKB)),
    `${o0.first.tools} tools (${size(o0.first.outputBytes)} as JSON)`));
  rows.push(row('omgWarm', `openapi-mcp-generator ${omgVersion}`, 'in-process', `warm, best of ${o0.warm.length}`,
    o0.warm.map((x) => x.ms), o0.maxRssKB, 'getToolsFromOpenApi(path, {dereference:true})'));

  // Whole processes: wall time from spawn to exit, peak RSS of the process.
  rows.push(row('smeltsecProcess', 'SmeltSec wasm (Node)', 'process', 'node bench/smeltsec-process.mjs',
    m.smeltsecProc.map((x) => x.wallMs), maxOf(m.smeltsecProc.map((x) => x.maxRssKB)),
    smeltOut(m.smeltsecProc[0].summary.tools, m.smeltsecProc[0].outputBytes)));
  if (m.smeltsecCli.length) {
    const s = m.smeltsecCli[0].summary;
    rows.push(row('smeltsecCli', 'SmeltSec CLI', 'process', 'node cli/smeltsec.mjs generate --json',
      m.smeltsecCli.map((x) => x.wallMs), maxOf(m.smeltsecCli.map((x) => x.maxRssKB)),
      s?.tools != null ? smeltOut(s.tools, m.smeltsecCli[0].outputBytes) : `${size(m.smeltsecCli[0].outputBytes ?? 0)} manifest`));
  }
  rows.push(row('nativeProcess', 'SmeltSec native', 'process', 'build/native/smeltsec-native --out',
    m.nativeProc.map((x) => x.wallMs), maxOf(m.nativeProc.map((x) => x.maxRssKB)),
    smeltOut(m.nativeProc[0].report.tools, m.nativeProc[0].outputBytes)));
  rows.push(row('omgCli', `openapi-mcp-generator ${omgVersion}`, 'process', 'CLI --input --output (TS project)',
    m.omgCli.map((x) => x.wallMs), maxOf(m.omgCli.map((x) => x.maxRssKB)),
    `TS project, src/index.ts ${size(m.omgCli[0].outputBytes)}`));
  return { rows, ops };
}

function ratio(name, label, num, den, target, kind) {
  const value = num / den;
  const pass = target == null ? null : kind === 'min' ? value >= target : value <= target;
  return { name, label, value, target, kind, pass };
}

function buildRatios(byId) {
  const r = [
    ratio('omgOverWasmWarm', 'openapi-mcp-generator / SmeltSec wasm   in-process, warm best', byId.omgWarm.bestMs, byId.wasmWarm.bestMs, TARGET_SPEEDUP, 'min'),
    ratio('omgOverWasmCold', 'openapi-mcp-generator / SmeltSec wasm   in-process, cold best', byId.omgCold.bestMs, byId.wasmCold.bestMs, TARGET_SPEEDUP, 'min'),
    ratio('omgOverWasmProcess', 'openapi-mcp-generator / SmeltSec wasm   process (CLI / smeltsec-process), best', byId.omgCli.bestMs, byId.smeltsecProcess.bestMs, TARGET_SPEEDUP, 'min'),
  ];
  if (byId.smeltsecCli) {
    r.push(ratio('omgOverSmeltsecCli', 'openapi-mcp-generator / SmeltSec CLI    process (CLI / CLI), best', byId.omgCli.bestMs, byId.smeltsecCli.bestMs, TARGET_SPEEDUP, 'min'));
  }
  r.push(ratio('wasmOverNative', 'SmeltSec wasm / native   generateManifest only, warm best', byId.wasmWarmCall.bestMs, byId.nativeWarm.bestMs, TARGET_WASM_NATIVE, 'max'));
  r.push(ratio('wasmOverNativeProcess', 'SmeltSec wasm / native   whole process, best (info)', byId.smeltsecProcess.bestMs, byId.nativeProcess.bestMs, null, null));
  return r;
}

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report() {
  const { rows, ops } = buildRows();
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const ratios = buildRatios(byId);
  const out = [];
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  out.push('');
  out.push(`SmeltSec benchmark — ${SPEC_SHOWN}: ${ops} operations, ${size(specBytes)}`);
  out.push(`node ${process.version}, ${os.cpus().length} × ${cpu}, load avg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ` +
    `${RUNS} runs; SmeltSec mode '${MODE}'; peak = max RSS of the child process`);
  out.push(`builds: native ${BUILDS.native.built}, wasm ${BUILDS.wasm.built}`);
  if (STALE_NOTE) out.push(STALE_NOTE);
  const rebuilt = Object.keys(BUILDS).filter((k) => statSync(BUILDS[k].file, { throwIfNoEntry: false })?.mtimeMs !== BUILDS[k].mtimeMs);
  if (rebuilt.length) out.push(`WARNING: ${rebuilt.join(' and ')} build changed during the run: samples mix two builds; run again`);
  out.push('');

  const cells = (r) => [r.tool, r.kind, r.mode, fmt(r.bestMs), fmt(r.medianMs), fmt(r.peakMB), r.output];
  const headers = ['tool', 'kind', 'mode', 'best ms', 'median ms', 'peak MB', 'output'];
  const align = ['l', 'l', 'l', 'r', 'r', 'r', 'l'];
  out.push('In-process (one Node/native process; time from the spec path on disk to the output in memory):');
  out.push(table(headers, rows.filter((r) => r.kind === 'in-process').map(cells), align));
  out.push('');
  out.push('Whole process (wall time from spawn to exit, spec file in → output files written):');
  out.push(table(headers, rows.filter((r) => r.kind === 'process').map(cells), align));
  if (m.cliError) out.push(`(cli/smeltsec.mjs left out: ${m.cliError})`);
  else if (!HAVE_CLI) out.push('(cli/smeltsec.mjs not present: only bench/smeltsec-process.mjs measured)');
  out.push('');

  out.push('Ratios (like with like):');
  out.push(table(['ratio', 'value', 'target', ''],
    ratios.map((x) => [x.label, `${fmt(x.value, 2)}×`, x.target == null ? '' : `${x.kind === 'min' ? '≥' : '≤'} ${x.target}×`, x.pass == null ? '' : x.pass ? 'met' : 'MISSED']),
    ['l', 'r', 'l', 'l']));
  const peaks = ['wasmCold', 'wasmWarm', 'smeltsecProcess', 'smeltsecCli', 'nativeProcess'].filter((id) => byId[id]?.peakMB != null)
    .map((id) => ({ id, label: `${byId[id].tool} ${byId[id].kind} ${byId[id].mode}`, peakMB: byId[id].peakMB, pass: byId[id].peakMB <= TARGET_PEAK_MB }));
  out.push('');
  out.push(`Peak memory, SmeltSec (target ≤ ${TARGET_PEAK_MB} MB):`);
  out.push(table(['process', 'peak MB', ''], peaks.map((p) => [p.label, fmt(p.peakMB), p.pass ? 'met' : 'MISSED']), ['l', 'r', 'l']));
  out.push('');

  // Where SmeltSec's time goes: the core's own phases (report.timingsMs) and what lies around them.
  const w0 = m.wasmChildren[0];
  const wc = m.wasmChildren.reduce((a, b) => (b.coldMs < a.coldMs ? b : a)); // the best cold process
  const bestWarm = w0.warm.reduce((a, b) => (b.callMs < a.callMs ? b : a));
  const nat = m.nativeRepeat;
  const natSum = sumTimings(nat.report.timingsMs);
  const phaseRows = [
    ['wasm, warm (best call)', bestWarm.timingsMs, bestWarm.callMs],
    ['wasm, cold (1st call, best cold process)', wc.first.timingsMs, wc.first.callMs],
    ['native (last of --repeat)', nat.report.timingsMs, null],
  ];
  out.push('Where SmeltSec\'s time goes (core phases from report.timingsMs, ms; "outside" = call time − phases:');
  out.push('the manifest bytes copied out to a JS buffer, the core\'s teardown, the report; for native: bundle copy):');
  out.push(table(['run', 'intake', 'analyze', 'tools', 'phases', 'outside', 'call'],
    phaseRows.map(([name, t, call]) => [name, fmt(t.intake), fmt(t.analyze), fmt(t.tools), fmt(sumTimings(t)), call == null ? '–' : fmt(call - sumTimings(t)), call == null ? '–' : fmt(call)]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r']));
  const phaseRatio = (k) => bestWarm.timingsMs[k] / nat.report.timingsMs[k];
  out.push(`wasm/native per phase: intake ${fmt(phaseRatio('intake'), 2)}×, analyze ${fmt(phaseRatio('analyze'), 2)}×, ` +
    `tools ${fmt(phaseRatio('tools'), 2)}×, phases ${fmt(sumTimings(bestWarm.timingsMs) / natSum, 2)}× ` +
    `(native driver best ${fmt(nat.bestMs)} ms, phases of its last run ${fmt(natSum)} ms)`);
  out.push(`cold SmeltSec wasm (best cold process, ${fmt(wc.coldMs)} ms): import ${fmt(wc.coldPhases.importMs)} ms, ` +
    `instantiate ${fmt(wc.coldPhases.instantiateMs)} ms, first call ${fmt(wc.coldPhases.firstCallMs)} ms vs warm ${fmt(bestWarm.ms)} ms ` +
    `(the gap is wasm tier-up: V8 runs baseline code until optimised code is ready)`);
  const bp = m.smeltsecProc.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const ph = bp.summary.phasesMs;
  out.push(`smeltsec-process (best run, ${fmt(bp.wallMs)} ms wall): node start-up + exit ${fmt(bp.wallMs - ph.total)}, ` +
    `import ${fmt(ph.import)}, instantiate ${fmt(ph.instantiate)}, stat ${fmt(ph.stat)}, generate (reads the file) ${fmt(ph.generate)} ` +
    `(intake ${fmt(bp.summary.timingsMs.intake)}, analyze ${fmt(bp.summary.timingsMs.analyze)}, tools ${fmt(bp.summary.timingsMs.tools)}), write ${fmt(ph.write)}`);
  const o0 = m.omgChildren[0];
  out.push(`openapi-mcp-generator cold: import ${fmt(best(m.omgChildren.map((c) => c.coldPhases.importMs)))} ms; ` +
    `JSON.stringify of its tools (not counted in its time) ${fmt(best(o0.warm.map((x) => x.stringifyMs)))} ms`);
  process.stdout.write(out.join('\n') + '\n\n');

  const json = {
    bench: 'smeltsec-openapi',
    spec: { path: SPEC_SHOWN, bytes: specBytes, operations: ops },
    env: { node: process.version, cpus: os.cpus().length, cpu, loadavg: os.loadavg().map((x) => round(x, 2)), runs: RUNS, mode: MODE, peakSource: HAVE_TIME ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS', builds: Object.fromEntries(Object.entries(BUILDS).map(([k, v]) => [k, { built: v.built, stale: v.stale }])),
      newestSource: SOURCE.file, stale: STALE_NOTE != null, rebuiltDuringRun: rebuilt },
    rows: Object.fromEntries(rows.map((r) => [r.id, {
      tool: r.tool, kind: r.kind, mode: r.mode, n: r.n, bestMs: round(r.bestMs), medianMs: round(r.medianMs),
      samplesMs: r.samplesMs.map((x) => round(x)), peakMB: round(r.peakMB), output: r.output,
    }])),
    ratios: Object.fromEntries(ratios.map((x) => [x.name, { value: round(x.value, 2), target: x.target, kind: x.kind, pass: x.pass }])),
    peaks: Object.fromEntries(peaks.map((p) => [p.id, { peakMB: round(p.peakMB), target: TARGET_PEAK_MB, pass: p.pass }])),
    timingsMs: {
      wasmWarmBest: roundAll({ ...bestWarm.timingsMs, call: bestWarm.callMs, read: bestWarm.readMs }),
      wasmColdFirst: roundAll({ ...wc.first.timingsMs, call: wc.first.callMs, ...wc.coldPhases, cold: wc.coldMs }),
      nativeLast: roundAll({ ...nat.report.timingsMs, best: nat.bestMs }),
      smeltsecProcessBest: roundAll({ wall: bp.wallMs, ...ph }),
      omgColdImport: round(best(m.omgChildren.map((c) => c.coldPhases.importMs))),
      omgStringify: round(best(o0.warm.map((x) => x.stringifyMs))),
    },
    cliError: m.cliError,
  };
  process.stdout.write(JSON.stringify(json) + '\n');
}

function roundAll(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
}

try {
  await measure();
  report();
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(tmpRoot, { recursive: true, force: true });
}
