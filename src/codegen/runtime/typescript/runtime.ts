// SmeltSec MCP server runtime (TypeScript).
//
// This file is static: SmeltSec copies it unchanged into every generated TypeScript server as
// `src/runtime.ts`. The generated `src/index.ts` calls `main(...)`, and the generated `src/tools.ts`
// declares one zod validator per tool and calls `rt.tool(name, input, output?)` for each tool
// (`rt.operation(...)` for the operations of a grouped catalogue).
//
// The manifest (`../manifest.json`) is the single source of truth: `tools/list` answers with its tool
// objects verbatim, and each call is dispatched on the tool's `_meta`:
//   - "smeltsec.dev/http"     an upstream HTTP call (URL, arguments, credentials, retries, breaker);
//   - "smeltsec.dev/code"     one function of the user's code, run through bridge/bridge.{mjs,py};
//   - "smeltsec.dev/grouped"  search_operations / describe_operation / call_operation over the
//                             manifest's catalogue (`_meta["smeltsec.dev/catalog"].operations`).
//
// Rules kept throughout: stdout carries the MCP protocol only (logs are JSON lines on stderr); every
// failure becomes a tool result `{ isError: true, content: [{ type: "text", text }] }` with a useful
// message and no stack trace; argument values and credentials are never logged; refused requests
// never reach the upstream. Only dependencies: Node built-ins, @modelcontextprotocol/sdk and zod.

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import v8 from "node:v8";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  isInitializeRequest,
  ListToolsRequestSchema,
  type CallToolResult,
  type ListToolsResult,
  type ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";

// Schema patterns run on untrusted arguments, and V8's regexp engine backtracks: let it fall back to its
// linear-time engine on excessive backtracking (patterns are compiled without the u flag where possible, which
// this fallback needs). Set here, before any validation runs, so `node dist/index.js` is as safe as `npm start`.
v8.setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");

// ---------------------------------------------------------------------------------------------------
// Manifest shapes (only the fields the runtime reads)
// ---------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One argument of an HTTP operation: where the MCP argument `name` goes on the wire. */
interface HttpArgument {
  name: string;
  in: "path" | "query" | "header" | "cookie" | "body" | "formData" | "form" | string;
  key?: string;
  style?: string;
  explode?: boolean;
  collectionFormat?: string;
  contentType?: string;
}

interface SecurityScheme {
  type: string;
  in?: string;
  name?: string;
  scheme?: string;
  flows?: { clientCredentials?: { tokenUrl?: string; scopes?: Record<string, string> } };
  flow?: string; // Swagger 2 oauth2
  tokenUrl?: string; // Swagger 2 oauth2
}

interface HttpMeta {
  method: string;
  path: string;
  baseUrl?: string;
  arguments?: HttpArgument[];
  security?: Array<Record<string, string[]>>;
  securitySchemes?: Record<string, SecurityScheme>;
  retryable?: boolean;
}

interface CodeMeta {
  language: string;
  file: string;
  function: string;
  arguments?: Array<{ name: string; in?: string; key?: string }>;
}

interface ManifestTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: JsonObject;
  outputSchema?: JsonObject;
  annotations?: ToolAnnotations;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

interface Manifest {
  tools: ManifestTool[];
  _meta?: Record<string, unknown>;
}

const META_HTTP = "smeltsec.dev/http";
const META_CODE = "smeltsec.dev/code";
const META_GROUPED = "smeltsec.dev/grouped";
const META_CATALOG = "smeltsec.dev/catalog";

type GroupedRole = "search" | "describe" | "call";
const GROUPED_NAMES: Record<string, GroupedRole> = {
  search_operations: "search",
  describe_operation: "describe",
  call_operation: "call",
};

// ---------------------------------------------------------------------------------------------------
// Configuration (environment; the names are shared with the Python runtime)
// ---------------------------------------------------------------------------------------------------

type LogLevel = "debug" | "info" | "warn" | "error" | "off";
const LOG_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };

interface Config {
  apiBaseUrl: string | undefined;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryAfterMaxMs: number;
  breakerFailures: number;
  breakerWindowMs: number;
  breakerCooldownMs: number;
  maxStringBytes: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
  urlArguments: "deny" | "public" | "any";
  passthroughHeaders: string[];
  allowedHosts: string[] | undefined;
  codeRoot: string;
  allowedRoot: string;
  python: string;
  node: string;
  logLevel: LogLevel;
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
}

function envList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function loadConfig(env: NodeJS.ProcessEnv): Config {
  const level = (env.SMELTSEC_LOG_LEVEL ?? "info").toLowerCase();
  const urlArguments = (env.SMELTSEC_URL_ARGUMENTS ?? "public").toLowerCase();
  const codeRoot = path.resolve(env.SMELTSEC_CODE_ROOT || process.cwd());
  const hosts = envList(env, "SMELTSEC_ALLOWED_HOSTS");
  return {
    apiBaseUrl: env.API_BASE_URL?.trim() || undefined,
    timeoutMs: envInt(env, "SMELTSEC_TIMEOUT_MS", 10000),
    retries: envInt(env, "SMELTSEC_RETRIES", 2),
    retryBaseMs: envInt(env, "SMELTSEC_RETRY_BASE_MS", 200),
    retryMaxMs: envInt(env, "SMELTSEC_RETRY_MAX_MS", 5000),
    retryAfterMaxMs: envInt(env, "SMELTSEC_RETRY_AFTER_MAX_MS", 30000),
    breakerFailures: Math.max(1, envInt(env, "SMELTSEC_BREAKER_FAILURES", 5)),
    breakerWindowMs: envInt(env, "SMELTSEC_BREAKER_WINDOW_MS", 30000),
    breakerCooldownMs: envInt(env, "SMELTSEC_BREAKER_COOLDOWN_MS", 15000),
    maxStringBytes: envInt(env, "SMELTSEC_MAX_STRING_BYTES", 65536),
    maxResponseBytes: envInt(env, "SMELTSEC_MAX_RESPONSE_BYTES", 10485760),
    maxRequestBytes: envInt(env, "SMELTSEC_MAX_REQUEST_BYTES", 4194304),
    urlArguments: urlArguments === "deny" || urlArguments === "any" ? urlArguments : "public",
    passthroughHeaders: envList(env, "SMELTSEC_PASSTHROUGH_HEADERS").map((h) => h.toLowerCase()),
    allowedHosts: hosts.length > 0 ? hosts : undefined,
    codeRoot,
    allowedRoot: path.resolve(codeRoot, env.SMELTSEC_ALLOWED_ROOT || codeRoot),
    python: env.SMELTSEC_PYTHON || "python3",
    node: env.SMELTSEC_NODE || process.execPath,
    logLevel: level in LOG_RANK ? (level as LogLevel) : "info",
  };
}

// ---------------------------------------------------------------------------------------------------
// Logging (JSON lines on stderr) and metrics
// ---------------------------------------------------------------------------------------------------

let logThreshold = LOG_RANK.info;

function log(level: Exclude<LogLevel, "off">, msg: string, fields: Record<string, unknown> = {}): void {
  if (LOG_RANK[level] < logThreshold) return;
  const line = { ts: new Date().toISOString(), level, msg, ...fields };
  try {
    process.stderr.write(JSON.stringify(line) + "\n");
  } catch {
    // stderr gone: nothing sensible left to do
  }
}

/** One tool call, as reported to `onMetrics` listeners. */
export interface MetricEvent {
  tool: string;
  ok: boolean;
  status?: number;
  attempts: number;
  latencyMs: number;
  error?: string;
}

/** Per-tool counters, as `metricsSnapshot()` returns them. */
export interface ToolCounters {
  calls: number;
  errors: number;
  totalLatencyMs: number;
}

const metricListeners = new Set<(e: MetricEvent) => void>();
const counters = new Map<string, ToolCounters>();

/** Calls `fn` once per tool call (after it finished). Returns a function that removes the listener. */
export function onMetrics(fn: (e: MetricEvent) => void): () => void {
  metricListeners.add(fn);
  return () => {
    metricListeners.delete(fn);
  };
}

/** Per-tool counters since start-up, keyed by tool name (a copy). */
export function metricsSnapshot(): Record<string, ToolCounters> {
  const out: Record<string, ToolCounters> = {};
  for (const name of [...counters.keys()].sort()) out[name] = { ...counters.get(name)! };
  return out;
}

