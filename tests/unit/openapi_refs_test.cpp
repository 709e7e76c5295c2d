// `$ref` resolution through the public API: targets that are missing, in missing files, remote, outside the
// bundle, and cycles.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "test_support.h"

using smeltsec::test::bundle_of;
using smeltsec::test::File;
using smeltsec::test::generate;
using smeltsec::test::Stopwatch;
using smeltsec::test::yaml_spec;

namespace {

// A spec whose GET /pets has one parameter: `ref` (a $ref to a parameter).
std::string spec_with_parameter_ref(const std::string& ref) {
  return yaml_spec("  /pets:\n    get:\n      parameters:\n        - $ref: '" + ref +
                       "'\n      responses: {'200': {description: ok}}\n",
                   "components:\n  parameters:\n    Limit: {name: limit, in: query, schema: {type: integer}}\n");
}

// A spec whose POST /pets body schema is `schema_yaml` (flow style), with `components_yaml` appended.
std::string spec_with_body(const std::string& schema_yaml, const std::string& components_yaml = {}) {
  return yaml_spec(
      "  /pets:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
      "            schema: " +
          schema_yaml + "\n      responses: {'200': {description: ok}}\n",
      components_yaml);
}

std::vector<std::string> report_notes(const std::string& report_json) {
  std::string buffer;
  smeltsec::json::Document doc;
  REQUIRE(smeltsec::json::parse(report_json, "report.json", {}, buffer, doc).ok());
  std::vector<std::string> notes;
  const auto* list = smeltsec::json::get(doc, "notes");
  REQUIRE(list != nullptr);
  for (const auto& n : list->GetArray()) notes.emplace_back(smeltsec::json::str(&n));
  return notes;
}

bool any_contains(const std::vector<std::string>& notes, const std::string& needle) {
  for (const auto& n : notes) {
    if (n.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("$refs that resolve: local, escaped, percent-encoded, across files") {
  struct Case {
    std::vector<File> files;
  };
  const std::string caf = "Caf\xC3\xA9";
  const Case cases[] = {
      {{{"openapi.yaml", spec_with_parameter_ref("#/components/parameters/Limit")}}},
      // a parameter of another operation, through ~1 (/) in the path key
      {{{"openapi.yaml",
         yaml_spec(
             "  /a:\n    get:\n      parameters: [{name: q, in: query}]\n      responses: {}\n"
             "  /b:\n    get:\n      parameters: [{$ref: '#/paths/~1a/get/parameters/0'}]\n      responses: {}\n")}}},
      // percent-encoded non-ASCII name
      {{{"openapi.yaml", spec_with_body("{$ref: '#/components/schemas/Caf%C3%A9'}",
                                        "components:\n  schemas:\n    " + caf + ": {type: object}\n")}}},
      // across files, relative to the referring file
      {{{"api/openapi.yaml", yaml_spec("  /pets:\n    get:\n      parameters:\n        - $ref: "
                                       "'../shared/params.yaml#/Limit'\n      responses: {}\n")},
        {"shared/params.yaml", "Limit: {name: limit, in: query, schema: {$ref: './types.yaml#/Int'}}\n"},
        {"shared/types.yaml", "Int: {type: integer, minimum: 1}\n"}}},
      // a whole file as the target
      {{{"openapi.yaml", spec_with_body("{$ref: 'pet.json'}")},
        {"pet.json", R"({"type":"object","properties":{"name":{"type":"string"}}})"}}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.files.front().bytes);
    smeltsec::SourceBundle bundle;
    for (const File& f : c.files) REQUIRE(bundle.add_file(f.path, f.bytes).ok());
    smeltsec::SpecOptions options;
    options.entry = c.files.front().path;
    auto out = smeltsec::generate_manifest(bundle, options);
    INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
    CHECK(out.ok());
  }
}

TEST_CASE("$ref to a target that does not exist") {
  struct Case {
    std::string ref;
  };
  const Case cases[] = {
      {"#/components/parameters/Nope"},
      {"#/components/nothing/Limit"},
      {"#/paths/~1pets/get/parameters/7"},
      {"#/paths/~1pets/get/parameters/-1"},
      {"#/components/parameters/Limit/name/deeper"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ref);
    auto out = generate({{"openapi.yaml", spec_with_parameter_ref(c.ref)}});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "ref_not_found");
    CHECK(out.error().where == "openapi.yaml#/paths/~1pets/get/parameters/0");
    CHECK(out.error().message.find(c.ref) != std::string::npos);
  }
}

TEST_CASE("$ref to a file missing from the bundle names the file to add") {
  struct Case {
    std::string entry, ref, needed;
  };
  const Case cases[] = {
      {"openapi.yaml", "common/params.yaml#/Limit", "common/params.yaml"},
      {"openapi.yaml", "./params.yaml", "params.yaml"},
      {"api/v1/openapi.yaml", "../shared/params.yaml#/Limit", "api/shared/params.yaml"},
      {"api/openapi.yaml", "sub/dir/../p.yaml#/X", "api/sub/p.yaml"},
      {"openapi.yaml", "with%20space.yaml#/X", "with space.yaml"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ref);
    smeltsec::SpecOptions options;
    options.entry = c.entry;
    auto out = smeltsec::generate_manifest(bundle_of({{c.entry, spec_with_parameter_ref(c.ref)}}), options);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "missing_file");
    CHECK(out.error().needs == std::vector<std::string>{c.needed});
    CHECK(out.error().where == c.entry + "#/paths/~1pets/get/parameters/0");
    auto analyzed = smeltsec::analyze_spec(bundle_of({{c.entry, spec_with_parameter_ref(c.ref)}}), options);
    REQUIRE_FALSE(analyzed.ok());
    CHECK(analyzed.error().needs == std::vector<std::string>{c.needed});
  }
}

TEST_CASE("remote $refs are never fetched") {
  const std::string refs[] = {
      "https://example.com/schemas.yaml#/Limit",
      "http://169.254.169.254/latest/meta-data",
      "//example.com/p.yaml",
      "file:///etc/passwd",
      "ftp://example.com/p.yaml#/X",
  };
  for (const std::string& ref : refs) {
    CAPTURE(ref);
    auto out = generate({{"openapi.yaml", spec_with_parameter_ref(ref)}});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "remote_ref");
    CHECK(out.error().where == "openapi.yaml#/paths/~1pets/get/parameters/0");
    CHECK(out.error().needs.empty());
  }
}

TEST_CASE("$refs that leave the bundle are refused") {
  struct Case {
    std::string entry, ref;
  };
  const Case cases[] = {
      {"openapi.yaml", "../outside.yaml#/X"},         {"openapi.yaml", "../../../../etc/passwd"},
      {"api/openapi.yaml", "../../outside.yaml#/X"},  {"openapi.yaml", "/etc/passwd#/X"},
      {"openapi.yaml", "C:\\\\secrets\\\\p.yaml#/X"}, {"openapi.yaml", "%2E%2E/outside.yaml#/X"},  // percent-encoded ..
  };
  for (const Case& c : cases) {
    CAPTURE(c.ref);
    smeltsec::SpecOptions options;
    options.entry = c.entry;
    auto out = smeltsec::generate_manifest(bundle_of({{c.entry, spec_with_parameter_ref(c.ref)}}), options);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == "ref_outside_bundle");
    CHECK(out.error().where == c.entry + "#/paths/~1pets/get/parameters/0");
    CHECK(out.error().needs.empty());
  }
}

