// Reading what the user points the CLI at into files for the core: a spec file, a folder (walked with
// .gitignore and the usual skips), an archive, or github:owner/repo[@ref] (downloaded as a tarball).
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { GitIgnore } from './gitignore.mjs';
import { readForCore, readWhole } from './read.mjs';

const SPEC_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
const CODE_EXTENSIONS = new Set(['.py', '.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']);
const ARCHIVE_SUFFIXES = ['.tar.gz', '.tgz', '.tar', '.zip'];
// Never worth walking into; the core applies its own (longer) list to whatever arrives.
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache',
  'dist', 'build', '.next', 'coverage', 'site-packages', 'bower_components']);
export const MAX_WALK_FILES = 20000;
export const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export class InputError extends Error {
  constructor(code, message, where = '') {
    super(message);
    this.smeltsec = { code, message, where, needs: [] };
  }
}

export function isArchivePath(p) {
  const lower = p.toLowerCase();
  return ARCHIVE_SUFFIXES.some((s) => lower.endsWith(s));
}

export function within(root, file) {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

// Walks `dir` for spec and code files. Returns {files: Map(relPath -> Buffer), skipped: [{path, reason}]}.
export async function walkFolder(dir) {
  const files = new Map();
  const skipped = [];
  const ignore = new GitIgnore();
  const walk = async (abs, rel) => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: rel || '.', reason: `unreadable (${e.code ?? e.message})` });
      return;
    }
    const gitignore = entries.find((e) => e.isFile() && e.name === '.gitignore');
    if (gitignore) ignore.add(rel, await readFile(path.join(abs, '.gitignore'), 'utf8'));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(abs, e.name);
      if (e.isSymbolicLink()) {
        skipped.push({ path: childRel, reason: 'symlink' });
        continue;
      }
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) {
          skipped.push({ path: childRel, reason: 'dependency or build folder' });
        } else if (ignore.ignores(childRel, true)) {
          skipped.push({ path: childRel, reason: 'ignored by .gitignore' });
        } else {
          await walk(full, childRel);
        }
        continue;
      }
      if (!e.isFile()) continue;
      const ext = path.extname(e.name).toLowerCase();
      if (!SPEC_EXTENSIONS.has(ext) && !CODE_EXTENSIONS.has(ext)) continue;
      if (ignore.ignores(childRel, false)) {
        skipped.push({ path: childRel, reason: 'ignored by .gitignore' });
        continue;
      }
      if (files.size >= MAX_WALK_FILES) {
        throw new InputError('file_limit', `the folder has more than ${MAX_WALK_FILES} spec and code files`, dir);
      }
      files.set(childRel, readWhole(full));
    }
  };
  await walk(dir, '');
  return { files, skipped };
}

// github:owner/repo[@ref] -> the tarball's bytes. The base URL can be changed for tests and mirrors
// (SMELTSEC_GITHUB_URL, default https://codeload.github.com); GITHUB_TOKEN is sent when set.
export async function downloadGithub(spec) {
  const m = /^github:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(?:@([^\s]+))?$/.exec(spec);
  if (!m) throw new InputError('bad_source', 'expected github:owner/repo or github:owner/repo@ref', spec);
  const [, owner, repo, ref = 'HEAD'] = m;
  const base = (process.env.SMELTSEC_GITHUB_URL ?? 'https://codeload.github.com').replace(/\/$/, '');
  const url = `${base}/${owner}/${repo}/tar.gz/${encodeURIComponent(ref)}`;
  const headers = process.env.GITHUB_TOKEN ? { authorization: `Bearer ${process.env.GITHUB_TOKEN}` } : {};
  let response;
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(120_000) });
  } catch (e) {
    throw new InputError('download_failed', `could not download ${url}: ${e.cause?.code ?? e.message}`, spec);
  }
  if (!response.ok) {
    throw new InputError('download_failed', `${url} answered ${response.status} ${response.statusText}`, spec);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_DOWNLOAD_BYTES) throw new InputError('size_limit', `the tarball is ${declared} bytes`, spec);
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > MAX_DOWNLOAD_BYTES) throw new InputError('size_limit', `the tarball is over ${MAX_DOWNLOAD_BYTES} bytes`, spec);
    chunks.push(chunk);
  }
  return { name: `${owner}-${repo}.tar.gz`, bytes: new Uint8Array(Buffer.concat(chunks)) };
}

// Everything the commands need about the input: {kind: 'spec'|'code'|'auto', root, entry, files: Map (bundle
// path → bytes, or a file source the core reads itself: see read.mjs), archives: [{name, bytes}],
// skipped: [...], name: a name for what was read (folder, repository or file)}.
export async function loadSource(target, opts) {
  if (target.startsWith('github:')) {
    const archive = await downloadGithub(target);
    const name = target.slice('github:'.length).split('@')[0].split('/').pop();
    return { kind: 'code', root: null, entry: undefined, files: new Map(), archives: [archive], skipped: [], name };
  }
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new InputError('not_found', `no such file or folder: ${target}`, target);
  }
  if (info.isDirectory()) {
    const root = path.resolve(opts.root ?? target);
    const { files, skipped } = await walkFolder(path.resolve(target));
    const prefix = path.relative(root, path.resolve(target)).split(path.sep).join('/');
    const keyed = new Map([...files].map(([k, v]) => [prefix ? `${prefix}/${k}` : k, v]));
    return { kind: 'auto', root, entry: opts.entry, files: keyed, archives: [], skipped, name: path.basename(path.resolve(target)) };
  }
  if (isArchivePath(target)) {
    const name = path.basename(target).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
    return { kind: 'code', root: null, entry: undefined, files: new Map(), archives: [{ name: path.basename(target), bytes: readWhole(target) }], skipped: [], name };
  }
  const full = path.resolve(target);
  const root = path.resolve(opts.root ?? path.dirname(full));
  if (!within(root, full)) throw new InputError('bad_usage', `--root ${opts.root} does not contain ${target}`, target);
  const entry = path.relative(root, full).split(path.sep).join('/');
  const kind = CODE_EXTENSIONS.has(path.extname(full).toLowerCase()) ? 'code' : 'spec';
  return { kind, root, entry, files: new Map([[entry, readForCore(full)]]), archives: [], skipped: [], name: path.parse(full).name };
}