function recordMetric(event: MetricEvent): void {
  const c = counters.get(event.tool) ?? { calls: 0, errors: 0, totalLatencyMs: 0 };
  c.calls += 1;
  if (!event.ok) c.errors += 1;
  c.totalLatencyMs += event.latencyMs;
  counters.set(event.tool, c);
  for (const fn of metricListeners) {
    try {
      fn(event);
    } catch {
      // a faulty listener must not break the call
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Results and failures
// ---------------------------------------------------------------------------------------------------

/** A failure meant for the client: its message becomes the text of an `isError` result. */
class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolFailure";
  }
}

/** A failure whose message carries foreign text (the user's code): shown to the client, not logged. */
class ForeignFailure extends ToolFailure {}

/** What one call did, for the log line and the metrics event. */
interface CallInfo {
  attempts: number;
  status?: number;
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short, single-line, printable excerpt of untrusted text. */
function excerpt(text: string, max = 300): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return clean.length > max ? clean.slice(0, max) + "…" : clean;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split("\n")[0] ?? e.name;
  return String(e);
}

/**
 * The result for a JSON-or-text value. A plain object becomes `structuredContent` (unchanged) plus
 * its JSON text; with an output validator it must pass it (the client checks `structuredContent`
 * against the listed outputSchema, so a mismatch is reported here, clearly, instead).
 */
function valueResult(value: unknown, output: z.ZodType | undefined, what: string): CallToolResult {
  if (isPlainObject(value)) {
    if (output) {
      const check = output.safeParse(value);
      if (!check.success) {
        const issues = check.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
          .join("; ");
        return errorResult(`${what} does not match the tool's output schema: ${issues}`);
      }
    }
    return {
      content: [{ type: "text", text: JSON.stringify(value) }],
      structuredContent: value,
    };
  }
  if (output) {
    return errorResult(`${what} is not a JSON object, but the tool declares an output schema`);
  }
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return { content: [{ type: "text", text }] };
}

// ---------------------------------------------------------------------------------------------------
// Argument sanitisation
// ---------------------------------------------------------------------------------------------------

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const CONTROL = /[\u0000-\u001f\u007f]/;
const HEADER_FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f]/; // tab is allowed in header values

/** Calls `fn` for every string (values and keys) at any depth, with the top-level argument name. */
function walkStrings(value: unknown, arg: string, fn: (s: string, arg: string) => void, depth = 0): void {
  if (depth > 64) throw new ToolFailure(`argument "${arg}" is nested too deeply`);
  if (typeof value === "string") fn(value, arg);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, arg, fn, depth + 1);
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      fn(k, arg);
      walkStrings(v, arg, fn, depth + 1);
    }
  }
}

function checkStringSizes(args: Record<string, unknown>, cfg: Config): void {
  for (const [name, value] of Object.entries(args)) {
    walkStrings(value, name, (s) => {
      if (s.length > cfg.maxStringBytes || Buffer.byteLength(s, "utf8") > cfg.maxStringBytes) {
        throw new ToolFailure(
          `argument "${name}" holds a string longer than ${cfg.maxStringBytes} bytes (SMELTSEC_MAX_STRING_BYTES); refused`,
        );
      }
    });
  }
}

/** IPv6 text → 8 groups, or undefined. */
function parseIPv6(text: string): number[] | undefined {
  let s = text.replace(/^\[|\]$/g, "");
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!net.isIPv6(s)) return undefined;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[2]!.split(".").map(Number);
    s = `${v4[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length > 1 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

function isNonPublicIPv4(b: number[]): boolean {
  const [a, c] = [b[0]!, b[1]!];
  return (
    a === 0 || // "this network", unspecified
    a === 10 ||
    a === 127 ||
    (a === 169 && c === 254) || // link-local, including the 169.254.169.254 metadata service
    (a === 172 && c >= 16 && c <= 31) ||
    (a === 192 && c === 168) ||
    (a === 100 && c >= 64 && c <= 127) || // CGNAT
    (a === 192 && c === 0 && b[2] === 0) || // IETF protocol assignments
    (a === 198 && (c === 18 || c === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

function isNonPublicIPv6(g: number[]): boolean {
  const zeros5 = g.slice(0, 5).every((x) => x === 0);
  if (g.every((x) => x === 0)) return true; // ::
  if (zeros5 && g[5] === 0 && g[6] === 0 && g[7] === 1) return true; // ::1
  if (zeros5 && (g[5] === 0xffff || g[5] === 0)) return true; // v4-mapped, v4-compatible
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return true; // ULA fc00::/7
  if ((first & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((first & 0xffc0) === 0xfec0) return true; // site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x64 && g[1] === 0xff9b) {
    // NAT64: judge the embedded IPv4 address
    return isNonPublicIPv4([g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff]);
  }
  if (first === 0x2002) return isNonPublicIPv4([g[1]! >> 8, g[1]! & 0xff, g[2]! >> 8, g[2]! & 0xff]); // 6to4
  return false;
}

/** Why `host` (a URL hostname) is not a public host, or undefined when it is. */
function nonPublicHostReason(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (host === "") return "it has no host";
  if (net.isIPv4(host)) {
    return isNonPublicIPv4(host.split(".").map(Number)) ? "a loopback, private or reserved address" : undefined;
  }
  const v6 = parseIPv6(host);
  if (v6) return isNonPublicIPv6(v6) ? "a loopback, private or reserved address" : undefined;
  if (host === "localhost" || host.endsWith(".localhost")) return "the local machine";
  if (host === "metadata" || host === "metadata.google.internal" || host === "instance-data") {
    return "a cloud metadata service";
  }
  if (host.endsWith(".internal") || host.endsWith(".local") || !host.includes(".")) {
    return "not a public host name";
  }
  return undefined;
}

/** Applies SMELTSEC_URL_ARGUMENTS to every URL-valued string of the arguments (at any depth). */
function checkUrlArguments(args: Record<string, unknown>, cfg: Config, baseHost: string | undefined): void {
  if (cfg.urlArguments === "any") return;
  for (const [name, value] of Object.entries(args)) {
    walkStrings(value, name, (s) => {
      if (!URL_LIKE.test(s)) return;
      if (cfg.urlArguments === "deny") {
        throw new ToolFailure(`argument "${name}" holds a URL; URL arguments are refused (SMELTSEC_URL_ARGUMENTS=deny)`);
      }
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        throw new ToolFailure(`argument "${name}" holds a URL that cannot be parsed; refused`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ToolFailure(`argument "${name}" holds a ${url.protocol} URL; only http and https URLs are allowed`);
      }
      const host = url.hostname.toLowerCase().replace(/\.$/, "");
      if (baseHost !== undefined && host === baseHost) return;
      const reason = nonPublicHostReason(host);
      if (reason) {
        throw new ToolFailure(
          `argument "${name}" holds a URL to a non-public host (${reason}); refused (SMELTSEC_URL_ARGUMENTS=public)`,
        );
      }
    });
  }
}

/** A path parameter value: one safe segment, percent-encoded. */
function pathSegment(name: string, value: unknown): string {
  const text = wireScalar(value, ",");
  if (text === "") throw new ToolFailure(`path argument "${name}" is empty; refused`);
  // Judge the value and its percent-decoded forms, so "%2e%2e" or "%2F" cannot slip through.
  const forms = [text];
  let current = text;
  for (let i = 0; i < 3; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      break;
    }
    if (decoded === current) break;
    forms.push(decoded);
    current = decoded;
  }
  for (const f of forms) {
    if (f.includes("/") || f.includes("\\")) {
      throw new ToolFailure(`path argument "${name}" contains a path separator; refused`);
    }
    if (f === "." || f === "..") throw new ToolFailure(`path argument "${name}" is a "." or ".." segment; refused`);
    if (CONTROL.test(f)) throw new ToolFailure(`path argument "${name}" contains control characters; refused`);
  }
  return encodeURIComponent(text);
}

/** RFC 9110 field names are tokens: a spec may declare a header fetch would refuse to send. */
function checkHeaderName(what: string, name: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new ToolFailure(`${what}: the spec's header name ${JSON.stringify(name)} is not a valid HTTP header name; the call cannot be made`);
  }
  return name;
}

function checkHeaderValue(what: string, value: string): string {
  if (HEADER_FORBIDDEN.test(value)) {
    throw new ToolFailure(`${what} contains CR, LF, NUL or other control characters; refused`);
  }
  if (/[^\u0000-\u00ff]/.test(value)) {
    throw new ToolFailure(`${what} contains characters that cannot be sent in an HTTP header; refused`);
  }
  return value;
}

