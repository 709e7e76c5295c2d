#!/bin/sh
# `npm start`: set up, build the wasm core, and run the main job on a real example: GitHub's REST API
# description (from npm @octokit/openapi, 1,223 operations) and the Swagger Petstore, turned into MCP tool
# manifests under out/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/system-node.sh
sh scripts/setup.sh
sh scripts/build.sh wasm-release
spec=node_modules/@octokit/openapi/generated/api.github.com.json
echo "smeltsec: generating an MCP tool manifest from GitHub's REST API description" >&2
node cli/smeltsec.mjs generate "$spec" --out out/github
