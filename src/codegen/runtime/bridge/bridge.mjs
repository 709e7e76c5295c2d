// SmeltSec code bridge (JavaScript / TypeScript): runs one exported function of the user's code.
//
// Static file, copied unchanged into every generated server as bridge/bridge.mjs. The server starts
// `node bridge.mjs` with cwd = the code root and stdio [pipe, pipe, pipe, pipe], writes one JSON
// request to stdin and closes it:
//
//   {"root": "/abs/code/root", "file": "lib/text.js", "function": "slugify" | "Class.method",
//    "arguments": [values in declaration order], "kwargs": {}}
//
// The bridge imports the module, calls the function (awaiting a promise) and writes exactly one JSON
// line to file descriptor 3:
//
//   {"ok": true, "value": <JSON value or null>}   or   {"ok": false, "error": "<message>"}
//
// The user's own stdout/stderr output stays on stdout/stderr, so it can never corrupt the result. A
// value JSON cannot hold becomes a string (String(value)). The exit code is 0 either way.

import { createWriteStream, existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const RESULT_FD = 3;
const FUNCTION_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;
const FORBIDDEN_NAMES = new Set(["__proto__", "prototype", "constructor"]);
const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];
const JS_EXTENSIONS = [".js", ".mjs", ".cjs"];

let replied = false;

/** Writes the one result line to fd 3, then exits 0 once stdout and stderr are flushed. */
function reply(result) {
  if (replied) return;
  replied = true;
  let line;
  try {
    line = JSON.stringify(result);
  } catch {
    line = JSON.stringify({ ok: false, error: "the result could not be serialised" });
  }
  const exit = () => process.stdout.write("", () => process.stderr.write("", () => process.exit(0)));
  try {
    const out = createWriteStream(null, { fd: RESULT_FD });
    out.on("error", () => process.exit(0));
    out.end(line + "\n", exit);
  } catch {
    process.exit(0);
  }
}

function fail(message) {
  reply({ ok: false, error: message });
}

function errorMessage(e) {
  if (e instanceof Error) {
    const first = String(e.message).split("\n")[0];
    return e.name && e.name !== "Error" ? `${e.name}: ${first}` : first;
  }
  try {
    return typeof e === "string" ? e : JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/** A JSON value for `value`: undefined → null, bigint → string, unserialisable → String(value). */
function toJson(value) {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    return text === undefined ? String(value) : JSON.parse(text);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function inside(root, candidate) {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The file to import: the file itself, or for TypeScript its compiled sibling or dist/ build/ mirror. */
function moduleFile(root, file) {
  const abs = path.resolve(root, file);
  const ext = path.extname(abs);
  if (!TS_EXTENSIONS.includes(ext)) {
    if (!existsSync(abs)) throw new Error(`${file} does not exist`);
    return abs;
  }
  const stem = abs.slice(0, -ext.length);
  const rel = path.relative(root, stem);
  const candidates = [...JS_EXTENSIONS.map((e) => stem + e)];
  const relParts = rel.split(path.sep);
  const withoutSrc = relParts[0] === "src" ? relParts.slice(1).join(path.sep) : undefined;
  for (const out of ["dist", "build", "lib", "out"]) {
    for (const e of JS_EXTENSIONS) {
      candidates.push(path.join(root, out, rel + e));
      if (withoutSrc) candidates.push(path.join(root, out, withoutSrc + e));
    }
  }
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    `${file} is TypeScript and no compiled JavaScript was found next to it or under dist/ or build/; ` +
      `build the project first`,
  );
}

/** A named export, also through a CommonJS module's default export. */
function exported(mod, name) {
  if (Object.prototype.hasOwnProperty.call(mod, name)) return mod[name];
  const def = mod.default;
  if ((typeof def === "object" || typeof def === "function") && def !== null && name in def) {
    if (Object.prototype.hasOwnProperty.call(def, name)) return def[name];
  }
  return undefined;
}

/** A static method of a class: own property of the class or of a parent class (not Function's). */
function staticMethod(cls, name) {
  for (let c = cls; c && c !== Function.prototype && c !== Object.prototype; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, name)) return c[name];
  }
  return undefined;
}

async function run() {
  let request;
  try {
    request = JSON.parse(await readStdin());
  } catch {
    return fail("the bridge request is not valid JSON");
  }
  const { root, file, function: fn, arguments: args = [], kwargs = {} } = request ?? {};
  if (typeof root !== "string" || !path.isAbsolute(root)) return fail("the request has no absolute root");
  if (typeof file !== "string" || file === "") return fail("the request has no file");
  if (typeof fn !== "string" || !FUNCTION_NAME.test(fn) || fn.split(".").some((p) => FORBIDDEN_NAMES.has(p))) {
    return fail(`"${String(fn)}" is not a function name the bridge can call`);
  }
  if (!Array.isArray(args)) return fail("the request's arguments are not an array");
  if (kwargs && typeof kwargs === "object" && Object.keys(kwargs).length > 0) {
    return fail("keyword arguments are not supported for JavaScript functions");
  }

  let target;
  try {
    const realRoot = realpathSync(root);
    target = moduleFile(realRoot, file);
    if (!inside(realRoot, realpathSync(target))) return fail(`${file} is outside the code root`);
  } catch (e) {
    return fail(errorMessage(e));
  }

  let mod;
  try {
    mod = await import(pathToFileURL(target).href);
  } catch (e) {
    return fail(`could not load ${file}: ${errorMessage(e)}`);
  }

  const [first, method] = fn.split(".");
  let callable;
  let self;
  if (method === undefined) {
    callable = first === "default" ? mod.default : exported(mod, first);
  } else {
    const cls = exported(mod, first);
    if (typeof cls !== "function" && (typeof cls !== "object" || cls === null)) {
      return fail(`${file} does not export ${first}`);
    }
    callable = staticMethod(cls, method);
    self = cls;
    if (typeof callable !== "function") {
      return fail(`${first}.${method} is not a static method (instance methods cannot be called)`);
    }
  }
  if (typeof callable !== "function") return fail(`${file} does not export a function ${fn}`);

  try {
    const value = await callable.apply(self, args);
    reply({ ok: true, value: toJson(value) });
  } catch (e) {
    fail(errorMessage(e));
  }
}

process.on("uncaughtException", (e) => fail(errorMessage(e)));
process.on("unhandledRejection", (e) => fail(errorMessage(e)));
// Nothing left to run but no result yet: the function's promise can never settle.
process.on("beforeExit", () => fail("the function returned a promise that never settled"));
run().catch((e) => fail(errorMessage(e)));