/** Argument names that hold a file path (code tools). */
function isPathArgument(name: string, schema: JsonObject | undefined): boolean {
  const tokens = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== "");
  const last = tokens[tokens.length - 1] ?? "";
  if (["path", "file", "filename", "filepath", "pathname", "dir", "dirname", "directory", "folder"].includes(last)) {
    return true;
  }
  const props = schema?.properties;
  const prop = isPlainObject(props) ? props[name] : undefined;
  const description = isPlainObject(prop) && typeof prop.description === "string" ? prop.description : "";
  return /\b(path|file|folder|directory)\b/i.test(description);
}

/** realpath of `p`, or of its nearest existing ancestor followed by the rest. */
function realpathLoose(p: string): string {
  let current = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function checkFileArguments(args: Record<string, unknown>, tool: ManifestTool, cfg: Config): void {
  const root = realpathLoose(cfg.allowedRoot);
  for (const [name, value] of Object.entries(args)) {
    if (!isPathArgument(name, tool.inputSchema)) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== "string") continue;
      if (v.includes("\u0000")) throw new ToolFailure(`file argument "${name}" contains a NUL character; refused`);
      const resolved = realpathLoose(path.resolve(cfg.codeRoot, v));
      if (!isInside(root, resolved)) {
        throw new ToolFailure(`file argument "${name}" points outside the allowed root (SMELTSEC_ALLOWED_ROOT); refused`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Credentials (environment only, per security scheme)
// ---------------------------------------------------------------------------------------------------

function envPrefix(scheme: string): string {
  return scheme.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

interface Credentials {
  headers: Record<string, string>;
  query: string[];
  cookies: string[];
}

interface OAuthToken {
  token: string;
  expiresAt: number;
}

/** Process-wide state shared by every MCP server instance (sessions). */
interface Shared {
  manifest: Manifest;
  cfg: Config;
  env: NodeJS.ProcessEnv;
  catalog: ManifestTool[];
  operations: Map<string, { input: z.ZodType; output?: z.ZodType }>;
  breakers: Map<string, Breaker>;
  tokens: Map<string, OAuthToken>;
  bridgeDir: string;
}

/** The env variables that would satisfy `scheme`, for the "set …" message. */
function schemeEnvHint(name: string, scheme: SecurityScheme): string {
  const p = envPrefix(name);
  switch (schemeKind(scheme)) {
    case "apiKey":
      return `${p}_API_KEY`;
    case "bearer":
      return `${p}_TOKEN`;
    case "basic":
      return `${p}_USERNAME and ${p}_PASSWORD`;
    case "oauth2":
      return `${p}_ACCESS_TOKEN (or ${p}_CLIENT_ID and ${p}_CLIENT_SECRET for the client-credentials flow)`;
    case "openIdConnect":
      return `${p}_ACCESS_TOKEN`;
    default:
      return `(unsupported scheme type "${scheme.type}")`;
  }
}

type SchemeKind = "apiKey" | "bearer" | "basic" | "oauth2" | "openIdConnect" | "unsupported";

function schemeKind(s: SecurityScheme): SchemeKind {
  if (s.type === "apiKey") return "apiKey";
  if (s.type === "basic") return "basic"; // Swagger 2
  if (s.type === "http") {
    const scheme = (s.scheme ?? "").toLowerCase();
    if (scheme === "bearer") return "bearer";
    if (scheme === "basic") return "basic";
    return "unsupported";
  }
  if (s.type === "oauth2") return "oauth2";
  if (s.type === "openIdConnect") return "openIdConnect";
  return "unsupported";
}

function tokenUrlOf(name: string, s: SecurityScheme, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env[`${envPrefix(name)}_TOKEN_URL`];
  if (fromEnv) return fromEnv;
  if (s.flows?.clientCredentials?.tokenUrl) return s.flows.clientCredentials.tokenUrl;
  if (s.flow === "application" && s.tokenUrl) return s.tokenUrl;
  return undefined;
}

/** The header a scheme would set, so a passed-through header can stand in for it. */
function schemeHeader(s: SecurityScheme): string | undefined {
  const kind = schemeKind(s);
  if (kind === "apiKey") return s.in === "header" && s.name ? s.name.toLowerCase() : undefined;
  if (kind === "unsupported") return undefined;
  return "authorization";
}

function schemeConfigured(name: string, s: SecurityScheme, env: NodeJS.ProcessEnv, passed: Set<string>): boolean {
  const p = envPrefix(name);
  const header = schemeHeader(s);
  if (header && passed.has(header)) return true;
  switch (schemeKind(s)) {
    case "apiKey":
      return !!env[`${p}_API_KEY`];
    case "bearer":
      return !!env[`${p}_TOKEN`];
    case "basic":
      return !!env[`${p}_USERNAME`] && env[`${p}_PASSWORD`] !== undefined;
    case "oauth2":
      return (
        !!env[`${p}_ACCESS_TOKEN`] ||
        (!!env[`${p}_CLIENT_ID`] && !!env[`${p}_CLIENT_SECRET`] && !!tokenUrlOf(name, s, env))
      );
    case "openIdConnect":
      return !!env[`${p}_ACCESS_TOKEN`];
    default:
      return false;
  }
}

function secret(what: string, value: string): string {
  if (HEADER_FORBIDDEN.test(value) || /[^\u0000-\u00ff]/.test(value)) {
    throw new ToolFailure(`the credential in ${what} contains characters that cannot be sent; fix the environment`);
  }
  return value;
}

/** A client-credentials access token, cached until shortly before it expires. */
async function clientCredentialsToken(shared: Shared, name: string, s: SecurityScheme, scopes: string[]): Promise<string> {
  const p = envPrefix(name);
  const tokenUrl = tokenUrlOf(name, s, shared.env)!;
  const cacheKey = `${name} ${tokenUrl}`;
  const cached = shared.tokens.get(cacheKey);
  if (cached && cached.expiresAt > Date.now()) return cached.token;

  const id = shared.env[`${p}_CLIENT_ID`]!;
  const key = shared.env[`${p}_CLIENT_SECRET`]!;
  const scope = shared.env[`${p}_SCOPES`] ?? scopes.join(" ");
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (scope.trim() !== "") form.set("scope", scope.trim());
  let res: Response;
  try {
    res = await fetch(tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization:
          "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(key)}`).toString("base64"),
      },
      body: form.toString(),
      redirect: "error",
      signal: AbortSignal.timeout(shared.cfg.timeoutMs),
    });
  } catch (e) {
    throw new ToolFailure(`could not reach the OAuth token endpoint of scheme "${name}": ${describeError(e)}`);
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    throw new ToolFailure(`the OAuth token endpoint of scheme "${name}" answered ${res.status} ${res.statusText}`.trim());
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const token = isPlainObject(body) && typeof body.access_token === "string" ? body.access_token : undefined;
  if (!token) throw new ToolFailure(`the OAuth token endpoint of scheme "${name}" returned no access_token`);
  const lifetimeS = isPlainObject(body) && typeof body.expires_in === "number" ? body.expires_in : 3600;
  // Refresh a little early: 30 s, or a tenth of a short lifetime.
  const margin = Math.min(30000, lifetimeS * 100);
  shared.tokens.set(cacheKey, { token, expiresAt: Date.now() + lifetimeS * 1000 - margin });
  return token;
}

async function applyScheme(shared: Shared, name: string, s: SecurityScheme, scopes: string[], out: Credentials): Promise<void> {
  const env = shared.env;
  const p = envPrefix(name);
  switch (schemeKind(s)) {
    case "apiKey": {
      const value = env[`${p}_API_KEY`];
      if (!value || !s.name) return; // satisfied by a passed-through header
      secret(`${p}_API_KEY`, value);
      if (s.in === "query") out.query.push(`${encodeURIComponent(s.name)}=${encodeURIComponent(value)}`);
      else if (s.in === "cookie") out.cookies.push(`${s.name}=${encodeURIComponent(value)}`);
      else out.headers[checkHeaderName("API key", s.name).toLowerCase()] = value;
      return;
    }
    case "bearer": {
      const value = env[`${p}_TOKEN`];
      if (value) out.headers.authorization = `Bearer ${secret(`${p}_TOKEN`, value)}`;
      return;
    }
    case "basic": {
      const user = env[`${p}_USERNAME`];
      if (!user) return;
      const pass = env[`${p}_PASSWORD`] ?? "";
      out.headers.authorization = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
      return;
    }
    case "oauth2":
    case "openIdConnect": {
      const direct = env[`${p}_ACCESS_TOKEN`];
      if (direct) {
        out.headers.authorization = `Bearer ${secret(`${p}_ACCESS_TOKEN`, direct)}`;
        return;
      }
      if (schemeKind(s) === "oauth2" && env[`${p}_CLIENT_ID`] && env[`${p}_CLIENT_SECRET`] && tokenUrlOf(name, s, env)) {
        const token = await clientCredentialsToken(shared, name, s, scopes);
        out.headers.authorization = `Bearer ${secret(`${name} token`, token)}`;
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Credentials for an operation: the first security alternative whose credentials are all configured.
 * No alternative configured and auth required → a failure naming the variables to set.
 */
async function resolveCredentials(shared: Shared, meta: HttpMeta, passed: Set<string>): Promise<Credentials> {
  const out: Credentials = { headers: {}, query: [], cookies: [] };
  const requirements = meta.security ?? [];
  if (requirements.length === 0) return out;
  const schemes = meta.securitySchemes ?? {};
  for (const alternative of requirements) {
    const names = Object.keys(alternative);
    if (names.length === 0) return out; // `{}`: anonymous access is allowed
    if (!names.every((n) => schemes[n] && schemeConfigured(n, schemes[n]!, shared.env, passed))) continue;
    for (const n of names) await applyScheme(shared, n, schemes[n]!, alternative[n] ?? [], out);
    return out;
  }
  const hints = requirements.map((alt) =>
    Object.keys(alt)
      .map((n) => (schemes[n] ? schemeEnvHint(n, schemes[n]!) : `(scheme "${n}" is not defined)`))
      .join(" and "),
  );
  throw new ToolFailure(`this operation needs credentials: set ${hints.join(", or ")} in the server's environment`);
}

// ---------------------------------------------------------------------------------------------------
// Building the upstream request
// ---------------------------------------------------------------------------------------------------

/** A scalar as wire text; arrays and objects are joined (simple style) or JSON. */
function wireScalar(value: unknown, sep: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => wireScalar(v, sep)).join(sep);
  if (isPlainObject(value)) {
    return Object.entries(value)
      .flatMap(([k, v]) => [k, wireScalar(v, sep)])
      .join(sep);
  }
  return JSON.stringify(value);
}

function itemText(value: unknown): string {
  return typeof value === "string" ? value : isPlainObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
}

const enc = encodeURIComponent;

const COLLECTION_SEPARATORS: Record<string, string> = { csv: ",", ssv: "%20", tsv: "%09", pipes: "|" };

/** Query pairs (already encoded) for one argument: OpenAPI style/explode or Swagger collectionFormat. */
function queryParts(arg: HttpArgument, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const key = arg.key ?? arg.name;
  const k = enc(key);
  if (Array.isArray(value)) {
    const items = value.filter((v) => v !== undefined && v !== null).map(itemText);
    if (arg.collectionFormat) {
      if (arg.collectionFormat === "multi") return items.map((v) => `${k}=${enc(v)}`);
      const sep = COLLECTION_SEPARATORS[arg.collectionFormat] ?? ",";
      return [`${k}=${items.map(enc).join(sep)}`];
    }
    const style = arg.style ?? "form";
    const explode = arg.explode ?? style === "form";
    if (explode) return items.map((v) => `${k}=${enc(v)}`);
    const sep = style === "spaceDelimited" ? "%20" : style === "pipeDelimited" ? "|" : ",";
    return [`${k}=${items.map(enc).join(sep)}`];
  }
  if (isPlainObject(value)) {
    const style = arg.style ?? "form";
    const explode = arg.explode ?? (style === "form" || style === "deepObject");
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    if (style === "deepObject") return deepObjectParts(key, value, 0);
    if (style === "form" && explode) return entries.map(([p, v]) => `${enc(p)}=${enc(itemText(v))}`);
    if (style === "form") return [`${k}=${entries.flatMap(([p, v]) => [enc(p), enc(itemText(v))]).join(",")}`];
    return [`${k}=${enc(JSON.stringify(value))}`];
  }
  return [`${k}=${enc(itemText(value))}`];
}

function deepObjectParts(prefix: string, value: Record<string, unknown>, depth: number): string[] {
  const out: string[] = [];
  for (const [p, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    const key = `${prefix}[${p}]`;
    if (isPlainObject(v) && depth < 8) out.push(...deepObjectParts(key, v, depth + 1));
    else if (Array.isArray(v)) for (const item of v) out.push(`${enc(key)}=${enc(itemText(item))}`);
    else out.push(`${enc(key)}=${enc(itemText(v))}`);
  }
  return out;
}

function isJsonType(contentType: string): boolean {
  return /^application\/json\b/i.test(contentType) || /[/+]json\b/i.test(contentType);
}

function formUrlencoded(fields: Array<[string, unknown, HttpArgument | undefined]>): string {
  const parts: string[] = [];
  for (const [key, value, arg] of fields) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      const items = value.filter((v) => v !== undefined && v !== null).map(itemText);
      const sep = arg?.collectionFormat && arg.collectionFormat !== "multi" ? COLLECTION_SEPARATORS[arg.collectionFormat] : undefined;
      if (sep) parts.push(`${enc(key)}=${items.map(enc).join(sep)}`);
      else for (const v of items) parts.push(`${enc(key)}=${enc(v)}`);
    } else parts.push(`${enc(key)}=${enc(itemText(value))}`);
  }
  return parts.join("&");
}

function formMultipart(fields: Array<[string, unknown, HttpArgument | undefined]>): FormData {
  const form = new FormData();
  for (const [key, value] of fields) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) form.append(key, itemText(v));
    else form.append(key, itemText(value));
  }
  return form;
}

/** A request body in the argument's content type, plus the Content-Type header to send (if any). */
function encodeBody(value: unknown, contentType: string): { body: string | FormData; contentType?: string } {
  const ct = contentType.toLowerCase();
  if (isJsonType(ct)) return { body: JSON.stringify(value ?? null), contentType };
  if (ct.startsWith("application/x-www-form-urlencoded")) {
    const fields: Array<[string, unknown, undefined]> = isPlainObject(value)
      ? Object.entries(value).map(([k, v]) => [k, v, undefined])
      : [];
    if (!isPlainObject(value)) throw new ToolFailure("a form body must be an object");
    return { body: formUrlencoded(fields), contentType };
  }
  if (ct.startsWith("multipart/form-data")) {
    if (!isPlainObject(value)) throw new ToolFailure("a multipart body must be an object");
    // fetch writes the Content-Type with its boundary itself
    return { body: formMultipart(Object.entries(value).map(([k, v]) => [k, v, undefined])) };
  }
  // text/*, application/octet-stream and anything else: a string as it is, other values as JSON
  return { body: typeof value === "string" ? value : JSON.stringify(value ?? null), contentType };
}

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | FormData | undefined;
  base: URL;
}

function baseUrlOf(meta: HttpMeta, cfg: Config): URL {
  const raw = cfg.apiBaseUrl ?? meta.baseUrl ?? "";
  let base: URL | undefined;
  try {
    base = raw ? new URL(raw) : undefined;
  } catch {
    base = undefined;
  }
  if (!base || (base.protocol !== "http:" && base.protocol !== "https:")) {
    throw new ToolFailure(
      raw
        ? "the upstream base URL is not an absolute http(s) URL; set API_BASE_URL"
        : "no upstream base URL: set API_BASE_URL to the API's absolute http(s) URL",
    );
  }
  base.search = "";
  base.hash = "";
  return base;
}

function prepareRequest(
  meta: HttpMeta,
  tool: ManifestTool,
  args: Record<string, unknown>,
  base: URL,
  creds: Credentials,
  passthrough: Record<string, string>,
): PreparedRequest {
  const declared = meta.arguments ?? [];
  const headers: Record<string, string> = { ...passthrough };
  const query: string[] = [];
  const cookies: string[] = [];
  const formFields: Array<[string, unknown, HttpArgument | undefined]> = [];
  const bodyFields: Record<string, unknown> = {};
  let hasBodyFields = false;
  let wholeBody: { value: unknown; contentType: string } | undefined;
  let multipart = false;
  let pathText = meta.path;

  for (const arg of declared) {
    const value = args[arg.name];
    const key = arg.key ?? arg.name;
    switch (arg.in) {
      case "path": {
        const placeholder = `{${key}}`;
        if (!pathText.includes(placeholder)) break;
        if (value === undefined || value === null) throw new ToolFailure(`path argument "${arg.name}" is required`);
        pathText = pathText.split(placeholder).join(pathSegment(arg.name, value));
        break;
      }
      case "query":
        query.push(...queryParts(arg, value));
        break;
      case "header":
        if (value === undefined || value === null) break;
        headers[checkHeaderName(`header argument "${arg.name}"`, key).toLowerCase()] = checkHeaderValue(
          `header argument "${arg.name}"`,
          wireScalar(value, ","),
        );
        break;
      case "cookie":
        if (value === undefined || value === null) break;
        cookies.push(`${key}=${enc(checkHeaderValue(`cookie argument "${arg.name}"`, wireScalar(value, ",")))}`);
        break;
      case "formData":
      case "form": {
        if (arg.contentType?.toLowerCase().startsWith("multipart/form-data")) multipart = true;
        const prop = isPlainObject(tool.inputSchema?.properties) ? tool.inputSchema.properties[arg.name] : undefined;
        const description = isPlainObject(prop) && typeof prop.description === "string" ? prop.description : "";
        if (/Format: binary|File contents/i.test(description)) multipart = true;
        formFields.push([key, value, arg]);
        break;
      }
      case "body":
        if (arg.contentType !== undefined || arg.key === undefined) {
          // OpenAPI: the argument is the whole request body
          if (value !== undefined) wholeBody = { value, contentType: arg.contentType ?? "application/json" };
        } else if (value !== undefined) {
          // code-derived routes: each argument is one field of a JSON object body
          bodyFields[key] = value;
          hasBodyFields = true;
        }
        break;
      default:
        throw new ToolFailure(`argument "${arg.name}" has an unsupported location "${arg.in}"`);
    }
  }
  const missing = /\{[^}]*\}/.exec(pathText);
  if (missing) throw new ToolFailure(`the path parameter ${missing[0]} has no value`);

  let body: string | FormData | undefined;
  if (wholeBody) {
    const encoded = encodeBody(wholeBody.value, wholeBody.contentType);
    body = encoded.body;
    if (encoded.contentType) headers["content-type"] = encoded.contentType;
  } else if (hasBodyFields) {
    body = JSON.stringify(bodyFields);
    headers["content-type"] = "application/json";
  } else if (formFields.length > 0) {
    if (multipart) body = formMultipart(formFields);
    else {
      body = formUrlencoded(formFields);
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
  }

  Object.assign(headers, creds.headers);
  query.push(...creds.query);
  cookies.push(...creds.cookies);
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  if (!headers.accept) headers.accept = "application/json, text/plain;q=0.9, */*;q=0.8";

  // base path + operation path, then the same-origin / under-base-path check (no SSRF by arguments)
  const basePath = base.pathname.replace(/\/+$/, "");
  const opPath = pathText.startsWith("/") ? pathText : `/${pathText}`;
  const url = new URL(base.origin + basePath + opPath + (query.length > 0 ? `?${query.join("&")}` : ""));
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(basePath + "/"))) {
    throw new ToolFailure("the request URL would leave the upstream base URL; refused");
  }
  return { url, method: meta.method.toUpperCase(), headers, body, base };
}

// ---------------------------------------------------------------------------------------------------
// Circuit breaker (per upstream origin)
// ---------------------------------------------------------------------------------------------------

class Breaker {
  private failures: number[] = [];
  private state: "closed" | "open" | "half-open" = "closed";
  private openedAt = 0;
  private probing = false;

  constructor(private readonly cfg: Config) {}

  /** undefined → go ahead; otherwise the milliseconds until a probe will be allowed. */
  admit(now: number): number | undefined {
    if (this.state === "closed") return undefined;
    if (this.state === "open") {
      const wait = this.openedAt + this.cfg.breakerCooldownMs - now;
      if (wait > 0) return wait;
      this.state = "half-open";
      this.probing = false;
    }
    if (this.probing) return Math.max(1, this.cfg.breakerCooldownMs);
    this.probing = true; // the single half-open probe
    return undefined;
  }

  success(): void {
    this.state = "closed";
    this.failures = [];
    this.probing = false;
  }

  failure(now: number): void {
    if (this.state === "half-open") {
      this.state = "open";
      this.openedAt = now;
      this.probing = false;
      return;
    }
    this.failures = this.failures.filter((t) => now - t < this.cfg.breakerWindowMs);
    this.failures.push(now);
    if (this.failures.length >= this.cfg.breakerFailures) {
      this.state = "open";
      this.openedAt = now;
      this.failures = [];
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Upstream calls: timeouts, same-origin redirects, size cap, retries
// ---------------------------------------------------------------------------------------------------

const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

/** A network-level failure (no HTTP answer): retryable, counts against the breaker. */
class NetworkFailure extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function readCapped(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new ToolFailure(`the upstream response is larger than ${limit} bytes (SMELTSEC_MAX_RESPONSE_BYTES); cut off`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ToolFailure(`the upstream response is larger than ${limit} bytes (SMELTSEC_MAX_RESPONSE_BYTES); cut off`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** One attempt: fetch, following at most 3 same-origin redirects, and read the capped body. */
async function attempt(req: PreparedRequest, cfg: Config, callSignal: AbortSignal | undefined): Promise<UpstreamResponse> {
  const timeout = AbortSignal.timeout(cfg.timeoutMs);
  const signal = callSignal ? AbortSignal.any([timeout, callSignal]) : timeout;
  let url = req.url;
  let method = req.method;
  let body = req.body;
  const headers = { ...req.headers };
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { method, headers, body: body ?? null, redirect: "manual", signal });
      const location = res.headers.get("location");
      if (REDIRECT_STATUSES.has(res.status) && location) {
        await res.body?.cancel().catch(() => undefined);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new ToolFailure(`the upstream redirected to an invalid location`);
        }
        if (next.origin !== req.base.origin) {
          throw new ToolFailure(`the upstream redirected to another origin (${next.origin}); not followed`);
        }
        if (hop >= MAX_REDIRECTS) throw new ToolFailure(`the upstream redirected more than ${MAX_REDIRECTS} times`);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          delete headers["content-type"];
        }
        url = next;
        continue;
      }
      const bytes = await readCapped(res, cfg.maxResponseBytes);
      return { status: res.status, statusText: res.statusText, headers: res.headers, body: bytes };
    }
  } catch (e) {
    if (e instanceof ToolFailure) throw e;
    if (timeout.aborted) throw new NetworkFailure(`the upstream did not answer within ${cfg.timeoutMs} ms (SMELTSEC_TIMEOUT_MS)`);
    if (callSignal?.aborted) throw new ToolFailure("the call was cancelled");
    // fetch rejects a request it cannot build (a bad header, URL or body) with a TypeError that has no cause;
    // nothing was sent, so it is the call's fault, not the upstream's (no retry, no breaker count).
    if (e instanceof TypeError && !(e.cause instanceof Error)) throw new ToolFailure(`the request could not be built: ${e.message}`);
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
    const code = cause && "code" in cause ? String((cause as { code?: unknown }).code) : undefined;
    throw new NetworkFailure(`could not reach the upstream (${code ?? describeError(cause ?? e)})`);
  }
}

/** Retry-After (seconds or an HTTP date) in milliseconds, or undefined. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoffMs(cfg: Config, attemptNo: number): number {
  const cap = Math.min(cfg.retryMaxMs, cfg.retryBaseMs * 2 ** (attemptNo - 1));
  return Math.floor(Math.random() * cap); // full jitter
}

function breakerFor(shared: Shared, origin: string): Breaker {
  let b = shared.breakers.get(origin);
  if (!b) {
    b = new Breaker(shared.cfg);
    shared.breakers.set(origin, b);
  }
  return b;
}

/** Runs the request with the breaker and the retry policy; returns the final HTTP answer. */
async function send(
  shared: Shared,
  req: PreparedRequest,
  retryable: boolean,
  info: CallInfo,
  signal: AbortSignal | undefined,
): Promise<UpstreamResponse> {
  const cfg = shared.cfg;
  const breaker = breakerFor(shared, req.base.origin);
  const maxAttempts = retryable ? cfg.retries + 1 : 1;
  for (let n = 1; ; n++) {
    const wait = breaker.admit(Date.now());
    if (wait !== undefined) {
      throw new ToolFailure(
        `circuit open for ${req.base.origin} after repeated upstream failures; retry after ${Math.ceil(wait / 1000)} s`,
      );
    }
    info.attempts = n;
    let res: UpstreamResponse;
    try {
      res = await attempt(req, cfg, signal);
    } catch (e) {
      if (!(e instanceof NetworkFailure)) {
        breaker.success(); // no verdict on the upstream's health: release a half-open probe
        throw e;
      }
      breaker.failure(Date.now());
      if (n >= maxAttempts) throw new ToolFailure(n > 1 ? `${e.message} (after ${n} attempts)` : e.message);
      log("debug", "retrying", { attempt: n, reason: "network" });
      await sleep(backoffMs(cfg, n), signal);
      continue;
    }
    info.status = res.status;
    if (res.status >= 500) breaker.failure(Date.now());
    else breaker.success();
    if (!RETRY_STATUSES.has(res.status) || n >= maxAttempts) return res;
    let delay = backoffMs(cfg, n);
    if (res.status === 429 || res.status === 503) {
      const ra = retryAfterMs(res.headers.get("retry-after"));
      if (ra !== undefined) {
        if (ra > cfg.retryAfterMaxMs) {
          throw new ToolFailure(
            `the upstream answered ${res.status} and asked to retry after ${Math.ceil(ra / 1000)} s, ` +
              `longer than SMELTSEC_RETRY_AFTER_MAX_MS (${cfg.retryAfterMaxMs} ms); giving up`,
          );
        }
        delay = ra;
      }
    }
    log("debug", "retrying", { attempt: n, status: res.status, delayMs: delay });
    await sleep(delay, signal);
  }
}

function responseResult(res: UpstreamResponse, output: z.ZodType | undefined): CallToolResult {
  const contentType = res.headers.get("content-type") ?? "";
  const text = new TextDecoder("utf-8").decode(res.body);
  if (res.status < 200 || res.status >= 300) {
    const reason = res.statusText || http.STATUS_CODES[res.status] || "";
    const detail = text.trim() ? `: ${excerpt(text)}` : "";
    return errorResult(`the upstream answered ${res.status} ${reason}`.trimEnd() + detail);
  }
  if (isJsonType(contentType) && text.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return errorResult(`the upstream answered ${res.status} with invalid JSON: ${excerpt(text)}`);
    }
    return valueResult(parsed, output, "the upstream response");
  }
  if (output) {
    return errorResult(
      `the upstream answered ${res.status} with ${text.trim() ? contentType || "a non-JSON body" : "no body"}, ` +
        `but the tool declares an output schema` + (text.trim() ? `: ${excerpt(text)}` : ""),
    );
  }
  if (res.body.byteLength === 0) return { content: [{ type: "text", text: `(${res.status}, no content)` }] };
  const mime = contentType.split(";")[0]!.trim().toLowerCase();
  if (mime.startsWith("image/")) {
    return { content: [{ type: "image", data: Buffer.from(res.body).toString("base64"), mimeType: mime }] };
  }
  const textual = mime === "" || mime.startsWith("text/") || /xml|javascript|csv|yaml|x-www-form-urlencoded/.test(mime);
  if (!textual) {
    return {
      content: [
        {
          type: "text",
          text: `(binary response: ${res.body.byteLength} bytes of ${mime}; base64) ` + Buffer.from(res.body).toString("base64"),
        },
      ],
    };
  }
  return { content: [{ type: "text", text }] };
}

type Extra = { signal?: AbortSignal; requestInfo?: { headers?: Record<string, string | string[] | undefined> } };

function passthroughHeaders(cfg: Config, extra: Extra): Record<string, string> {
  const out: Record<string, string> = {};
  const incoming = extra.requestInfo?.headers;
  if (!incoming || cfg.passthroughHeaders.length === 0) return out;
  for (const name of cfg.passthroughHeaders) {
    const raw = incoming[name];
    const value = Array.isArray(raw) ? raw.join(", ") : raw;
    if (value === undefined) continue;
    out[name] = checkHeaderValue(`passed-through header "${name}"`, value);
  }
  return out;
}

async function callHttp(
  shared: Shared,
  tool: ManifestTool,
  meta: HttpMeta,
  args: Record<string, unknown>,
  output: z.ZodType | undefined,
  extra: Extra,
  info: CallInfo,
): Promise<CallToolResult> {
  const cfg = shared.cfg;
  checkStringSizes(args, cfg);
  const base = baseUrlOf(meta, cfg);
  checkUrlArguments(args, cfg, base.hostname.toLowerCase().replace(/\.$/, ""));
  const passthrough = passthroughHeaders(cfg, extra);
  const creds = await resolveCredentials(shared, meta, new Set(Object.keys(passthrough)));
  const req = prepareRequest(meta, tool, args, base, creds, passthrough);
  const retryable = tool.annotations?.idempotentHint === true || meta.retryable === true;
  const res = await send(shared, req, retryable, info, extra.signal);
  return responseResult(res, output);
}

// ---------------------------------------------------------------------------------------------------
// Code tools: one function of the user's code, through bridge/bridge.{mjs,py}
// ---------------------------------------------------------------------------------------------------

const BRIDGE_LOG_BYTES = 4096;

async function callCode(
  shared: Shared,
  tool: ManifestTool,
  meta: CodeMeta,
  args: Record<string, unknown>,
  output: z.ZodType | undefined,
  extra: Extra,
  info: CallInfo,
): Promise<CallToolResult> {
  const cfg = shared.cfg;
  checkStringSizes(args, cfg);
  checkUrlArguments(args, cfg, undefined);
  checkFileArguments(args, tool, cfg);

  const language = meta.language.toLowerCase();
  const python = language === "python";
  if (!python && language !== "javascript" && language !== "typescript") {
    throw new ToolFailure(`code tools in ${meta.language} are not supported`);
  }
  const root = realpathLoose(cfg.codeRoot);
  const target = realpathLoose(path.resolve(root, meta.file));
  if (!isInside(root, target)) throw new ToolFailure("the tool's source file is outside SMELTSEC_CODE_ROOT; refused");
  const bridge = path.join(shared.bridgeDir, python ? "bridge.py" : "bridge.mjs");
  if (!existsSync(bridge)) throw new ToolFailure(`the code bridge ${path.basename(bridge)} is missing`);

  // Arguments in declaration order. JavaScript: gaps become null, trailing omissions are dropped (so
  // defaults apply). Python: positional up to the first omission, keyword arguments after it.
  const declared = meta.arguments ?? [];
  const positional: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  let gap = false;
  for (const a of declared) {
    const value = args[a.name];
    if (value === undefined) {
      gap = true;
      if (!python) positional.push(undefined);
      continue;
    }
    if (python && gap) kwargs[a.key ?? a.name] = value;
    else positional.push(value);
  }
  while (positional.length > 0 && positional[positional.length - 1] === undefined) positional.pop();
  const request = {
    root,
    file: path.relative(root, target).split(path.sep).join("/"),
    function: meta.function,
    arguments: positional.map((v) => (v === undefined ? null : v)),
    kwargs,
  };

  info.attempts = 1;
  const outcome = await runBridge(python ? cfg.python : cfg.node, bridge, root, JSON.stringify(request), cfg, extra.signal, tool.name);
  if (!outcome.ok) throw outcome.foreign ? new ForeignFailure(outcome.error) : new ToolFailure(outcome.error);
  return valueResult(outcome.value, output, "the function's result");
}

type BridgeOutcome = { ok: true; value: unknown } | { ok: false; error: string; foreign?: boolean };

function runBridge(
  interpreter: string,
  bridge: string,
  cwd: string,
  request: string,
  cfg: Config,
  signal: AbortSignal | undefined,
  toolName: string,
): Promise<BridgeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: BridgeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(o);
    };
    const child = spawn(interpreter, [bridge], {
      cwd,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      detached: process.platform !== "win32", // own process group: a timeout kills the whole tree
      windowsHide: true,
    });
    const kill = (): void => {
      try {
        if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish({ ok: false, error: `the function did not finish within ${cfg.timeoutMs} ms (SMELTSEC_TIMEOUT_MS); stopped` });
    }, cfg.timeoutMs);
    const onAbort = (): void => {
      kill();
      finish({ ok: false, error: "the call was cancelled" });
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    const result: Buffer[] = [];
    let resultBytes = 0;
    let tooLarge = false;
    const userOut: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };
    const fd3 = child.stdio[3] as NodeJS.ReadableStream | null;
    fd3?.on("data", (chunk: Buffer) => {
      resultBytes += chunk.byteLength;
      if (resultBytes > cfg.maxResponseBytes) {
        tooLarge = true;
        kill();
      } else result.push(chunk);
    });
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]?.on("data", (chunk: Buffer) => {
        if (userOut[stream].length < BRIDGE_LOG_BYTES) userOut[stream] += chunk.toString("utf8");
      });
    }
    child.on("error", (e) => {
      finish({ ok: false, error: `could not start ${path.basename(interpreter)}: ${describeError(e)}` });
    });
    child.on("close", (code, sig) => {
      for (const stream of ["stdout", "stderr"] as const) {
        if (userOut[stream].trim()) {
          log("debug", `code ${stream}`, { tool: toolName, output: userOut[stream].slice(0, BRIDGE_LOG_BYTES) });
        }
      }
      if (tooLarge) {
        return finish({ ok: false, error: `the function's result is larger than ${cfg.maxResponseBytes} bytes; cut off` });
      }
      const line = Buffer.concat(result).toString("utf8").split("\n")[0] ?? "";
      let reply: unknown;
      try {
        reply = line ? JSON.parse(line) : undefined;
      } catch {
        reply = undefined;
      }
      if (isPlainObject(reply) && reply.ok === true) return finish({ ok: true, value: reply.value ?? null });
      if (isPlainObject(reply) && reply.ok === false) {
        return finish({
          ok: false,
          error: `the function failed: ${excerpt(String(reply.error ?? "unknown error"), 1000)}`,
          foreign: true,
        });
      }
      finish({ ok: false, error: `the code bridge exited (${sig ?? `code ${code}`}) without a result` });
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(request);
  });
}

