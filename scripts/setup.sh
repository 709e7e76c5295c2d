#!/bin/sh
# Installs everything SmeltSec needs on a Debian 12 machine; idempotent, quick when nothing is missing.
#   Debian packages (apt): the Emscripten toolchain, clang's sanitizer/fuzzer runtime, header-only
#     libraries, Chromium for the browser tests, tools the third-party fetch needs.
#   npm packages (npm ci, pinned by package-lock.json): tree-sitter sources, test judges, peers, workerd.
#   Debian source packages (scripts/fetch_third_party.sh, pinned by scripts/third_party.lock).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages="build-essential cmake clang libclang-rt-14-dev emscripten nlohmann-json3-dev rapidjson-dev doctest-dev \
unicode-data python3-six dpkg-dev chromium python3-pyflakes"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "smeltsec: installing Debian packages:$missing" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "smeltsec: installing npm packages (npm ci)" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

sh scripts/fetch_third_party.sh
