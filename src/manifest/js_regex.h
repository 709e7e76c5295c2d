// Checks that a regular expression compiles in ECMAScript with the `u` flag (what Ajv and the MCP SDK use
// for JSON Schema `pattern`), without running a JS engine. Conservative: unsure means invalid.
#pragma once

#include <string_view>

namespace smeltsec::manifest {

bool is_valid_js_unicode_regex(std::string_view pattern);

}  // namespace smeltsec::manifest