// ---------------------------------------------------------------------------------------------------
// Grouped tools: search_operations, describe_operation, call_operation
// ---------------------------------------------------------------------------------------------------

function operationHttp(op: ManifestTool): HttpMeta | undefined {
  const m = op._meta?.[META_HTTP];
  return isPlainObject(m) ? (m as unknown as HttpMeta) : undefined;
}

function searchOperations(shared: Shared, args: Record<string, unknown>): CallToolResult {
  const query = typeof args.query === "string" ? args.query : "";
  const limit = typeof args.limit === "number" && args.limit > 0 ? Math.floor(args.limit) : 10;
  const terms = query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t !== "");
  if (terms.length === 0) throw new ToolFailure("the query holds no words to look for");
  const scored: Array<{ op: ManifestTool; score: number; index: number }> = [];
  shared.catalog.forEach((op, index) => {
    const meta = operationHttp(op);
    const fields: Array<[string, number]> = [
      [op.name.toLowerCase().replace(/_/g, " "), 4],
      [(op.title ?? "").toLowerCase(), 3],
      [(meta?.path ?? "").toLowerCase(), 2],
      [(op.description ?? "").toLowerCase(), 1],
    ];
    let score = 0;
    for (const term of terms) for (const [text, weight] of fields) if (text.includes(term)) score += weight;
    if (score > 0) scored.push({ op, score, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const operations = scored.slice(0, limit).map(({ op }) => {
    const meta = operationHttp(op);
    return { name: op.name, method: meta?.method ?? "", path: meta?.path ?? "", title: op.title ?? op.name };
  });
  return valueResult({ operations, total: scored.length }, undefined, "");
}

function findOperation(shared: Shared, name: unknown): ManifestTool {
  const op = typeof name === "string" ? shared.catalog.find((o) => o.name === name) : undefined;
  if (!op) throw new ToolFailure(`unknown operation "${String(name)}"; use search_operations to find operation names`);
  return op;
}

function describeOperation(shared: Shared, args: Record<string, unknown>): CallToolResult {
  const op = findOperation(shared, args.operation);
  const meta = operationHttp(op);
  const { _meta: _omitted, ...definition } = op;
  void _omitted;
  return valueResult({ ...definition, method: meta?.method ?? "", path: meta?.path ?? "" }, undefined, "");
}

// ---------------------------------------------------------------------------------------------------
// Runtime: what the generated tools.ts talks to
// ---------------------------------------------------------------------------------------------------

type Target =
  | { kind: "http"; meta: HttpMeta }
  | { kind: "code"; meta: CodeMeta }
  | { kind: "grouped"; role: GroupedRole };

function targetOf(tool: ManifestTool, hasCatalog: boolean): Target | undefined {
  const meta = tool._meta ?? {};
  const grouped = meta[META_GROUPED];
  if (isPlainObject(grouped) && (grouped.role === "search" || grouped.role === "describe" || grouped.role === "call")) {
    return { kind: "grouped", role: grouped.role };
  }
  const httpMeta = meta[META_HTTP];
  if (isPlainObject(httpMeta) && typeof httpMeta.method === "string" && typeof httpMeta.path === "string") {
    return { kind: "http", meta: httpMeta as unknown as HttpMeta };
  }
  const codeMeta = meta[META_CODE];
  if (isPlainObject(codeMeta) && typeof codeMeta.file === "string" && typeof codeMeta.function === "string") {
    return { kind: "code", meta: codeMeta as unknown as CodeMeta };
  }
  // Manifests written before the grouped marker existed: recognise the three tools by name.
  const role = hasCatalog ? GROUPED_NAMES[tool.name] : undefined;
  return role ? { kind: "grouped", role } : undefined;
}

/**
 * Registers the manifest's tools on one MCP server instance. The generated `registerTools(rt)` calls
 * `tool` once per tool (and `operation` once per catalogue operation of a grouped manifest).
 */
export class Runtime {
  private readonly registered = new Set<string>();

  /** @internal Created by `main`, once per MCP server instance. */
  constructor(
    private readonly server: McpServer,
    private readonly shared: Shared,
  ) {}

  /**
   * Registers the manifest tool `name`: `input` validates the call's arguments; `output`, when the
   * manifest declares an outputSchema, validates a JSON object result. Throws when `name` is not a tool
   * of the manifest or has no dispatch metadata.
   */
  tool(name: string, input: z.ZodType, output?: z.ZodType): void {
    const def = this.shared.manifest.tools.find((t) => t.name === name);
    if (!def) throw new Error(`rt.tool: "${name}" is not a tool of manifest.json`);
    const target = targetOf(def, this.shared.catalog.length > 0);
    if (!target) throw new Error(`rt.tool: "${name}" has no smeltsec.dev/http, smeltsec.dev/code or grouped metadata`);
    // The outputSchema is deliberately not given to the SDK: tools/list answers with the manifest's
    // own JSON Schema, and results are checked here against `output` (see valueResult).
    const config: { title?: string; description?: string; inputSchema: z.ZodType; annotations?: ToolAnnotations; _meta?: Record<string, unknown> } = {
      inputSchema: input,
    };
    if (def.title !== undefined) config.title = def.title;
    if (def.description !== undefined) config.description = def.description;
    if (def.annotations !== undefined) config.annotations = def.annotations;
    if (def._meta !== undefined) config._meta = def._meta;
    this.server.registerTool(
      name,
      config,
      ((args: unknown, extra: Extra) => this.handle(def, target, args, output, extra)) as never,
    );
    this.registered.add(name);
    this.installToolList();
  }

  /**
   * Registers the validators of a catalogue operation (grouped manifests) that call_operation runs.
   * Throws when `name` is not an operation of the manifest's catalogue.
   */
  operation(name: string, input: z.ZodType, output?: z.ZodType): void {
    if (!this.shared.catalog.some((o) => o.name === name)) {
      throw new Error(`rt.operation: "${name}" is not an operation of the manifest's catalogue`);
    }
    this.shared.operations.set(name, output ? { input, output } : { input });
  }

  /** tools/list answers with the manifest's tool objects, verbatim, in manifest order. */
  private installToolList(): void {
    const tools = this.shared.manifest.tools.filter((t) => this.registered.has(t.name));
    this.server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }) as unknown as ListToolsResult);
  }

  private async handle(
    def: ManifestTool,
    target: Target,
    rawArgs: unknown,
    output: z.ZodType | undefined,
    extra: Extra,
  ): Promise<CallToolResult> {
    const started = performance.now();
    const info: CallInfo = { attempts: 0 };
    const args = isPlainObject(rawArgs) ? rawArgs : {};
    const fields: Record<string, unknown> = { tool: def.name, args: Object.keys(args).sort() };
    let result: CallToolResult;
    let failure: string | undefined;
    let loggable = false; // a runtime-made message (no upstream or user-code text): safe to log
    try {
      result = await this.dispatch(def, target, args, output, extra, info, fields);
    } catch (e) {
      loggable = !(e instanceof ForeignFailure);
      if (e instanceof ToolFailure) failure = e.message;
      else {
        failure = `internal error: ${describeError(e)}`;
        log("error", "unexpected failure", { tool: def.name, error: describeError(e) });
      }
      result = errorResult(failure);
    }
    if (result.isError && failure === undefined) {
      const first = result.content?.[0];
      failure = first && first.type === "text" ? excerpt(first.text, 200) : "error";
    }
    const latencyMs = Math.round(performance.now() - started);
    const event: MetricEvent = { tool: def.name, ok: !result.isError, attempts: info.attempts, latencyMs };
    if (info.status !== undefined) event.status = info.status;
    if (failure !== undefined) event.error = failure;
    recordMetric(event);
    log(result.isError ? "warn" : "info", "tool call", {
      ...fields,
      outcome: result.isError ? "error" : "ok",
      status: info.status,
      attempts: info.attempts,
      ms: latencyMs,
      ...(loggable && failure !== undefined ? { error: excerpt(failure, 300) } : {}),
    });
    return result;
  }

  private async dispatch(
    def: ManifestTool,
    target: Target,
    args: Record<string, unknown>,
    output: z.ZodType | undefined,
    extra: Extra,
    info: CallInfo,
    fields: Record<string, unknown>,
  ): Promise<CallToolResult> {
    switch (target.kind) {
      case "http":
        return callHttp(this.shared, def, target.meta, args, output, extra, info);
      case "code":
        return callCode(this.shared, def, target.meta, args, output, extra, info);
      case "grouped":
        if (target.role === "search") return searchOperations(this.shared, args);
        if (target.role === "describe") return describeOperation(this.shared, args);
        return this.callOperation(args, extra, info, fields);
    }
  }

  private async callOperation(
    args: Record<string, unknown>,
    extra: Extra,
    info: CallInfo,
    fields: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const op = findOperation(this.shared, args.operation);
    fields.operation = op.name;
    const validators = this.shared.operations.get(op.name);
    if (!validators) throw new ToolFailure(`operation "${op.name}" cannot be called: no validator is registered for it`);
    const parsed = validators.input.safeParse(args.arguments ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
        .join("; ");
      throw new ToolFailure(`invalid arguments for operation "${op.name}": ${issues}`);
    }
    const opArgs = isPlainObject(parsed.data) ? parsed.data : {};
    fields.args = Object.keys(opArgs).sort();
    const target = targetOf(op, false);
    if (target?.kind === "http") return callHttp(this.shared, op, target.meta, opArgs, validators.output, extra, info);
    if (target?.kind === "code") return callCode(this.shared, op, target.meta, opArgs, validators.output, extra, info);
    throw new ToolFailure(`operation "${op.name}" has no smeltsec.dev/http metadata`);
  }
}

