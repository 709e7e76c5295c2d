"""SmeltSec runtime for generated Python MCP servers (standard library only).

Copied verbatim into each generated project. `server.py` (FastMCP wiring) builds a `Runtime` from
`manifest.json` and the environment and sends every tool call to `Runtime.call_tool`, which:

1. validates the arguments against the tool's `inputSchema` (a JSON Schema 2020-12 subset, below);
2. refuses unsafe arguments (oversize strings, path traversal, header injection, SSRF URLs, file
   paths outside SMELTSEC_ALLOWED_ROOT) before anything leaves the process;
3. dispatches on the tool's `_meta`: `smeltsec.dev/http` -> an upstream HTTP call (credentials from
   the environment, retries, circuit breaker); `smeltsec.dev/code` -> the user's function through a
   bridge process; grouped tools (search/describe/call) -> the manifest's catalogue;
4. returns an MCP CallToolResult dict; it never raises and never returns a traceback.

Environment variables: see the table in src/codegen/README.md (same names as the TypeScript runtime).
"""

import base64
import datetime as _dt
import email.utils
import http.client
import ipaddress
import json
import math
import os
import random
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = ["Runtime", "ToolFailure", "validate", "compile_ecma_pattern", "PatternUnsupported"]

HTTP_META = "smeltsec.dev/http"
CODE_META = "smeltsec.dev/code"
GROUPED_META = "smeltsec.dev/grouped"
CATALOG_META = "smeltsec.dev/catalog"
GROUPED_NAMES = {"search_operations": "search", "describe_operation": "describe", "call_operation": "call"}

BRIDGE_DIR = Path(__file__).resolve().parent / "bridge"
USER_AGENT = "smeltsec-runtime-python/1"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
BREAKER_STATUS = frozenset({500, 502, 503, 504})
MAX_DEPTH = 64
PATTERN_MAX_INPUT = 10000  # longest string a `pattern` is applied to (Python's `re` backtracks)
LOG_LEVELS = {"debug": 10, "info": 20, "warn": 30, "warning": 30, "error": 40, "off": 100}
FILE_ARG_WORDS = {"path", "file", "filename", "filepath", "dir", "dirname", "directory", "folder", "pathname"}


