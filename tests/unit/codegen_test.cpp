// codegen: string literals that no manifest text can break out of, the JSON Schema → zod translation, and
// generate_server's checks, determinism and project layout. The generated servers themselves are started and
// driven by tests/js/codegen-*.test.mjs.
#include <doctest/doctest.h>

#include <string>

#include "codegen/literals.h"
#include "codegen/zod.h"
#include "common/json.h"
#include "smeltsec/smeltsec.h"

using namespace smeltsec;
using namespace smeltsec::codegen;

namespace {

std::string zod_of(const std::string& schema_json) {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(schema_json, "s.json", Limits{}, buffer, doc));
  auto r = zod_expression(doc, "schema", 0);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return r.value().expression;
}

const GeneratedFile* find(const ServerOutput& out, const std::string& path) {
  for (const auto& f : out.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

const char* kManifest = R"({"tools":[{"name":"get_pet","title":"Get a pet","description":"Returns a pet.",
 "inputSchema":{"type":"object","properties":{"petId":{"type":"integer","minimum":1}},"required":["petId"],
 "additionalProperties":false},
 "outputSchema":{"type":"object","properties":{"name":{"type":"string"}}},
 "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true},
 "_meta":{"smeltsec.dev/http":{"method":"GET","path":"/pets/{petId}","baseUrl":"https://api.example.com/v1",
 "arguments":[{"name":"petId","in":"path","key":"petId"}],"security":[{"api_key":[]}],
 "securitySchemes":{"api_key":{"type":"apiKey","in":"header","name":"X-Key"}}}}}]})";

}  // namespace

