// Hostile and malformed specs through the public API: each ends in a clear Error (code, and `where` naming the
// place) or a manifest, in bounded time, and never crashes.
#include <doctest/doctest.h>

#include <string>

#include "common/json.h"
#include "common/text.h"
#include "test_support.h"

using smeltsec::Limits;
using smeltsec::SourceBundle;
using smeltsec::SpecOptions;
using smeltsec::test::bundle_of;
using smeltsec::test::File;
using smeltsec::test::generate;
using smeltsec::test::is_file_line_col;
using smeltsec::test::repeat;
using smeltsec::test::Stopwatch;
using smeltsec::test::yaml_spec;

namespace {

constexpr const char* kPetsPaths =
    "  /pets:\n"
    "    get:\n"
    "      operationId: listPets\n"
    "      parameters:\n"
    "        - {name: limit, in: query, schema: {type: integer, maximum: 100}}\n"
    "      responses:\n"
    "        '200': {description: ok}\n";

struct Outcome {
  bool ok = false;
  smeltsec::Error error;
  double seconds = 0;
};

// Runs analyze_spec and generate_manifest on one file; they must agree on failure.
Outcome run_both(const std::string& path, const std::string& bytes) {
  const SourceBundle bundle = bundle_of({{path, bytes}});
  Stopwatch clock;
  auto analyzed = smeltsec::analyze_spec(bundle, {});
  auto generated = smeltsec::generate_manifest(bundle, {});
  Outcome out;
  out.seconds = clock.seconds();
  CHECK(analyzed.ok() == generated.ok());
  out.ok = generated.ok();
  if (!generated.ok()) {
    out.error = generated.error();
    CHECK(analyzed.error().code == generated.error().code);
  }
  return out;
}

std::string shown(const std::string& s) {
  return s.size() <= 120 ? s : s.substr(0, 120) + "...";
}

// True when `text` is one valid JSON document (what a client will do with the manifest).
bool parses_as_json(const std::string& text) {
  std::string buffer;
  smeltsec::json::Document doc;
  Limits limits;
  limits.max_nesting = 100000;
  limits.max_values = ~std::size_t{0};
  return smeltsec::json::parse(text, "manifest.json", limits, buffer, doc).ok();
}

}  // namespace

TEST_CASE("a well-formed spec works, as the baseline for the hostile ones") {
  auto out = generate({{"openapi.yaml", yaml_spec(kPetsPaths)}});
  INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
  REQUIRE(out.ok());
  CHECK(out.value().manifest_json.find("\"name\": \"list_pets\"") != std::string::npos);
  CHECK(parses_as_json(out.value().manifest_json));
  CHECK(parses_as_json(out.value().report_json));
}

TEST_CASE("malformed documents: syntax errors at file:line:col") {
  struct Case {
    std::string path, bytes, code;
  };
  const Case cases[] = {
      {"spec.json", R"({"openapi": "3.0.0", "paths": {)", "json_syntax"},
      {"spec.json", "{\"openapi\": \"3.0.0\",\n \"info\": {\"title\": \"x\",}\n}", "json_syntax"},
      {"spec.json", "{\"openapi\": \"3.0.0\"} trailing", "json_syntax"},
      {"spec.yaml", "openapi: 3.0.0\npaths:\n  /a: [\n", "yaml_syntax"},
      {"spec.yaml", "openapi: 3.0.0\ninfo:\n  title: x\n  title2: y: z\n", "yaml_syntax"},
      {"spec.yaml", "openapi: 3.0.0\npaths:\n\t/a: {}\n", "yaml_syntax"},
      {"spec.yaml", "openapi: 3.0.0\npaths: *undefined_anchor\n", "yaml_syntax"},
      {"spec.yaml", "openapi: 3.0.0\n? [complex, key]\n: value\n", "yaml_unsupported"},
  };
  for (const Case& c : cases) {
    const std::string bytes = shown(c.bytes);
    CAPTURE(bytes);
    const Outcome out = run_both(c.path, c.bytes);
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == c.code);
    CHECK_FALSE(out.error.message.empty());
    const std::string where = out.error.where;
    CAPTURE(where);
    CHECK(is_file_line_col(where, c.path));
  }
}

