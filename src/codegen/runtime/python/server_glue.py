# ---- SmeltSec FastMCP wiring (static part of server.py; copied verbatim) -------------------------
# The generated header above defines SERVER_NAME and SERVER_VERSION; the generated footer below lists
# the tools (TOOLS) and calls main(TOOLS). Everything else lives here and in smeltsec_runtime.py.

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.tools.tool import Tool, ToolResult
from mcp.types import TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import PrivateAttr

import smeltsec_runtime

HERE = Path(__file__).resolve().parent


class ManifestTool(Tool):
    """A tool whose definition is the manifest's tool object, served verbatim by tools/list.

    Arguments are not parsed by FastMCP: `run` hands them to the SmeltSec runtime, which validates
    them against the manifest's inputSchema and dispatches on the tool's `_meta`.
    """

    _runtime: Any = PrivateAttr(default=None)

    def to_mcp_tool(self, **overrides: Any) -> MCPTool:
        data = dict(self._runtime.tools[self.name])
        for key in ("name", "title", "description"):
            if key in overrides and overrides[key] is not None:
                data[key] = overrides[key]
        return MCPTool.model_validate(data)

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        headers = _incoming_headers() if self._runtime.config.passthrough else {}
        result = await asyncio.to_thread(self._runtime.call_tool, self.name, dict(arguments or {}), headers)
        text = "\n".join(c.get("text", "") for c in result.get("content") or [] if c.get("type") == "text")
        if result.get("isError"):
            raise ToolError(text or "The tool failed.")
        return ToolResult(content=[TextContent(type="text", text=text)], structured_content=result.get("structuredContent"))


def _incoming_headers() -> dict[str, str]:
    """Headers of the current HTTP-transport request ({} over stdio)."""
    try:
        from fastmcp.server.dependencies import get_http_headers

        return dict(get_http_headers(include_all=True) or {})
    except Exception:
        return {}


def build_server(tool_names, env=None, manifest_path=None):
    """A FastMCP server with the named manifest tools, and the runtime behind it."""
    env = os.environ if env is None else env
    manifest = smeltsec_runtime.load_manifest(manifest_path or HERE / "manifest.json")
    runtime = smeltsec_runtime.Runtime(manifest, env)
    server = FastMCP(SERVER_NAME, version=SERVER_VERSION, include_fastmcp_meta=False)
    for name in tool_names:
        definition = runtime.tools.get(name)
        if definition is None:
            raise LookupError("tool %r is not in manifest.json" % name)
        annotations = definition.get("annotations")
        tool = ManifestTool(
            name=name,
            title=definition.get("title"),
            description=definition.get("description"),
            parameters=definition.get("inputSchema") or {"type": "object"},
            output_schema=definition.get("outputSchema"),
            annotations=ToolAnnotations.model_validate(annotations) if isinstance(annotations, dict) else None,
            meta=definition.get("_meta"),
        )
        tool._runtime = runtime
        server.add_tool(tool)
    return server, runtime


class HostGuard:
    """ASGI middleware: DNS-rebinding protection (Host and Origin allow-list) for the HTTP transport."""

    def __init__(self, app, allowed_hosts):
        self.app = app
        self.allowed = {h.strip().lower() for h in allowed_hosts if h.strip()}

    async def __call__(self, scope, receive, send):
        if scope.get("type") in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
            host = headers.get("host", "").strip().lower()
            origin = headers.get("origin")
            bad = host not in self.allowed
            if origin and not bad:
                netloc = origin.split("://", 1)[-1].split("/", 1)[0].lower()
                bad = origin.lower() != "null" and netloc not in self.allowed
            if bad:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = b"Forbidden: Host or Origin not allowed\n"
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def allowed_hosts(port, env=None):
    env = os.environ if env is None else env
    raw = env.get("SMELTSEC_ALLOWED_HOSTS") or ""
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    return hosts or ["127.0.0.1:%d" % port, "localhost:%d" % port, "[::1]:%d" % port]


def main(tool_names, argv=None):
    parser = argparse.ArgumentParser(prog="server.py", description="%s %s (MCP server)" % (SERVER_NAME, SERVER_VERSION))
    parser.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on PORT instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="interface for --http (default 127.0.0.1)")
    args = parser.parse_args(argv)
    try:
        server, _runtime = build_server(tool_names)
    except (OSError, ValueError, LookupError) as e:
        sys.stderr.write("%s: cannot start: %s\n" % (SERVER_NAME, e))
        return 1
    if args.http is None:
        server.run()
        return 0
    from starlette.middleware import Middleware

    guard = Middleware(HostGuard, allowed_hosts=allowed_hosts(args.http))
    server.run(transport="http", host=args.host, port=args.http, middleware=[guard])
    return 0


# ---- end of the static part -----------------------------------------------------------------------