TEST_CASE("js_string and py_string escape everything that could end a literal or start code") {
  CHECK(js_string("plain") == "\"plain\"");
  CHECK(js_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(js_string("line\nnext\r\t") == "\"line\\nnext\\r\\t\"");
  CHECK(js_string("`${x}`") == "\"\\u0060\\u0024\\u007Bx\\u007D\\u0060\"");
  CHECK(js_string("*/ </script>") == "\"*/ </script>\"");  // inert inside a string literal
  CHECK(js_string("\xE2\x80\xA8") == "\"\\u2028\"");          // a line terminator in older JS
  CHECK(js_string("\xF0\x9F\x98\x80") == "\"\\uD83D\\uDE00\"");
  CHECK(js_string(std::string("a\0b", 3)) == "\"a\\u0000b\"");
  CHECK(py_string("\xF0\x9F\x98\x80") == "\"\\U0001F600\"");
  CHECK(py_string("{x}\"\"\"") == "\"\\u007Bx\\u007D\\\"\\\"\\\"\"");
  for (const std::string& s : {js_string("é ü ∑ \x01 \x7F"), py_string("é ü ∑ \x01 \x7F")}) {
    for (char c : s) CHECK(static_cast<unsigned char>(c) < 0x7F);  // ASCII only
  }
}

TEST_CASE("markdown_text, env_stem, npm_package_name, is_semver") {
  CHECK(markdown_text("a | b\n<img src=x onerror=alert(1)> `code` [x](y)", 200) ==
        "a \\| b &lt;img src=x onerror=alert(1)&gt; \\`code\\` \\[x\\](y)");
  CHECK(markdown_text("one two three four", 9) == "one two…");
  CHECK(env_stem("petstore_auth") == "PETSTORE_AUTH");
  CHECK(env_stem("api-key.v2") == "API_KEY_V2");
  CHECK(env_stem("2fa") == "API_2FA");
  CHECK(env_stem("--") == "API");
  CHECK(npm_package_name("Swagger Petstore - OpenAPI 3.0") == "swagger-petstore-openapi-3-0");
  CHECK(npm_package_name("@evil/../x") == "evil-x");
  CHECK(npm_package_name("") == "mcp-server");
  CHECK(is_semver("1.0.27"));
  CHECK(is_semver("2.0.0-beta.1+build"));
  CHECK_FALSE(is_semver("1.0"));
  CHECK_FALSE(is_semver("01.0.0"));
  CHECK_FALSE(is_semver("1.0.0 beta"));
}

TEST_CASE("zod: types, constraints, objects and combinators") {
  CHECK(zod_of(R"({"type":"integer","minimum":1,"maximum":10})") == "z.number().int().gte(1).lte(10)");
  CHECK(zod_of(R"({"type":"number","exclusiveMinimum":0,"multipleOf":0.5})") == "z.number().gt(0).multipleOf(0.5)");
  CHECK(zod_of(R"({"type":"string","enum":["a","b"]})") == "z.enum([\"a\", \"b\"])");
  CHECK(zod_of(R"({"type":"integer","enum":[1,2.5]})") == "z.intersection(z.union([z.literal(1), z.literal(2.5)]), z.number().int())");
  CHECK(zod_of(R"({"enum":[1,"x",null,true]})") ==
        "z.union([z.literal(1), z.literal(\"x\"), z.null(), z.literal(true)])");
  CHECK(zod_of(R"({"type":"string","pattern":"^[a-z]+$"})") == "z.string().regex(new RegExp(\"^[a-z]+\\u0024\"))");
  CHECK(zod_of(R"({"type":"string","pattern":"^\\p{L}+$"})") == "z.string().regex(new RegExp(\"^\\\\p\\u007BL\\u007D+\\u0024\", \"u\"))");
  CHECK(zod_of(R"({"type":"string","maxLength":3})").find("[...v].length <= 3") != std::string::npos);
  CHECK(zod_of(R"({"anyOf":[{"type":"string"},{"type":"null"}]})") == "z.union([z.string(), z.null()])");
  CHECK(zod_of(R"({"type":["string","null"]})") == "z.union([z.string(), z.null()])");
  CHECK(zod_of(R"({"type":"array","items":{"type":"boolean"},"minItems":1})") == "z.array(z.boolean()).min(1)");
  CHECK(zod_of(R"({})") == "z.unknown()");
  CHECK(zod_of("true") == "z.unknown()");
  CHECK(zod_of("false") == "z.never()");
  CHECK(zod_of(R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"],"additionalProperties":false})") ==
        "z.strictObject({\n  \"a\": z.string(),\n  \"b\": z.number().int().optional(),\n})");
  CHECK(zod_of(R"({"type":"object"})") == "z.looseObject({})");
  CHECK(zod_of(R"({"type":"object","additionalProperties":{"type":"number"}})") == "z.object({}).catchall(z.number())");
  CHECK(zod_of(R"({"oneOf":[{"type":"string"},{"type":"number"}]})").find(".length === 1") != std::string::npos);
}

TEST_CASE("zod: hostile text stays inside literals; bad schemas are refused") {
  const std::string out = zod_of(R"({"type":"object","properties":{"x\"); process.exit(1); (\"":{"enum":["`${process.exit()}`","*/"]}}})");
  CHECK(out.find("${") == std::string::npos);
  CHECK(out.find('`') == std::string::npos);
  CHECK(out.find("\"x\\\"); process.exit(1); (\\\"\"") != std::string::npos);

  // A plain "__proto__" key in an object literal would set the prototype, not define a property.
  CHECK(zod_of(R"({"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]})") ==
        "z.looseObject({\n  [\"__proto__\"]: z.string(),\n})");
  CHECK(zod_of(R"({"enum":[{"__proto__":1}]})").find("{[\"__proto__\"]: 1}") != std::string::npos);

  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"type":"string","pattern":"(?<"})", "s", Limits{}, buffer, doc));
  auto bad_pattern = zod_expression(doc, "tool t inputSchema", 0);
  REQUIRE_FALSE(bad_pattern.ok());
  CHECK(bad_pattern.error().code == "bad_manifest");
  CHECK(bad_pattern.error().message.find("pattern") != std::string::npos);

  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"type":"array","items":)";
  deep += "{}";
  for (int i = 0; i < 200; ++i) deep += "}";
  json::Document d2;
  std::string b2;
  REQUIRE(json::parse(deep, "s", Limits{}, b2, d2));
  auto too_deep = zod_expression(d2, "s", 0);
  REQUIRE_FALSE(too_deep.ok());
  CHECK(too_deep.error().message.find("deeper") != std::string::npos);
}

