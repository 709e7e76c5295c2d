// YAML (1.2 core schema) to JSON, with limits: nesting, values after alias expansion (alias bombs), keys.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"

namespace smeltsec::intake {

// Parses the first YAML document of `text` into `out`. Fails with "yaml_syntax" (where = file:line:col),
// "nesting_limit", "value_limit" (also for alias bombs) or "yaml_unsupported" (e.g. a mapping as a key).
Status yaml_to_json(std::string_view text, const std::string& file, const Limits& limits, json::Document& out);

}  // namespace smeltsec::intake
