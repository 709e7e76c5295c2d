// SmeltSec edge API: a Cloudflare Workers module worker (runs on workerd). It only turns HTTP into calls
// of the JS API (../wasm/smeltsec.mjs); every decision about specs and manifests is made in the wasm core.
//
//   GET  /v1/health    -> {ok: true, version}
//   POST /v1/analyze   {spec} | {files, entry?}          -> the analyzeSpec value
//   POST /v1/generate  {spec} | {files, entry?}, mode?   -> {manifest, report}
//
// Errors are always {error: {code, message, where, needs}} with a JSON content type; never a stack trace.
import { createSmeltSec } from '../wasm/smeltsec.mjs';
import wasmModule from '../wasm/dist/smeltsec-core.wasm';

// Largest request body accepted, in bytes (the core's own limit for one document is 32 MiB too). workerd
// treats every named export of the main module as a handler, so this stays private.
const MAX_BODY_BYTES = 32 * 1024 * 1024;

// One SmeltSec instance per isolate, created on first use: workerd allows no such work at global scope.
let instance = null;
function smeltsec() {
  instance ??= createSmeltSec({ wasmModule }).catch((e) => {
    instance = null; // let the next request try again
    throw e;
  });
  return instance;
}

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function json(body, status = 200, extra = {}) {
  return new Response(JSON.stringify(body), { status, headers: { ...HEADERS, ...extra } });
}

function fail(status, code, message, where = '', needs = [], extra = {}) {
  return json({ error: { code, message, where, needs } }, status, extra);
}

// HTTP status for an error code of the core. Request-shape problems are 400, resource limits 413,
// failures of the engine 500; everything else is a spec the core cannot process: 422.
const STATUS_BY_CODE = {
  bad_input: 400,
  bad_option: 400,
  bad_path: 400,
  duplicate_path: 400,
  empty_input: 400,
  path_limit: 400,
  size_limit: 413,
  file_limit: 413,
  value_limit: 413,
  nesting_limit: 413,
  out_of_memory: 413,
  internal: 500,
};

function coreError(error) {
  const e = error ?? {};
  return fail(
    STATUS_BY_CODE[e.code] ?? 422,
    String(e.code ?? 'internal'),
    String(e.message ?? ''),
    String(e.where ?? ''),
    Array.isArray(e.needs) ? e.needs.map(String) : [],
  );
}

class HttpError extends Error {
  constructor(status, code, message, where = '') {
    super(message);
    this.status = status;
    this.code = code;
    this.where = where;
  }
}

const tooLarge = () =>
  new HttpError(413, 'payload_too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes`);

/** Reads the body as UTF-8 text, stopping as soon as it passes MAX_BODY_BYTES. */
async function readBody(request) {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'bad_request', 'the request body is not valid UTF-8');
  }
}

const REQUEST_FIELDS = {
  analyze: ['spec', 'files', 'entry'],
  generate: ['spec', 'files', 'entry', 'mode'],
};

/** Turns the JSON body into the JS API's (files, options). Only checks shapes, never spec content. */
async function parseRequest(request, kind) {
  const text = await readBody(request);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'bad_request', `the request body is not valid JSON: ${e?.message ?? 'parse error'}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'bad_request', 'the request body must be a JSON object');
  }
  const allowed = REQUEST_FIELDS[kind];
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new HttpError(400, 'bad_request', `unknown field '${key}' (allowed: ${allowed.join(', ')})`, key);
    }
  }
  const hasSpec = body.spec !== undefined;
  const hasFiles = body.files !== undefined;
  if (hasSpec === hasFiles) {
    throw new HttpError(400, 'bad_request', "give exactly one of 'spec' (the document's text) or 'files' ({path: text})");
  }
  let files;
  if (hasSpec) {
    if (typeof body.spec !== 'string') throw new HttpError(400, 'bad_request', "'spec' must be a string", 'spec');
    if (body.entry !== undefined) throw new HttpError(400, 'bad_request', "'entry' goes with 'files', not 'spec'", 'entry');
    files = { spec: body.spec };
  } else {
    if (body.files === null || typeof body.files !== 'object' || Array.isArray(body.files)) {
      throw new HttpError(400, 'bad_request', "'files' must be an object mapping paths to text", 'files');
    }
    for (const [path, content] of Object.entries(body.files)) {
      if (typeof content !== 'string') {
        throw new HttpError(400, 'bad_request', `'files' entry '${path}' must be a string`, `files/${path}`);
      }
    }
    files = body.files;
  }
  const options = {};
  for (const key of ['entry', 'mode']) {
    if (body[key] === undefined) continue;
    if (typeof body[key] !== 'string') throw new HttpError(400, 'bad_request', `'${key}' must be a string`, key);
    options[key] = body[key];
  }
  return { files, options };
}

const ROUTES = {
  '/v1/health': {
    method: 'GET',
    async handle() {
      const s = await smeltsec();
      return json({ ok: true, version: s.version() });
    },
  },
  '/v1/analyze': {
    method: 'POST',
    async handle(request) {
      const { files, options } = await parseRequest(request, 'analyze');
      const s = await smeltsec();
      const r = s.analyzeSpec(files, options);
      return r.ok ? json(r.value) : coreError(r.error);
    },
  },
  '/v1/generate': {
    method: 'POST',
    async handle(request) {
      const { files, options } = await parseRequest(request, 'generate');
      const s = await smeltsec();
      const r = s.generateManifest(files, options);
      if (!r.ok) return coreError(r.error);
      return json({ manifest: JSON.parse(r.value.manifestJson), report: r.value.report });
    },
  },
};

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const route = Object.hasOwn(ROUTES, pathname) ? ROUTES[pathname] : null;
    if (route === null) return fail(404, 'not_found', `no endpoint ${pathname}`, pathname);
    if (request.method !== route.method) {
      return fail(405, 'method_not_allowed', `${pathname} accepts ${route.method} only`, pathname, [], {
        allow: route.method,
      });
    }
    try {
      return await route.handle(request);
    } catch (e) {
      if (e instanceof HttpError) return fail(e.status, e.code, e.message, e.where);
      // The wasm instance may be left in an unknown state (a trap, an abort): start a fresh one next time.
      instance = null;
      console.error('smeltsec worker: internal error:', e?.message ?? String(e));
      return fail(500, 'internal', 'internal error');
    }
  },
};
