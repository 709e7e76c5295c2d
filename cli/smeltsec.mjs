#!/usr/bin/env node
// The SmeltSec command-line tool: reads files, calls the wasm core, writes results. No pipeline logic here.
// Exit codes: 0 success, 1 a gate blocked, 2 bad input or usage.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { createSmeltSec } from '../wasm/smeltsec.mjs';
import { coreFiles, readForCore } from './read.mjs';
import { InputError, loadSource, within } from './sources.mjs';

const USAGE = `usage: smeltsec <command> [options]

commands:
  analyze <source>              list what an MCP server would expose (operations, routes, functions)
  generate <source> --out DIR   write DIR/manifest.json (an MCP tools/list result) and DIR/server/, a
                                runnable MCP server project for it

sources: an OpenAPI/Swagger file (JSON or YAML), a folder (a spec split over files, or a code
repository), an archive (.tar.gz, .tgz, .tar, .zip), or github:owner/repo[@ref]

options:
  --json           machine-readable JSON on stdout
  --kind KIND      spec or code (default: detected)
  --mode MODE      generate: all (one tool per operation), grouped (search/describe/call), auto (default:
                   all up to 40 operations)
  --target T       generate: the server's language, ts (TypeScript, official MCP SDK; default) or
                   python (FastMCP)
  --name NAME      generate: the server's name (default: the spec's title, or the source's folder name)
  --entry PATH     the root document inside a folder (default: detected)
  --root DIR       folder that files referenced by $ref may come from (default: the spec's folder)
  --quiet          no progress on stderr
  -h, --help       this help
  -v, --version    the version`;

const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;
const MAX_ROUNDS = 50;

class UsageError extends Error {}

function fail(error, json) {
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, error }, null, 2) + '\n');
  } else {
    const where = error.where ? ` (${error.where})` : '';
    process.stderr.write(`smeltsec: ${error.code}: ${error.message}${where}\n`);
  }
  return EXIT_BAD_INPUT;
}

function progress(opts, text) {
  if (!opts.quiet) process.stderr.write(`${text}\n`);
}

// Calls the core; when it needs more files (e.g. targets of $refs), reads them from the bundle root and
// calls again. Files outside the root are never read.
async function runWithBundle(input, call) {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = call(coreFiles(input.files));
    if (result.ok || !result.error.needs?.length) return result;
    let added = 0;
    for (const need of result.error.needs) {
      if (input.files.has(need)) continue;
      const full = path.resolve(input.root, need);
      if (!within(input.root, full)) return result;
      try {
        input.files.set(need, readForCore(full));
        added++;
      } catch {
        return result;
      }
    }
    if (added === 0) return result;
  }
  return { ok: false, error: { code: 'too_many_files', message: 'the spec references too many files', where: '', needs: [] } };
}

function formatMs(ms) {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

function formatBytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

async function analyze(smeltsec, input, opts) {
  const result = await runWithBundle(input, (files) => smeltsec.analyzeSpec(files, { entry: input.entry }));
  if (!result.ok) return fail(result.error, opts.json);
  const value = result.value;
  if (opts.json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return EXIT_OK;
  }
  const s = value.source;
  const lines = [`${s.title || s.file} ${s.version ? `(${s.version}) ` : ''}— OpenAPI ${s.specVersion}, ${value.candidates.length} operations`];
  const width = Math.min(7, Math.max(0, ...value.candidates.map((c) => c.method.length)));
  for (const c of value.candidates) {
    lines.push(`  ${c.method.padEnd(width)}  ${c.path}  →  ${c.name}${c.deprecated ? '  (deprecated)' : ''}`);
  }
  for (const n of value.notes) lines.push(`  note: ${n}`);
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT_OK;
}

function checkGenerateOptions(opts) {
  if (!opts.out) throw new UsageError('generate needs --out DIR');
  if (opts.target && !['ts', 'python'].includes(opts.target)) {
    throw new UsageError(`--target must be ts or python (not ${opts.target})`);
  }
  if (opts.mode && !['all', 'grouped', 'auto'].includes(opts.mode)) {
    throw new UsageError(`--mode must be all, grouped or auto (not ${opts.mode})`);
  }
}

// Writes the server project's files under DIR/server/ (paths come from the core: relative, no '..').
async function writeServer(dir, files) {
  for (const file of files) {
    const full = path.join(dir, ...file.path.split('/'));
    if (!within(dir, full)) throw new Error(`generated path escapes the server folder: ${file.path}`);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, file.bytes);
  }
}

