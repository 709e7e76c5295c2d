#!/usr/bin/env node
// The SmeltSec command-line tool: reads files, calls the wasm core, writes results. No pipeline logic here.
// Exit codes: 0 success, 1 a gate blocked, 2 bad input or usage.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { createSmeltSec } from '../wasm/smeltsec.mjs';

const USAGE = `usage: smeltsec <command> [options]

commands:
  analyze <spec|folder>              list the operations an MCP server would expose
  generate <spec|folder> --out DIR   write DIR/manifest.json (an MCP tools/list result)

options:
  --json           machine-readable JSON on stdout
  --mode MODE      generate: all (one tool per operation), grouped (search/describe/call), auto (default:
                   all up to 40 operations)
  --entry PATH     the root document inside a folder (default: detected)
  --root DIR       folder that files referenced by $ref may come from (default: the spec's folder)
  --quiet          no progress on stderr
  -h, --help       this help
  -v, --version    the version`;

const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;
const SPEC_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'build', '.venv', 'venv', '__pycache__']);
const MAX_FILES = 2000;
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

function within(root, file) {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function walk(dir, root, out) {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (out.length >= MAX_FILES) return;
    const full = path.join(dir, e.name);
    if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) {
      await walk(full, root, out);
    } else if (e.isFile() && SPEC_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
      out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  }
}

// Reads the input into {root, entry, files}. A file: its folder (or --root) is the bundle root and
// further files are read when the core asks for them. A folder: every JSON/YAML file under it.
async function loadInput(input, opts) {
  let info;
  try {
    info = await stat(input);
  } catch {
    throw Object.assign(new Error(), { smeltsec: { code: 'not_found', message: `no such file or folder: ${input}`, where: input } });
  }
  const files = new Map();
  if (info.isDirectory()) {
    const root = path.resolve(opts.root ?? input);
    const names = [];
    await walk(path.resolve(input), root, names);
    for (const name of names) files.set(name, await readFile(path.join(root, name)));
    return { root, entry: opts.entry, files };
  }
  const full = path.resolve(input);
  const root = path.resolve(opts.root ?? path.dirname(full));
  if (!within(root, full)) {
    throw new UsageError(`--root ${opts.root} does not contain ${input}`);
  }
  const entry = path.relative(root, full).split(path.sep).join('/');
  files.set(entry, await readFile(full));
  return { root, entry, files };
}

// Calls the core; when it needs more files (e.g. targets of $refs), reads them from the bundle root and
// calls again. Files outside the root are never read.
async function runWithBundle(input, call) {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = call([...input.files].map(([p, bytes]) => ({ path: p, bytes })));
    if (result.ok || !result.error.needs?.length) return result;
    let added = 0;
    for (const need of result.error.needs) {
      if (input.files.has(need)) continue;
      const full = path.resolve(input.root, need);
      if (!within(input.root, full)) return result;
      try {
        input.files.set(need, await readFile(full));
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

async function generate(smeltsec, input, opts, timings) {
  if (!opts.out) throw new UsageError('generate needs --out DIR');
  if (opts.mode && !['all', 'grouped', 'auto'].includes(opts.mode)) {
    throw new UsageError(`--mode must be all, grouped or auto (not ${opts.mode})`);
  }
  progress(opts, `smeltsec: generating tools from ${input.entry ?? input.root}…`);
  const t0 = performance.now();
  const result = await runWithBundle(input, (files) =>
    smeltsec.generateManifest(files, { entry: input.entry, mode: opts.mode ?? 'auto' }),
  );
  timings.generate = performance.now() - t0;
  if (!result.ok) return fail(result.error, opts.json);
  const { manifestBytes, report } = result.value;
  const t1 = performance.now();
  await mkdir(opts.out, { recursive: true });
  const manifestPath = path.join(opts.out, 'manifest.json');
  await writeFile(manifestPath, manifestBytes);
  timings.write = performance.now() - t1;
  const steps = { read: timings.read, ...report.timingsMs, write: timings.write };
  if (opts.json) {
    const out = { ok: true, manifest: manifestPath, ...report, timingsMs: steps };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT_OK;
  }
  const s = report.source;
  const lines = [
    `${s.title || s.file} — OpenAPI ${s.specVersion}`,
    `  ${report.operations} operations → ${report.tools} tools (mode: ${report.mode})`,
    `  manifest: ${manifestPath} (${formatBytes(manifestBytes.length)})`,
    `  time: ${Object.entries(steps).map(([k, v]) => `${k} ${formatMs(v)}`).join(', ')}`,
  ];
  if (report.notes.length) {
    lines.push(`  notes (${report.notes.length}):`);
    for (const n of report.notes.slice(0, 5)) lines.push(`    - ${n}`);
    if (report.notes.length > 5) lines.push(`    … ${report.notes.length - 5} more (see --json)`);
  }
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
        entry: { type: 'string' },
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
    if (!target) throw new UsageError(`${command} needs a spec file or folder`);
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const timings = {};
    const t0 = performance.now();
    const input = await loadInput(target, opts);
    timings.read = performance.now() - t0;
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
