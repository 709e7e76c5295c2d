# workerd configuration for the SmeltSec edge API.
#   node_modules/.bin/workerd serve worker/config.capnp [--socket-addr http=127.0.0.1:PORT]
# Module names mirror the repository layout, so the relative imports resolve unchanged:
# worker/worker.mjs imports ../wasm/smeltsec.mjs, which imports ./dist/smeltsec-core.mjs.
# The .wasm is embedded as a wasm module (a pre-compiled WebAssembly.Module): workerd never compiles
# wasm from bytes at run time. Build wasm/dist first (see worker/README.md).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "smeltsec", worker = .smeltsecWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "smeltsec") ],
);

const smeltsecWorker :Workerd.Worker = (
  modules = [
    (name = "worker/worker.mjs", esModule = embed "worker.mjs"),
    (name = "wasm/smeltsec.mjs", esModule = embed "../wasm/smeltsec.mjs"),
    (name = "wasm/dist/smeltsec-core.mjs", esModule = embed "../wasm/dist/smeltsec-core.mjs"),
    (name = "wasm/dist/smeltsec-core.wasm", wasm = embed "../wasm/dist/smeltsec-core.wasm"),
  ],
  compatibilityDate = "2026-11-01",
);