class ToolFailure(Exception):
    """A call that fails with a message safe to show the client (becomes isError)."""

    def __init__(self, message, status=None, outcome="error"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.outcome = outcome


# ---------------------------------------------------------------------------------------------
# JSON Schema validation (the subset SmeltSec manifests use, plus a few cheap extras)
# ---------------------------------------------------------------------------------------------

class PatternUnsupported(Exception):
    pass


_PATTERN_CACHE = {}
_PATTERN_LOCK = threading.Lock()
_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r\\f\\v\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"}


def compile_ecma_pattern(pattern):
    """Translate an ECMAScript regular expression to a compiled Python `re` pattern.

    Fails closed (PatternUnsupported) on what cannot be translated faithfully or safely:
    backreferences, `\\c`, `[^]`, `[]`, `\\u{...}`, nested unbounded quantifiers (the classic
    catastrophic-backtracking shape, e.g. `(a+)+`), and anything Python's `re` rejects.
    `\\d`, `\\w`, `\\s` get their ECMAScript meaning; `$` means end of input (`\\Z`).
    """
    with _PATTERN_LOCK:
        hit = _PATTERN_CACHE.get(pattern)
    if hit is not None:
        if isinstance(hit, PatternUnsupported):
            raise hit
        return hit
    try:
        compiled = re.compile(_translate_pattern(pattern))
        result = compiled
    except PatternUnsupported as e:
        result = e
    except (re.error, RecursionError, OverflowError) as e:
        result = PatternUnsupported("cannot be compiled (%s)" % e)
    with _PATTERN_LOCK:
        if len(_PATTERN_CACHE) > 512:
            _PATTERN_CACHE.clear()
        _PATTERN_CACHE[pattern] = result
    if isinstance(result, PatternUnsupported):
        raise result
    return result


def _translate_pattern(p):
    if len(p) > 1000:
        raise PatternUnsupported("is too long")
    out = []
    i, n = 0, len(p)
    in_class = False
    class_start = False
    # Star-height tracking: for each open group, whether it contains an unbounded quantifier.
    groups = [False]
    last_atom_group_unbounded = False  # the atom just closed was a group containing an unbounded quantifier
    prev_atom = False
    while i < n:
        c = p[i]
        if c == "\\":
            if i + 1 >= n:
                raise PatternUnsupported("ends with a backslash")
            e = p[i + 1]
            i += 2
            if e.isdigit() and e != "0":
                raise PatternUnsupported("uses a backreference")
            if e == "k" and not in_class:
                raise PatternUnsupported("uses a named backreference")
            if e == "c":
                raise PatternUnsupported("uses a control escape")
            if e == "u" and i < n and p[i] == "{":
                raise PatternUnsupported("uses \\u{...}")
            if e in "dws":
                out.append(_CLASS_ESCAPES[e] if in_class else "[" + _CLASS_ESCAPES[e] + "]")
            elif e in "DWS":
                if in_class:
                    raise PatternUnsupported("uses a negated class escape inside a class")
                out.append("[^" + _CLASS_ESCAPES[e.lower()] + "]")
            elif e == "/":
                out.append("/")
            elif e == "0":
                out.append("\\x00")
            elif e in "bB" and not in_class:
                out.append("\\" + e)
            elif e == "b":
                out.append("\\x08")
            elif e in "tnrfv":
                out.append("\\" + e)
            elif e == "x":
                out.append("\\x" + p[i:i + 2])
                i += 2
            elif e == "u":
                out.append("\\u" + p[i:i + 4])
                i += 4
            elif e.isalnum():
                raise PatternUnsupported("uses the unknown escape \\" + e)
            else:
                out.append(re.escape(e))
            if not in_class:
                prev_atom = True
                last_atom_group_unbounded = False
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                prev_atom = True
                last_atom_group_unbounded = False
                out.append("]")
            elif c == "[":
                out.append("\\[")
            elif c in "&~|" and i + 1 < n and p[i + 1] == c:
                out.append("\\" + c + "\\" + c)  # Python warns about possible set operations
                i += 1
            else:
                if class_start and c == "]":
                    raise PatternUnsupported("uses an empty class")
                if class_start and c == "^" and i + 1 < n and p[i + 1] == "]":
                    raise PatternUnsupported("uses [^]")
                out.append(c)
                class_start = class_start and c == "^"
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = True
            out.append("[")
            i += 1
            continue
        if c == "(":
            if p.startswith("(?<", i) and i + 3 < n and p[i + 3] not in "=!":
                out.append("(?P<")
                i += 3
            elif p.startswith("(?", i) and not (p.startswith("(?:", i) or p.startswith("(?=", i)
                                               or p.startswith("(?!", i) or p.startswith("(?<=", i)
                                               or p.startswith("(?<!", i)):
                raise PatternUnsupported("uses an unsupported group")
            else:
                out.append("(")
                i += 1
            groups.append(False)
            prev_atom = False
            continue
        if c == ")":
            if len(groups) == 1:
                raise PatternUnsupported("has an unbalanced ')'")
            inner = groups.pop()
            out.append(")")
            i += 1
            prev_atom = True
            last_atom_group_unbounded = inner
            if inner:
                groups[-1] = True
            continue
        if c in "*+?{":
            bounded_max = None
            if c == "{":
                m = re.match(r"\{(\d+)(,(\d*))?\}", p[i:])
                if not m:
                    out.append("\\{")
                    i += 1
                    prev_atom = True
                    last_atom_group_unbounded = False
                    continue
                unbounded = m.group(2) is not None and m.group(3) == ""
                bounded_max = int(m.group(3) or m.group(1)) if not unbounded else None
                if bounded_max is not None and bounded_max > 1000:
                    raise PatternUnsupported("uses a repetition count above 1000")
                out.append(m.group(0))
                i += len(m.group(0))
            else:
                unbounded = c in "*+"
                out.append(c)
                i += 1
            if not prev_atom:
                raise PatternUnsupported("has a quantifier without an atom")
            repeats = unbounded or (bounded_max is not None and bounded_max > 1)
            if repeats and last_atom_group_unbounded:
                raise PatternUnsupported("nests unbounded quantifiers (catastrophic backtracking)")
            if unbounded:
                groups[-1] = True
            if i < n and p[i] == "?":
                out.append("?")
                i += 1
            prev_atom = False
            last_atom_group_unbounded = False
            continue
        if c == "$":
            out.append("(?!(?s:.))")  # end of input; Python's `$` would also match before a final \n
        elif c in "^.|":
            out.append(c)
            if c == "|":
                prev_atom = False
                i += 1
                continue
        elif c == "}":
            out.append("\\}")
        else:
            out.append(re.escape(c) if c in "#&~ \t\n-" else c)
        prev_atom = c not in "^$"
        last_atom_group_unbounded = False
        i += 1
    if in_class:
        raise PatternUnsupported("has an unterminated class")
    if len(groups) != 1:
        raise PatternUnsupported("has an unbalanced '('")
    return "".join(out)


def _type_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if math.isfinite(v) and v.is_integer() else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _is_type(v, t):
    actual = _type_of(v)
    if t == "number":
        return actual in ("integer", "number") and (not isinstance(v, float) or math.isfinite(v))
    return actual == t


def _canonical(v):
    """A hashable form in which JSON-equal values are equal (1 == 1.0, True != 1)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return (type(v).__name__, v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return ("num", v)
    if isinstance(v, (list, tuple)):
        return ("arr", tuple(_canonical(x) for x in v))
    if isinstance(v, dict):
        return ("obj", tuple(sorted((k, _canonical(x)) for k, x in v.items())))
    return ("other", repr(v))


def json_equal(a, b):
    return _canonical(a) == _canonical(b)


def _path_join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return path + "." + key
    return "%s[%s]" % (path, json.dumps(key))


def _short(v, limit=60):
    try:
        s = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def _multiple_of(v, m):
    try:
        dv, dm = Decimal(repr(v)), Decimal(repr(m))
        if dm <= 0:
            return True
        return (dv % dm) == 0
    except (InvalidOperation, ValueError, ArithmeticError):
        return False


class _Validator:
    def __init__(self, root, max_errors=5):
        self.root = root
        self.errors = []
        self.max_errors = max_errors

    def fail(self, path, msg):
        if len(self.errors) < self.max_errors:
            self.errors.append("%s: %s" % (path, msg))
        return False

    def check(self, schema, v, path, depth=0):
        if depth > MAX_DEPTH:
            return self.fail(path, "nested too deeply")
        if schema is True or schema is None:
            return True
        if schema is False:
            return self.fail(path, "no value is allowed here")
        if not isinstance(schema, dict):
            return True
        ok = True
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = self.resolve(ref)
            if target is None:
                return self.fail(path, "unresolvable $ref " + ref)
            ok = self.check(target, v, path, depth + 1) and ok
        t = schema.get("type")
        if t is not None:
            types = t if isinstance(t, list) else [t]
            if not any(_is_type(v, x) for x in types):
                return self.fail(path, "expected %s, got %s" % (" or ".join(map(str, types)), _type_of(v)))
        if "const" in schema and not json_equal(v, schema["const"]):
            ok = self.fail(path, "must be %s" % _short(schema["const"]))
        if "enum" in schema and isinstance(schema["enum"], list):
            if not any(json_equal(v, e) for e in schema["enum"]):
                ok = self.fail(path, "must be one of %s" % _short(schema["enum"], 120))
        if _type_of(v) in ("integer", "number") and not isinstance(v, bool):
            ok = self.numeric(schema, v, path) and ok
        elif isinstance(v, str):
            ok = self.string(schema, v, path) and ok
        elif isinstance(v, (list, tuple)):
            ok = self.array(schema, v, path, depth) and ok
        elif isinstance(v, dict):
            ok = self.object(schema, v, path, depth) and ok
        for sub in schema.get("allOf") or []:
            ok = self.check(sub, v, path, depth + 1) and ok
        if isinstance(schema.get("anyOf"), list):
            if not any(self.quiet(sub, v, path, depth) for sub in schema["anyOf"]):
                ok = self.fail(path, "does not match any allowed shape (anyOf)%s" % self.hint(schema["anyOf"], v, path, depth))
        if isinstance(schema.get("oneOf"), list):
            count = sum(1 for sub in schema["oneOf"] if self.quiet(sub, v, path, depth))
            if count != 1:
                ok = self.fail(path, "must match exactly one shape (oneOf), matches %d%s" % (
                    count, self.hint(schema["oneOf"], v, path, depth) if count == 0 else ""))
        if "not" in schema and self.quiet(schema["not"], v, path, depth):
            ok = self.fail(path, "matches a forbidden shape (not)")
        if "if" in schema:
            if self.quiet(schema["if"], v, path, depth):
                if "then" in schema:
                    ok = self.check(schema["then"], v, path, depth + 1) and ok
            elif "else" in schema:
                ok = self.check(schema["else"], v, path, depth + 1) and ok
        return ok

    def hint(self, subs, v, path, depth):
        # Explain with the first branch whose type matches, when there is exactly one.
        same = [s for s in subs if isinstance(s, dict) and (
            "type" not in s or any(_is_type(v, x) for x in (s["type"] if isinstance(s["type"], list) else [s["type"]])))]
        if len(same) == 1:
            sub = _Validator(self.root, 1)
            sub.check(same[0], v, path, depth + 1)
            if sub.errors:
                return " (" + sub.errors[0] + ")"
        return ""

    def quiet(self, schema, v, path, depth):
        sub = _Validator(self.root, 1)
        return sub.check(schema, v, path, depth + 1)

    def resolve(self, ref):
        if not ref.startswith("#"):
            return None
        node = self.root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = urllib.parse.unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def numeric(self, s, v, path):
        ok = True
        if isinstance(s.get("minimum"), (int, float)) and v < s["minimum"]:
            ok = self.fail(path, "must be >= %s" % s["minimum"])
        if isinstance(s.get("maximum"), (int, float)) and v > s["maximum"]:
            ok = self.fail(path, "must be <= %s" % s["maximum"])
        em, eM = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        if isinstance(em, (int, float)) and not isinstance(em, bool) and v <= em:
            ok = self.fail(path, "must be > %s" % em)
        if isinstance(eM, (int, float)) and not isinstance(eM, bool) and v >= eM:
            ok = self.fail(path, "must be < %s" % eM)
        if em is True and isinstance(s.get("minimum"), (int, float)) and v <= s["minimum"]:
            ok = self.fail(path, "must be > %s" % s["minimum"])
        if eM is True and isinstance(s.get("maximum"), (int, float)) and v >= s["maximum"]:
            ok = self.fail(path, "must be < %s" % s["maximum"])
        mo = s.get("multipleOf")
        if isinstance(mo, (int, float)) and not isinstance(mo, bool) and mo > 0 and not _multiple_of(v, mo):
            ok = self.fail(path, "must be a multiple of %s" % mo)
        return ok

    def string(self, s, v, path):
        ok = True
        if isinstance(s.get("minLength"), int) and len(v) < s["minLength"]:
            ok = self.fail(path, "must be at least %d characters" % s["minLength"])
        if isinstance(s.get("maxLength"), int) and len(v) > s["maxLength"]:
            ok = self.fail(path, "must be at most %d characters" % s["maxLength"])
        if isinstance(s.get("pattern"), str):
            ok = self.pattern(s["pattern"], v, path) and ok
        return ok

    def pattern(self, pattern, v, path):
        try:
            rx = compile_ecma_pattern(pattern)
        except PatternUnsupported as e:
            return self.fail(path, "the schema's pattern %s %s; refused" % (_short(pattern), e))
        if len(v) > PATTERN_MAX_INPUT:
            return self.fail(path, "is too long (%d characters) to check against a pattern" % len(v))
        if not rx.search(v):
            return self.fail(path, "does not match the pattern %s" % _short(pattern))
        return True

    def array(self, s, v, path, depth):
        ok = True
        if isinstance(s.get("minItems"), int) and len(v) < s["minItems"]:
            ok = self.fail(path, "must have at least %d items" % s["minItems"])
        if isinstance(s.get("maxItems"), int) and len(v) > s["maxItems"]:
            ok = self.fail(path, "must have at most %d items" % s["maxItems"])
        if s.get("uniqueItems") is True:
            seen = set()
            for idx, item in enumerate(v):
                key = _canonical(item)
                if key in seen:
                    ok = self.fail(_path_join(path, idx), "duplicates an earlier item (uniqueItems)")
                    break
                seen.add(key)
        prefix = s.get("prefixItems") if isinstance(s.get("prefixItems"), list) else []
        for idx, sub in enumerate(prefix):
            if idx < len(v):
                ok = self.check(sub, v[idx], _path_join(path, idx), depth + 1) and ok
        items = s.get("items")
        if isinstance(items, list):  # draft-07 tuple form
            for idx, sub in enumerate(items):
                if idx < len(v):
                    ok = self.check(sub, v[idx], _path_join(path, idx), depth + 1) and ok
        elif items is not None:
            for idx in range(len(prefix), len(v)):
                ok = self.check(items, v[idx], _path_join(path, idx), depth + 1) and ok
                if not ok and len(self.errors) >= self.max_errors:
                    break
        if "contains" in s:
            matches = sum(1 for item in v if self.quiet(s["contains"], item, path, depth))
            lo = s.get("minContains", 1) if isinstance(s.get("minContains", 1), int) else 1
            if matches < lo:
                ok = self.fail(path, "must contain at least %d matching item(s)" % lo)
            if isinstance(s.get("maxContains"), int) and matches > s["maxContains"]:
                ok = self.fail(path, "must contain at most %d matching item(s)" % s["maxContains"])
        return ok

    def object(self, s, v, path, depth):
        ok = True
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        for name in s.get("required") or []:
            if name not in v:
                ok = self.fail(path, "missing required property %s" % json.dumps(name))
        if isinstance(s.get("minProperties"), int) and len(v) < s["minProperties"]:
            ok = self.fail(path, "must have at least %d properties" % s["minProperties"])
        if isinstance(s.get("maxProperties"), int) and len(v) > s["maxProperties"]:
            ok = self.fail(path, "must have at most %d properties" % s["maxProperties"])
        dep = s.get("dependentRequired")
        if isinstance(dep, dict):
            for name, needs in dep.items():
                if name in v:
                    for other in needs or []:
                        if other not in v:
                            ok = self.fail(path, "property %s requires property %s" % (json.dumps(name), json.dumps(other)))
        depsch = s.get("dependentSchemas")
        if isinstance(depsch, dict):
            for name, sub in depsch.items():
                if name in v:
                    ok = self.check(sub, v, path, depth + 1) and ok
        pattern_props = s.get("patternProperties") if isinstance(s.get("patternProperties"), dict) else {}
        additional = s.get("additionalProperties", True)
        for key, item in v.items():
            if not isinstance(key, str):
                ok = self.fail(path, "has a non-string key")
                continue
            sub_path = _path_join(path, key)
            matched = False
            if key in props:
                matched = True
                ok = self.check(props[key], item, sub_path, depth + 1) and ok
            for pat, sub in pattern_props.items():
                try:
                    rx = compile_ecma_pattern(pat)
                except PatternUnsupported as e:
                    ok = self.fail(sub_path, "the schema's property pattern %s %s; refused" % (_short(pat), e))
                    continue
                if len(key) <= PATTERN_MAX_INPUT and rx.search(key):
                    matched = True
                    ok = self.check(sub, item, sub_path, depth + 1) and ok
            if not matched:
                if additional is False:
                    allowed = ", ".join(sorted(props)) or "none"
                    ok = self.fail(path, "unknown property %s (allowed: %s)" % (json.dumps(key), allowed))
                elif isinstance(additional, dict):
                    ok = self.check(additional, item, sub_path, depth + 1) and ok
            if "propertyNames" in s:
                ok = self.check(s["propertyNames"], key, sub_path, depth + 1) and ok
            if len(self.errors) >= self.max_errors:
                break
        return ok


def validate(schema, value, path="$"):
    """Validate `value` against `schema`; returns a list of error messages (empty when valid)."""
    v = _Validator(schema)
    try:
        v.check(schema, value, path)
    except RecursionError:
        return ["%s: nested too deeply" % path]
    return v.errors


# ---------------------------------------------------------------------------------------------
# Configuration, logging, metrics
# ---------------------------------------------------------------------------------------------

def _env_int(env, name, default, lo=0):
    raw = env.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return max(lo, int(str(raw).strip()))
    except ValueError:
        return default


class Config:
    def __init__(self, env):
        self.base_url = (env.get("API_BASE_URL") or "").strip()
        self.timeout_ms = _env_int(env, "SMELTSEC_TIMEOUT_MS", 10000, 1)
        self.retries = _env_int(env, "SMELTSEC_RETRIES", 2)
        self.retry_base_ms = _env_int(env, "SMELTSEC_RETRY_BASE_MS", 200)
        self.retry_max_ms = _env_int(env, "SMELTSEC_RETRY_MAX_MS", 5000)
        self.retry_after_max_ms = _env_int(env, "SMELTSEC_RETRY_AFTER_MAX_MS", 30000)
        self.breaker_failures = _env_int(env, "SMELTSEC_BREAKER_FAILURES", 5, 1)
        self.breaker_window_ms = _env_int(env, "SMELTSEC_BREAKER_WINDOW_MS", 30000, 1)
        self.breaker_cooldown_ms = _env_int(env, "SMELTSEC_BREAKER_COOLDOWN_MS", 15000)
        self.max_string_bytes = _env_int(env, "SMELTSEC_MAX_STRING_BYTES", 65536, 1)
        self.max_response_bytes = _env_int(env, "SMELTSEC_MAX_RESPONSE_BYTES", 10485760, 1)
        mode = (env.get("SMELTSEC_URL_ARGUMENTS") or "public").strip().lower()
        self.url_arguments = mode if mode in ("deny", "public", "any") else "public"
        self.passthrough = [h.strip().lower() for h in (env.get("SMELTSEC_PASSTHROUGH_HEADERS") or "").split(",") if h.strip()]
        self.code_root = os.path.realpath(env.get("SMELTSEC_CODE_ROOT") or os.getcwd())
        self.allowed_root = os.path.realpath(env.get("SMELTSEC_ALLOWED_ROOT") or self.code_root)
        self.python = env.get("SMELTSEC_PYTHON") or sys.executable or "python3"
        self.node = env.get("SMELTSEC_NODE") or "node"
        level = (env.get("SMELTSEC_LOG_LEVEL") or "info").strip().lower()
        self.log_level = LOG_LEVELS.get(level, 20)


class Logger:
    def __init__(self, level, stream=None):
        self.level = level
        self.stream = stream
        self.lock = threading.Lock()

    def log(self, level, event, **fields):
        if LOG_LEVELS.get(level, 20) < self.level:
            return
        record = {"ts": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"), "level": level, "event": event}
        record.update(fields)
        line = json.dumps(record, ensure_ascii=False, default=str)
        stream = self.stream or sys.stderr
        with self.lock:
            try:
                stream.write(line + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass


# ---------------------------------------------------------------------------------------------
# Circuit breaker (per upstream origin)
# ---------------------------------------------------------------------------------------------

class CircuitBreaker:
    def __init__(self, failures, window_ms, cooldown_ms, clock=time.monotonic):
        self.threshold = failures
        self.window = window_ms / 1000.0
        self.cooldown = cooldown_ms / 1000.0
        self.clock = clock
        self.lock = threading.Lock()
        self.state = {}  # origin -> dict(state, failures, opened_at, probing)

    def _entry(self, origin):
        return self.state.setdefault(origin, {"state": "closed", "failures": [], "opened_at": 0.0, "probing": False})

    def before(self, origin):
        """Returns None when the call may go ahead, else the seconds until the next probe."""
        with self.lock:
            e = self._entry(origin)
            now = self.clock()
            if e["state"] == "open":
                wait = e["opened_at"] + self.cooldown - now
                if wait > 0:
                    return wait
                e["state"] = "half-open"
                e["probing"] = False
            if e["state"] == "half-open":
                if e["probing"]:
                    return max(self.cooldown / 10.0, 0.001)
                e["probing"] = True
            return None

    def success(self, origin):
        with self.lock:
            e = self._entry(origin)
            e.update(state="closed", failures=[], probing=False)

    def failure(self, origin):
        with self.lock:
            e = self._entry(origin)
            now = self.clock()
            if e["state"] == "half-open":
                e.update(state="open", opened_at=now, probing=False, failures=[])
                return
            e["failures"] = [t for t in e["failures"] if now - t <= self.window] + [now]
            if len(e["failures"]) >= self.threshold:
                e.update(state="open", opened_at=now, failures=[])

    def release(self, origin):
        """A probe that ended without a verdict (e.g. refused locally) frees the half-open slot."""
        with self.lock:
            self._entry(origin)["probing"] = False

    def snapshot(self):
        with self.lock:
            return {k: v["state"] for k, v in self.state.items()}


# ---------------------------------------------------------------------------------------------
# Helpers: sanitisation
# ---------------------------------------------------------------------------------------------

_CTL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab allowed in header values
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token


def _header_name(what, name):
    """A spec may declare a header name http.client would refuse: the call's fault, not the upstream's."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise ToolFailure("%s: the spec's header name %s is not a valid HTTP header name; the call cannot be made"
                          % (what, json.dumps(name)), outcome="refused")
    return name
