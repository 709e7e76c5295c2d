// Step 3 for specs: operations to MCP tool definitions (tools/list result), in "all" or "grouped" mode.
#pragma once

#include <string>
#include <vector>

#include "analyze/openapi_operations.h"

namespace smeltsec::manifest {

// The namespaced `_meta` keys SmeltSec writes (see docs in README: "Manifest").
constexpr const char* kHttpMetaKey = "smeltsec.dev/http";
constexpr const char* kCatalogMetaKey = "smeltsec.dev/catalog";

struct BuildOptions {
  std::string mode = "auto";  // auto | all | grouped
  std::size_t max_tools = 40;
};

struct BuildResult {
  std::string manifest_json;
  std::string mode;  // the mode used ("all" or "grouped")
  std::size_t tools = 0;
  std::vector<std::string> notes;
};

// Tool names for the operations, in order: from operationId, else method + path; unique.
std::vector<std::string> tool_names(const std::vector<analyze::Operation>& ops);

// Builds the manifest. Fails on an unresolvable `$ref` inside a schema, or an unknown mode.
Result<BuildResult> build_manifest(intake::OpenApiSpec& spec, const std::vector<analyze::Operation>& ops,
                                   const BuildOptions& options);

// {"source":{...},"candidates":[...],"notes":[...]} for `smeltsec analyze`.
std::string candidates_json(const intake::OpenApiSpec& spec, const std::vector<analyze::Operation>& ops);

// {"kind":"openapi","file",...}: facts about the source, shared by reports.
json::Value source_json(const intake::OpenApiSpec& spec, json::Allocator& a);

}  // namespace smeltsec::manifest
