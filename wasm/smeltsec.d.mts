// Types of SmeltSec's JavaScript API (wasm/smeltsec.mjs).

/** A structured error: a stable code, a sentence for people, and where in the input it happened. */
export interface SmeltSecError {
  code: string;
  message: string;
  /** file, file:line:col or file#/json/pointer; empty when no location applies */
  where: string;
  /** bundle paths to add before calling again (e.g. files that `$ref`s point to) */
  needs: string[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: SmeltSecError };

/**
 * A file the core reads itself, straight into its own memory (no buffer of the file's size on the JS side,
 * no second copy): `read(target)` must synchronously write the file's bytes into `target` (`size` bytes
 * long, a view of the core's memory that is valid only during the call: do not call SmeltSec from inside
 * it) and return how many it wrote (fewer if the file shrank). If it throws, the call fails with code
 * `read_failed`. Archives are given as bytes.
 */
export interface FileSource {
  path: string;
  size: number;
  read(target: Uint8Array): number;
}

/** Files of a source bundle: relative paths to their bytes (strings are encoded as UTF-8), or file sources. */
export type Files =
  | Array<{ path: string; bytes: Uint8Array | string; /** unpack it (.tar.gz, .tar, .zip) */ archive?: boolean } | FileSource>
  | Map<string, Uint8Array | string>
  | Record<string, Uint8Array | string>;

export interface Limits {
  maxDocumentBytes?: number;
  maxBundleBytes?: number;
  maxFiles?: number;
  maxNesting?: number;
  maxValues?: number;
  maxPathBytes?: number;
  maxArchiveEntries?: number;
  maxCompressionRatio?: number;
  maxCodeFileBytes?: number;
  maxManifestBytes?: number;
  maxSchemaNodes?: number;
}

export interface SpecOptions {
  /** bundle path of the root document; detected when omitted */
  entry?: string;
  /** "all": one tool per operation; "grouped": search/describe/call; "auto" (default): all up to maxTools */
  mode?: 'all' | 'grouped' | 'auto';
  /** operations up to which "auto" chooses "all" (default 40) */
  maxTools?: number;
  limits?: Limits;
}

export interface SourceInfo {
  kind: 'openapi';
  file: string;
  specVersion: string;
  title: string;
  version: string;
  baseUrl: string;
}

export interface Candidate {
  kind: 'operation';
  method: string;
  path: string;
  name: string;
  operationId?: string;
  summary: string;
  tags: string[];
  deprecated: boolean;
  parameters: number;
  hasBody: boolean;
  /** file#/json/pointer of the operation */
  location: string;
}

export interface Analysis {
  source: SourceInfo;
  candidates: Candidate[];
  notes: string[];
}

export interface Report {
  source: SourceInfo;
  mode: 'all' | 'grouped';
  operations: number;
  tools: number;
  manifestBytes: number;
  notes: string[];
  /** wall-clock milliseconds per pipeline step (not deterministic) */
  timingsMs: Record<string, number>;
}

export interface Manifest {
  /** a `tools/list` result, {"tools": [...]}, as UTF-8 JSON; deterministic byte for byte */
  manifestBytes: Uint8Array;
  /** the same, decoded on first use */
  readonly manifestJson: string;
  report: Report;
}

export interface CodeOptions {
  mode?: 'all' | 'auto';
  maxTools?: number;
  limits?: Limits;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface CodeEffect {
  kind: 'db_read' | 'db_write' | 'file_read' | 'file_write' | 'delete' | 'subprocess' | 'network';
  detail: string;
  line: number;
}

export interface CodeCandidate {
  kind: 'route' | 'function';
  method?: string;
  path?: string;
  name: string;
  file: string;
  line: number;
  language: 'python' | 'javascript' | 'typescript' | 'tsx';
  framework?: 'flask' | 'fastapi' | 'express';
  auth: boolean;
  authDetail?: string;
  effects: CodeEffect[];
  params: Array<{ name: string; in: string; required: boolean; type?: string; default?: string }>;
  returns?: string;
  doc: string;
}

export interface CodeAnalysis {
  candidates: CodeCandidate[];
  filtered: Array<{ kind: string; name: string; file: string; line: number; reason: string }>;
  skipped: SkippedFile[];
  stats: { files: number; bytes: number; routes: number; functions: number; filtered: number; skipped: number; analyzeMs: number };
  notes: string[];
}

export interface ServerOptions {
  /** "ts" (default): TypeScript with the official MCP SDK; "python": FastMCP */
  target?: 'ts' | 'python';
  /** the server's name, e.g. the API's title (default "mcp-server") */
  name?: string;
  /** the server's version (default "0.1.0") */
  version?: string;
}

export interface GeneratedFile {
  /** relative, '/'-separated, e.g. "src/tools.ts" */
  path: string;
  bytes: Uint8Array;
}

export interface ServerReport {
  target: 'ts' | 'python';
  files: string[];
  bytes: number;
  tools: number;
  notes: string[];
  timingsMs: { codegen: number };
}

export interface CreateOptions {
  /** the .wasm bytes (Node: read from disk by default) */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** a pre-compiled module (workerd, where compiling from bytes is not allowed) */
  wasmModule?: WebAssembly.Module;
  /** where the browser fetches smeltsec-core.wasm from */
  locateFile?: (path: string) => string;
}

export declare class SmeltSec {
  version(): string;
  analyzeSpec(files: Files, options?: SpecOptions): Result<Analysis>;
  generateManifest(files: Files, options?: SpecOptions): Result<Manifest>;
  analyzeCode(files: Files, options?: CodeOptions): Result<CodeAnalysis>;
  generateCodeManifest(files: Files, options?: CodeOptions): Result<{ manifestBytes: Uint8Array; readonly manifestJson: string; report: Record<string, unknown> }>;
  detectSourceKind(files: Files): Result<'spec' | 'code'>;
  generateServer(manifest: string | Uint8Array, options?: ServerOptions): Result<{ files: GeneratedFile[]; report: ServerReport }>;
}

export declare function createSmeltSec(options?: CreateOptions): Promise<SmeltSec>;
