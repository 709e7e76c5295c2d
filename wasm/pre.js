// --pre-js: runs inside the module factory; `Module` is the instance.
// libsodium under __EMSCRIPTEN__ takes every random byte from Module.getRandomValue. WebCrypto is global in
// Node >= 19, browsers, Web Workers and workerd; its own fallback (require('crypto')) fails in ES modules.
if (Module['getRandomValue'] === undefined) {
  Module['getRandomValue'] = (function () {
    var buf = new Uint32Array(256), pos = 256;
    return function () {
      if (pos === 256) { globalThis.crypto.getRandomValues(buf); pos = 0; }
      return buf[pos++] >>> 0;
    };
  })();
}
