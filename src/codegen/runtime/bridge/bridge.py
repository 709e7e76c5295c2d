"""SmeltSec Python bridge: runs one function of the user's Python code (standard library only).

Protocol (shared with bridge.mjs):
  spawned as `<python> bridge.py` with cwd = SMELTSEC_CODE_ROOT, stdin/stdout/stderr pipes and the
  result pipe on fd 3 (or the fd named by SMELTSEC_RESULT_FD);
  stdin: one JSON object, then EOF:
    {"root": "<abs>", "file": "<relative path>", "function": "name" or "Class.method",
     "arguments": [positional values], "kwargs": {name: value}}
  result: exactly one JSON line on the result fd:
    {"ok": true, "value": ...} or {"ok": false, "error": "<message>"}
The user's prints go to stdout/stderr, never into the result. Exit status 0 either way.
"""

import asyncio
import importlib
import importlib.util
import inspect
import json
import math
import os
import sys


def _open_result_channel():
    """Take the result fd away from fd 3 (so code the user spawns cannot inherit or clobber it)."""
    fd = int(os.environ.pop("SMELTSEC_RESULT_FD", "3") or "3")
    try:
        private = os.dup(fd)  # os.dup returns a non-inheritable descriptor
        os.close(fd)
    except OSError:
        private = None
    return private


def _jsonable(value, depth=0):
    if depth > 100:
        return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    return str(value)  # non-JSON values become their str()


def _module_name(rel):
    parts = rel[:-3].split("/") if rel.endswith(".py") else None
    if not parts:
        return None
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if parts and all(p.isidentifier() for p in parts):
        return ".".join(parts)
    return None


def _load(root, rel):
    rel = rel.replace("\\", "/")
    full = os.path.realpath(os.path.join(root, rel))
    if not (full == root or full.startswith(root.rstrip(os.sep) + os.sep)) or not os.path.isfile(full):
        raise LookupError("file %r is not inside the code root" % rel)
    if root not in sys.path:
        sys.path.insert(0, root)
    name = _module_name(rel)
    if name is not None:
        module = importlib.import_module(name)
        if os.path.realpath(getattr(module, "__file__", "") or "") == full:
            return module
    spec = importlib.util.spec_from_file_location("_smeltsec_user_module", full)
    if spec is None or spec.loader is None:
        raise LookupError("cannot load %r" % rel)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _resolve(module, dotted):
    parts = dotted.split(".")
    if not parts or not all(p.isidentifier() for p in parts):
        raise LookupError("invalid function name %r" % dotted)
    if len(parts) == 1:
        fn = getattr(module, parts[0], None)
        if fn is None or not callable(fn):
            raise LookupError("function %r not found" % dotted)
        return fn
    owner = module
    for p in parts[:-1]:
        owner = getattr(owner, p, None)
        if owner is None:
            raise LookupError("class %r not found" % ".".join(parts[:-1]))
    if not inspect.isclass(owner):
        raise LookupError("%r is not a class" % ".".join(parts[:-1]))
    try:
        raw = inspect.getattr_static(owner, parts[-1])
    except AttributeError:
        raise LookupError("method %r not found" % dotted)
    if not isinstance(raw, (staticmethod, classmethod)):
        raise LookupError("%s is an instance method; only static and class methods can be called" % dotted)
    return getattr(owner, parts[-1])


def _run(request):
    root = os.path.realpath(str(request.get("root") or os.getcwd()))
    module = _load(root, str(request.get("file") or ""))
    fn = _resolve(module, str(request.get("function") or ""))
    args = request.get("arguments") or []
    kwargs = request.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise TypeError("arguments must be a list and kwargs an object")
    value = fn(*args, **kwargs)
    if inspect.isawaitable(value):
        async def wait(v):
            return await v
        value = asyncio.run(wait(value))
    return value


def main():
    result_fd = _open_result_channel()
    try:
        raw = sys.stdin.buffer.read()
        request = json.loads(raw.decode("utf-8"))
        if not isinstance(request, dict):
            raise ValueError("the request must be a JSON object")
    except (ValueError, UnicodeDecodeError) as e:
        result = {"ok": False, "error": "bad request: %s" % e}
    else:
        try:
            result = {"ok": True, "value": _jsonable(_run(request))}
        except SystemExit as e:
            result = {"ok": False, "error": "the function called exit(%s)" % (e.code,)}
        except KeyboardInterrupt:
            result = {"ok": False, "error": "interrupted"}
        except BaseException as e:  # report, never print a traceback into the result
            message = str(e)
            result = {"ok": False, "error": "%s: %s" % (type(e).__name__, message) if message else type(e).__name__}
    try:
        line = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        line = json.dumps({"ok": False, "error": "the result could not be serialised"})
    data = (line + "\n").encode("utf-8")
    if result_fd is None:
        sys.stderr.write("smeltsec bridge: no result channel\n")
    else:
        try:
            while data:
                n = os.write(result_fd, data)
                data = data[n:]
        finally:
            os.close(result_fd)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(0)  # skip interpreter teardown: user atexit hooks and threads cannot change the outcome


if __name__ == "__main__":
    main()