// ---------------------------------------------------------------------------------------------------
// main: stdio (default) or streamable HTTP (--http PORT [--host HOST])
// ---------------------------------------------------------------------------------------------------

export interface MainOptions {
  name: string;
  version: string;
  registerTools: (rt: Runtime) => void;
}

function loadManifest(): Manifest {
  const file = new URL("../manifest.json", import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!isPlainObject(parsed) || !Array.isArray(parsed.tools)) throw new Error("manifest.json has no tools array");
  return parsed as unknown as Manifest;
}

function parseArgs(argv: string[]): { httpPort?: number; host: string } {
  let httpPort: number | undefined;
  let host = "127.0.0.1";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--http") {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--http needs a port number");
      httpPort = port;
    } else if (flag === "--host") host = value();
    else throw new Error(`unknown option ${a} (use --http PORT [--host HOST])`);
  }
  return httpPort === undefined ? { host } : { httpPort, host };
}

function newServer(opts: MainOptions, shared: Shared): McpServer {
  // logging: clients may send logging/setLevel (the SDK answers it only when the capability is declared).
  const server = new McpServer({ name: opts.name, version: opts.version }, { capabilities: { logging: {} } });
  opts.registerTools(new Runtime(server, shared));
  return server;
}

/** Starts the server. Never returns before shutdown in practice; exits the process on fatal errors. */
export async function main(opts: MainOptions): Promise<void> {
  const env = process.env;
  const cfg = loadConfig(env);
  logThreshold = LOG_RANK[cfg.logLevel];
  // stdout is the protocol channel: whatever prints through console goes to stderr instead.
  const toStderr = (...a: unknown[]): void => {
    process.stderr.write(format(...a) + "\n");
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  let shared: Shared;
  let cli: { httpPort?: number; host: string };
  try {
    cli = parseArgs(process.argv.slice(2));
    const manifest = loadManifest();
    const catalog = manifest._meta?.[META_CATALOG];
    shared = {
      manifest,
      cfg,
      env,
      catalog: isPlainObject(catalog) && Array.isArray(catalog.operations) ? (catalog.operations as ManifestTool[]) : [],
      operations: new Map(),
      breakers: new Map(),
      tokens: new Map(),
      bridgeDir: fileURLToPath(new URL("../bridge/", import.meta.url)),
    };
    newServer(opts, shared); // registration errors surface now, before anything is served
  } catch (e) {
    log("error", "start-up failed", { error: describeError(e) });
    process.exit(1);
  }
  process.on("uncaughtException", (e) => log("error", "uncaught exception", { error: describeError(e) }));
  process.on("unhandledRejection", (e) => log("error", "unhandled rejection", { error: describeError(e) }));

  if (cli.httpPort === undefined) await serveStdio(opts, shared);
  else await serveHttp(opts, shared, cli.httpPort, cli.host);
}

async function serveStdio(opts: MainOptions, shared: Shared): Promise<void> {
  const server = newServer(opts, shared);
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = (reason: string): void => {
    if (closing) return;
    closing = true;
    log("info", "shutting down", { reason });
    setTimeout(() => process.exit(0), 2000).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.stdin.on("end", () => shutdown("stdin closed"));
  await server.connect(transport);
  log("info", "serving", { transport: "stdio", name: opts.name, version: opts.version });
}

function jsonRpcError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size > limit) over = true;
      else if (!over) chunks.push(c);
    });
    req.on("end", () => resolve(over ? "too large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function serveHttp(opts: MainOptions, shared: Shared, port: number, host: string): Promise<void> {
  const cfg = shared.cfg;
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  let allowedHosts: string[] = cfg.allowedHosts ?? [];

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (pathname !== "/mcp") return jsonRpcError(res, 404, "Not found: the MCP endpoint is /mcp");
    // DNS rebinding protection, before anything else (the SDK transport checks again)
    if (!req.headers.host || !allowedHosts.includes(req.headers.host)) {
      log("warn", "refused request", { reason: "host not allowed" });
      return jsonRpcError(res, 403, "Forbidden: Host header not allowed");
    }
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;

    if (req.method === "POST") {
      const raw = await readBody(req, cfg.maxRequestBytes);
      if (raw === "too large") return jsonRpcError(res, 413, `Request body larger than ${cfg.maxRequestBytes} bytes`);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        return jsonRpcError(res, 400, "Parse error: invalid JSON");
      }
      if (existing) return existing.transport.handleRequest(req, res, body);
      if (sessionId !== undefined) return jsonRpcError(res, 404, "Session not found");
      if (!isInitializeRequest(body)) return jsonRpcError(res, 400, "Bad Request: no valid session ID provided");
      const server = newServer(opts, shared);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableDnsRebindingProtection: true,
        allowedHosts,
        maxRequestBodySize: cfg.maxRequestBytes,
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
          log("debug", "session opened", { sessions: sessions.size });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        log("debug", "session closed", { sessions: sessions.size });
      };
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (req.method === "GET" || req.method === "DELETE") {
      if (!existing) return jsonRpcError(res, sessionId === undefined ? 400 : 404, "Session not found");
      return existing.transport.handleRequest(req, res);
    }
    res.setHeader("allow", "GET, POST, DELETE");
    return jsonRpcError(res, 405, "Method not allowed");
  };

  const httpServer = http.createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      log("error", "request failed", { error: describeError(e) });
      jsonRpcError(res, 500, "Internal error");
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, () => resolve());
  });
  const address = httpServer.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  if (!cfg.allowedHosts) {
    allowedHosts = [`127.0.0.1:${actualPort}`, `localhost:${actualPort}`];
    if (host === "::1") allowedHosts.push(`[::1]:${actualPort}`);
  }
  log("info", "listening", { transport: "http", host, port: actualPort, path: "/mcp", name: opts.name });

  let closing = false;
  const shutdown = (reason: string): void => {
    if (closing) return;
    closing = true;
    log("info", "shutting down", { reason });
    setTimeout(() => process.exit(0), 3000).unref();
    const closes = [...sessions.values()].map(({ transport, server }) =>
      transport.close().then(() => server.close()).catch(() => undefined),
    );
    Promise.all(closes).finally(() => {
      httpServer.close(() => process.exit(0));
      httpServer.closeAllConnections();
    });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}
