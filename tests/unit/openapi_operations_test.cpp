// Step 2 for specs: which operations and parameters collect_operations reads, and how operation-level
// parameters replace path-level ones (short lists searched in place, long ones through an index).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "analyze/openapi_operations.h"
#include "common/json.h"
#include "test_support.h"

using smeltsec::test::bundle_of;
using smeltsec::test::yaml_spec;

namespace {

// The operations view the texts of the spec's documents: the spec (its store on the heap, which a move keeps
// in place) is kept with them, and the bundle must outlive both.
struct Collected {
  smeltsec::intake::OpenApiSpec spec;
  std::vector<smeltsec::analyze::Operation> ops;
  std::vector<std::string> notes;
};

Collected collect(const smeltsec::SourceBundle& bundle) {
  auto spec = smeltsec::intake::load_openapi(bundle, "openapi.yaml");
  INFO(spec.error().code, " ", spec.error().message);
  REQUIRE(spec.ok());
  Collected c{std::move(spec.value()), {}, {}};
  auto ops = smeltsec::analyze::collect_operations(c.spec);
  INFO(ops.error().code, " ", ops.error().message);
  REQUIRE(ops.ok());
  c.ops = std::move(ops.value());
  c.notes = c.spec.notes;
  return c;
}

// "in:name=required" for each parameter, in order.
std::vector<std::string> parameter_list(const smeltsec::analyze::Operation& op) {
  std::vector<std::string> out;
  for (const auto& p : op.parameters) {
    out.push_back(std::string(p.in) + ":" + std::string(p.name) + "=" + (p.required ? "1" : "0") + " " + p.pointer);
  }
  return out;
}

// `n` query parameters p0..p(n-1), YAML flow entries indented for a parameters list at `indent`.
std::string query_parameters(int n, const std::string& indent, const std::string& extra = {}) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += indent + "- {name: p" + std::to_string(i) + ", in: query" + extra + ", schema: {type: string}}\n";
  }
  return out;
}

}  // namespace

TEST_CASE("operations come in method order with their fields read from the operation, else the path item") {
  const auto bundle = bundle_of({{"openapi.yaml",
                                  yaml_spec("  /pets:\n"
                                            "    summary: Path summary\n"
                                            "    description: Path description\n"
                                            "    post: {operationId: addPet, tags: [pets, write], deprecated: true,\n"
                                            "           responses: {'200': {description: ok}}}\n"
                                            "    get: {summary: List pets, summary: duplicate ignored,\n"
                                            "          responses: {'200': {description: ok}}}\n")}});
  const Collected c = collect(bundle);
  REQUIRE(c.ops.size() == 2);
  CHECK(c.ops[0].method == "GET");
  CHECK(c.ops[0].summary == "List pets");  // the first of duplicate keys
  CHECK(c.ops[0].description == "Path description");
  CHECK(c.ops[0].operation_id.empty());
  CHECK_FALSE(c.ops[0].deprecated);
  CHECK(c.ops[1].method == "POST");
  CHECK(c.ops[1].operation_id == "addPet");
  CHECK(c.ops[1].summary == "Path summary");
  CHECK(c.ops[1].tags == std::vector<std::string_view>{"pets", "write"});
  CHECK(c.ops[1].deprecated);
  CHECK(c.ops[1].pointer == "#/paths/~1pets/post");
}

TEST_CASE("operation-level parameters replace path-level ones with the same name and location") {
  const auto bundle = bundle_of(
      {{"openapi.yaml",
        yaml_spec("  /pets/{id}:\n"
                  "    parameters:\n"
                  "      - {name: id, in: path, schema: {type: string}}\n"
                  "      - {name: limit, in: query, schema: {type: integer}}\n"
                  "      - {name: limit, in: header, schema: {type: integer}}\n"
                  "    get:\n"
                  "      parameters:\n"
                  "        - {name: limit, in: query, required: true, schema: {type: integer}}\n"
                  "        - {name: x, in: query, required: false, required: true, schema: {type: string}}\n"
                  "        - {in: query, schema: {type: string}}\n"
                  "      responses: {'200': {description: ok}}\n")}});
  const Collected c = collect(bundle);
  REQUIRE(c.ops.size() == 1);
  CHECK(parameter_list(c.ops[0]) == std::vector<std::string>{
                                        "path:id=1 #/paths/~1pets~1{id}/parameters/0",
                                        "query:limit=1 #/paths/~1pets~1{id}/get/parameters/0",
                                        "header:limit=0 #/paths/~1pets~1{id}/parameters/2",
                                        "query:x=0 #/paths/~1pets~1{id}/get/parameters/1",
                                    });
  REQUIRE(c.notes.size() == 1);
  CHECK(c.notes[0].find("parameter without name or location ignored") != std::string::npos);
}