TEST_CASE("documents that are not OpenAPI") {
  struct Case {
    std::string path, bytes, code, where;
  };
  const Case cases[] = {
      {"data.json", R"({"name": "not a spec"})", "not_openapi", "data.json"},
      {"data.yaml", "name: not a spec\n", "not_openapi", "data.yaml"},
      {"list.json", "[1, 2, 3]", "not_openapi", "list.json"},
      {"text.yaml", "just some text\n", "not_openapi", "text.yaml"},
      {"empty.yaml", "", "not_openapi", "empty.yaml"},
      {"comment.yaml", "# nothing here\n", "not_openapi", "comment.yaml"},
      {"asyncapi.yaml", "asyncapi: 2.6.0\ninfo: {title: x, version: '1'}\n", "not_openapi", "asyncapi.yaml"},
      {"paths.yaml", "openapi: 3.0.0\npaths: [1, 2]\n", "not_openapi", "paths.yaml#/paths"},
      {"old.json", R"({"swagger": "1.2"})", "unsupported_version", "old.json#/swagger"},
      {"v2.yaml", "openapi: '2.0'\n", "unsupported_version", "v2.yaml#/openapi"},
      {"v4.yaml", "openapi: 4.0.0\n", "unsupported_version", "v4.yaml#/openapi"},
      {"null.yaml", "openapi:\n", "unsupported_version", "null.yaml#/openapi"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes);
    const Outcome out = run_both(c.path, c.bytes);
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == c.code);
    CHECK(out.error.where == c.where);
  }
}

TEST_CASE("bundles without a spec, and bad options") {
  {
    SourceBundle empty;
    auto out = smeltsec::generate_manifest(empty, {});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "empty_input");
  }
  {
    auto out = generate({{"a.yaml", "x: 1\n"}, {"b/c.json", "{}"}, {"README.md", "# hi"}});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "not_openapi");
  }
  {
    auto out = generate({{"openapi.yaml", yaml_spec(kPetsPaths)}}, "everything");
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "bad_option");
    CHECK(out.error().where == "mode");
  }
  {
    SpecOptions options;
    options.entry = "missing.yaml";
    auto out = smeltsec::generate_manifest(bundle_of({{"openapi.yaml", yaml_spec(kPetsPaths)}}), options);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "missing_file");
    CHECK(out.error().needs == std::vector<std::string>{"missing.yaml"});
  }
}

TEST_CASE("a 50 MB spec is refused when it is added to the bundle") {
  std::string big = yaml_spec(kPetsPaths) + "x-padding: |\n";
  while (big.size() < (50u << 20)) big += "  " + std::string(1022, 'p') + "\n";
  Stopwatch clock;
  SourceBundle bundle;
  auto added = bundle.add_file("openapi.yaml", std::move(big));
  REQUIRE_FALSE(added.ok());
  CHECK(added.error().code == "size_limit");
  CHECK(added.error().where == "openapi.yaml");
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  auto out = smeltsec::generate_manifest(bundle, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == "empty_input");
}

TEST_CASE("10,000-deep nesting in JSON and YAML") {
  struct Case {
    std::string path, bytes;
  };
  const Case cases[] = {
      {"deep.json", R"({"openapi": "3.0.0", "x": )" + repeat("[", 10000) + repeat("]", 10000) + "}"},
      {"deep.json", R"({"openapi": "3.0.0", "x": )" + repeat(R"({"a":)", 10000) + "1" + repeat("}", 10000) + "}"},
      {"deep.json", repeat("[", 10000)},
      {"deep.yaml", "openapi: 3.0.0\nx: " + repeat("[", 10000) + repeat("]", 10000) + "\n"},
      {"deep.yaml", "openapi: 3.0.0\nx: " + repeat("{a: ", 10000) + "1" + repeat("}", 10000) + "\n"},
      {"deep.yaml", "openapi: 3.0.0\nx:\n" +
                        [] {
                          std::string s;
                          for (int i = 1; i <= 300; ++i) s += std::string(static_cast<std::size_t>(i), ' ') + "- \n";
                          return s;
                        }()},
  };
  for (const Case& c : cases) {
    const std::string bytes = shown(c.bytes);
    CAPTURE(bytes);
    const Outcome out = run_both(c.path, c.bytes);
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == "nesting_limit");
    const std::string where = out.error.where;
    CAPTURE(where);
    CHECK(is_file_line_col(where, c.path));
    CHECK(out.seconds < smeltsec::test::kHangGuardSeconds);
  }
}