_URLISH = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")
_BLOCKED_NAMES = {"localhost", "metadata.google.internal", "metadata", "instance-data", "metadata.goog"}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def _scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return str(v)


def _walk_strings(value, path="$", depth=0):
    if depth > MAX_DEPTH:
        raise ToolFailure("%s: arguments are nested too deeply" % path, outcome="refused")
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield _path_join(path, k), k
            yield from _walk_strings(v, _path_join(path, str(k)), depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk_strings(v, _path_join(path, i), depth + 1)


def _parse_ip_host(host):
    """An ip_address for literal hosts, including the legacy IPv4 spellings (0x7f.1, 2130706433)."""
    h = host.strip("[]")
    try:
        return ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", h) and not h.endswith("."):
        try:
            return ipaddress.ip_address(socket.inet_aton(h))
        except (OSError, ValueError):
            return None
    return None


def _ip_is_internal(ip):
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None or ip.sixtofour is not None or ip.teredo is not None:
            return True  # v4-mapped / 6to4 / Teredo addresses are refused outright
        if ip.is_site_local:
            return True
    elif ip in _CGNAT:
        return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved
            or ip.is_multicast)


def check_public_url(text, base_host=None):
    """Returns None when `text` is an http(s) URL to a public host (or the base host), else why not."""
    try:
        u = urllib.parse.urlsplit(text.strip())
    except ValueError:
        return "is not a valid URL"
    if u.scheme.lower() not in ("http", "https"):
        return "uses the scheme %r (only http and https are allowed)" % u.scheme
    try:
        host = (u.hostname or "").lower().rstrip(".")
        _ = u.port
    except ValueError:
        return "has an invalid host or port"
    if not host:
        return "has no host"
    if base_host and host == base_host.lower().rstrip("."):
        return None
    if "\\" in text or "@" in (u.netloc or ""):
        return "contains credentials or backslashes in the authority"
    if host in _BLOCKED_NAMES or host.endswith(".localhost") or host.endswith(".internal") or host.endswith(".local"):
        return "points to an internal host (%s)" % host
    ip = _parse_ip_host(host)
    if ip is not None:
        if str(ip) == "169.254.169.254" or _ip_is_internal(ip):
            return "points to an internal address (%s)" % ip
    return None


