// JSON Schema 2020-12 (as the manifest stage writes it) → a zod 4 expression that accepts the same values.
// The generated servers list the manifest's JSON Schemas verbatim; these validators only check calls
// (input) and upstream answers (output), so they follow the schema's semantics, not its annotations.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "smeltsec/result.h"

namespace smeltsec::codegen {

struct ZodResult {
  std::string expression;          // e.g. z.strictObject({ ... }); may span lines, indented from `indent`
  std::vector<std::string> notes;  // keywords accepted but not enforced (e.g. "patternProperties")
  bool uses_canonical_json = false;  // the expression calls canonicalJson(value) (the caller defines it)
};

// `where` names the schema in errors ("tool get_pet_by_id inputSchema"); `indent` is the column the
// expression starts at. Fails on a schema that is not a JSON Schema object/boolean, a pattern that does not
// compile as an ECMAScript `u` regex, or nesting deeper than 128.
Result<ZodResult> zod_expression(const json::Value& schema, const std::string& where, int indent);

}  // namespace smeltsec::codegen
