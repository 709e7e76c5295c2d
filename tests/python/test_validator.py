"""JSON Schema validator and ECMAScript pattern translation."""

import unittest

from helpers import golden_manifest, smeltsec_runtime as sr


def ok(schema, value):
    return sr.validate(schema, value) == []


class TypeTable(unittest.TestCase):
    CASES = [
        ({"type": "integer"}, 3, True), ({"type": "integer"}, 3.0, True), ({"type": "integer"}, 3.5, False),
        ({"type": "integer"}, True, False), ({"type": "number"}, False, False), ({"type": "number"}, 2.5, True),
        ({"type": "number"}, float("nan"), False), ({"type": "string"}, "x", True), ({"type": "string"}, 1, False),
        ({"type": "boolean"}, True, True), ({"type": "boolean"}, 0, False), ({"type": "null"}, None, True),
        ({"type": "array"}, [], True), ({"type": "array"}, {}, False), ({"type": "object"}, {}, True),
        ({"type": "object"}, [], False), ({"type": ["string", "null"]}, None, True), ({"type": ["string", "null"]}, 1, False),
        (True, {"anything": 1}, True), (False, 1, False),
    ]

    def test_table(self):
        for schema, value, expected in self.CASES:
            with self.subTest(schema=schema, value=value):
                self.assertEqual(ok(schema, value), expected)