TEST_CASE("YAML alias bomb (billion laughs) in a spec ends at the value limit") {
  std::string yaml = yaml_spec(kPetsPaths) + "x-lol:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    yaml += std::string("  ") + names[level] + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", " : "") + "*" + names[level - 1];
    yaml += "]\n";
  }
  const Outcome out = run_both("openapi.yaml", yaml);
  MESSAGE("alias bomb: ", out.error.code, " after ", out.seconds, " s (analyze + generate)");
  REQUIRE_FALSE(out.ok);
  CHECK(out.error.code == "value_limit");
  CHECK(is_file_line_col(out.error.where, "openapi.yaml"));
  CHECK(out.seconds < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("invalid UTF-8") {
  const std::string bad = "\xC3\x28";
  {
    const Outcome out = run_both("openapi.yaml", yaml_spec(kPetsPaths) + "x-note: caf" + bad + "\n");
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == "encoding");
    CHECK(is_file_line_col(out.error.where, "openapi.yaml"));
  }
  {
    const Outcome out = run_both("openapi.json", "{\"openapi\": \"3.0.0\",\n \"x\": \"caf" + bad + "\"}");
    REQUIRE_FALSE(out.ok);
    CHECK((out.error.code == "encoding" || out.error.code == "json_syntax"));
    CHECK(out.error.where.rfind("openapi.json", 0) == 0);
  }
  {
    const Outcome out = run_both("openapi.yaml", "openapi: 3.0.0\xFF\xFE\n");
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == "encoding");
  }
  {
    // UTF-16 (with its byte order mark) is not UTF-8 either.
    const Outcome out = run_both("openapi.yaml", std::string("\xFF\xFEo\0p\0", 6));
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.code == "encoding");
  }
}

// Regression (found by fuzz_spec, see yaml_escapes_N_and_underscore_give_valid_utf8): the analysis and the
// manifest carried the bytes 0x85 and 0xA0 that yaml-cpp writes for \N and \_, and were not valid UTF-8.
TEST_CASE("yaml_escape_sequences_keep_analysis_and_manifest_utf8") {
  const std::string spec =
      "openapi: \"3.0.0\\N\"\ninfo: {title: \"caf\\_\\N\", version: \"\\_\"}\n"
      "paths: {\"/\\_\": {get: {operationId: \"\\N\", summary: \"a\\_b\", responses: {}}}}\n";
  const SourceBundle bundle = bundle_of({{"openapi.yaml", spec}});
  auto analyzed = smeltsec::analyze_spec(bundle, {});
  REQUIRE(analyzed.ok());
  CHECK(smeltsec::text::is_valid_utf8(analyzed.value()));
  auto generated = smeltsec::generate_manifest(bundle, {});
  REQUIRE(generated.ok());
  CHECK(smeltsec::text::is_valid_utf8(generated.value().manifest_json));
  CHECK(smeltsec::text::is_valid_utf8(generated.value().report_json));
  CHECK(generated.value().manifest_json.find("a\xC2\xA0"
                                             "b") != std::string::npos);
}

TEST_CASE("a UTF-8 byte order mark is accepted") {
  const Outcome yaml = run_both("openapi.yaml", "\xEF\xBB\xBF" + yaml_spec(kPetsPaths));
  CHECK(yaml.ok);
  const Outcome json = run_both("openapi.json", "\xEF\xBB\xBF{\"openapi\":\"3.0.0\",\"paths\":{}}");
  CHECK(json.ok);
}