# ---------------------------------------------------------------------------------------------
# The runtime
# ---------------------------------------------------------------------------------------------

def _text_result(text, structured=None, is_error=False):
    r = {"content": [{"type": "text", "text": text}], "isError": bool(is_error)}
    if structured is not None:
        r["structuredContent"] = structured
    return r


def _scheme_env_prefix(name):
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class _Upstream:
    """The outcome of one HTTP exchange."""

    def __init__(self, status, reason, headers, body, truncated=False):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.truncated = truncated

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


class _NetworkError(Exception):
    def __init__(self, message, timeout=False):
        super().__init__(message)
        self.timeout = timeout


class Runtime:
    def __init__(self, manifest, env=None, log_stream=None):
        self.manifest = manifest if isinstance(manifest, dict) else {}
        self.env = dict(os.environ if env is None else env)
        self.config = Config(self.env)
        self.logger = Logger(self.config.log_level, log_stream)
        self.tools = {}
        for t in self.manifest.get("tools") or []:
            if isinstance(t, dict) and isinstance(t.get("name"), str):
                self.tools[t["name"]] = t
        catalog = ((self.manifest.get("_meta") or {}).get(CATALOG_META) or {})
        self.operations = {}
        for op in catalog.get("operations") or []:
            if isinstance(op, dict) and isinstance(op.get("name"), str):
                self.operations[op["name"]] = op
        self.breaker = CircuitBreaker(self.config.breaker_failures, self.config.breaker_window_ms,
                                      self.config.breaker_cooldown_ms)
        self._metrics = {}
        self._metrics_lock = threading.Lock()
        self._listeners = []
        self._token_cache = {}
        self._token_lock = threading.Lock()
        self.sleep = time.sleep  # tests may replace it
        self.random = random.Random()

    # -- public API ---------------------------------------------------------------------------

    def tool_definitions(self, names=None):
        """The manifest's tool objects (in manifest order), optionally restricted to `names`."""
        wanted = None if names is None else set(names)
        return [t for t in self.manifest.get("tools") or [] if isinstance(t, dict) and (wanted is None or t.get("name") in wanted)]

    def on_metrics(self, callback):
        self._listeners.append(callback)
        return callback

    def metrics_snapshot(self):
        with self._metrics_lock:
            return {k: dict(v) for k, v in self._metrics.items()}

    def call_tool(self, name, arguments=None, headers=None):
        started = time.monotonic()
        info = {"attempts": 0, "status": None, "operation": None}
        arg_names = sorted(arguments.keys()) if isinstance(arguments, dict) else []
        outcome = "ok"
        try:
            tool = self.tools.get(name)
            if tool is None:
                raise ToolFailure("Unknown tool %s." % json.dumps(name, ensure_ascii=False), outcome="unknown_tool")
            if arguments is None:
                arguments = {}
            if not isinstance(arguments, dict):
                raise ToolFailure("Invalid arguments: expected an object.", outcome="invalid_arguments")
            result = self._dispatch(tool, arguments, headers or {}, info)
            if result.get("isError"):
                outcome = "error"
        except ToolFailure as e:
            outcome = e.outcome
            if e.status is not None:
                info["status"] = e.status
            result = _text_result(e.message, is_error=True)
        except Exception as e:  # never leak a traceback to the client
            outcome = "internal_error"
            self.logger.log("error", "internal_error", tool=name, error_type=type(e).__name__)
            result = _text_result("Internal error while running the tool (%s)." % type(e).__name__, is_error=True)
        ms = round((time.monotonic() - started) * 1000, 1)
        fields = dict(tool=name, outcome=outcome, status=info["status"], attempts=info["attempts"], ms=ms, arguments=arg_names)
        if info["operation"]:
            fields["operation"] = info["operation"]
        self.logger.log("info" if outcome == "ok" else "warn", "tool_call", **fields)
        self._record(name, not result.get("isError"), ms, fields)
        return result

    # -- metrics --------------------------------------------------------------------------------

    def _record(self, name, ok, ms, fields):
        with self._metrics_lock:
            m = self._metrics.setdefault(name, {"calls": 0, "errors": 0, "total_latency_ms": 0.0})
            m["calls"] += 1
            if not ok:
                m["errors"] += 1
            m["total_latency_ms"] = round(m["total_latency_ms"] + ms, 3)
        event = dict(fields, ok=ok)
        for cb in list(self._listeners):
            try:
                cb(event)
            except Exception:
                self.logger.log("warn", "metrics_callback_failed")

    # -- dispatch -------------------------------------------------------------------------------

    def _dispatch(self, tool, arguments, headers, info):
        errors = validate(tool.get("inputSchema") or {"type": "object"}, arguments)
        if errors:
            raise ToolFailure("Invalid arguments: " + "; ".join(errors), outcome="invalid_arguments")
        meta = tool.get("_meta") or {}
        role = None
        grouped = meta.get(GROUPED_META)
        if isinstance(grouped, dict) and grouped.get("role") in ("search", "describe", "call"):
            role = grouped["role"]
        elif HTTP_META not in meta and CODE_META not in meta and self.operations and tool.get("name") in GROUPED_NAMES:
            role = GROUPED_NAMES[tool["name"]]
        if role == "search":
            return self._search(arguments)
        if role == "describe":
            return self._describe(arguments)
        if role == "call":
            op = self.operations.get(arguments.get("operation"))
            if op is None:
                raise ToolFailure("Unknown operation %s; use search_operations to find one." % json.dumps(arguments.get("operation")),
                                  outcome="unknown_operation")
            info["operation"] = op["name"]
            inner = arguments.get("arguments") or {}
            errors = validate(op.get("inputSchema") or {"type": "object"}, inner)
            if errors:
                raise ToolFailure("Invalid arguments for %s: %s" % (op["name"], "; ".join(errors)), outcome="invalid_arguments")
            return self._run(op, inner, headers, info)
        return self._run(tool, arguments, headers, info)

    def _run(self, tool, arguments, headers, info):
        meta = tool.get("_meta") or {}
        self._check_strings(arguments)
        if isinstance(meta.get(HTTP_META), dict):
            return self._http_tool(tool, meta[HTTP_META], arguments, headers, info)
        if isinstance(meta.get(CODE_META), dict):
            return self._code_tool(tool, meta[CODE_META], arguments, info)
        raise ToolFailure("This tool has no implementation in the manifest.", outcome="not_implemented")

    def _check_strings(self, arguments):
        limit = self.config.max_string_bytes
        for path, s in _walk_strings(arguments):
            if len(s) * 4 > limit and len(s.encode("utf-8", "surrogatepass")) > limit:
                raise ToolFailure("Refused: %s is longer than %d bytes." % (path, limit), outcome="refused")
            if _URLISH.match(s):
                mode = self.config.url_arguments
                if mode == "deny":
                    raise ToolFailure("Refused: %s is a URL and URL arguments are disabled (SMELTSEC_URL_ARGUMENTS=deny)." % path,
                                      outcome="refused")
                if mode == "public":
                    why = check_public_url(s, self._base_host())
                    if why:
                        raise ToolFailure("Refused: %s %s." % (path, why), outcome="refused")

    def _base_host(self):
        base = self.config.base_url
        if not base:
            return None
        try:
            return urllib.parse.urlsplit(base).hostname
        except ValueError:
            return None

    # -- grouped tools -----------------------------------------------------------------------------

    def _search(self, arguments):
        words = [w for w in re.split(r"[^0-9A-Za-z]+", str(arguments.get("query", "")).lower()) if w]
        limit = arguments.get("limit", 10)
        limit = int(limit) if isinstance(limit, (int, float)) and not isinstance(limit, bool) else 10
        scored = []
        for op in self.operations.values():
            http_meta = (op.get("_meta") or {}).get(HTTP_META) or {}
            fields = [
                (op.get("name", ""), 3), (op.get("title", ""), 2), (http_meta.get("path", ""), 2),
                (" ".join(http_meta.get("tags") or []), 2), (http_meta.get("operationId", ""), 2),
                (op.get("description", ""), 1), (http_meta.get("method", ""), 1),
            ]
            score = 0
            for text, weight in fields:
                hay = str(text).lower()
                hay_words = set(w for w in re.split(r"[^0-9a-z]+", hay) if w)
                for w in words:
                    if w in hay_words:
                        score += weight * 2
                    elif w in hay:
                        score += weight
            if score > 0:
                scored.append((-score, op["name"], op))
        scored.sort(key=lambda x: (x[0], x[1]))
        found = []
        for _, _, op in scored[:max(1, limit)]:
            http_meta = (op.get("_meta") or {}).get(HTTP_META) or {}
            item = {"name": op["name"], "title": op.get("title", "")}
            if http_meta:
                item["method"] = http_meta.get("method")
                item["path"] = http_meta.get("path")
            item["summary"] = (op.get("description") or "").split("\n", 1)[0][:200]
            found.append(item)
        structured = {"operations": found, "total": len(scored)}
        if found:
            lines = ["%s — %s%s" % (f["name"], ("%s %s: " % (f["method"], f["path"])) if f.get("method") else "", f["summary"]) for f in found]
            text = "\n".join(lines)
        else:
            text = "No operation matches %s." % json.dumps(arguments.get("query", ""), ensure_ascii=False)
        return _text_result(text, structured)

    def _describe(self, arguments):
        op = self.operations.get(arguments.get("operation"))
        if op is None:
            raise ToolFailure("Unknown operation %s; use search_operations to find one." % json.dumps(arguments.get("operation")),
                              outcome="unknown_operation")
        described = {k: op[k] for k in ("name", "title", "description", "inputSchema", "outputSchema", "annotations") if k in op}
        http_meta = (op.get("_meta") or {}).get(HTTP_META)
        if isinstance(http_meta, dict):
            described["method"] = http_meta.get("method")
            described["path"] = http_meta.get("path")
        return _text_result(json.dumps(described, ensure_ascii=False, indent=2), described)

    # -- HTTP tools -------------------------------------------------------------------------------

    def _http_tool(self, tool, http_meta, arguments, headers, info):
        base = self.config.base_url or str(http_meta.get("baseUrl") or "")
        try:
            bu = urllib.parse.urlsplit(base)
        except ValueError:
            bu = None
        if not bu or bu.scheme.lower() not in ("http", "https") or not bu.hostname:
            raise ToolFailure("No upstream base URL: set API_BASE_URL to an absolute http(s) URL.", outcome="config_error")
        origin = "%s://%s" % (bu.scheme.lower(), bu.netloc.lower())
        base_path = bu.path.rstrip("/")
        method = str(http_meta.get("method") or "GET").upper()
        req_headers = [("User-Agent", USER_AGENT), ("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")]
        query = []
        cookies = []
        path = str(http_meta.get("path") or "/")
        body_args = []
        form_args = []
        specs = [a for a in http_meta.get("arguments") or [] if isinstance(a, dict)]
        for spec in specs:
            name = spec.get("name")
            where = spec.get("in")
            key = spec.get("key") if isinstance(spec.get("key"), str) else name
            if where == "body":
                if name in arguments:
                    body_args.append((spec, arguments[name]))
                continue
            if where in ("form", "formData"):
                if name in arguments:
                    form_args.append((spec, arguments[name]))
                continue
            if name not in arguments or arguments[name] is None:
                continue
            value = arguments[name]
            if where == "path":
                token = "{%s}" % key
                if token not in path:
                    continue
                path = path.replace(token, self._path_value(name, value, spec))
            elif where == "query":
                query.extend(self._query_pairs(key, value, spec))
            elif where == "header":
                req_headers.append((_header_name("header argument " + name, key), self._header_value(name, value)))
            elif where == "cookie":
                cookies.append("%s=%s" % (key, self._cookie_value(name, value)))
        missing = re.findall(r"\{([^}/]+)\}", path)
        if missing:
            raise ToolFailure("Missing path argument(s): %s." % ", ".join(missing), outcome="invalid_arguments")
        # Passthrough headers from the incoming (HTTP transport) request.
        if self.config.passthrough and headers:
            lower = {str(k).lower(): v for k, v in dict(headers).items()}
            for h in self.config.passthrough:
                if h in lower and lower[h] is not None:
                    req_headers.append((h, self._header_value("passthrough header " + h, lower[h])))
        body, content_type = self._body(tool, body_args, form_args, http_meta)
        if content_type:
            req_headers.append(("Content-Type", content_type))
        # Credentials.
        auth_headers, auth_query, auth_cookies = self._credentials(http_meta)
        req_headers.extend(auth_headers)
        query.extend(auth_query)
        cookies.extend(auth_cookies)
        if cookies:
            req_headers.append(("Cookie", "; ".join(cookies)))
        full_path = base_path + ("" if path.startswith("/") else "/") + path
        url = origin + full_path + (("?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="-._~")) if query else "")
        self._check_final_url(url, origin, base_path)
        retryable = bool((tool.get("annotations") or {}).get("idempotentHint")) or http_meta.get("retryable") is True
        secret_values = [v for _, v in auth_headers] + [v for _, v in auth_query] + auth_cookies
        return self._exchange(tool, method, url, origin, base_path, req_headers, body, retryable, info, secret_values)

    def _check_final_url(self, url, origin, base_path):
        u = urllib.parse.urlsplit(url)
        if "%s://%s" % (u.scheme.lower(), u.netloc.lower()) != origin:
            raise ToolFailure("Refused: the request would leave the upstream origin.", outcome="refused")
        decoded = urllib.parse.unquote(u.path)
        segments = decoded.split("/")
        if ".." in segments or "." in segments[1:-1]:
            raise ToolFailure("Refused: the request path contains dot segments.", outcome="refused")
        if base_path and not (u.path == base_path or u.path.startswith(base_path + "/")):
            raise ToolFailure("Refused: the request would leave the upstream base path.", outcome="refused")

    def _path_value(self, name, value, spec):
        def one(v):
            s = _scalar_text(v)
            if s == "":
                raise ToolFailure("Refused: path argument %s is empty." % name, outcome="refused")
            if "/" in s or "\\" in s:
                raise ToolFailure("Refused: path argument %s contains a slash or backslash." % name, outcome="refused")
            if s in (".", ".."):
                raise ToolFailure("Refused: path argument %s is a dot segment." % name, outcome="refused")
            if _CTL.search(s):
                raise ToolFailure("Refused: path argument %s contains control characters." % name, outcome="refused")
            decoded = urllib.parse.unquote(s)
            if "/" in decoded or "\\" in decoded or decoded in (".", ".."):
                raise ToolFailure("Refused: path argument %s contains an encoded separator or dot segment." % name, outcome="refused")
            return urllib.parse.quote(s, safe="-._~!$&'()*+=:@")
        explode = spec.get("explode") is True
        if isinstance(value, list):
            return ",".join(one(v) for v in value)
        if isinstance(value, dict):
            if explode:
                return ",".join("%s=%s" % (one(k), one(v)) for k, v in value.items())
            return ",".join("%s,%s" % (one(k), one(v)) for k, v in value.items())
        return one(value)

    def _query_pairs(self, key, value, spec):
        style = spec.get("style") or "form"
        explode = spec.get("explode")
        cf = spec.get("collectionFormat")
        if isinstance(value, list):
            items = [_scalar_text(v) for v in value]
            if cf:
                if cf == "multi":
                    return [(key, v) for v in items]
                sep = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}.get(cf, ",")
                return [(key, sep.join(items))]
            if explode is None:
                explode = style == "form"
            if explode:
                return [(key, v) for v in items]
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            return [(key, sep.join(items))]
        if isinstance(value, dict):
            if style == "deepObject":
                pairs = []
                for k, v in value.items():
                    if isinstance(v, list):
                        pairs.extend(("%s[%s]" % (key, k), _scalar_text(x)) for x in v)
                    else:
                        pairs.append(("%s[%s]" % (key, k), _scalar_text(v)))
                return pairs
            if explode is None:
                explode = style == "form"
            if explode:
                return [(k, _scalar_text(v)) for k, v in value.items()]
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            return [(key, sep.join("%s%s%s" % (k, sep, _scalar_text(v)) for k, v in value.items()))]
        return [(key, _scalar_text(value))]

    def _header_value(self, name, value):
        if isinstance(value, list):
            s = ",".join(_scalar_text(v) for v in value)
        elif isinstance(value, dict):
            s = ",".join("%s,%s" % (k, _scalar_text(v)) for k, v in value.items())
        else:
            s = _scalar_text(value)
        if _HEADER_BAD.search(s):
            raise ToolFailure("Refused: %s contains CR, LF, NUL or other control characters." % name, outcome="refused")
        return s

    def _cookie_value(self, name, value):
        s = self._header_value(name, value)
        if ";" in s or "\t" in s:
            raise ToolFailure("Refused: cookie argument %s contains ';' or a tab." % name, outcome="refused")
        return urllib.parse.quote(s, safe="-._~!#$&'()*+/:<=>?@[]^`{|}")

    def _body(self, tool, body_args, form_args, http_meta):
        if form_args:
            props = ((tool.get("inputSchema") or {}).get("properties") or {})
            fields = {str(spec.get("key") or spec.get("name")): v for spec, v in form_args}
            binary = any(_is_binary_schema(props.get(spec.get("name"))) for spec, _ in form_args)
            ct = "multipart/form-data" if binary else "application/x-www-form-urlencoded"
            return self._encode_body(fields, ct, _binary_fields(props, form_args))
        if not body_args:
            return None, None
        spec0 = body_args[0][0]
        ct = spec0.get("contentType") or "application/json"
        # A body argument without "key" is the whole body; keyed ones are fields of a JSON object (the
        # manifest drops the key of Flask's JSON body and of FastAPI's single body parameter).
        keyed = [(spec, v) for spec, v in body_args if isinstance(spec.get("key"), str)]
        if len(body_args) == 1 and not keyed:
            value = body_args[0][1]
            binary = ()
            if ct.startswith("multipart/") and isinstance(value, dict):
                schema = ((tool.get("inputSchema") or {}).get("properties") or {}).get(spec0.get("name")) or {}
                sub = schema.get("properties") or {}
                binary = tuple(k for k in value if _is_binary_schema(sub.get(k)))
            return self._encode_body(value, ct, binary)
        obj = {}
        for spec, v in body_args:
            obj[str(spec.get("key") or spec.get("name"))] = v
        return self._encode_body(obj, ct, ())

    def _encode_body(self, value, ct, binary_fields):
        base_ct = ct.split(";", 1)[0].strip().lower()
        if base_ct == "application/json" or base_ct.endswith("+json"):
            return json.dumps(value, ensure_ascii=False).encode("utf-8"), ct
        if base_ct == "application/x-www-form-urlencoded":
            if not isinstance(value, dict):
                raise ToolFailure("A form body must be an object.", outcome="invalid_arguments")
            pairs = []
            for k, v in value.items():
                if v is None:
                    continue
                if isinstance(v, list):
                    pairs.extend((k, _scalar_text(x)) for x in v)
                else:
                    pairs.append((k, _scalar_text(v)))
            return urllib.parse.urlencode(pairs).encode("ascii"), ct
        if base_ct == "multipart/form-data":
            if not isinstance(value, dict):
                raise ToolFailure("A multipart body must be an object.", outcome="invalid_arguments")
            boundary = "smeltsec-" + uuid.uuid4().hex
            parts = []
            for k, v in value.items():
                if v is None:
                    continue
                for item in (v if isinstance(v, list) else [v]):
                    safe_k = str(k).replace('"', "%22").replace("\r", "").replace("\n", "")
                    if k in binary_fields:
                        head = 'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: application/octet-stream' % (safe_k, safe_k)
                    else:
                        head = 'Content-Disposition: form-data; name="%s"' % safe_k
                    data = item.encode("utf-8") if isinstance(item, str) else _scalar_text(item).encode("utf-8")
                    parts.append(b"--" + boundary.encode() + b"\r\n" + head.encode("utf-8") + b"\r\n\r\n" + data + b"\r\n")
            return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n", "multipart/form-data; boundary=" + boundary
        if base_ct.startswith("text/") or base_ct in ("application/xml",):
            return _scalar_text(value).encode("utf-8"), ct
        # application/octet-stream and anything else: strings as UTF-8 bytes, other values as JSON.
        if isinstance(value, str):
            return value.encode("utf-8"), ct
        return json.dumps(value, ensure_ascii=False).encode("utf-8"), ct

    # -- credentials ------------------------------------------------------------------------------

    def _credentials(self, http_meta):
        security = http_meta.get("security")
        schemes = http_meta.get("securitySchemes") or {}
        if not isinstance(security, list) or not security:
            return [], [], []
        needed = []
        for alternative in security:
            if not isinstance(alternative, dict):
                continue
            if not alternative:
                return [], [], []  # anonymous access allowed
            headers, query, cookies = [], [], []
            ok = True
            for scheme_name, scopes in alternative.items():
                applied = self._apply_scheme(scheme_name, schemes.get(scheme_name) or {}, scopes or [])
                if applied is None:
                    ok = False
                    needed.append(self._scheme_env_hint(scheme_name, schemes.get(scheme_name) or {}))
                    break
                h, q, c = applied
                headers += h
                query += q
                cookies += c
            if ok:
                return headers, query, cookies
        raise ToolFailure("Missing credentials: set %s." % " or ".join(dict.fromkeys(needed)), outcome="config_error")

    def _scheme_env_hint(self, name, scheme):
        p = _scheme_env_prefix(name)
        t = scheme.get("type")
        if t == "apiKey":
            return p + "_API_KEY"
        if t in ("http", "basic"):
            if t == "basic" or str(scheme.get("scheme", "")).lower() == "basic":
                return "%s_USERNAME and %s_PASSWORD" % (p, p)
            return p + "_TOKEN"
        if t == "oauth2":
            return "%s_ACCESS_TOKEN (or %s_CLIENT_ID, %s_CLIENT_SECRET and a token URL)" % (p, p, p)
        if t == "openIdConnect":
            return p + "_ACCESS_TOKEN"
        return "credentials for %s (unsupported scheme type %s)" % (name, t)

    def _env(self, name):
        v = self.env.get(name)
        return v if v not in (None, "") else None

    def _apply_scheme(self, name, scheme, scopes):
        p = _scheme_env_prefix(name)
        t = scheme.get("type")
        if t == "apiKey":
            key = self._env(p + "_API_KEY")
            if key is None:
                return None
            where = scheme.get("in", "header")
            wire = scheme.get("name") or "X-API-Key"
            self._check_secret(key)
            if where == "query":
                return [], [(wire, key)], []
            if where == "cookie":
                return [], [], ["%s=%s" % (wire, key)]
            return [(_header_name("API key", wire), key)], [], []
        if t in ("http", "basic"):
            kind = "basic" if t == "basic" else str(scheme.get("scheme", "")).lower()
            if kind == "basic":
                user, pw = self._env(p + "_USERNAME"), self._env(p + "_PASSWORD")
                if user is None or pw is None:
                    return None
                token = base64.b64encode(("%s:%s" % (user, pw)).encode("utf-8")).decode("ascii")
                return [("Authorization", "Basic " + token)], [], []
            if kind == "bearer":
                tok = self._env(p + "_TOKEN")
                if tok is None:
                    return None
                self._check_secret(tok)
                return [("Authorization", "Bearer " + tok)], [], []
            return None
        if t in ("oauth2", "openIdConnect"):
            tok = self._env(p + "_ACCESS_TOKEN")
            if tok is None and t == "oauth2":
                tok = self._client_credentials(p, scheme, scopes)
            if tok is None:
                return None
            self._check_secret(tok)
            return [("Authorization", "Bearer " + tok)], [], []
        return None

    @staticmethod
    def _check_secret(value):
        if _HEADER_BAD.search(value):
            raise ToolFailure("A configured credential contains control characters.", outcome="config_error")

    def _client_credentials(self, p, scheme, scopes):
        cid, secret = self._env(p + "_CLIENT_ID"), self._env(p + "_CLIENT_SECRET")
        if cid is None or secret is None:
            return None
        token_url = self._env(p + "_TOKEN_URL")
        if token_url is None:
            flows = scheme.get("flows") or {}
            cc = flows.get("clientCredentials") or {}
            token_url = cc.get("tokenUrl")
            if token_url is None and scheme.get("flow") in ("application", "clientCredentials"):
                token_url = scheme.get("tokenUrl")
        if not token_url:
            return None
        scope = self._env(p + "_SCOPES")
        if scope is None:
            scope = " ".join(str(s) for s in scopes)
        scope = " ".join(scope.replace(",", " ").split())
        cache_key = (p, token_url, scope)
        with self._token_lock:
            hit = self._token_cache.get(cache_key)
            if hit and hit[1] > time.monotonic():
                return hit[0]
            u = urllib.parse.urlsplit(token_url)
            if u.scheme not in ("http", "https") or not u.hostname:
                raise ToolFailure("The OAuth token URL for %s is not an absolute http(s) URL." % p, outcome="config_error")
            form = [("grant_type", "client_credentials")]
            if scope:
                form.append(("scope", scope))
            basic = base64.b64encode(("%s:%s" % (urllib.parse.quote(cid, safe=""), urllib.parse.quote(secret, safe=""))).encode()).decode()
            headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                       ("Authorization", "Basic " + basic), ("User-Agent", USER_AGENT)]
            try:
                resp = self._send("POST", token_url, headers, urllib.parse.urlencode(form).encode("ascii"), time.monotonic() + self.config.timeout_ms / 1000.0)
            except _NetworkError as e:
                raise ToolFailure("Could not obtain an OAuth token for %s: %s." % (p, e), outcome="auth_error")
            if not 200 <= resp.status < 300:
                raise ToolFailure("The OAuth token endpoint for %s answered HTTP %d." % (p, resp.status), outcome="auth_error")
            try:
                data = json.loads(resp.body.decode("utf-8"))
                token = data["access_token"]
                if not isinstance(token, str) or not token:
                    raise ValueError
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                raise ToolFailure("The OAuth token endpoint for %s returned no access_token." % p, outcome="auth_error")
            expires = data.get("expires_in")
            lifetime = float(expires) if isinstance(expires, (int, float)) and not isinstance(expires, bool) else 300.0
            self._token_cache[cache_key] = (token, time.monotonic() + max(0.0, lifetime - min(60.0, lifetime / 10.0)))
            self.logger.log("debug", "oauth_token", scheme=p, expires_in=lifetime)
            return token

    # -- the exchange: retries, breaker, redirects ------------------------------------------------------

    def _exchange(self, tool, method, url, origin, base_path, headers, body, retryable, info, secrets):
        cfg = self.config
        attempts_allowed = 1 + (cfg.retries if retryable else 0)
        attempt = 0
        last_error = None
        while True:
            wait = self.breaker.before(origin)
            if wait is not None:
                raise ToolFailure("Upstream %s is failing; the circuit breaker is open (retry in %.1fs)." % (origin, wait),
                                  outcome="circuit_open")
            attempt += 1
            info["attempts"] = attempt
            retry_after = None
            try:
                resp = self._follow(method, url, origin, headers, body, time.monotonic() + cfg.timeout_ms / 1000.0)
            except _NetworkError as e:
                self.breaker.failure(origin)
                last_error = ToolFailure("Upstream request failed: %s." % e, outcome="timeout" if e.timeout else "network_error")
                self.logger.log("debug", "attempt_failed", tool=tool.get("name"), attempt=attempt, error=str(e))
            except ToolFailure:
                self.breaker.release(origin)
                raise
            else:
                info["status"] = resp.status
                if resp.status in BREAKER_STATUS:
                    self.breaker.failure(origin)
                else:
                    self.breaker.success(origin)
                if resp.status in RETRYABLE_STATUS and attempt < attempts_allowed:
                    retry_after = _parse_retry_after(resp.header("Retry-After"))
                    if retry_after is not None and retry_after * 1000 > cfg.retry_after_max_ms:
                        return self._response(tool, resp, secrets)  # asked to wait longer than we may
                    last_error = None
                else:
                    return self._response(tool, resp, secrets)
            if attempt >= attempts_allowed:
                raise last_error
            if retry_after is not None:
                delay = retry_after
            else:
                cap = min(cfg.retry_max_ms, cfg.retry_base_ms * (2 ** (attempt - 1)))
                delay = self.random.uniform(0, cap) / 1000.0
            self.sleep(delay)

    def _follow(self, method, url, origin, headers, body, deadline):
        for _ in range(4):
            resp = self._send(method, url, headers, body, deadline)
            if resp.status in (301, 302, 303, 307, 308) and resp.header("Location"):
                target = urllib.parse.urljoin(url, resp.header("Location"))
                t = urllib.parse.urlsplit(target)
                if "%s://%s" % (t.scheme.lower(), t.netloc.lower()) != origin:
                    raise ToolFailure("Upstream redirected to another origin; not followed (HTTP %d)." % resp.status,
                                      status=resp.status, outcome="redirect_refused")
                if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                url = target
                continue
            return resp
        raise ToolFailure("Upstream redirected too many times (more than 3).", outcome="redirect_refused")

    def _send(self, method, url, headers, body, deadline):
        u = urllib.parse.urlsplit(url)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _NetworkError("timed out", timeout=True)
        host, port = u.hostname, u.port
        try:
            if u.scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=remaining, context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=remaining)
        except (ValueError, OSError) as e:
            raise _NetworkError("could not connect (%s)" % type(e).__name__)
        target = (u.path or "/") + (("?" + u.query) if u.query else "")
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for k, v in headers:
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            limit = self.config.max_response_bytes
            chunks, total, truncated = [], 0, False
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("timed out")
                if conn.sock is not None:
                    conn.sock.settimeout(left)
                chunk = r.read1(65536) if hasattr(r, "read1") else r.read(65536)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    truncated = True
                    break
                chunks.append(chunk)
            return _Upstream(r.status, r.reason, r.getheaders(), b"".join(chunks), truncated)
        except (socket.timeout, TimeoutError):
            raise _NetworkError("timed out after %d ms" % self.config.timeout_ms, timeout=True)
        except ssl.SSLError as e:
            raise _NetworkError("TLS error (%s)" % (e.reason or type(e).__name__))
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise _NetworkError("%s" % (type(e).__name__,))
        finally:
            conn.close()

    def _response(self, tool, resp, secrets):
        if resp.truncated:
            raise ToolFailure("Upstream response is larger than %d bytes; refused." % self.config.max_response_bytes,
                              status=resp.status, outcome="response_too_large")
        ctype = (resp.header("Content-Type") or "").lower()
        text = _decode(resp.body, ctype)
        for s in secrets:
            if s and len(s) >= 4:
                text = text.replace(s, "[redacted]")
        if not 200 <= resp.status < 300:
            excerpt = " ".join(text.split())[:500]
            msg = "Upstream returned HTTP %d %s" % (resp.status, resp.reason or "")
            msg = msg.rstrip() + (": " + excerpt if excerpt else ".")
            return {"content": [{"type": "text", "text": msg}], "isError": True}
        data = None
        parsed = False
        if resp.body and ("json" in ctype or (not ctype and resp.body[:1] in (b"{", b"["))):
            try:
                data = json.loads(text)
                parsed = True
            except ValueError:
                parsed = False
        output_schema = tool.get("outputSchema")
        if isinstance(output_schema, dict):
            if not parsed or not isinstance(data, dict):
                return _text_result("Upstream response (HTTP %d) is not a JSON object, but the tool declares an output schema." % resp.status,
                                    is_error=True)
            errors = validate(output_schema, data)
            if errors:
                return _text_result("Upstream response does not match the tool's output schema: " + "; ".join(errors), is_error=True)
        if parsed:
            pretty = json.dumps(data, ensure_ascii=False)
            return _text_result(pretty, data if isinstance(data, dict) else None)
        if not resp.body:
            return _text_result("HTTP %d (no content)" % resp.status)
        return _text_result(text)

    # -- code tools ---------------------------------------------------------------------------------

    def _code_tool(self, tool, code_meta, arguments, info):
        cfg = self.config
        language = str(code_meta.get("language") or "").lower()
        if language == "python":
            interpreter, bridge = cfg.python, BRIDGE_DIR / "bridge.py"
        elif language in ("javascript", "typescript"):
            interpreter, bridge = cfg.node, BRIDGE_DIR / "bridge.mjs"
        else:
            raise ToolFailure("Code tools in %r are not supported." % language, outcome="not_implemented")
        if not bridge.is_file():
            raise ToolFailure("The %s bridge is missing (%s)." % (language, bridge.name), outcome="config_error")
        specs = [a for a in code_meta.get("arguments") or [] if isinstance(a, dict)]
        if not specs and isinstance(code_meta.get("arguments"), list) is False:
            specs = [{"name": k, "key": k} for k in arguments]
        self._check_file_arguments(specs, arguments)
        positional, kwargs, gap = [], {}, False
        for spec in specs:
            name = spec.get("name")
            key = spec.get("key") if isinstance(spec.get("key"), str) else name
            if name in arguments and not gap:
                positional.append(arguments[name])
            elif name in arguments:
                kwargs[key] = arguments[name]
            else:
                gap = True
        request = {"root": cfg.code_root, "file": str(code_meta.get("file") or ""), "function": str(code_meta.get("function") or ""),
                   "arguments": positional, "kwargs": kwargs}
        info["attempts"] = 1
        outcome = run_bridge([interpreter, str(bridge)], request, cfg.code_root, cfg.timeout_ms / 1000.0,
                             cfg.max_response_bytes, self.env, self.logger)
        if not outcome.get("ok"):
            raise ToolFailure("The function failed: %s" % str(outcome.get("error") or "unknown error")[:2000], outcome="code_error")
        value = outcome.get("value")
        output_schema = tool.get("outputSchema")
        if isinstance(output_schema, dict):
            if not isinstance(value, dict):
                return _text_result("The function's result is not an object, but the tool declares an output schema.", is_error=True)
            errors = validate(output_schema, value)
            if errors:
                return _text_result("The function's result does not match the tool's output schema: " + "; ".join(errors), is_error=True)
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return _text_result(text, value if isinstance(value, dict) else None)

    def _check_file_arguments(self, specs, arguments):
        root = self.config.allowed_root
        for spec in specs:
            name = str(spec.get("name") or "")
            if not _is_file_arg(name) or name not in arguments:
                continue
            values = arguments[name] if isinstance(arguments[name], list) else [arguments[name]]
            for v in values:
                if not isinstance(v, str):
                    continue
                if "\x00" in v:
                    raise ToolFailure("Refused: %s contains NUL." % name, outcome="refused")
                full = os.path.realpath(os.path.join(self.config.code_root, os.path.expanduser(v) if v.startswith("~") else v))
                if not (full == root or full.startswith(root.rstrip(os.sep) + os.sep)):
                    raise ToolFailure("Refused: %s resolves outside the allowed root (SMELTSEC_ALLOWED_ROOT)." % name, outcome="refused")