TEST_CASE("a circular schema $ref succeeds, cut with a note in the report") {
  const std::string components =
      "components:\n  schemas:\n"
      "    Node:\n      type: object\n      properties:\n        name: {type: string}\n"
      "        children: {type: array, items: {$ref: '#/components/schemas/Node'}}\n"
      "    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}\n"
      "    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}\n"
      "    Self: {$ref: '#/components/schemas/Self'}\n";
  const std::string schemas[] = {"{$ref: '#/components/schemas/Node'}", "{$ref: '#/components/schemas/A'}",
                                 "{$ref: '#/components/schemas/Self'}"};
  for (const std::string& schema : schemas) {
    CAPTURE(schema);
    Stopwatch clock;
    auto out = generate({{"openapi.yaml", spec_with_body(schema, components)}});
    INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
    REQUIRE(out.ok());
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
    const auto notes = report_notes(out.value().report_json);
    CHECK(any_contains(notes, "recursive"));
  }
}

TEST_CASE("a $ref cycle where an object is expected is an error, not a loop") {
  // Parameters and path items are followed with deref(): a pure cycle cannot end in an object.
  const std::string spec = yaml_spec(
      "  /pets:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/A'\n      responses: {}\n",
      "components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n"
      "    B: {$ref: '#/components/parameters/A'}\n");
  auto out = generate({{"openapi.yaml", spec}});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == "ref_cycle");
  CHECK(out.error().where == "openapi.yaml#/paths/~1pets/get/parameters/0");

  const std::string path_cycle =
      "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: '#/paths/~1a'}\n";
  auto out2 = generate({{"openapi.yaml", path_cycle}});
  REQUIRE_FALSE(out2.ok());
  CHECK(out2.error().code == "ref_cycle");
  CHECK(out2.error().where == "openapi.yaml#/paths/~1a");
}