TEST_CASE("10,000 operations: grouped mode, every operation in the catalogue, bounded time") {
  std::string paths;
  for (int i = 0; i < 10000; ++i) {
    paths += "  /items/" + std::to_string(i) + ":\n    get:\n      operationId: getItem" + std::to_string(i) +
             "\n      responses: {'200': {description: ok}}\n";
  }
  const SourceBundle bundle = bundle_of({{"openapi.yaml", yaml_spec(paths)}});
  Stopwatch clock;
  auto out = smeltsec::generate_manifest(bundle, {});
  const double seconds = clock.seconds();
  MESSAGE("10,000 operations in ", seconds, " s");
  INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
  REQUIRE(out.ok());
  CHECK(seconds < smeltsec::test::kHangGuardSeconds);
  std::string buffer;
  smeltsec::json::Document report;
  REQUIRE(smeltsec::json::parse(out.value().report_json, "report.json", {}, buffer, report).ok());
  CHECK(smeltsec::json::str(smeltsec::json::get(report, "mode")) == "grouped");
  CHECK(smeltsec::json::get(report, "operations")->GetUint64() == 10000);
  CHECK(smeltsec::json::get(report, "tools")->GetUint64() == 3);

  std::string mbuffer;
  smeltsec::json::Document manifest;
  Limits big;
  big.max_values = 100000000;
  REQUIRE(smeltsec::json::parse(out.value().manifest_json, "manifest.json", big, mbuffer, manifest).ok());
  const auto* tools = smeltsec::json::get(manifest, "tools");
  REQUIRE(tools != nullptr);
  CHECK(tools->Size() == 3);
  const auto* catalog = smeltsec::json::get(
      smeltsec::json::get(smeltsec::json::get(manifest, "_meta"), "smeltsec.dev/catalog"), "operations");
  REQUIRE(catalog != nullptr);
  CHECK(catalog->Size() == 10000);

  auto analyzed = smeltsec::analyze_spec(bundle, {});
  REQUIRE(analyzed.ok());
  CHECK(analyzed.value().find("getItem9999") != std::string::npos);
}

TEST_CASE("10,000 operations sharing one operationId get unique names quickly") {
  std::string paths;
  for (int i = 0; i < 10000; ++i) {
    paths += "  /items/" + std::to_string(i) + ":\n    get:\n      operationId: get\n      responses: {}\n";
  }
  Stopwatch clock;
  auto out = generate({{"openapi.yaml", yaml_spec(paths)}}, "grouped");
  const double seconds = clock.seconds();
  MESSAGE("10,000 colliding operationIds in ", seconds, " s");
  REQUIRE(out.ok());
  CHECK(out.value().manifest_json.find("\"name\":\"get_10000\"") != std::string::npos);
  CHECK(out.value().manifest_json.find("\"name\":\"get_10001\"") == std::string::npos);
  CHECK(seconds < smeltsec::test::kHangGuardSeconds);
}

// Regression (with yaml_float_beyond_double_range_stays_text): an infinite double in the DOM made RapidJSON's
// writer stop half-way, and the manifest was cut short but reported as a success.
TEST_CASE("yaml_numbers_beyond_double_range_keep_the_manifest_valid_json") {
  const std::string paths =
      "  /things:\n"
      "    get:\n"
      "      parameters:\n"
      "        - name: n\n"
      "          in: query\n"
      "          schema: {type: number, maximum: 1e999, minimum: -1e999, default: 1e999, example: 1e999}\n"
      "      responses: {'200': {description: ok}}\n";
  auto out = generate({{"openapi.yaml", yaml_spec(paths)}});
  REQUIRE(out.ok());
  CHECK(parses_as_json(out.value().manifest_json));
  CHECK(parses_as_json(out.value().report_json));
}