TEST_CASE("long parameter lists replace by name and location as short ones do") {
  // 40 path-level parameters (past the in-place search), then operation-level ones: p5 and p39 replaced,
  // a new one, and a duplicate within the operation's own list (the later wins).
  const std::string ops_params = "        - {name: p5, in: query, required: true, schema: {type: string}}\n"
                                 "        - {name: p39, in: query, required: true, schema: {type: string}}\n"
                                 "        - {name: p5, in: header, schema: {type: string}}\n"
                                 "        - {name: fresh, in: query, schema: {type: string}}\n"
                                 "        - {name: fresh, in: query, required: true, schema: {type: string}}\n";
  const auto bundle = bundle_of({{"openapi.yaml", yaml_spec("  /a:\n    parameters:\n" +
                                                            query_parameters(40, "      ") +
                                                            "    get:\n      parameters:\n" + ops_params +
                                                            "      responses: {'200': {description: ok}}\n")}});
  const Collected c = collect(bundle);
  REQUIRE(c.ops.size() == 1);
  const auto list = parameter_list(c.ops[0]);
  REQUIRE(list.size() == 42);
  CHECK(list[5] == "query:p5=1 #/paths/~1a/get/parameters/0");
  CHECK(list[39] == "query:p39=1 #/paths/~1a/get/parameters/1");
  CHECK(list[40] == "header:p5=0 #/paths/~1a/get/parameters/2");
  CHECK(list[41] == "query:fresh=1 #/paths/~1a/get/parameters/4");
  CHECK(list[0] == "query:p0=0 #/paths/~1a/parameters/0");

  // The same list within one operation: duplicates among 40 entries collapse the same way.
  const auto bundle2 = bundle_of(
      {{"openapi.yaml", yaml_spec("  /b:\n    get:\n      parameters:\n" + query_parameters(40, "        ") +
                                  query_parameters(3, "        ", ", required: true") +
                                  "      responses: {'200': {description: ok}}\n")}});
  const Collected c2 = collect(bundle2);
  const auto list2 = parameter_list(c2.ops[0]);
  REQUIRE(list2.size() == 40);
  CHECK(list2[0] == "query:p0=1 #/paths/~1b/get/parameters/40");
  CHECK(list2[2] == "query:p2=1 #/paths/~1b/get/parameters/42");
  CHECK(list2[3] == "query:p3=0 #/paths/~1b/get/parameters/3");
}

TEST_CASE("a location and a name that join to the same text are different parameters") {
  // "a\nb" in "query" and "b" in "query\na" would share a key made by joining with a line break.
  for (int n : {1, 40}) {
    const std::string first = "        - {name: \"a\\nb\", in: query, schema: {type: string}}\n";
    const std::string second = "        - {name: b, in: \"query\\na\", schema: {type: string}}\n";
    const auto bundle = bundle_of({{"openapi.yaml", yaml_spec("  /c:\n    get:\n      parameters:\n" +
                                                              query_parameters(n, "        ") + first + second +
                                                              "      responses: {'200': {description: ok}}\n")}});
    const Collected c = collect(bundle);
    CAPTURE(n);
    CHECK(c.ops[0].parameters.size() == static_cast<std::size_t>(n) + 2);
  }
}

TEST_CASE("retryable operations and the success response chosen for the output schema") {
  // A response whose body is an object with one string property `name`.
  auto response = [](const std::string& name) {
    return "{description: r, content: {application/json: {schema: {type: object, properties: {" + name +
           ": {type: string}}}}}}";
  };
  auto out = smeltsec::test::generate(
      {{"openapi.yaml",
        yaml_spec("  /a:\n    post: {operationId: retried, x-retryable: true,\n"
                  "           responses: {'2XX': " + response("wide") + ", '202': " + response("accepted") + "}}\n" +
                  "  /b:\n    post: {operationId: once, x-retryable: false, x-idempotent: false,\n"
                  "           responses: {'200': " + response("ok") + "}}\n" +
                  "  /c:\n    post: {operationId: idem, x-idempotent: true,\n"
                  "           responses: {'204': {description: none}}}\n")}},
      "all");
  INFO(out.error().code, " ", out.error().message, " ", out.error().where);
  REQUIRE(out.ok());
  std::string buffer;
  smeltsec::json::Document doc;
  REQUIRE(smeltsec::json::parse(out.value().manifest_json, "manifest.json", {}, buffer, doc).ok());
  const auto& tools = doc["tools"];
  REQUIRE(tools.Size() == 3);
  auto http = [&](int i) -> const smeltsec::json::Value& { return tools[i]["_meta"].MemberBegin()->value; };
  CHECK(http(0).HasMember("retryable"));
  CHECK_FALSE(http(1).HasMember("retryable"));
  CHECK(http(2).HasMember("retryable"));
  // 202 comes before 2XX in the order of preference, wherever it is written.
  CHECK(tools[0]["outputSchema"]["properties"].HasMember("accepted"));
  CHECK(tools[1]["outputSchema"]["properties"].HasMember("ok"));
  CHECK_FALSE(tools[2].HasMember("outputSchema"));
}