TEST_CASE("generate_server: a TypeScript project, deterministic, credentials named but never written") {
  auto a = generate_server(kManifest, ServerOptions{"ts", "Pet API", "1.2.3"});
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  auto b = generate_server(kManifest, ServerOptions{"ts", "Pet API", "1.2.3"});
  REQUIRE(b.ok());
  REQUIRE(a.value().files.size() == b.value().files.size());
  for (std::size_t i = 0; i < a.value().files.size(); ++i) {
    CHECK(a.value().files[i].path == b.value().files[i].path);
    CHECK(a.value().files[i].bytes == b.value().files[i].bytes);
  }
  for (const char* path : {"package.json", "tsconfig.json", "manifest.json", "src/index.ts", "src/tools.ts",
                           "src/runtime.ts", "bridge/bridge.mjs", "README.md", ".env.example", ".gitignore"}) {
    const GeneratedFile* f = find(a.value(), path);
    REQUIRE_MESSAGE(f != nullptr, path);
    CHECK_MESSAGE(!f->bytes.empty(), path);
  }
  CHECK(find(a.value(), "manifest.json")->bytes == kManifest);
  const std::string& tools = find(a.value(), "src/tools.ts")->bytes;
  CHECK(tools.find("rt.tool(\n    \"get_pet\",\n    z.strictObject({\n      \"petId\": z.number().int().gte(1),") !=
        std::string::npos);
  CHECK(tools.find("z.looseObject({\n      \"name\": z.string().optional(),") != std::string::npos);
  const std::string& pkg = find(a.value(), "package.json")->bytes;
  CHECK(pkg.find("\"name\": \"pet-api\"") != std::string::npos);
  CHECK(pkg.find("\"@modelcontextprotocol/sdk\": \"1.32.2\"") != std::string::npos);
  CHECK(find(a.value(), ".env.example")->bytes.find("API_KEY_API_KEY=") != std::string::npos);
  CHECK(find(a.value(), "README.md")->bytes.find("`API_KEY_API_KEY`") != std::string::npos);
  CHECK(a.value().report_json.find("\"target\":\"ts\"") != std::string::npos);
}

TEST_CASE("generate_server: a code manifest's README names the code root and the call timeout") {
  const char* code = R"({"tools":[{"name":"add","inputSchema":{"type":"object","properties":{}},
   "_meta":{"smeltsec.dev/code":{"language":"javascript","file":"lib/a.js","function":"add","arguments":[]}}}]})";
  auto r = generate_server(code, ServerOptions{});
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const std::string& readme = find(r.value(), "README.md")->bytes;
  CHECK(readme.find("\"SMELTSEC_CODE_ROOT\": \"/absolute/path/to/your/code\"") != std::string::npos);
  CHECK(readme.find("| `SMELTSEC_TIMEOUT_MS` | 10000 | timeout of each code-tool call |") != std::string::npos);
  CHECK(readme.find("API_BASE_URL") == std::string::npos);
}

TEST_CASE("generate_server: a Python project passes names through Python literals") {
  auto r = generate_server(kManifest, ServerOptions{"python", "Pet \"\"\" API", "1"});
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const GeneratedFile* server = find(r.value(), "server.py");
  REQUIRE(server != nullptr);
  CHECK(server->bytes.find("SERVER_NAME = \"Pet \\\"\\\"\\\" API\"") != std::string::npos);
  CHECK(find(r.value(), "smeltsec_runtime.py") != nullptr);
  CHECK(find(r.value(), "requirements.txt") != nullptr);
}

TEST_CASE("generate_server: a manifest without tools gives a server that lists none, with a note") {
  auto r = generate_server(R"({"tools":[]})", ServerOptions{});
  REQUIRE(r.ok());
  CHECK(r.value().report_json.find("has no tools") != std::string::npos);
  CHECK(find(r.value(), "src/tools.ts")->bytes.find("registerTools(rt: Runtime): void {\n}") != std::string::npos);
}

TEST_CASE("generate_server: bad options and malformed manifests are errors, not crashes") {
  CHECK(generate_server(kManifest, ServerOptions{"go", "", ""}).error().code == "bad_option");
  CHECK(generate_server("{", ServerOptions{}).error().code == "json_syntax");
  const char* cases[] = {
      R"([])", R"({"tools":{}})", R"({"tools":[1]})",
      R"({"tools":[{"name":"a.b","inputSchema":{"type":"object"}}]})",
      R"({"tools":[{"name":"a","inputSchema":{"type":"object"}},{"name":"a","inputSchema":{"type":"object"}}]})",
      R"({"tools":[{"name":"a","inputSchema":{"type":"string"}}]})",
      R"({"tools":[{"name":"a","inputSchema":{"type":"object"},"_meta":{"smeltsec.dev/http":{"method":"GET"}}}]})",
      R"({"tools":[{"name":"a","inputSchema":{"type":"object","properties":{"p":{"type":"strange"}}}}]})",
  };
  for (const char* c : cases) {
    auto r = generate_server(c, ServerOptions{});
    CHECK_MESSAGE(!r.ok(), c);
    if (!r.ok()) CHECK_MESSAGE(r.error().code == "bad_manifest", c);
  }
}