// Regression: allOf/anyOf/oneOf and $ref expansion did not count towards any depth limit, so 30 schemas,
// each 100 anyOf levels deep and ending in a $ref to the next, recursed 3,000 levels deep and overflowed the
// stack (SEGV under ASan, RangeError in wasm). SchemaOptions::max_recursion now bounds every nesting.
TEST_CASE("deep schema composition through a chain of $refs stays within the stack") {
  std::string schemas;
  for (int i = 0; i < 30; ++i) {
    std::string body = i + 1 < 30 ? "{$ref: '#/components/schemas/S" + std::to_string(i + 1) + "'}" : "{type: string}";
    for (int level = 0; level < 100; ++level) body = "{anyOf: [" + body + ", {type: integer}]}";
    schemas += "    S" + std::to_string(i) + ": " + body + "\n";
  }
  const std::string paths =
      "  /deep:\n"
      "    post:\n"
      "      requestBody:\n"
      "        content:\n"
      "          application/json:\n"
      "            schema: {$ref: '#/components/schemas/S0'}\n"
      "      responses: {'200': {description: ok}}\n";
  Stopwatch clock;
  auto out = generate({{"openapi.yaml", yaml_spec(paths, "components:\n  schemas:\n" + schemas)}});
  INFO(out.error().code, ": ", out.error().message);
  REQUIRE(out.ok());
  CHECK(parses_as_json(out.value().manifest_json));
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("a schema reused by many operations does not blow up the manifest") {
  // Regression: every tool inlines its schemas on its own budget, so a 3,000-node schema referenced by N
  // operations is copied N times (~100 KB of manifest per 100-byte operation). Limits::max_manifest_bytes now
  // bounds the whole manifest: past it, generation stops with "output_limit" naming the operation.
  std::string schemas;
  for (int level = 0; level < 4; ++level) {
    const std::string next = "{$ref: '#/components/schemas/L" + std::to_string(level + 1) + "'}";
    schemas += "    L" + std::to_string(level) + ":\n      type: object\n      properties:\n";
    for (char p = 'a'; p <= 'j'; ++p) schemas += std::string("        ") + p + ": " + next + "\n";
  }
  schemas += "    L4:\n      type: object\n      properties:\n";
  for (char p = 'a'; p <= 'j'; ++p) schemas += std::string("        ") + p + ": {type: string}\n";
  std::string paths;
  const int operations = 200;
  for (int i = 0; i < operations; ++i) {
    paths += "  /op" + std::to_string(i) +
             ":\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: "
             "'#/components/schemas/L0'}}}}\n      responses: {}\n";
  }
  const std::string spec = yaml_spec(paths, "components:\n  schemas:\n" + schemas);
  Stopwatch clock;
  Limits limits;
  limits.max_manifest_bytes = 1u << 20;
  auto out = smeltsec::generate_manifest(bundle_of({{"openapi.yaml", spec}}, limits), SpecOptions{"", "all", 40});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == "output_limit");
  CHECK(out.error().where.rfind("openapi.yaml#/paths/~1op", 0) == 0);
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  // Within the default limit the same spec works, and the output stays bounded by it.
  auto ok = generate({{"openapi.yaml", spec}}, "all");
  REQUIRE(ok.ok());
  CHECK(ok.value().manifest_json.size() <= Limits{}.max_manifest_bytes);
}

// KNOWN BUG (src/common/json.cpp; also src/manifest/json_schema.cpp): RapidJSON keeps both members of
// {"x":..., "x":...}. Lookups see the first, but the schema converter iterates members, so the manifest gets
// "x" twice (string, then integer) and a client's JSON.parse keeps the last one, while the same spec in YAML
// keeps the first. Remove should_fail once JSON intake refuses duplicate keys (or keeps the first only, like
// the YAML intake).
TEST_CASE("json_duplicate_keys_reach_the_manifest_once" * doctest::should_fail()) {
  const std::string spec =
      R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"requestBody":{"content":)"
      R"({"application/json":{"schema":{"type":"object","properties":{"x":{"type":"string"},"x":{"type":"integer"}}}}}},)"
      R"("responses":{}}}}})";
  auto out = generate({{"openapi.json", spec}}, "all");
  if (!out.ok()) return;  // refusing the document is a fix too
  const std::string& m = out.value().manifest_json;
  const std::size_t first = m.find("\"x\":");
  REQUIRE(first != std::string::npos);
  CHECK(m.find("\"x\":", first + 1) == std::string::npos);
}
