#!/bin/sh
# `npm test`: set up, build every target, and run every test:
#   1. doctest unit tests: native (g++), under ASan+UBSan (clang), and the wasm build under Node
#   2. a time-boxed libFuzzer run of each fuzz target over its seed corpus (ASan+UBSan)
#   3. the JS tests (node --test tests/js/): CLI, corpus + Ajv judge, golden files, browser, workerd
# Ends with one line: "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/system-node.sh
sh scripts/setup.sh || exit 1
sh scripts/build.sh native native-asan wasm-release || exit 1

passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# doctest prints "[doctest] test cases: 12 | 11 passed | 1 failed | 0 skipped"
run_doctest() {
  name=$1; shift
  echo "== $name" >&2
  "$@" >"$log/$name.out" 2>&1
  status=$?
  line=$(grep '^\[doctest\] test cases:' "$log/$name.out" | tail -1)
  p=$(echo "$line" | sed -n 's/.*| *\([0-9]*\) passed.*/\1/p')
  f=$(echo "$line" | sed -n 's/.*| *\([0-9]*\) failed.*/\1/p')
  if [ -z "$p" ] || [ -z "$f" ] || { [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; }; then
    cat "$log/$name.out" >&2
    echo "$name: did not finish (exit $status)" >&2
    failed=$((failed + 1))
    return
  fi
  [ "$f" -eq 0 ] || cat "$log/$name.out" >&2
  echo "$line" >&2
  passed=$((passed + p))
  failed=$((failed + f))
}

run_doctest unit-native build/native/smeltsec_tests --no-colors
run_doctest unit-asan build/asan/smeltsec_tests --no-colors
run_doctest unit-wasm node --no-experimental-fetch build/wasm/smeltsec_tests.js --no-colors

# Fuzzing: each target gets a fresh copy of its seed corpus and a fixed time budget.
for target in build/asan/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  seeds="fuzz/corpus/${name#fuzz_}"
  work="$log/$name-corpus"
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -r "$seeds/." "$work/"
  echo "== $name (${SMELTSEC_FUZZ_SECONDS:-60} s)" >&2
  if "$target" -max_total_time="${SMELTSEC_FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$log/" "$work" >"$log/$name.out" 2>&1; then
    tail -2 "$log/$name.out" >&2
    passed=$((passed + 1))
  else
    tail -40 "$log/$name.out" >&2
    failed=$((failed + 1))
  fi
done

# node's test runner, TAP output; its summary: "# pass 12" / "# fail 0"
echo "== js tests" >&2
node --test --test-reporter=tap --test-concurrency=1 tests/js/ >"$log/js.out" 2>&1
status=$?
grep -E '^ *not ok ' "$log/js.out" >&2
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log/js.out" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log/js.out" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
  cat "$log/js.out" >&2
  failed=$((failed + 1))
else
  [ "$f" -eq 0 ] && [ "$status" -eq 0 ] || cat "$log/js.out" >&2
  grep -E '^# (tests|pass|fail|skipped|duration_ms) ' "$log/js.out" >&2
  passed=$((passed + p))
  failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
