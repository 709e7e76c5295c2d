"""Shared test helpers: a generated-project layout in a temp dir, a scripted upstream, manifests."""

import atexit
import io
import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME_SRC = REPO / "src" / "codegen" / "runtime" / "python"
BRIDGE_SRC = REPO / "src" / "codegen" / "runtime" / "bridge"
GOLDEN = REPO / "tests" / "golden"
FIXTURES = REPO / "tests" / "fixtures"
FAKE_FASTMCP = Path(__file__).resolve().parent / "fake_fastmcp"

# A generated project's layout: server/smeltsec_runtime.py, server/bridge/bridge.py (+ bridge.mjs).
PROJECT = Path(tempfile.mkdtemp(prefix="smeltsec-py-"))
atexit.register(shutil.rmtree, PROJECT, True)
shutil.copy(RUNTIME_SRC / "smeltsec_runtime.py", PROJECT / "smeltsec_runtime.py")
(PROJECT / "bridge").mkdir()
for name in ("bridge.py", "bridge.mjs"):
    if (BRIDGE_SRC / name).is_file():
        shutil.copy(BRIDGE_SRC / name, PROJECT / "bridge" / name)
sys.path.insert(0, str(PROJECT))

import smeltsec_runtime  # noqa: E402

FAST_ENV = {
    "SMELTSEC_TIMEOUT_MS": "600",
    "SMELTSEC_RETRIES": "2",
    "SMELTSEC_RETRY_BASE_MS": "1",
    "SMELTSEC_RETRY_MAX_MS": "5",
    "SMELTSEC_LOG_LEVEL": "debug",
}


def golden_manifest(rel):
    return json.loads((GOLDEN / rel).read_text())["manifest"]


def make_runtime(manifest, **env):
    full = dict(FAST_ENV)
    full.update({k: str(v) for k, v in env.items()})
    log = io.StringIO()
    rt = smeltsec_runtime.Runtime(manifest, full, log_stream=log)
    rt.log = log
    return rt


def text_of(result):
    return "\n".join(c["text"] for c in result["content"] if c["type"] == "text")


class Upstream:
    """A real HTTP server on 127.0.0.1 whose routes are scripted per test.

    routes: {(METHOD, path): handler}; handler(request) -> (status, headers, body) | "reset" | ("sleep", s, resp)
    Every request is recorded in `requests` (method, path, headers, body).
    """

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                       "headers_lower": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                with outer.lock:
                    outer.requests.append(req)
                route = self.path.split("?", 1)[0]
                handler = outer.routes.get((self.command, route)) or outer.routes.get(("*", route))
                if handler is None:
                    resp = (404, {"Content-Type": "text/plain"}, b"no route " + route.encode())
                else:
                    resp = handler(req)
                if resp == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    self.close_connection = True
                    return
                if isinstance(resp, tuple) and resp[0] == "sleep":
                    time.sleep(resp[1])
                    resp = resp[2]
                status, headers, payload = resp
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload).encode()
                    headers = dict({"Content-Type": "application/json"}, **headers)
                elif isinstance(payload, str):
                    payload = payload.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, path=None):
        with self.lock:
            return len([r for r in self.requests if path is None or r["path"].split("?", 1)[0] == path])


def http_tool(name, method, path, arguments=(), properties=None, required=(), idempotent=None, output=None, **extra):
    meta = {"method": method, "path": path, "baseUrl": "", "arguments": list(arguments)}
    meta.update(extra)
    tool = {
        "name": name,
        "title": name,
        "description": name,
        "inputSchema": {"type": "object", "properties": properties or {}, "additionalProperties": False},
        "annotations": {"readOnlyHint": method == "GET", "destructiveHint": False,
                        "idempotentHint": (method in ("GET", "PUT", "DELETE")) if idempotent is None else idempotent,
                        "openWorldHint": True},
        "_meta": {"smeltsec.dev/http": meta},
    }
    if required:
        tool["inputSchema"]["required"] = list(required)
    if output is not None:
        tool["outputSchema"] = output
    return tool