async function writeOutputs(smeltsec, result, opts, timings, describeSource, identity) {
  if (!result.ok) return fail(result.error, opts.json);
  const { manifestBytes, report } = result.value;
  const target = opts.target ?? 'ts';
  const server = smeltsec.generateServer(manifestBytes, { target, ...identity(report) });
  if (!server.ok) return fail(server.error, opts.json);
  const t1 = performance.now();
  await mkdir(opts.out, { recursive: true });
  const manifestPath = path.join(opts.out, 'manifest.json');
  await writeFile(manifestPath, manifestBytes);
  const serverDir = path.join(opts.out, 'server');
  await writeServer(serverDir, server.value.files);
  timings.write = performance.now() - t1;
  const steps = { read: timings.read, ...report.timingsMs, ...server.value.report.timingsMs, write: timings.write };
  const notes = [...report.notes, ...server.value.report.notes];
  if (opts.json) {
    const serverInfo = { dir: serverDir, target, files: server.value.report.files, bytes: server.value.report.bytes };
    const out = { ok: true, manifest: manifestPath, ...report, notes, server: serverInfo, timingsMs: steps };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT_OK;
  }
  const run = target === 'ts' ? 'npm install && npm run build && npm start' : 'pip install -r requirements.txt && python server.py';
  const lines = [
    describeSource(report),
    `  ${report.operations} ${report.source.kind === 'code' ? 'units' : 'operations'} → ${report.tools} tools (mode: ${report.mode})`,
    `  manifest: ${manifestPath} (${formatBytes(manifestBytes.length)})`,
    `  server: ${serverDir} (${target === 'ts' ? 'TypeScript, MCP SDK' : 'Python, FastMCP'}; ${server.value.files.length} files) — ${run}`,
    `  time: ${Object.entries(steps).map(([k, v]) => `${k} ${formatMs(v)}`).join(', ')}`,
  ];
  if (report.skipped?.length) lines.push(`  skipped: ${report.skipped.length} files (see --json)`);
  if (notes.length) {
    lines.push(`  notes (${notes.length}):`);
    for (const n of notes.slice(0, 5)) lines.push(`    - ${n}`);
    if (notes.length > 5) lines.push(`    … ${notes.length - 5} more (see --json)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT_OK;
}

async function generate(smeltsec, input, opts, timings) {
  checkGenerateOptions(opts);
  progress(opts, `smeltsec: generating tools from ${input.entry ?? input.root}…`);
  const result = await runWithBundle(input, (files) =>
    smeltsec.generateManifest(files, { entry: input.entry, mode: opts.mode ?? 'auto' }),
  );
  return writeOutputs(smeltsec, result, opts, timings, (r) => `${r.source.title || r.source.file} — OpenAPI ${r.source.specVersion}`,
    (r) => ({ name: opts.name ?? (r.source.title || path.parse(r.source.file).name), version: r.source.version || '0.1.0' }));
}

function codeFiles(input) {
  return [
    ...coreFiles(input.files),
    ...input.archives.map((a) => ({ path: a.name, bytes: a.bytes, archive: true })),
  ];
}

async function generateCode(smeltsec, input, opts, timings) {
  checkGenerateOptions(opts);
  if (opts.mode === 'grouped') throw new UsageError('--mode grouped is for specs; code gives one tool per unit');
  progress(opts, 'smeltsec: analysing the code and generating tools…');
  const result = smeltsec.generateCodeManifest(codeFiles(input), { mode: opts.mode ?? 'auto' });
  if (result.ok) result.value.report.skipped = [...input.skipped, ...result.value.report.skipped];
  return writeOutputs(smeltsec, result, opts, timings, (r) => `code repository — ${r.source.files} files analysed`,
    () => ({ name: opts.name ?? input.name, version: '0.1.0' }));
}

async function analyzeCode(smeltsec, input, opts) {
  progress(opts, 'smeltsec: analysing the code…');
  const result = smeltsec.analyzeCode(codeFiles(input));
  if (!result.ok) return fail(result.error, opts.json);
  const value = result.value;
  value.skipped = [...input.skipped, ...value.skipped];
  value.stats.skipped = value.skipped.length;
  if (opts.json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return EXIT_OK;
  }
  const st = value.stats;
  const lines = [`${st.routes} routes, ${st.functions} functions in ${st.files} files (${st.filtered} filtered, ${st.skipped} skipped)`];
  for (const c of value.candidates) {
    const where = `${c.file}:${c.line}`;
    const auth = c.auth ? '  [auth]' : '';
    if (c.kind === 'route') lines.push(`  ${c.method.padEnd(7)} ${c.path}  →  ${c.name || '(inline handler)'}  ${where}${auth}`);
    else lines.push(`  fn      ${c.name}(${c.params.map((p) => p.name).join(', ')})  ${where}`);
  }
  for (const f of value.filtered.slice(0, 10)) lines.push(`  filtered: ${f.name} (${f.file}:${f.line}) — ${f.reason}`);
  if (value.filtered.length > 10) lines.push(`  … ${value.filtered.length - 10} more filtered (see --json)`);
  for (const n of value.notes) lines.push(`  note: ${n}`);
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT_OK;
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        out: { type: 'string' },
        mode: { type: 'string' },
        target: { type: 'string' },
        name: { type: 'string' },
        entry: { type: 'string' },
        kind: { type: 'string' },
        root: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    process.stderr.write(`smeltsec: ${e.message}\n\n${USAGE}\n`);
    return EXIT_BAD_INPUT;
  }
  const opts = parsed.values;
  const [command, target, ...extra] = parsed.positionals;
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT_OK;
  }
  const smeltsec = await createSmeltSec();
  if (opts.version) {
    process.stdout.write(`smeltsec ${smeltsec.version()}\n`);
    return EXIT_OK;
  }
  try {
    if (!command) throw new UsageError('a command is needed');
    if (!['analyze', 'generate'].includes(command)) throw new UsageError(`unknown command '${command}'`);
    if (!target) throw new UsageError(`${command} needs a source: a spec, a folder, an archive or github:owner/repo`);
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (opts.kind && !['spec', 'code'].includes(opts.kind)) throw new UsageError(`--kind must be spec or code (not ${opts.kind})`);
    const timings = {};
    const t0 = performance.now();
    if (target.startsWith('github:')) progress(opts, `smeltsec: downloading ${target}…`);
    const input = await loadSource(target, opts);
    timings.read = performance.now() - t0;
    let kind = opts.kind ?? input.kind;
    if (kind === 'auto') {
      const detected = smeltsec.detectSourceKind(coreFiles(input.files));
      kind = detected.ok ? detected.value : 'spec';
    }
    if (kind === 'code') {
      return command === 'analyze' ? await analyzeCode(smeltsec, input, opts) : await generateCode(smeltsec, input, opts, timings);
    }
    if (input.archives.length) throw new UsageError('archives and github: sources are code repositories (use --kind code)');
    return command === 'analyze' ? await analyze(smeltsec, input, opts) : await generate(smeltsec, input, opts, timings);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`smeltsec: ${e.message}\n\n${USAGE}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e.smeltsec) return fail({ needs: [], ...e.smeltsec }, opts.json);
    if (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOENT') {
      return fail({ code: 'io_error', message: e.message, where: e.path ?? '', needs: [] }, opts.json);
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