TEST_CASE("a $ref cycle across files succeeds with a note") {
  auto out = generate({{"openapi.yaml", spec_with_body("{$ref: 'a.yaml'}")},
                       {"a.yaml", "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n"},
                       {"b.yaml", "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n"}});
  INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
  REQUIRE(out.ok());
  CHECK(any_contains(report_notes(out.value().report_json), "recursive"));
}

// Regression: the output schema's converter kept its notes to itself, so a cycle met only in a response
// schema was cut silently.
TEST_CASE("circular_ref_in_a_response_schema_is_noted") {
  const std::string spec = yaml_spec(
      "  /tree:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n"
      "            application/json:\n              schema: {$ref: '#/components/schemas/Node'}\n",
      "components:\n  schemas:\n    Node:\n      type: object\n      properties:\n"
      "        child: {$ref: '#/components/schemas/Node'}\n");
  auto out = generate({{"openapi.yaml", spec}});
  REQUIRE(out.ok());
  CHECK(any_contains(report_notes(out.value().report_json), "recursive"));
}

// Regression: schema conversions started from a Trail rooted at the document ("#"), so an unresolvable $ref
// inside a request body was reported as "openapi.yaml#/properties/owner", a pointer that is not in the file.
TEST_CASE("schema_ref_error_names_the_real_location") {
  auto out = generate(
      {{"openapi.yaml", spec_with_body("{type: object, properties: {owner: {$ref: '#/components/schemas/Nope'}}}")}});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == "ref_not_found");
  CHECK(out.error().where ==
        "openapi.yaml#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/owner");
}

TEST_CASE("schema $ref errors carry a code and a location in the file") {
  struct Case {
    std::string schema, code;
  };
  const Case cases[] = {
      {"{$ref: '#/components/schemas/Nope'}", "ref_not_found"},
      {"{$ref: 'https://example.com/s.json'}", "remote_ref"},
      {"{$ref: '../s.json'}", "ref_outside_bundle"},
      {"{$ref: 'schemas/s.json'}", "missing_file"},
      {"{type: array, items: {$ref: '#/nope'}}", "ref_not_found"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.schema);
    auto out = generate({{"openapi.yaml", spec_with_body(c.schema)}});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == c.code);
    CHECK(out.error().where.rfind("openapi.yaml#", 0) == 0);
  }
}
