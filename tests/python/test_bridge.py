"""Code tools through bridge/bridge.py (and bridge.mjs when present and node is available)."""

import shutil
import tempfile
import textwrap
import unittest
from pathlib import Path

from helpers import PROJECT, make_runtime, text_of

PY_CODE = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def double(x):\n    return x * 2\n",
    "pkg/mod.py": textwrap.dedent('''
        import asyncio, os, sys, time
        from .util import double

        def add(a, b=0, *, scale=1):
            return {"sum": double(a + b) // 2 * scale}

        def shout(text):
            print("noise on stdout {\\"ok\\": false}")
            print("noise on stderr", file=sys.stderr)
            return text.upper()

        def boom():
            raise ValueError("bad input")

        def hang():
            time.sleep(30)

        async def later(x):
            await asyncio.sleep(0)
            return [x, x]

        def odd():
            return {"set": {1}, "nan": float("nan")}

        def read(path):
            with open(path) as f:
                return f.read()

        def leave():
            raise SystemExit(3)

        def fd3():
            try:
                os.write(3, b"{\\"ok\\": true, \\"value\\": \\"forged\\"}\\n")
            except OSError:
                pass
            return "real"

        class Tools:
            @staticmethod
            def twice(x):
                return x * 2

            @classmethod
            def name(cls):
                return cls.__name__

            def inst(self):
                return 1
        '''),
    "data/hello.txt": "hello file",
    "lib/text.mjs": "export function slug(s) { console.log('noise'); return s.toLowerCase().replace(/ /g, '-'); }\n"
                    "export function boom() { throw new TypeError('nope'); }\n",
}


def code_tool(name, function, args=(), file="pkg/mod.py", language="python", props=None, output=None):
    t = {"name": name, "title": name, "description": name,
         "inputSchema": {"type": "object", "properties": props or {a: {} for a in args}, "additionalProperties": False},
         "annotations": {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
         "_meta": {"smeltsec.dev/code": {"language": language, "file": file, "line": 1, "function": function,
                                         "arguments": [{"name": a, "in": "argument", "key": a} for a in args], "effects": []}}}
    if output:
        t["outputSchema"] = output
    return t


class CodeTools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = Path(tempfile.mkdtemp(prefix="smeltsec-code-"))
        for rel, text in PY_CODE.items():
            (cls.root / rel).parent.mkdir(parents=True, exist_ok=True)
            (cls.root / rel).write_text(text)
        tools = [code_tool("add", "add", ["a", "b", "scale"], output={"type": "object", "properties": {"sum": {"type": "integer"}}}),
                 code_tool("shout", "shout", ["text"]), code_tool("boom", "boom"), code_tool("hang", "hang"),
                 code_tool("later", "later", ["x"]), code_tool("odd", "odd"), code_tool("read", "read", ["path"]),
                 code_tool("twice", "Tools.twice", ["x"]), code_tool("cname", "Tools.name"), code_tool("inst", "Tools.inst"),
                 code_tool("leave", "leave"), code_tool("fd3", "fd3"), code_tool("missing", "nope"),
                 code_tool("escape", "add", ["a"], file="../outside.py"),
                 code_tool("slug", "slug", ["s"], file="lib/text.mjs", language="javascript"),
                 code_tool("jsboom", "boom", file="lib/text.mjs", language="javascript")]
        cls.rt = make_runtime({"tools": tools}, SMELTSEC_CODE_ROOT=str(cls.root), SMELTSEC_TIMEOUT_MS=3000)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def call(self, name, args=None):
        return self.rt.call_tool(name, args or {})

    def test_value_with_package_relative_import(self):
        res = self.call("add", {"a": 2, "b": 3})
        self.assertFalse(res["isError"], res)
        self.assertEqual(res["structuredContent"], {"sum": 5})

    def test_keyword_after_gap(self):
        res = self.call("add", {"a": 2, "scale": 10})
        self.assertEqual(res["structuredContent"], {"sum": 20}, res)

    def test_prints_do_not_corrupt_the_result(self):
        res = self.call("shout", {"text": "hi"})
        self.assertEqual(text_of(res), "HI")

    def test_exception_is_error_without_traceback(self):
        res = self.call("boom")
        self.assertTrue(res["isError"])
        self.assertIn("ValueError: bad input", text_of(res))
        self.assertNotIn("Traceback", text_of(res))

    def test_hang_times_out_and_is_killed(self):
        rt = make_runtime(self.rt.manifest, SMELTSEC_CODE_ROOT=str(self.root), SMELTSEC_TIMEOUT_MS=400)
        res = rt.call_tool("hang", {})
        self.assertTrue(res["isError"])
        self.assertIn("timed out", text_of(res))

    def test_coroutines_and_non_json_values(self):
        self.assertEqual(text_of(self.call("later", {"x": 1})), "[1, 1]")
        res = self.call("odd")
        self.assertEqual(res["structuredContent"], {"set": "{1}", "nan": "nan"})

    def test_static_class_and_instance_methods(self):
        self.assertEqual(text_of(self.call("twice", {"x": 4})), "8")
        self.assertEqual(text_of(self.call("cname")), "Tools")
        res = self.call("inst")
        self.assertTrue(res["isError"])
        self.assertIn("instance method", text_of(res))

    def test_exit_missing_function_escape_and_forged_fd3(self):
        self.assertIn("exit(3)", text_of(self.call("leave")))
        self.assertIn("not found", text_of(self.call("missing")))
        self.assertIn("not inside the code root", text_of(self.call("escape", {"a": 1})))
        self.assertEqual(text_of(self.call("fd3")), "real")

    def test_file_arguments_confined_to_allowed_root(self):
        self.assertEqual(text_of(self.call("read", {"path": "data/hello.txt"})), "hello file")
        for bad in ["../../etc/passwd", "/etc/passwd", "data/../../x"]:
            with self.subTest(path=bad):
                res = self.call("read", {"path": bad})
                self.assertTrue(res["isError"])
                self.assertIn("outside the allowed root", text_of(res))
        rt = make_runtime(self.rt.manifest, SMELTSEC_CODE_ROOT=str(self.root), SMELTSEC_ALLOWED_ROOT=str(self.root / "pkg"))
        self.assertIn("outside the allowed root", text_of(rt.call_tool("read", {"path": "data/hello.txt"})))

    @unittest.skipUnless((PROJECT / "bridge" / "bridge.mjs").is_file() and shutil.which("node"), "bridge.mjs or node missing")
    def test_javascript_through_bridge_mjs(self):
        res = self.call("slug", {"s": "Hello World"})
        self.assertFalse(res["isError"], res)
        self.assertEqual(text_of(res), "hello-world")
        res = self.call("jsboom")
        self.assertTrue(res["isError"])
        self.assertIn("nope", text_of(res))

    def test_metrics_for_code_tools(self):
        rt = make_runtime(self.rt.manifest, SMELTSEC_CODE_ROOT=str(self.root))
        rt.call_tool("twice", {"x": 1})
        rt.call_tool("boom", {})
        self.assertEqual(rt.metrics_snapshot()["twice"]["errors"], 0)
        self.assertEqual(rt.metrics_snapshot()["boom"]["errors"], 1)


if __name__ == "__main__":
    unittest.main()
