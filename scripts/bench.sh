#!/bin/sh
# Benchmark: builds what is missing (native driver, wasm core), then runs bench/openapi.mjs.
# Arguments go to the benchmark: sh scripts/bench.sh [--runs N] [--spec PATH] [--mode all|grouped|auto]
# (npm run bench -- --runs 3). BENCH_REBUILD=1 also rebuilds existing builds (incremental) first.
set -eu
# a relative --spec is relative to where the command was run (npm run sets INIT_CWD)
BENCH_CWD=${INIT_CWD:-$PWD}
export BENCH_CWD
cd "$(dirname "$0")/.."
. scripts/system-node.sh

# npm packages (the peer, the GitHub spec) and third-party sources, as scripts/build.sh does.
if [ ! -d node_modules/openapi-mcp-generator ] || [ ! -d node_modules/@octokit/openapi ] || [ ! -f .cache/third_party/.stamp ]; then
  sh scripts/setup.sh
fi

if [ ! -x build/native/smeltsec-native ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
  [ -f build/native/CMakeCache.txt ] || cmake --preset native
  cmake --build build/native -j2 --target smeltsec_native
fi

if [ ! -f wasm/dist/smeltsec-core.wasm ] || [ ! -f wasm/dist/smeltsec-core.mjs ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
  # Debian's emcc needs acorn from here
  export NODE_PATH=/usr/share/nodejs
  [ -f build/wasm/CMakeCache.txt ] || cmake --preset wasm-release
  cmake --build build/wasm -j2 --target smeltsec_wasm
fi

exec node bench/openapi.mjs "$@"
