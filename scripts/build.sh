#!/bin/sh
# Builds the given CMake presets (default: native and wasm-release). Idempotent: a second run only
# rebuilds what changed. The wasm build writes wasm/dist/smeltsec-core.{mjs,wasm}.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/system-node.sh
[ -d node_modules ] && [ -f .cache/third_party/.stamp ] || sh scripts/setup.sh
export NODE_PATH=/usr/share/nodejs   # Debian's emcc needs acorn from here
[ $# -gt 0 ] || set -- native wasm-release
mkdir -p build
jobs=$(nproc 2>/dev/null || echo 2)
for preset in "$@"; do
  case "$preset" in
    native) dir=build/native ;;
    native-asan) dir=build/asan ;;
    wasm-release) dir=build/wasm ;;
    *) echo "unknown preset: $preset" >&2; exit 2 ;;
  esac
  echo "smeltsec: building $preset" >&2
  cmake --preset "$preset" >"$root/build/$preset.log" 2>&1 || { cat "$root/build/$preset.log" >&2; exit 1; }
  cmake --build "$dir" -j"$jobs" >"$root/build/$preset.log" 2>&1 || { tail -60 "$root/build/$preset.log" >&2; exit 1; }
  rm -f "$root/build/$preset.log"
done
