// SmeltSec's JavaScript API: a thin layer over the wasm core, the same in Node, browser Web Workers and
// workerd. Every call returns {ok: true, value} or {ok: false, error: {code, message, where, needs}}.
import createSmeltSecModule from './dist/smeltsec-core.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isNode() {
  return typeof process !== 'undefined' && process.versions != null && process.versions.node != null;
}

/**
 * Loads the wasm core. In Node the .wasm file next to this module is read from disk; in a browser it is
 * fetched from `locateFile`; in workerd pass the pre-compiled `wasmModule` (runtime compilation from bytes
 * is not allowed there).
 */
export async function createSmeltSec(options = {}) {
  const moduleArg = {};
  if (options.wasmModule) {
    moduleArg.instantiateWasm = (imports, receiveInstance) => {
      WebAssembly.instantiate(options.wasmModule, imports).then((instance) => receiveInstance(instance, options.wasmModule));
      return {};
    };
    moduleArg.locateFile = (p) => p;
  } else if (options.wasmBinary) {
    moduleArg.wasmBinary = options.wasmBinary;
  } else if (isNode()) {
    const { readFile } = await import('node:fs/promises');
    moduleArg.wasmBinary = await readFile(new URL('./dist/smeltsec-core.wasm', import.meta.url));
  } else {
    moduleArg.locateFile = options.locateFile ?? ((p) => new URL(`./dist/${p}`, import.meta.url).href);
  }
  const core = await createSmeltSecModule(moduleArg);
  return new SmeltSec(core);
}

export class SmeltSec {
  constructor(core) {
    this.core = core;
  }

  /** The core library version. */
  version() {
    return this.core.version();
  }

  /** Lists the operations of an OpenAPI/Swagger document as candidates. */
  analyzeSpec(files, options = {}) {
    return this.#withBundle(files, options, (bundle) => {
      const r = this.core.analyzeSpec(bundle, options);
      return r.ok ? { ok: true, value: JSON.parse(r.json) } : r;
    });
  }

  /**
   * Turns an OpenAPI/Swagger document into an MCP tool manifest ({tools: [...]}) and a report. The manifest
   * comes as UTF-8 bytes (`manifestBytes`, ready to write) and, decoded on first use, as text (`manifestJson`).
   */
  generateManifest(files, options = {}) {
    return this.#withBundle(files, options, (bundle) => {
      const r = this.core.generateManifest(bundle, options);
      if (!r.ok) return r;
      return { ok: true, value: manifestValue(r.manifestBytes, JSON.parse(r.reportJson)) };
    });
  }

  /**
   * Finds the routes and public functions of a code repository: {candidates, filtered, skipped, stats, notes}.
   * `files` may include archives: pass them as {path, bytes, archive: true} to have them unpacked first.
   */
  analyzeCode(files, options = {}) {
    return this.#withBundle(files, options, (bundle, skipped) => {
      const r = this.core.analyzeCode(bundle, options);
      if (!r.ok) return r;
      const value = JSON.parse(r.json);
      value.skipped = [...skipped, ...value.skipped];
      value.stats.skipped = value.skipped.length;
      return { ok: true, value };
    });
  }

  /** Turns a code repository into an MCP tool manifest (as generateManifest does for specs). */
  generateCodeManifest(files, options = {}) {
    return this.#withBundle(files, options, (bundle, skipped) => {
      const r = this.core.generateCodeManifest(bundle, options);
      if (!r.ok) return r;
      const report = JSON.parse(r.reportJson);
      report.skipped = [...skipped, ...report.skipped];
      return { ok: true, value: manifestValue(r.manifestBytes, report) };
    });
  }

  /**
   * Writes a runnable MCP server project for a manifest ({tools: [...]}, as text or UTF-8 bytes):
   * {files: [{path, bytes}], report}. options: {target: "ts" | "python", name, version}.
   */
  generateServer(manifest, options = {}) {
    if (options === null || typeof options !== 'object') return badOption('options must be an object', '');
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (!SERVER_OPTIONS.includes(key)) return badOption(`unknown option '${key}'`, key);
      if (typeof value !== 'string') return badOption(`option '${key}' must be a string`, key);
    }
    const bytes = typeof manifest === 'string' ? encoder.encode(manifest) : manifest;
    if (!(bytes instanceof Uint8Array)) return badInput('the manifest must be a string or a Uint8Array', '');
    const ptr = this.core._malloc(Math.max(1, bytes.length));
    try {
      this.core.HEAPU8.set(bytes, ptr);
      const r = this.core.generateServer(ptr, bytes.length, options);
      if (!r.ok) return r;
      return { ok: true, value: { files: r.files, report: JSON.parse(r.reportJson) } };
    } finally {
      this.core._free(ptr);
    }
  }

  /** "spec" when the files hold an OpenAPI/Swagger document and no source code, else "code". */
  detectSourceKind(files) {
    return this.#withBundle(files, {}, (bundle) => ({ ok: true, value: this.core.detectSourceKind(bundle) }));
  }

  #withBundle(files, options, body) {
    const problem = checkOptions(options);
    if (problem) return problem;
    const bundle = new this.core.Bundle(options.limits ?? {});
    const skipped = [];
    try {
      for (const file of normalizeFiles(files)) {
        if (file !== null && typeof file === 'object' && typeof file.read === 'function' && !file.archive) {
          const added = this.#addRead(bundle, file);
          if (!added.ok) return added;
          continue;
        }
        const bytes = typeof file.bytes === 'string' ? encoder.encode(file.bytes) : file.bytes;
        if (!(bytes instanceof Uint8Array)) {
          return badInput(`file '${file.path}': bytes must be a Uint8Array or a string`, file.path);
        }
        if (!file.archive) {
          const added = this.#stage(bundle, String(file.path), bytes.length, (target) => {
            target.set(bytes);
            return bytes.length;
          });
          if (!added.ok) return added;
          continue;
        }
        const ptr = this.core._malloc(Math.max(1, bytes.length));
        try {
          this.core.HEAPU8.set(bytes, ptr);
          const added = bundle.addArchive(ptr, bytes.length);
          if (!added.ok) return added;
          skipped.push(...added.skipped);
        } finally {
          this.core._free(ptr);
        }
      }
      return body(bundle, skipped);
    } finally {
      bundle.delete();
    }
  }

  // A file given as {path, size, read}: read(target) writes the file's bytes into `target`, a view of the
  // core's own copy of the file (no buffer of the file's size on the JS side, no second copy), and returns
  // how many it wrote.
  #addRead(bundle, file) {
    const where = String(file.path);
    const { size } = file;
    if (!Number.isSafeInteger(size) || size < 0) {
      return badInput(`file '${where}': size must be a whole number of bytes`, where);
    }
    return this.#stage(bundle, where, size, (target) => {
      let written;
      try {
        written = file.read(target);
      } catch (e) {
        return { ok: false, error: { code: 'read_failed', message: `could not read '${where}': ${e?.message ?? e}`, where, needs: [] } };
      }
      if (!Number.isSafeInteger(written) || written < 0 || written > size) {
        return badInput(`file '${where}': read() must return how many bytes it wrote (0-${size})`, where);
      }
      return written;
    });
  }

  // Every file but archives reaches the core this way: the bundle checks its limits and makes room for
  // `size` bytes in its own copy of the file, fill(target) writes them into a view of that room and returns
  // how many it wrote (or an error result), and the bundle adds them. The view is taken after stageFile
  // (memory may grow there) and is valid only during fill(): nothing runs in the core meanwhile.
  #stage(bundle, path, size, fill) {
    const staged = bundle.stageFile(path, size);
    if (!staged.ok) return staged;
    const written = fill(this.core.HEAPU8.subarray(staged.ptr, staged.ptr + size));
    if (typeof written !== 'number') return written;
    return bundle.addStaged(written);
  }
}

