// The playground's Web Worker (a module worker): loads the SmeltSec wasm core once and answers the page's
// requests (see protocol.mjs). Everything happens here, in the browser; nothing is sent anywhere.
import { createSmeltSec } from '../wasm/smeltsec.mjs';
import { Modes, PlaygroundError, Reply, Request, errorValue } from './protocol.mjs';

const wasmUrl = new URL('../wasm/dist/smeltsec-core.wasm', import.meta.url);

async function loadEngine() {
  try {
    // The default: the core's loader streams ../wasm/dist/smeltsec-core.wasm (needs `application/wasm`).
    return await createSmeltSec();
  } catch (first) {
    // Emscripten's own error for a missing or mis-served .wasm is a bare "Aborted(CompileError: expected
    // magic word ...)". Fetch the bytes once more here: this names the HTTP status, and still works if the
    // host's answer was fine but the loader's was not.
    const response = await fetch(wasmUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`could not fetch ${wasmUrl.pathname}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!WebAssembly.validate(bytes)) throw new Error(`${wasmUrl.pathname} is not a valid WebAssembly module (${first?.message ?? first})`);
    return createSmeltSec({ wasmBinary: bytes });
  }
}

const loadStart = performance.now();
const engine = loadEngine();

engine.then(
  (s) => self.postMessage({ type: Reply.ready, ok: true, version: s.version(), loadMs: performance.now() - loadStart }),
  (e) => self.postMessage({
    type: Reply.ready,
    ok: false,
    error: errorValue(PlaygroundError.engineLoad, `the WebAssembly engine could not be loaded: ${e?.message ?? e}`,
      wasmUrl.pathname).error,
  }),
);

function cleanOptions(options) {
  const out = {};
  if (options && Modes.includes(options.mode)) out.mode = options.mode;
  if (options && typeof options.entry === 'string' && options.entry !== '') out.entry = options.entry;
  return out;
}

function cleanFiles(files) {
  if (!Array.isArray(files)) return null;
  for (const f of files) {
    if (!f || typeof f.path !== 'string' || !(typeof f.bytes === 'string' || f.bytes instanceof Uint8Array)) return null;
  }
  return files;
}

const handlers = {
  [Request.generate]: (s, files, options) => s.generateManifest(files, options),
  [Request.analyze]: (s, files, options) => s.analyzeSpec(files, options),
};

self.onmessage = async ({ data }) => {
  const { type, id } = data ?? {};
  let result;
  let engineMs = 0;
  try {
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
    const files = cleanFiles(data?.files);
    if (!handler) {
      result = errorValue(PlaygroundError.badRequest, `unknown request type '${String(type)}'`, 'type');
    } else if (!files) {
      result = errorValue(PlaygroundError.badRequest, 'files must be a list of {path, bytes}', 'files');
    } else {
      let s;
      try {
        s = await engine;
      } catch (e) {
        result = errorValue(PlaygroundError.engineLoad, `the WebAssembly engine could not be loaded: ${e?.message ?? e}`,
          wasmUrl.pathname);
      }
      if (s) {
        const t0 = performance.now();
        result = handler(s, files, cleanOptions(data.options));
        engineMs = performance.now() - t0;
      }
    }
  } catch (e) {
    result = errorValue(PlaygroundError.internal, `unexpected failure in the worker: ${e?.message ?? e}`);
  }
  self.postMessage({ type: Reply.result, id, request: type, result, engineMs });
};
