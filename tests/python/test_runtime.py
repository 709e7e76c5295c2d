"""The runtime against a real local upstream (http.server on 127.0.0.1)."""

import base64
import json
import time
import unittest
import urllib.parse

from helpers import Upstream, golden_manifest, http_tool, make_runtime, smeltsec_runtime as sr, text_of


def pet_tools():
    return [
        http_tool("get_pet", "GET", "/pets/{petId}", [{"name": "petId", "in": "path", "key": "petId"}],
                  {"petId": {"type": "integer"}}, ["petId"],
                  output={"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["id"]}),
        http_tool("get_file", "GET", "/files/{name}", [{"name": "name", "in": "path", "key": "name"}], {"name": {"type": "string"}}, ["name"]),
        http_tool("create_pet", "POST", "/pets", [{"name": "body", "in": "body", "contentType": "application/json"}],
                  {"body": {"type": "object"}}, ["body"]),
        http_tool("search", "GET", "/search", [
            {"name": "tags", "in": "query", "key": "tags"},
            {"name": "csv", "in": "query", "key": "csv", "collectionFormat": "csv"},
            {"name": "pipes", "in": "query", "key": "p", "style": "pipeDelimited", "explode": False},
            {"name": "filter", "in": "query", "key": "filter", "style": "deepObject", "explode": True},
            {"name": "flag", "in": "query", "key": "flag"},
            {"name": "trace", "in": "header", "key": "X-Trace"},
            {"name": "session", "in": "cookie", "key": "session"},
            {"name": "link", "in": "query", "key": "link"},
        ], {"tags": {"type": "array", "items": {"type": "string"}}, "csv": {"type": "array", "items": {"type": "string"}},
            "pipes": {"type": "array", "items": {"type": "string"}}, "filter": {"type": "object"}, "flag": {"type": "boolean"},
            "trace": {"type": "string"}, "session": {"type": "string"}, "link": {"type": "string"}}),
        http_tool("upload", "POST", "/upload", [{"name": "file", "in": "form", "key": "file"}, {"name": "note", "in": "form", "key": "note"}],
                  {"file": {"type": "string", "description": "Format: binary."}, "note": {"type": "string"}}),
        http_tool("login", "POST", "/login", [{"name": "user", "in": "form", "key": "username"}], {"user": {"type": "string"}}),
        http_tool("retry_post", "POST", "/flaky", [], {}, idempotent=False, retryable=True),
        http_tool("flaky_get", "GET", "/flaky", []),
        http_tool("flaky_post", "POST", "/flaky", [], idempotent=False),
        http_tool("slow", "GET", "/slow", []),
        http_tool("reset", "GET", "/reset", []),
        http_tool("busy", "GET", "/busy", []),
        http_tool("redirect", "GET", "/redirect", []),
        http_tool("big", "GET", "/big", []),
    ]


class HttpBase(unittest.TestCase):
    def setUp(self):
        self.up = Upstream()
        self.addCleanup(self.up.close)
        self.manifest = {"tools": pet_tools()}

    def rt(self, **env):
        env.setdefault("API_BASE_URL", self.up.url + "/api")
        return make_runtime(self.manifest, **env)


class Calls(HttpBase):
    def test_get_returns_upstream_json_as_structured_content(self):
        self.up.routes[("GET", "/api/pets/7")] = lambda r: (200, {}, {"id": 7, "name": "Rex"})
        res = self.rt().call_tool("get_pet", {"petId": 7})
        self.assertFalse(res["isError"], res)
        self.assertEqual(res["structuredContent"], {"id": 7, "name": "Rex"})
        self.assertEqual(json.loads(text_of(res)), {"id": 7, "name": "Rex"})

    def test_output_schema_mismatch_is_an_error(self):
        self.up.routes[("GET", "/api/pets/7")] = lambda r: (200, {}, {"name": "no id"})
        res = self.rt().call_tool("get_pet", {"petId": 7})
        self.assertTrue(res["isError"])
        self.assertIn("output schema", text_of(res))
        self.assertIn('missing required property "id"', text_of(res))

    def test_invalid_arguments_never_reach_upstream(self):
        res = self.rt().call_tool("get_pet", {"petId": "7"})
        self.assertTrue(res["isError"])
        self.assertIn("$.petId: expected integer, got string", text_of(res))
        res = self.rt().call_tool("get_pet", {"petId": 7, "x": 1})
        self.assertIn('unknown property "x"', text_of(res))
        self.assertEqual(self.up.count(), 0)

    def test_unknown_tool_and_bad_arguments(self):
        rt = self.rt()
        self.assertTrue(rt.call_tool("nope", {})["isError"])
        self.assertTrue(rt.call_tool("get_pet", ["x"])["isError"])

    def test_post_json_body(self):
        self.up.routes[("POST", "/api/pets")] = lambda r: (201, {}, {"ok": True})
        res = self.rt().call_tool("create_pet", {"body": {"name": "Rex", "tags": ["a"]}})
        self.assertFalse(res["isError"], res)
        req = self.up.requests[-1]
        self.assertEqual(json.loads(req["body"]), {"name": "Rex", "tags": ["a"]})
        self.assertEqual(req["headers_lower"]["content-type"], "application/json")

    def test_query_styles_headers_cookies(self):
        self.up.routes[("GET", "/api/search")] = lambda r: (200, {"Content-Type": "text/plain"}, "fine")
        res = self.rt().call_tool("search", {"tags": ["a", "b c"], "csv": ["x", "y"], "pipes": ["1", "2"],
                                             "filter": {"color": "red", "size": 2}, "flag": True, "trace": "t-1", "session": "s1"})
        self.assertFalse(res["isError"], res)
        self.assertEqual(text_of(res), "fine")
        req = self.up.requests[-1]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(req["path"]).query)
        self.assertEqual(q["tags"], ["a", "b c"])
        self.assertEqual(q["csv"], ["x,y"])
        self.assertEqual(q["p"], ["1|2"])
        self.assertEqual(q["filter[color]"], ["red"])
        self.assertEqual(q["filter[size]"], ["2"])
        self.assertEqual(q["flag"], ["true"])
        self.assertEqual(req["headers_lower"]["x-trace"], "t-1")
        self.assertEqual(req["headers_lower"]["cookie"], "session=s1")

    def test_form_bodies(self):
        self.up.routes[("POST", "/api/upload")] = lambda r: (200, {}, {"ok": 1})
        self.up.routes[("POST", "/api/login")] = lambda r: (200, {}, {"ok": 1})
        rt = self.rt()
        self.assertFalse(rt.call_tool("upload", {"file": "CONTENT", "note": "n"})["isError"])
        req = self.up.requests[-1]
        self.assertTrue(req["headers_lower"]["content-type"].startswith("multipart/form-data; boundary="))
        self.assertIn(b'name="file"; filename="file"', req["body"])
        self.assertIn(b"CONTENT", req["body"])
        self.assertFalse(rt.call_tool("login", {"user": "a b&c"})["isError"])
        req = self.up.requests[-1]
        self.assertEqual(req["headers_lower"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual(urllib.parse.parse_qs(req["body"].decode()), {"username": ["a b&c"]})

    def test_non_2xx_is_error_with_status_and_excerpt(self):
        self.up.routes[("GET", "/api/pets/1")] = lambda r: (404, {"Content-Type": "application/json"}, {"message": "Pet not found"})
        res = self.rt().call_tool("get_pet", {"petId": 1})
        self.assertTrue(res["isError"])
        self.assertIn("HTTP 404", text_of(res))
        self.assertIn("Pet not found", text_of(res))

    def test_base_url_required(self):
        rt = make_runtime(self.manifest)
        res = rt.call_tool("flaky_get", {})
        self.assertTrue(res["isError"])
        self.assertIn("API_BASE_URL", text_of(res))
        res = make_runtime(self.manifest, API_BASE_URL="ftp://x/").call_tool("flaky_get", {})
        self.assertIn("API_BASE_URL", text_of(res))

    def test_same_origin_redirect_followed_cross_origin_refused(self):
        self.up.routes[("GET", "/api/redirect")] = lambda r: (302, {"Location": "/api/target"}, "")
        self.up.routes[("GET", "/api/target")] = lambda r: (200, {}, {"ok": True})
        res = self.rt().call_tool("redirect", {})
        self.assertEqual(res["structuredContent"], {"ok": True})
        self.up.routes[("GET", "/api/redirect")] = lambda r: (302, {"Location": "http://evil.example/x"}, "")
        res = self.rt().call_tool("redirect", {})
        self.assertTrue(res["isError"])
        self.assertIn("another origin", text_of(res))
        self.up.routes[("GET", "/api/redirect")] = lambda r: (302, {"Location": "/api/redirect"}, "")
        res = self.rt().call_tool("redirect", {})
        self.assertIn("too many", text_of(res))

    def test_response_size_cap(self):
        self.up.routes[("GET", "/api/big")] = lambda r: (200, {"Content-Type": "text/plain"}, "x" * 5000)
        res = self.rt(SMELTSEC_MAX_RESPONSE_BYTES=1000).call_tool("big", {})
        self.assertTrue(res["isError"])
        self.assertIn("larger than 1000 bytes", text_of(res))


class Retries(HttpBase):
    def script(self, path, responses):
        seq = list(responses)

        def handler(r):
            return seq.pop(0) if len(seq) > 1 else seq[0]
        self.up.routes[("*", path)] = handler

    def test_500_retried_for_idempotent_get(self):
        self.script("/api/flaky", [(500, {}, "boom"), (500, {}, "boom"), (200, {}, {"ok": 1})])
        res = self.rt().call_tool("flaky_get", {})
        self.assertFalse(res["isError"], res)
        self.assertEqual(self.up.count("/api/flaky"), 3)

    def test_500_not_retried_for_post(self):
        self.script("/api/flaky", [(500, {}, "boom"), (200, {}, {"ok": 1})])
        res = self.rt().call_tool("flaky_post", {})
        self.assertTrue(res["isError"])
        self.assertIn("HTTP 500", text_of(res))
        self.assertEqual(self.up.count("/api/flaky"), 1)

    def test_post_marked_retryable_is_retried(self):
        self.script("/api/flaky", [(503, {}, "x"), (200, {}, {"ok": 1})])
        self.assertFalse(self.rt().call_tool("retry_post", {})["isError"])
        self.assertEqual(self.up.count("/api/flaky"), 2)

    def test_retries_give_up(self):
        self.script("/api/flaky", [(502, {}, "bad gateway")])
        res = self.rt(SMELTSEC_RETRIES=1).call_tool("flaky_get", {})
        self.assertTrue(res["isError"])
        self.assertEqual(self.up.count("/api/flaky"), 2)

    def test_slow_upstream_times_out(self):
        self.up.routes[("GET", "/api/slow")] = lambda r: ("sleep", 1.0, (200, {}, {"ok": 1}))
        started = time.monotonic()
        res = self.rt(SMELTSEC_TIMEOUT_MS=200, SMELTSEC_RETRIES=0).call_tool("slow", {})
        self.assertTrue(res["isError"])
        self.assertIn("timed out", text_of(res))
        self.assertLess(time.monotonic() - started, 0.9)

    def test_connection_reset_retried_for_get(self):
        self.script("/api/reset", ["reset", (200, {}, {"ok": 1})])
        res = self.rt().call_tool("reset", {})
        self.assertFalse(res["isError"], res)
        self.assertEqual(self.up.count("/api/reset"), 2)

    def test_429_retry_after_waited(self):
        self.script("/api/busy", [(429, {"Retry-After": "1"}, "slow down"), (200, {}, {"ok": 1})])
        rt = self.rt()
        waits = []
        rt.sleep = waits.append
        res = rt.call_tool("busy", {})
        self.assertFalse(res["isError"], res)
        self.assertEqual(waits, [1.0])

    def test_retry_after_http_date_and_cap(self):
        self.assertAlmostEqual(sr._parse_retry_after("2"), 2.0)
        when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
        self.assertTrue(25 < sr._parse_retry_after(when) <= 31)
        self.script("/api/busy", [(503, {"Retry-After": "120"}, "later"), (200, {}, {"ok": 1})])
        rt = self.rt(SMELTSEC_RETRY_AFTER_MAX_MS=1000)
        rt.sleep = lambda s: self.fail("must not wait beyond SMELTSEC_RETRY_AFTER_MAX_MS")
        res = rt.call_tool("busy", {})
        self.assertTrue(res["isError"])
        self.assertEqual(self.up.count("/api/busy"), 1)

    def test_breaker_opens_fails_fast_and_recovers(self):
        self.script("/api/flaky", [(500, {}, "down")])
        rt = self.rt(SMELTSEC_RETRIES=0, SMELTSEC_BREAKER_FAILURES=3, SMELTSEC_BREAKER_COOLDOWN_MS=300)
        for _ in range(3):
            self.assertIn("HTTP 500", text_of(rt.call_tool("flaky_get", {})))
        hits = self.up.count("/api/flaky")
        res = rt.call_tool("flaky_get", {})
        self.assertIn("circuit breaker is open", text_of(res))
        self.assertEqual(self.up.count("/api/flaky"), hits)  # failed fast
        time.sleep(0.35)
        self.script("/api/flaky", [(200, {}, {"ok": 1})])
        res = rt.call_tool("flaky_get", {})  # half-open probe
        self.assertFalse(res["isError"], res)
        self.assertEqual(rt.breaker.snapshot()[self.up.url], "closed")

    def test_breaker_half_open_failure_reopens(self):
        b = sr.CircuitBreaker(2, 10000, 100)
        b.failure("o")
        b.failure("o")
        self.assertIsNotNone(b.before("o"))
        time.sleep(0.12)
        self.assertIsNone(b.before("o"))       # the probe
        self.assertIsNotNone(b.before("o"))    # a second caller waits while probing
        b.failure("o")
        self.assertIsNotNone(b.before("o"))


class Sanitisation(HttpBase):
    def refused(self, tool, args, needle, **env):
        res = self.rt(**env).call_tool(tool, args)
        self.assertTrue(res["isError"], res)
        self.assertIn(needle, text_of(res))
        self.assertEqual(self.up.count(), 0, "the upstream must not see refused requests")

    def test_path_traversal(self):
        for value, needle in [("../admin", "slash"), ("..", "dot segment"), (".", "dot segment"), ("a\\b", "slash"),
                              ("%2e%2e", "encoded"), ("a%2fb", "encoded"), ("x\u0000", "control")]:
            with self.subTest(value=value):
                self.refused("get_file", {"name": value}, needle)

    def test_path_params_are_percent_encoded(self):
        self.up.routes[("GET", "/api/files/a%20b%3Fc")] = lambda r: (200, {}, {"ok": 1})
        res = self.rt().call_tool("get_file", {"name": "a b?c"})
        self.assertFalse(res["isError"], res)

    def test_crlf_header_and_cookie(self):
        self.refused("search", {"trace": "x\r\nX-Evil: 1"}, "control characters")
        self.refused("search", {"session": "a; admin=1"}, "';'")

    def test_invalid_header_name_is_the_calls_fault_not_the_upstreams(self):
        tool = http_tool("bad_header", "GET", "/bad", [{"name": "h", "in": "header", "key": "X-Bad*/Name"}],
                         properties={"h": {"type": "string"}})
        rt = make_runtime({"tools": [tool]}, API_BASE_URL=self.up.url + "/api", SMELTSEC_BREAKER_FAILURES="1")
        res = rt.call_tool("bad_header", {"h": "v"})
        self.assertTrue(res["isError"], res)
        self.assertIn("not a valid HTTP header name", text_of(res))
        self.assertEqual(self.up.count(), 0)
        self.assertEqual(rt.breaker.snapshot().get(self.up.url, "closed"), "closed")  # not an upstream failure

    def test_oversize_string_any_depth(self):
        self.refused("create_pet", {"body": {"deep": [{"x": "y" * 2000}]}}, "longer than 1000 bytes", SMELTSEC_MAX_STRING_BYTES=1000)

    def test_ssrf_urls(self):
        for url in ["http://127.0.0.2/", "http://169.254.169.254/latest/meta-data", "http://metadata.google.internal/",
                    "http://10.0.0.1/", "http://100.64.1.1/", "http://[::1]/", "http://[fd00::1]/", "http://[fe80::1]/",
                    "http://[::ffff:127.0.0.1]/", "http://0x7f000001/", "http://2130706433/", "http://localhost:8080/",
                    "file:///etc/passwd", "gopher://example.com/", "http://0.0.0.0/"]:
            with self.subTest(url=url):
                self.refused("search", {"link": url}, "Refused")

    def test_public_url_allowed_and_modes(self):
        self.up.routes[("GET", "/api/search")] = lambda r: (200, {}, {"ok": 1})
        self.assertFalse(self.rt().call_tool("search", {"link": "https://example.com/a"})["isError"])
        # The base host itself is allowed even though it is loopback.
        self.assertFalse(self.rt().call_tool("search", {"link": self.up.url + "/x"})["isError"])
        self.assertFalse(self.rt(SMELTSEC_URL_ARGUMENTS="any").call_tool("search", {"link": "http://10.0.0.1/"})["isError"])
        n = self.up.count()
        res = self.rt(SMELTSEC_URL_ARGUMENTS="deny").call_tool("search", {"link": "https://example.com/"})
        self.assertIn("URL arguments are disabled", text_of(res))
        self.assertEqual(self.up.count(), n)

    def test_final_url_stays_under_base(self):
        rt = self.rt()
        with self.assertRaises(sr.ToolFailure):
            rt._check_final_url("http://127.0.0.1:1/other/x", "http://127.0.0.1:1", "/api")
        with self.assertRaises(sr.ToolFailure):
            rt._check_final_url("http://127.0.0.1:1/api/../x", "http://127.0.0.1:1", "/api")
        with self.assertRaises(sr.ToolFailure):
            rt._check_final_url("http://evil:1/api/x", "http://127.0.0.1:1", "/api")
        rt._check_final_url("http://127.0.0.1:1/api/x", "http://127.0.0.1:1", "/api")


class Credentials(HttpBase):
    def secured(self, schemes, security):
        t = http_tool("secure", "GET", "/secure", [], securitySchemes=schemes, security=security)
        self.manifest = {"tools": [t]}
        self.up.routes[("GET", "/api/secure")] = lambda r: (200, {}, {"ok": 1})

    def test_api_key_header_and_never_logged(self):
        self.secured({"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}, [{"apiKey": []}])
        rt = self.rt(APIKEY_API_KEY="sekrit-123456")
        self.assertFalse(rt.call_tool("secure", {})["isError"])
        self.assertEqual(self.up.requests[-1]["headers_lower"]["x-api-key"], "sekrit-123456")
        self.assertNotIn("sekrit-123456", rt.log.getvalue())
        self.assertIn('"tool_call"', rt.log.getvalue())

    def test_api_key_query_and_cookie(self):
        self.secured({"server_token": {"type": "apiKey", "in": "query", "name": "server_token"}}, [{"server_token": []}])
        self.rt(SERVER_TOKEN_API_KEY="q1").call_tool("secure", {})
        self.assertIn("server_token=q1", self.up.requests[-1]["path"])
        self.secured({"c": {"type": "apiKey", "in": "cookie", "name": "sid"}}, [{"c": []}])
        self.rt(C_API_KEY="c1").call_tool("secure", {})
        self.assertEqual(self.up.requests[-1]["headers_lower"]["cookie"], "sid=c1")

    def test_missing_credentials_named_no_upstream_call(self):
        self.secured({"petstore_auth": {"type": "oauth2", "flows": {}}}, [{"petstore_auth": ["read:pets"]}])
        res = self.rt().call_tool("secure", {})
        self.assertTrue(res["isError"])
        self.assertIn("PETSTORE_AUTH_ACCESS_TOKEN", text_of(res))
        self.assertEqual(self.up.count(), 0)

    def test_bearer_basic_and_alternatives(self):
        self.secured({"jwt": {"type": "http", "scheme": "bearer"}, "basic": {"type": "basic"}}, [{"jwt": []}, {"basic": []}])
        self.rt(BASIC_USERNAME="u", BASIC_PASSWORD="p").call_tool("secure", {})
        self.assertEqual(self.up.requests[-1]["headers_lower"]["authorization"], "Basic " + base64.b64encode(b"u:p").decode())
        self.rt(JWT_TOKEN="tok", BASIC_USERNAME="u", BASIC_PASSWORD="p").call_tool("secure", {})
        self.assertEqual(self.up.requests[-1]["headers_lower"]["authorization"], "Bearer tok")

    def test_optional_security(self):
        self.secured({"k": {"type": "apiKey", "in": "header", "name": "K"}}, [{"k": []}, {}])
        self.assertFalse(self.rt().call_tool("secure", {})["isError"])
        self.assertNotIn("k", self.up.requests[-1]["headers_lower"])

    def test_oauth2_client_credentials_cached(self):
        calls = []

        def token(r):
            calls.append(r)
            return (200, {}, {"access_token": "at-%d" % len(calls), "expires_in": 3600, "token_type": "Bearer"})
        self.up.routes[("POST", "/token")] = token
        self.secured({"oa": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": self.up.url + "/token", "scopes": {}}}}},
                     [{"oa": ["read"]}])
        rt = self.rt(OA_CLIENT_ID="cid", OA_CLIENT_SECRET="csecret")
        self.assertFalse(rt.call_tool("secure", {})["isError"])
        self.assertFalse(rt.call_tool("secure", {})["isError"])
        self.assertEqual(len(calls), 1)
        self.assertEqual(urllib.parse.parse_qs(calls[0]["body"].decode()), {"grant_type": ["client_credentials"], "scope": ["read"]})
        self.assertEqual(calls[0]["headers_lower"]["authorization"], "Basic " + base64.b64encode(b"cid:csecret").decode())
        self.assertEqual(self.up.requests[-1]["headers_lower"]["authorization"], "Bearer at-1")
        self.assertNotIn("csecret", rt.log.getvalue())
        self.assertNotIn("at-1", rt.log.getvalue())

    def test_passthrough_headers(self):
        self.up.routes[("GET", "/api/flaky")] = lambda r: (200, {}, {"ok": 1})
        self.manifest = {"tools": pet_tools()}
        rt = self.rt(SMELTSEC_PASSTHROUGH_HEADERS="X-Tenant")
        rt.call_tool("flaky_get", {}, headers={"x-tenant": "t1", "authorization": "Bearer caller"})
        h = self.up.requests[-1]["headers_lower"]
        self.assertEqual(h["x-tenant"], "t1")
        self.assertNotIn("authorization", h)
        res = rt.call_tool("flaky_get", {}, headers={"X-Tenant": "a\r\nb: c"})
        self.assertTrue(res["isError"])


class Grouped(unittest.TestCase):
    def setUp(self):
        self.up = Upstream()
        self.addCleanup(self.up.close)
        self.manifest = golden_manifest("openapi/features-3.0.grouped.golden.json")
        self.rt = make_runtime(self.manifest, API_BASE_URL=self.up.url + "/v2", APIKEY_API_KEY="k")

    def test_search(self):
        res = self.rt.call_tool("search_operations", {"query": "pets photo", "limit": 3})
        self.assertFalse(res["isError"], res)
        names = [o["name"] for o in res["structuredContent"]["operations"]]
        self.assertLessEqual(len(names), 3)
        self.assertIn("upload_photo", names)
        res = self.rt.call_tool("search_operations", {"query": "zzzz"})
        self.assertEqual(res["structuredContent"]["operations"], [])

    def test_describe(self):
        res = self.rt.call_tool("describe_operation", {"operation": "list_pets"})
        op = next(o for o in self.manifest["_meta"]["smeltsec.dev/catalog"]["operations"] if o["name"] == "list_pets")
        self.assertEqual(res["structuredContent"]["inputSchema"], op["inputSchema"])
        self.assertEqual(res["structuredContent"]["method"], "GET")
        self.assertTrue(self.rt.call_tool("describe_operation", {"operation": "nope"})["isError"])

    def test_call(self):
        self.up.routes[("GET", "/v2/pets")] = lambda r: (200, {}, {"items": [], "next": None})
        res = self.rt.call_tool("call_operation", {"operation": "list_pets", "arguments": {"limit": 5, "filter_status": "sold"}})
        self.assertFalse(res["isError"], res)
        req = self.up.requests[-1]
        self.assertIn("filter%5Bstatus%5D=sold", req["path"])
        self.assertEqual(req["headers_lower"]["x-api-key"], "k")
        bad = self.rt.call_tool("call_operation", {"operation": "list_pets", "arguments": {"limit": 0}})
        self.assertTrue(bad["isError"])
        self.assertIn("list_pets", text_of(bad))
        self.assertEqual(self.up.count(), 1)

    def test_explicit_grouped_meta(self):
        m = {"tools": [{"name": "find", "inputSchema": {"type": "object"}, "_meta": {"smeltsec.dev/grouped": {"role": "search"}}}],
             "_meta": self.manifest["_meta"]}
        res = make_runtime(m).call_tool("find", {"query": "pet"})
        self.assertFalse(res["isError"], res)
        self.assertTrue(res["structuredContent"]["operations"])


class Metrics(HttpBase):
    def test_metrics_and_logs(self):
        self.up.routes[("GET", "/api/pets/1")] = lambda r: (200, {}, {"id": 1})
        rt = self.rt()
        events = []
        rt.on_metrics(events.append)
        rt.call_tool("get_pet", {"petId": 1})
        rt.call_tool("get_pet", {"petId": "bad"})
        snap = rt.metrics_snapshot()
        self.assertEqual(snap["get_pet"]["calls"], 2)
        self.assertEqual(snap["get_pet"]["errors"], 1)
        self.assertGreater(snap["get_pet"]["total_latency_ms"], 0)
        self.assertEqual([e["ok"] for e in events], [True, False])
        lines = [json.loads(line) for line in rt.log.getvalue().splitlines()]
        calls = [line for line in lines if line["event"] == "tool_call"]
        self.assertEqual(calls[0]["tool"], "get_pet")
        self.assertEqual(calls[0]["status"], 200)
        self.assertEqual(calls[0]["attempts"], 1)
        self.assertEqual(calls[0]["arguments"], ["petId"])
        self.assertEqual(calls[1]["outcome"], "invalid_arguments")
        self.assertNotIn("bad", json.dumps(calls[1]))  # argument names only, never values

    def test_log_level_off_and_callback_errors_contained(self):
        rt = self.rt(SMELTSEC_LOG_LEVEL="off")

        def boom(event):
            raise RuntimeError("x")
        rt.on_metrics(boom)
        self.assertTrue(rt.call_tool("get_pet", {})["isError"])
        self.assertEqual(rt.log.getvalue(), "")

    def test_internal_errors_never_leak_tracebacks(self):
        rt = self.rt()
        rt._dispatch = lambda *a: 1 / 0
        res = rt.call_tool("get_pet", {"petId": 1})
        self.assertTrue(res["isError"])
        self.assertNotIn("Traceback", text_of(res))
        self.assertIn("ZeroDivisionError", text_of(res))


if __name__ == "__main__":
    unittest.main()
