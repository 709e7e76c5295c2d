// Step 1 for specs: find and load the root OpenAPI / Swagger document of a bundle.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "intake/documents.h"

namespace smeltsec::intake {

struct OpenApiSpec {
  std::unique_ptr<DocumentStore> store;
  const Document* root = nullptr;
  std::string spec_version;  // as written: "2.0", "3.0.3", "3.1.0"
  int major = 3;             // 2 (Swagger) or 3 (OpenAPI)
  bool is_31 = false;        // JSON Schema 2020-12 semantics for schemas
  std::string title, api_version;
  std::string base_url;               // first server, variables substituted; may be relative
  const json::Value* security_schemes = nullptr;  // components.securitySchemes / securityDefinitions
  const json::Value* security = nullptr;          // top-level requirement list
  std::vector<std::string> notes;
};

// Loads the entry document (or detects it: the only file, a file named openapi/swagger.json|yaml|yml,
// else the first file with an `openapi` or `swagger` field). Fails on unreadable input or with
// "not_openapi" / "unsupported_version".
Result<OpenApiSpec> load_openapi(const SourceBundle& bundle, const std::string& entry);

// The base URL of a `servers` list (3.x) with variables replaced by their defaults; empty if none.
std::string server_url(const json::Value* servers);

}  // namespace smeltsec::intake
