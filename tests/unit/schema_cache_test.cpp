// The schema cache (manifest/json_schema.h) is invisible in the output: a tool built among hundreds of others,
// whose shared components are converted once and spliced into the compact manifest as text, must be exactly
// the tool built alone, in a spec of its one operation (no sharing; an indented manifest written from trees).
// The components exercise what the cache must get right: cycles and the node budget (cuts that depend on the
// walk's state), depth cuts (on the depth; a conversion that cut nothing serves other depths too), `$ref`
// siblings and `nullable` (a shared tree made mutable), allOf/anyOf over `$ref`s (shared trees read and
// merged), and the same targets reached as inputs and outputs.
#include <doctest/doctest.h>

#include <iterator>
#include <string>
#include <vector>

#include "common/json.h"
#include "test_support.h"

namespace json = smeltsec::json;
using smeltsec::test::generate;

namespace {

constexpr int kOperations = 240;  // more than the 200 tools written indented: the whole spec is compact

const char* const kTargets[] = {
    "Node", "Big", "Deep1", "Mixed", "Choice", "NullableNode", "Described", "Pair", "Leaf", "Nest3",
};
constexpr int kTargetCount = static_cast<int>(std::size(kTargets));

std::string components() {
  std::string big;  // more than the output schemas' 300-node budget: always cut, so cached by walk state
  for (int i = 0; i < 320; ++i) {
    big += "        f" + std::to_string(i) + ": {type: string, description: 'Field " + std::to_string(i) + ".'}\n";
  }
  return "components:\n"
         "  parameters:\n"
         "    Page: {name: page, in: query, description: Page number., schema: {type: integer, minimum: 1}}\n"
         "    Filter: {name: filter, in: query, schema: {$ref: '#/components/schemas/Node'}}\n"
         "  schemas:\n"
         "    Node:\n"
         "      type: object\n"
         "      description: A tree node.\n"
         "      properties:\n"
         "        name: {type: string}\n"
         "        parent: {$ref: '#/components/schemas/Node'}\n"
         "        children: {type: array, items: {$ref: '#/components/schemas/Node'}}\n"
         "        pair: {$ref: '#/components/schemas/Pair'}\n"
         "      required: [name]\n"
         "    Pair:\n"
         "      type: object\n"
         "      properties:\n"
         "        left: {$ref: '#/components/schemas/Node'}\n"
         "        right: {$ref: '#/components/schemas/Deep1'}\n"
         "    Big:\n"
         "      type: object\n"
         "      properties:\n"
         "        node: {$ref: '#/components/schemas/Node'}\n" +
         big +
         "    Deep1: {type: object, properties: {next: {$ref: '#/components/schemas/Deep2'}, v: {type: integer}}}\n"
         "    Deep2: {type: object, properties: {next: {$ref: '#/components/schemas/Deep3'}, v: {type: integer}}}\n"
         "    Deep3: {type: object, properties: {next: {$ref: '#/components/schemas/Deep4'}, v: {type: integer}}}\n"
         "    Deep4: {type: object, properties: {next: {$ref: '#/components/schemas/Deep5'}, v: {type: integer}}}\n"
         "    Deep5: {type: object, properties: {next: {$ref: '#/components/schemas/Deep6'}, v: {type: integer}}}\n"
         "    Deep6: {type: object, properties: {last: {type: boolean}}}\n"
         // Leaf fits two levels: reached shallow first (uncut, reusable at other depths), then three levels
         // down inside Nest3, where an output schema (4 levels) must cut it.
         "    Leaf: {type: object, properties: {tag: {type: object, properties: {id: {type: integer}}}}}\n"
         "    Nest3:\n"
         "      type: object\n"
         "      properties:\n"
         "        a: {type: object, properties: {b: {type: object, properties: {leaf: {$ref: '#/components/schemas/Leaf'}}}}}\n"
         "    Mixed:\n"
         "      allOf:\n"
         "        - $ref: '#/components/schemas/Node'\n"
         "        - type: object\n"
         "          properties: {extra: {type: integer}, pair: {$ref: '#/components/schemas/Pair'}}\n"
         "    Choice:\n"
         "      oneOf:\n"
         "        - $ref: '#/components/schemas/Node'\n"
         "        - $ref: '#/components/schemas/Pair'\n"
         "        - {anyOf: [{$ref: '#/components/schemas/Deep1'}, {type: string}]}\n"
         "      discriminator: {propertyName: name}\n"
         "    NullableNode: {nullable: true, allOf: [{$ref: '#/components/schemas/Node'}]}\n"
         "    Described:\n"
         "      type: object\n"
         "      properties:\n"
         "        node: {$ref: '#/components/schemas/Node', description: The node this is about.}\n"
         "        maybe: {$ref: '#/components/schemas/Pair', nullable: true}\n"
         "        big: {$ref: '#/components/schemas/Big'}\n";
}

// Operation i of the spec: a GET and a POST on /r{i}, over the targets in turn, as objects and in arrays.
std::string path_item(int i) {
  const std::string target = std::string("'#/components/schemas/") + kTargets[i % kTargetCount] + "'";
  const std::string other = std::string("'#/components/schemas/") + kTargets[(i / kTargetCount) % kTargetCount] + "'";
  const std::string response = i % 3 == 0 ? "{type: array, items: {$ref: " + target + "}}"
                               : i % 3 == 1 ? "{$ref: " + target + "}"
                                            : "{type: object, properties: {data: {$ref: " + target +
                                                  "}, more: {$ref: " + other + "}}}";
  const std::string id = std::to_string(i);
  return "  /r" + id + ":\n"
         "    get:\n"
         "      operationId: get" + id + "\n"
         "      parameters: [{$ref: '#/components/parameters/Page'}, {$ref: '#/components/parameters/Filter'}]\n"
         "      responses:\n"
         "        '200': {description: ok, content: {application/json: {schema: " + response + "}}}\n"
         "    post:\n"
         "      operationId: post" + id + "\n"
         "      requestBody:\n"
         "        content: {application/json: {schema: {$ref: " + other + "}}}\n"
         "      responses:\n"
         "        '201': {description: ok, content: {application/json: {schema: {$ref: " + other + "}}}}\n";
}

// The compact text of each tool of a manifest.
std::vector<std::string> tool_texts(const std::string& manifest) {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(manifest, "manifest.json", {}, buffer, doc).ok());
  std::vector<std::string> out;
  for (const auto& tool : doc["tools"].GetArray()) out.push_back(json::write(tool));
  return out;
}