// A manifest result: the bytes as they come from the core, and the text decoded on first use.
function manifestValue(manifestBytes, report) {
  let text = null;
  const value = { manifestBytes, report };
  Object.defineProperty(value, 'manifestJson', { enumerable: true, get: () => (text ??= decoder.decode(manifestBytes)) });
  return value;
}

function normalizeFiles(files) {
  if (files instanceof Map) return [...files].map(([path, bytes]) => ({ path, bytes }));
  if (Array.isArray(files)) return files;
  if (files && typeof files === 'object') return Object.entries(files).map(([path, bytes]) => ({ path, bytes }));
  return [];
}

const SERVER_OPTIONS = ['target', 'name', 'version'];
const OPTION_TYPES = { entry: 'string', mode: 'string', maxTools: 'number', limits: 'object' };
const LIMIT_KEYS = ['maxDocumentBytes', 'maxBundleBytes', 'maxFiles', 'maxNesting', 'maxValues', 'maxPathBytes',
  'maxArchiveEntries', 'maxCompressionRatio', 'maxCodeFileBytes', 'maxManifestBytes', 'maxSchemaNodes'];

function checkOptions(options) {
  if (options === null || typeof options !== 'object') return badOption('options must be an object', '');
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const type = OPTION_TYPES[key];
    if (!type) return badOption(`unknown option '${key}'`, key);
    if (typeof value !== type || value === null) return badOption(`option '${key}' must be a ${type}`, key);
  }
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!LIMIT_KEYS.includes(key)) return badOption(`unknown limit '${key}'`, `limits.${key}`);
    if (!Number.isFinite(value) || value < 0) return badOption(`limit '${key}' must be a non-negative number`, `limits.${key}`);
  }
  return null;
}

function badOption(message, where) {
  return { ok: false, error: { code: 'bad_option', message, where, needs: [] } };
}

function badInput(message, where) {
  return { ok: false, error: { code: 'bad_input', message, where: where ?? '', needs: [] } };
}
