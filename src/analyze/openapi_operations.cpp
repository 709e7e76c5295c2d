#include "analyze/openapi_operations.h"

#include <algorithm>
#include <unordered_map>

#include "common/text.h"

namespace smeltsec::analyze {
namespace {

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::vector<std::string> string_list(const json::Value* v) {
  std::vector<std::string> out;
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
  std::unordered_map<std::string, std::size_t> positions;  // "in\nname" -> index in `out`
  const std::string list_pointer = at.pointer();  // + "/<index>" for each entry (indexes need no escaping)
  rapidjson::SizeType i = 0;
  for (const auto& entry : list.value->GetArray()) {
    const std::string index = std::to_string(i++);
    intake::Trail here = at.child(index);
    auto resolved = store.deref(intake::Node{list.doc, &entry}, here);
    if (!resolved) return resolved.error();
    const intake::Node p = resolved.value();
    if (!p.value->IsObject()) continue;
    Parameter param;
    param.name = std::string(json::str(json::get(p.value, "name")));
    param.in = std::string(json::str(json::get(p.value, "in")));
    param.required = json::is_true(json::get(p.value, "required")) || param.in == "path";
    param.node = p;
    param.pointer = list_pointer + '/' + index;
    if (param.name.empty() || param.in.empty()) {
      notes.push_back("parameter without name or location ignored at " + here.where());
      continue;
    }
    // Operation-level parameters replace path-level ones with the same name and location.
    const std::string key = param.in + '\n' + param.name;
    if (positions.empty()) {
      for (std::size_t k = 0; k < out.size(); ++k) positions.emplace(out[k].in + '\n' + out[k].name, k);
    }
    if (auto same = positions.find(key); same != positions.end()) {
      out[same->second] = std::move(param);
    } else {
      positions.emplace(key, out.size());
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
    const std::string path(json::str(&entry.name));
    intake::Trail path_trail = paths_trail.child(path);
    auto item = store.deref(intake::Node{spec.root, &entry.value}, path_trail);
    if (!item) return item.error();
    const intake::Node path_item = item.value();
    if (!path_item.value->IsObject()) continue;
    std::vector<Parameter> shared;
    if (auto st = read_parameters(store, {path_item.doc, json::get(path_item.value, "parameters")},
                                  path_trail.child("parameters"), shared, spec.notes);
        !st) {
      return st.error();
    }
    std::string path_server = intake::server_url(json::get(path_item.value, "servers"));
    for (const char* method : kMethods) {
      const json::Value* op_value = json::get(path_item.value, method);
      if (op_value == nullptr) continue;
      intake::Trail op_trail = path_trail.child(method);
      if (!op_value->IsObject()) {
        spec.notes.push_back("operation that is not an object ignored at " + op_trail.where());
        continue;
      }
      Operation op;
      op.method = text::to_lower(method);
      for (char& c : op.method) c = static_cast<char>(c - 'a' + 'A');
      op.path = path;
      op.node = intake::Node{path_item.doc, op_value};
      op.pointer = op_trail.pointer();
      op.operation_id = json::str(json::get(op_value, "operationId"));
      op.summary = json::str(json::get(op_value, "summary"));
      op.description = json::str(json::get(op_value, "description"));
      if (op.summary.empty()) op.summary = json::str(json::get(path_item.value, "summary"));
      if (op.description.empty()) op.description = json::str(json::get(path_item.value, "description"));
      op.tags = string_list(json::get(op_value, "tags"));
      op.deprecated = json::is_true(json::get(op_value, "deprecated"));
      op.parameters = shared;
      if (auto st = read_parameters(store, {path_item.doc, json::get(op_value, "parameters")},
                                    op_trail.child("parameters"), op.parameters, spec.notes);
          !st) {
        return st.error();
      }
      if (const json::Value* body = json::get(op_value, "requestBody")) {
        auto rb = store.deref(intake::Node{path_item.doc, body}, op_trail.child("requestBody"));
        if (!rb) return rb.error();
        op.request_body = rb.value();
      }
      if (const json::Value* responses = json::get(op_value, "responses")) {
        op.responses = intake::Node{path_item.doc, responses};
      }
      op.security = json::get(op_value, "security");
      if (op.security == nullptr) op.security = spec.security;
      std::string op_server = intake::server_url(json::get(op_value, "servers"));
      op.base_url = !op_server.empty() ? op_server : !path_server.empty() ? path_server : spec.base_url;
      op.consumes = string_list(json::get(op_value, "consumes"));
      if (op.consumes.empty()) op.consumes = global_consumes;
      ops.push_back(std::move(op));
    }
  }
  return ops;
}

}  // namespace smeltsec::analyze