// The notes of a report about the tool `name` ("name: ..." and "name (output): ...").
std::vector<std::string> tool_notes(const std::string& report, const std::string& name) {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(report, "report.json", {}, buffer, doc).ok());
  std::vector<std::string> out;
  for (const auto& note : doc["notes"].GetArray()) {
    const std::string text(note.GetString(), note.GetStringLength());
    if (text.rfind(name + ": ", 0) == 0 || text.rfind(name + " (output): ", 0) == 0) out.push_back(text);
  }
  return out;
}

}  // namespace

TEST_CASE("schema cache: every tool of a large compact manifest equals the tool built alone") {
  std::string paths;
  for (int i = 0; i < kOperations; ++i) paths += path_item(i);
  auto whole = generate({{"spec.yaml", smeltsec::test::yaml_spec(paths, components())}}, "all");
  REQUIRE(whole.ok());
  const std::string& text = whole.value().manifest_json;
  CHECK(text.find("\n  ") == std::string::npos);  // compact: the spliced path
  const std::vector<std::string> tools = tool_texts(text);
  REQUIRE(tools.size() == 2 * kOperations);

  std::size_t notes = 0;
  for (int i = 0; i < kOperations; ++i) {
    CAPTURE(i);
    auto alone = generate({{"spec.yaml", smeltsec::test::yaml_spec(path_item(i), components())}}, "all");
    REQUIRE(alone.ok());
    REQUIRE(alone.value().manifest_json.find("\n  ") != std::string::npos);  // indented: written from trees
    const std::vector<std::string> single = tool_texts(alone.value().manifest_json);
    REQUIRE(single.size() == 2);
    CHECK(tools[2 * i] == single[0]);
    CHECK(tools[2 * i + 1] == single[1]);
    // The notes about each tool too: nothing carried over from the tools built before it.
    for (const std::string name : {"get" + std::to_string(i), "post" + std::to_string(i)}) {
      CAPTURE(name);
      const std::vector<std::string> expected = tool_notes(alone.value().report_json, name);
      CHECK(tool_notes(whole.value().report_json, name) == expected);
      notes += expected.size();
    }
  }
  CHECK(notes > static_cast<std::size_t>(kOperations));  // tools with notes (cycles cut) are among them
}
