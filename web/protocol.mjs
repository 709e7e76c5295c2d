// The message protocol between the playground page (app.mjs) and its Web Worker (playground-worker.mjs).
//
// page → worker:  {type: Request.*, id, files: [{path, bytes: string | Uint8Array}], options: {mode, entry}}
// worker → page:  {type: Reply.ready, ok: true, version, loadMs}
//                 {type: Reply.ready, ok: false, error}              the engine could not be loaded
//                 {type: Reply.result, id, request, result, engineMs} one per request, in request order
//
// `result` is what the JS API returns: {ok: true, value} or {ok: false, error: {code, message, where, needs}}.

/** What the page can ask the worker to do. */
export const Request = Object.freeze({
  generate: 'generate', // SmeltSec.generateManifest → {manifestJson, report}
  analyze: 'analyze',   // SmeltSec.analyzeSpec → {source, candidates, notes}
});

/** What the worker sends back. */
export const Reply = Object.freeze({
  ready: 'ready',
  result: 'result',
});

/** The tool-generation modes the core knows. */
export const Modes = Object.freeze(['auto', 'all', 'grouped']);

/** Error codes the playground itself produces (the core's own codes pass through unchanged). */
export const PlaygroundError = Object.freeze({
  engineLoad: 'engine_load',     // the wasm could not be fetched or instantiated
  worker: 'worker_failed',       // the worker script itself failed
  badRequest: 'bad_request',     // a message the worker does not understand
  internal: 'internal',          // an unexpected exception in the JS layer
  noInput: 'empty_input',        // nothing pasted, no file chosen
  readFile: 'read_failed',       // a chosen file could not be read
});

/** Builds an error value shaped like the core's. */
export function errorValue(code, message, where = '', needs = []) {
  return { ok: false, error: { code, message, where, needs } };
}
