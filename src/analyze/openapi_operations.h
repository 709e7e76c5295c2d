// Step 2 for specs: the operations of an OpenAPI document, in document order, with their parameters,
// request body, responses and security requirement resolved through `$ref`s.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "intake/openapi_spec.h"

namespace smeltsec::analyze {

struct Parameter {
  // Texts of the document, as Operation's: not copied.
  std::string_view name;
  std::string_view in;  // path | query | header | cookie | body | formData (the last two: Swagger 2.0)
  bool required = false;
  intake::Node node;    // the parameter object, `$ref` followed
  std::string pointer;  // where it is written (in the operation's document), e.g. "#/paths/~1a/get/parameters/0"
};

struct Operation {
  std::string method;  // upper case
  // Texts of the document (the spec outlives the operations): not copied.
  std::string_view path;
  std::string_view operation_id, summary, description;
  std::vector<std::string_view> tags;
  bool deprecated = false;
  std::vector<Parameter> parameters;  // path-level ones merged in; operation-level ones override
  intake::Node request_body;          // 3.x requestBody, `$ref` followed
  intake::Node responses;
  const json::Value* security = nullptr;  // the operation's own, else the spec's
  std::string base_url;                   // operation / path / spec servers, most specific first
  std::vector<std::string_view> consumes;  // Swagger 2.0 media types (texts of the document)
  intake::Node node;                      // the operation object
  std::string pointer;                    // "#/paths/~1pets/get"
};

// Collects every operation of `paths` (webhooks and callbacks are not operations a server calls).
// Fails only on unresolvable `$ref`s; oddities become notes in `spec.notes`.
Result<std::vector<Operation>> collect_operations(intake::OpenApiSpec& spec);

}  // namespace smeltsec::analyze