class KeywordTable(unittest.TestCase):
    CASES = [
        ({"enum": ["a", 1]}, "a", True), ({"enum": ["a", 1]}, True, False), ({"enum": [1]}, 1.0, True),
        ({"const": {"a": [1, 2]}}, {"a": [1, 2]}, True), ({"const": False}, 0, False),
        ({"minimum": 1}, 1, True), ({"minimum": 1}, 0, False), ({"maximum": 5}, 6, False),
        ({"exclusiveMinimum": 1}, 1, False), ({"exclusiveMinimum": 1}, 1.01, True), ({"exclusiveMaximum": 2}, 2, False),
        ({"multipleOf": 0.1}, 0.3, True), ({"multipleOf": 3}, 10, False), ({"multipleOf": 2}, 4.0, True),
        ({"minLength": 2}, "é", False), ({"maxLength": 2}, "😀😀", True), ({"maxLength": 1}, "ab", False),
        ({"pattern": "^[a-z0-9-]{1,36}$"}, "abc-1", True), ({"pattern": "^[a-z0-9-]{1,36}$"}, "ABC", False),
        ({"pattern": "^a$"}, "a\n", False), ({"pattern": "\\d+"}, "x٣", False), ({"pattern": "\\d+"}, "x3", True),
        ({"minItems": 1}, [], False), ({"maxItems": 1}, [1, 2], False), ({"uniqueItems": True}, [1, 1.0], False),
        ({"uniqueItems": True}, [1, True], True), ({"uniqueItems": True}, [{"a": 1}, {"a": 1}], False),
        ({"items": {"type": "string"}}, ["a", 2], False), ({"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}, [1, "a"], True),
        ({"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}, ["a"], False),
        ({"minProperties": 1}, {}, False), ({"maxProperties": 1}, {"a": 1, "b": 2}, False),
        ({"required": ["a"]}, {}, False), ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"b": 1}, False),
        ({"additionalProperties": {"type": "integer"}}, {"x": 1}, True), ({"additionalProperties": {"type": "integer"}}, {"x": "1"}, False),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, False), ({"dependentRequired": {"a": ["b"]}}, {"a": 1, "b": 2}, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, None, True), ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 3, False),
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False), ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1, True),
        ({"allOf": [{"minimum": 1}, {"maximum": 3}]}, 4, False), ({"not": {"type": "string"}}, "x", False), ({"not": {"type": "string"}}, 1, True),
        ({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}}, [1, "x"], False),
    ]

    def test_table(self):
        for schema, value, expected in self.CASES:
            with self.subTest(schema=schema, value=value):
                self.assertEqual(ok(schema, value), expected, sr.validate(schema, value))

    def test_messages_have_json_paths(self):
        schema = {"type": "object", "properties": {"body": {"type": "object", "properties": {
            "tags": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}}
        errors = sr.validate(schema, {"body": {"tags": [{"id": 1}, {"id": "x"}]}})
        self.assertEqual(errors, ["$.body.tags[1].id: expected integer, got string"])
        errors = sr.validate({"type": "object", "properties": {}, "additionalProperties": False}, {"a b": 1})
        self.assertIn('unknown property "a b"', errors[0])
        errors = sr.validate({"type": "object", "required": ["petId"]}, {})
        self.assertEqual(errors, ['$: missing required property "petId"'])

    def test_deep_nesting_is_refused_not_crashing(self):
        v = []
        for _ in range(5000):
            v = [v]
        self.assertEqual(sr.validate({"type": "array", "items": {"type": "array"}}, v), [])
        deep_schema = {}
        for _ in range(200):
            deep_schema = {"items": deep_schema}
        errors = sr.validate(deep_schema, v)
        self.assertTrue(errors and "nested too deeply" in errors[0], errors)


class Patterns(unittest.TestCase):
    def test_translations(self):
        cases = [("^[a-zA-Z0-9_-]{1,64}$", "get_pet", True), ("^[a-zA-Z0-9_-]{1,64}$", "a/b", False),
                 ("^\\w+$", "abc_1", True), ("^\\w+$", "é", False), ("^\\s$", "\u00a0", True),
                 ("^(?<year>\\d{4})-\\d{2}$", "2024-01", True), ("^[^\\d]+$", "abc", True), ("a\\/b", "a/b", True),
                 ("^\\u00e9$", "é", True), ("^[\\w.-]+@[\\w-]+$", "a.b@c", True)]
        for pattern, s, expected in cases:
            with self.subTest(pattern=pattern, s=s):
                self.assertEqual(bool(sr.compile_ecma_pattern(pattern).search(s)), expected)

    def test_refused_patterns(self):
        for pattern in ["(a)\\1", "(?<n>a)\\k<n>", "(a+)+$", "(\\w*)*x", "([a-z]+)*", "(a|b+){2,}", "[]", "[^]", "\\cA",
                        "\\u{1F600}", "a{1,5000}", "(?i)a", "(", "[a"]:
            with self.subTest(pattern=pattern):
                with self.assertRaises(sr.PatternUnsupported):
                    sr.compile_ecma_pattern(pattern)

    def test_refused_pattern_fails_validation_closed(self):
        errors = sr.validate({"type": "string", "pattern": "(a+)+$"}, "aaaa")
        self.assertEqual(len(errors), 1)
        self.assertIn("refused", errors[0])

    def test_pattern_input_is_bounded(self):
        errors = sr.validate({"type": "string", "pattern": "^a*$"}, "a" * (sr.PATTERN_MAX_INPUT + 1))
        self.assertIn("too long", errors[0])


class RealManifestSchemas(unittest.TestCase):
    def test_petstore_add_pet(self):
        tools = {t["name"]: t for t in golden_manifest("openapi/swagger-petstore-3.0.4.golden.json")["tools"]}
        schema = tools["add_pet"]["inputSchema"]
        good = {"body": {"name": "doggie", "photoUrls": ["u"], "status": "sold", "category": {"id": 1, "name": "Dogs"},
                         "tags": [{"id": 1, "name": "t"}]}}
        self.assertEqual(sr.validate(schema, good), [])
        bad_cases = [
            ({"body": {"name": "d"}}, 'missing required property "photoUrls"'),
            ({"body": {"name": "d", "photoUrls": [], "status": "lost"}}, "must be one of"),
            ({"body": {"name": "d", "photoUrls": [], "extra": 1}}, 'unknown property "extra"'),
            ({"body": {"name": "d", "photoUrls": [], "id": True}}, "$.body.id: expected integer, got boolean"),
            ({}, 'missing required property "body"'),
        ]
        for value, needle in bad_cases:
            with self.subTest(value=value):
                errors = sr.validate(schema, value)
                self.assertTrue(errors and needle in errors[0], errors)
        get_pet = tools["get_pet_by_id"]["inputSchema"]
        self.assertEqual(sr.validate(get_pet, {"petId": 10}), [])
        self.assertTrue(sr.validate(get_pet, {"petId": "10"}))

    def test_grouped_and_features(self):
        m = golden_manifest("openapi/features-3.0.grouped.golden.json")
        tools = {t["name"]: t for t in m["tools"]}
        self.assertEqual(sr.validate(tools["describe_operation"]["inputSchema"], {"operation": "list_pets"}), [])
        self.assertTrue(sr.validate(tools["describe_operation"]["inputSchema"], {"operation": "../etc"}))
        self.assertTrue(sr.validate(tools["search_operations"]["inputSchema"], {"query": "pets", "limit": 51}))
        ops = {o["name"]: o for o in m["_meta"]["smeltsec.dev/catalog"]["operations"]}
        ls = ops["list_pets"]["inputSchema"]
        self.assertEqual(sr.validate(ls, {"filter_status": "sold", "limit": 100}), [])
        self.assertTrue(sr.validate(ls, {"limit": 0}))

    def test_code_manifest(self):
        tools = {t["name"]: t for t in golden_manifest("code/python-library-functions.golden.json")["tools"]}
        render = tools["render"]["inputSchema"]
        self.assertEqual(sr.validate(render, {"source": "# hi", "extensions": None, "flavour": "gfm"}), [])
        self.assertEqual(sr.validate(render, {"source": "# hi", "extensions": ["a"]}), [])
        self.assertTrue(sr.validate(render, {"source": "# hi", "extensions": [1]}))
        self.assertTrue(sr.validate(render, {"flavour": "gfm"}))

    def test_every_golden_schema_compiles_its_patterns(self):
        import glob
        import json
        for path in glob.glob(str(__import__("helpers").GOLDEN / "**" / "*.json"), recursive=True):
            with open(path) as f:
                m = json.load(f).get("manifest") or {}
            for t in m.get("tools", []):
                # An empty object is valid or rejected with messages, never an exception.
                self.assertIsInstance(sr.validate(t["inputSchema"], {}), list)


if __name__ == "__main__":
    unittest.main()
