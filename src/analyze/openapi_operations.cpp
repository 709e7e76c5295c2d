#include "analyze/openapi_operations.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "common/text.h"

namespace smeltsec::analyze {
namespace {

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::vector<std::string_view> string_list(const json::Value* v) {
  std::vector<std::string_view> out;
  if (v != nullptr && v->IsArray()) {
    for (const auto& item : v->GetArray()) {
      if (item.IsString()) out.emplace_back(json::str(&item));
    }
  }
  return out;
}

// Reads a parameter list (each entry may be a `$ref`) into `out`, replacing entries with the same
// name and location.
Status read_parameters(intake::DocumentStore& store, intake::Node list, const intake::Trail& at,
                       std::vector<Parameter>& out, std::vector<std::string>& notes) {
  if (!list || !list.value->IsArray()) return Ok{};
  // Where each (location, name) is in `out`: a linear search while `out` is short (most operations have a few
  // parameters; no key strings), an index once it is long (a list of thousands stays linear in time).
  constexpr std::size_t kLinear = 32;
  std::unordered_map<std::string, std::size_t> positions;  // "<size of in>:<in><name>" -> index in `out`, past kLinear
  auto key_of = [](const Parameter& p) {
    return std::to_string(p.in.size()) + ':' + std::string(p.in) + std::string(p.name);
  };
  const std::string list_pointer = at.pointer();  // + "/<index>" for each entry (indexes need no escaping)
  out.reserve(out.size() + list.value->Size());
  rapidjson::SizeType i = 0;
  for (const auto& entry : list.value->GetArray()) {
    const std::string index = std::to_string(i++);
    intake::Trail here = at.child(index);
    auto resolved = store.deref(intake::Node{list.doc, &entry}, here);
    if (!resolved) return resolved.error();
    const intake::Node p = resolved.value();
    if (!p.value->IsObject()) continue;
    Parameter param;
    constexpr std::string_view kParamKeys[] = {"name", "in", "required"};
    const json::Value* f[std::size(kParamKeys)];
    json::members(p.value, kParamKeys, f);
    param.name = json::str(f[0]);
    param.in = json::str(f[1]);
    param.required = json::is_true(f[2]) || json::same(param.in, "path");
    param.node = p;
    if (param.name.empty() || param.in.empty()) {
      notes.push_back("parameter without name or location ignored at " + here.where());
      continue;
    }
    param.pointer.reserve(list_pointer.size() + 1 + index.size());
    param.pointer.append(list_pointer).append(1, '/').append(index);
    // Operation-level parameters replace path-level ones with the same name and location.
    std::size_t same = out.size();
    if (out.size() <= kLinear) {
      for (std::size_t k = 0; k < out.size(); ++k) {
        if (json::same(out[k].name, param.name) && json::same(out[k].in, param.in)) {
          same = k;
          break;
        }
      }
    } else {
      if (positions.empty()) {
        for (std::size_t k = 0; k < out.size(); ++k) positions.emplace(key_of(out[k]), k);
      }
      if (auto it = positions.find(key_of(param)); it != positions.end()) same = it->second;
    }
    if (same < out.size()) {
      out[same] = std::move(param);
    } else {
      if (!positions.empty()) positions.emplace(key_of(param), out.size());
      out.push_back(std::move(param));
    }
  }
  return Ok{};
}

}  // namespace

Result<std::vector<Operation>> collect_operations(intake::OpenApiSpec& spec) {
  std::vector<Operation> ops;
  intake::DocumentStore& store = *spec.store;
  const json::Value& dom = spec.root->dom;
  const json::Value* paths = json::get(dom, "paths");
  const auto global_consumes = string_list(json::get(dom, "consumes"));
  if (paths == nullptr) return ops;
  intake::Trail root{nullptr, {}, spec.root, {}};
  intake::Trail paths_trail = root.child("paths");
  for (const auto& entry : paths->GetObject()) {
    const std::string_view path = json::str(&entry.name);
    intake::Trail path_trail = paths_trail.child(path);
    auto item = store.deref(intake::Node{spec.root, &entry.value}, path_trail);
    if (!item) return item.error();
    const intake::Node path_item = item.value();
    if (!path_item.value->IsObject()) continue;
    // The path item's members, then each operation's, read in one pass each.
    constexpr std::string_view kItemKeys[] = {"parameters", "servers", "summary", "description", "get", "put",
                                              "post",       "delete",  "options", "head",        "patch", "trace"};
    constexpr std::size_t kFirstMethod = 4;
    static_assert(std::size(kItemKeys) == kFirstMethod + std::size(kMethods), "one key per method");
    const json::Value* item_fields[std::size(kItemKeys)];
    json::members(path_item.value, kItemKeys, item_fields);
    std::vector<Parameter> shared;
    if (auto st = read_parameters(store, {path_item.doc, item_fields[0]}, path_trail.child("parameters"), shared,
                                  spec.notes);
        !st) {
      return st.error();
    }
    std::string path_server = intake::server_url(item_fields[1]);
    for (std::size_t m = 0; m < std::size(kMethods); ++m) {
      const char* method = kMethods[m];
      const json::Value* op_value = item_fields[kFirstMethod + m];
      if (op_value == nullptr) continue;
      intake::Trail op_trail = path_trail.child(method);
      if (!op_value->IsObject()) {
        spec.notes.push_back("operation that is not an object ignored at " + op_trail.where());
        continue;
      }
      enum { kOperationId, kSummary, kDescription, kTags, kDeprecated, kParameters, kRequestBody, kResponses,
             kSecurity, kServers, kConsumes };
      constexpr std::string_view kOpKeys[] = {"operationId", "summary",    "description", "tags",
                                              "deprecated",  "parameters", "requestBody", "responses",
                                              "security",    "servers",    "consumes"};
      const json::Value* f[std::size(kOpKeys)];
      json::members(op_value, kOpKeys, f);
      Operation op;
      op.method = text::to_lower(method);
      for (char& c : op.method) c = static_cast<char>(c - 'a' + 'A');
      op.path = path;
      op.node = intake::Node{path_item.doc, op_value};
      op.pointer = op_trail.pointer();
      op.operation_id = json::str(f[kOperationId]);
      op.summary = json::str(f[kSummary]);
      op.description = json::str(f[kDescription]);
      if (op.summary.empty()) op.summary = json::str(item_fields[2]);
      if (op.description.empty()) op.description = json::str(item_fields[3]);
      op.tags = string_list(f[kTags]);
      op.deprecated = json::is_true(f[kDeprecated]);
      op.parameters = shared;
      if (auto st = read_parameters(store, {path_item.doc, f[kParameters]}, op_trail.child("parameters"),
                                    op.parameters, spec.notes);
          !st) {
        return st.error();
      }
      if (const json::Value* body = f[kRequestBody]) {
        auto rb = store.deref(intake::Node{path_item.doc, body}, op_trail.child("requestBody"));
        if (!rb) return rb.error();
        op.request_body = rb.value();
      }
      if (const json::Value* responses = f[kResponses]) {
        op.responses = intake::Node{path_item.doc, responses};
      }
      op.security = f[kSecurity];
      if (op.security == nullptr) op.security = spec.security;
      std::string op_server = intake::server_url(f[kServers]);
      op.base_url = !op_server.empty() ? op_server : !path_server.empty() ? path_server : spec.base_url;
      op.consumes = string_list(f[kConsumes]);
      if (op.consumes.empty()) op.consumes = global_consumes;
      ops.push_back(std::move(op));
    }
  }
  return ops;
}

}  // namespace smeltsec::analyze