def _is_file_arg(name):
    n = name.lower()
    if n in FILE_ARG_WORDS:
        return True
    words = [w for w in re.split(r"[_\-]+|(?<=[a-z])(?=[A-Z])", name) if w]
    last = words[-1].lower() if words else ""
    return last in FILE_ARG_WORDS or n.endswith("path")


def _is_binary_schema(schema):
    if not isinstance(schema, dict):
        return False
    if schema.get("format") == "binary" or schema.get("contentEncoding") in ("binary", "base64"):
        return True
    return "format: binary" in str(schema.get("description") or "").lower()


def _binary_fields(props, form_args):
    return tuple(str(spec.get("key") or spec.get("name")) for spec, _ in form_args if _is_binary_schema(props.get(spec.get("name"))))


def _decode(body, ctype):
    m = re.search(r"charset=([A-Za-z0-9_\-]+)", ctype)
    enc = m.group(1) if m else "utf-8"
    try:
        return body.decode(enc, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def _parse_retry_after(value):
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


# ---------------------------------------------------------------------------------------------
# Bridge processes
# ---------------------------------------------------------------------------------------------

# The child must see the result pipe as fd 3. subprocess can only keep fds at their own numbers
# (pass_fds), so a tiny POSIX shell step moves it: `exec "$@" 3>&N` replaces the shell with the
# interpreter, so the pid we time out and kill is the interpreter's own.
_FD3_SHIM = 'n="$1"; shift; exec "$@" 3>&"$n"'


def run_bridge(argv, request, cwd, timeout, max_bytes, env, logger=None):
    """Run a bridge; returns {"ok": True, "value": ...} or {"ok": False, "error": "..."}."""
    r, w = os.pipe()
    chunks = []
    size = [0]

    def reader():
        try:
            while True:
                b = os.read(r, 65536)
                if not b:
                    break
                size[0] += len(b)
                if size[0] <= max_bytes:
                    chunks.append(b)
        except OSError:
            pass

    child_env = {k: v for k, v in dict(env).items() if isinstance(k, str) and isinstance(v, str)}
    child_env["SMELTSEC_RESULT_FD"] = "3"
    child_env.setdefault("PYTHONIOENCODING", "utf-8")
    child_env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", _FD3_SHIM, "sh", str(w)] + list(argv), cwd=cwd,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(w,), env=child_env, start_new_session=True)
    except OSError as e:
        os.close(r)
        os.close(w)
        return {"ok": False, "error": "could not start the bridge (%s)" % type(e).__name__}
    os.close(w)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    payload = json.dumps(request, ensure_ascii=False).encode("utf-8")
    try:
        out, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            proc.communicate(timeout=2)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            pass
        t.join(1)
        try:
            os.close(r)
        except OSError:
            pass
        return {"ok": False, "error": "timed out after %d ms" % int(timeout * 1000)}
    t.join(timeout)
    try:
        os.close(r)
    except OSError:
        pass
    if logger is not None and (out or err):
        logger.log("debug", "bridge_output", stdout_bytes=len(out or b""), stderr_bytes=len(err or b""))
    if size[0] > max_bytes:
        return {"ok": False, "error": "the result is larger than %d bytes" % max_bytes}
    raw = b"".join(chunks).decode("utf-8", "replace").strip()
    if not raw:
        return {"ok": False, "error": "the bridge exited (code %s) without a result" % proc.returncode}
    try:
        result = json.loads(raw.splitlines()[0])
    except ValueError:
        return {"ok": False, "error": "the bridge wrote an unreadable result"}
    if not isinstance(result, dict) or "ok" not in result:
        return {"ok": False, "error": "the bridge wrote an unexpected result"}
    return result


def _kill_group(proc):
    try:
        os.killpg(proc.pid, 9)
    except (OSError, AttributeError):
        try:
            proc.kill()
        except OSError:
            pass


def load_manifest(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))
