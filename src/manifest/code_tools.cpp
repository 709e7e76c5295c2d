#include "manifest/code_tools.h"

#include <algorithm>
#include <set>

#include "common/schema_values.h"
#include "common/text.h"
#include "manifest/naming.h"

namespace smeltsec::manifest {
namespace {

using analyze::code::Candidate;
using analyze::code::CodeAnalysis;
using analyze::code::Param;

constexpr std::size_t kMaxDescription = 1024;



// The param's schema: the analyzer's JSON Schema, or any value when the type is unknown.
json::Value param_schema(const Param& p, json::Allocator& a) {
  if (!p.schema_json.empty()) {
    json::Document d(&a);
    d.Parse(p.schema_json.data(), p.schema_json.size());
    if (!d.HasParseError() && d.IsObject()) return json::clone(d, a);
  }
  return json::any_value_schema(a);
}

std::string candidate_name(const Candidate& c) {
  if (!c.name.empty() && c.name != "<anonymous>") return shorten_name(text::snake_case(c.name));
  return name_from_route(c.method.empty() ? "call" : c.method, c.path);
}

std::string candidate_description(const Candidate& c) {
  std::string d = text::normalize_whitespace(c.doc);
  if (d.empty()) {
    d = c.kind == "route" ? c.method + " " + c.path : "Calls " + c.name + " (" + c.file + ").";
  }
  if (c.deprecated) d = "Deprecated. " + d;
  return text::truncate_words(d, kMaxDescription);
}

std::string candidate_title(const Candidate& c, const std::string& name) {
  std::string first = text::normalize_whitespace(c.doc);
  first = first.substr(0, first.find('\n'));
  if (!first.empty() && text::fits(first, 80)) {
    while (!first.empty() && first.back() == '.') first.pop_back();
    return first;
  }
  return humanize(name);
}

json::Value effects_value(const Candidate& c, json::Allocator& a) {
  json::Value list(rapidjson::kArrayType);
  for (const auto& e : c.effects) {
    json::Value v(rapidjson::kObjectType);
    json::add(v, "kind", e.kind, a);
    json::add(v, "detail", e.detail, a);
    json::add(v, "line", json::Value(e.line), a);
    list.PushBack(v, a);
  }
  return list;
}

json::Value build_tool(const Candidate& c, const std::string& name, json::Allocator& a) {
  json::Value tool(rapidjson::kObjectType);
  json::add(tool, "name", name, a);
  json::add(tool, "title", candidate_title(c, name), a);
  json::add(tool, "description", candidate_description(c), a);

  json::Value properties(rapidjson::kObjectType);
  json::Value required(rapidjson::kArrayType);
  json::Value arguments(rapidjson::kArrayType);
  std::set<std::string> taken;
  for (const Param& p : c.params) {
    const std::string arg = argument_name(p.name, taken);
    json::Value s = param_schema(p, a);
    if (!p.description.empty()) {
      if (s.HasMember("description")) s.RemoveMember("description");
      json::add(s, "description", text::truncate_words(text::normalize_whitespace(p.description), kMaxDescription), a);
    }
    properties.AddMember(json::make_string(arg, a), s, a);
    if (p.required) required.PushBack(json::make_string(arg, a), a);
    json::Value info(rapidjson::kObjectType);
    json::add(info, "name", arg, a);
    json::add(info, "in", p.in, a);
    if (!p.whole_body) json::add(info, "key", p.name, a);  // a whole-body argument has no key
    arguments.PushBack(info, a);
  }
  json::Value input(rapidjson::kObjectType);
  json::add(input, "type", "object", a);
  json::add(input, "properties", std::move(properties), a);
  if (!required.Empty()) json::add(input, "required", std::move(required), a);
  json::add(input, "additionalProperties", json::Value(false), a);
  json::add(tool, "inputSchema", std::move(input), a);

  if (!c.returns_schema_json.empty()) {
    json::Document d(&a);
    d.Parse(c.returns_schema_json.data(), c.returns_schema_json.size());
    if (!d.HasParseError() && d.IsObject() && json::str(json::get(d, "type")) == "object") {
      json::add(tool, "outputSchema", json::clone(d, a), a);
    }
  }

  const bool writes = std::any_of(c.effects.begin(), c.effects.end(), [](const auto& e) { return is_write_effect(e.kind); });
  const bool deletes = std::any_of(c.effects.begin(), c.effects.end(), [](const auto& e) { return e.kind == "delete"; });
  const bool network = std::any_of(c.effects.begin(), c.effects.end(), [](const auto& e) { return e.kind == "network"; });
  const std::string& m = c.method;
  const bool safe_method = c.kind != "route" || m == "GET" || m == "HEAD" || m == "OPTIONS";
  const bool read_only = safe_method && !writes;
  const bool destructive = deletes || m == "DELETE" || m == "PUT" || m == "PATCH";
  const bool idempotent = read_only || m == "PUT" || m == "DELETE";
  json::Value annotations(rapidjson::kObjectType);
  json::add(annotations, "readOnlyHint", json::Value(read_only), a);
  json::add(annotations, "destructiveHint", json::Value(!read_only && destructive), a);
  json::add(annotations, "idempotentHint", json::Value(idempotent), a);
  json::add(annotations, "openWorldHint", json::Value(c.kind == "route" || network), a);
  json::add(tool, "annotations", std::move(annotations), a);

  json::Value meta(rapidjson::kObjectType);
  if (c.kind == "route") {
    json::Value http(rapidjson::kObjectType);
    json::add(http, "method", c.method, a);
    json::add(http, "path", c.path, a);
    json::add(http, "baseUrl", "", a);
    json::add(http, "framework", c.framework, a);
    json::add(http, "arguments", json::clone(arguments, a), a);
    if (c.auth) json::add(http, "auth", c.auth_detail, a);
    json::add(meta, kHttpMetaKey, std::move(http), a);
  }
  json::Value code(rapidjson::kObjectType);
  json::add(code, "language", c.language, a);
  json::add(code, "file", c.file, a);
  json::add(code, "line", json::Value(c.line), a);
  json::add(code, "function", c.name, a);
  if (c.kind != "route") json::add(code, "arguments", std::move(arguments), a);
  if (!c.return_type_text.empty()) json::add(code, "returns", c.return_type_text, a);
  json::add(code, "effects", effects_value(c, a), a);
  json::add(meta, kCodeMetaKey, std::move(code), a);
  json::add(tool, "_meta", std::move(meta), a);
  return tool;
}

json::Value candidate_value(const Candidate& c, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  json::add(v, "kind", c.kind, a);
  if (c.kind == "route") {
    json::add(v, "method", c.method, a);
    json::add(v, "path", c.path, a);
  }
  json::add(v, "name", c.name, a);
  json::add(v, "file", c.file, a);
  json::add(v, "line", json::Value(c.line), a);
  json::add(v, "language", c.language, a);
  if (!c.framework.empty()) json::add(v, "framework", c.framework, a);
  json::add(v, "auth", json::Value(c.auth), a);
  if (c.auth) json::add(v, "authDetail", c.auth_detail, a);
  json::add(v, "effects", effects_value(c, a), a);
  json::Value params(rapidjson::kArrayType);
  for (const Param& p : c.params) {
    json::Value pv(rapidjson::kObjectType);
    json::add(pv, "name", p.name, a);
    json::add(pv, "in", p.in, a);
    json::add(pv, "required", json::Value(p.required), a);
    if (!p.type_text.empty()) json::add(pv, "type", p.type_text, a);
    if (!p.default_text.empty()) json::add(pv, "default", p.default_text, a);
    params.PushBack(pv, a);
  }
  json::add(v, "params", std::move(params), a);
  if (!c.return_type_text.empty()) json::add(v, "returns", c.return_type_text, a);
  json::add(v, "doc", text::truncate_words(text::normalize_whitespace(c.doc), 300), a);
  if (c.deprecated) json::add(v, "deprecated", json::Value(true), a);
  if (c.internal) json::add(v, "internal", c.internal_reason, a);
  return v;
}

}  // namespace

json::Value skipped_value(const std::vector<SkippedFile>& skipped, json::Allocator& a) {
  json::Value list(rapidjson::kArrayType);
  for (const auto& s : skipped) {
    json::Value v(rapidjson::kObjectType);
    json::add(v, "path", s.path, a);
    json::add(v, "reason", s.reason, a);
    list.PushBack(v, a);
  }
  return list;
}

bool is_write_effect(const std::string& kind) {
  return kind == "db_write" || kind == "file_write" || kind == "delete" || kind == "subprocess";
}

std::vector<const Candidate*> tool_candidates(const CodeAnalysis& analysis) {
  std::vector<const Candidate*> routes, functions;
  for (const auto& c : analysis.candidates) {
    if (c.deprecated || c.internal) continue;
    (c.kind == "route" ? routes : functions).push_back(&c);
  }
  return routes.empty() ? functions : routes;
}

std::string code_candidates_json(const CodeAnalysis& analysis, double analyze_ms) {
  json::Document doc(rapidjson::kObjectType);
  json::Allocator& a = doc.GetAllocator();
  json::Value candidates(rapidjson::kArrayType), filtered(rapidjson::kArrayType);
  std::size_t routes = 0, functions = 0;
  for (const auto& c : analysis.candidates) {
    if (c.deprecated || c.internal) {
      json::Value f(rapidjson::kObjectType);
      json::add(f, "kind", c.kind, a);
      json::add(f, "name", c.name, a);
      json::add(f, "file", c.file, a);
      json::add(f, "line", json::Value(c.line), a);
      json::add(f, "reason", c.deprecated ? std::string("deprecated") : c.internal_reason, a);
      filtered.PushBack(f, a);
      continue;
    }
    (c.kind == "route" ? routes : functions) += 1;
    candidates.PushBack(candidate_value(c, a), a);
  }
  json::add(doc, "candidates", std::move(candidates), a);
  json::add(doc, "filtered", std::move(filtered), a);
  json::add(doc, "skipped", skipped_value(analysis.skipped, a), a);
  const std::size_t skipped_count = analysis.skipped.size();
  json::Value stats(rapidjson::kObjectType);
  json::add(stats, "files", json::Value(static_cast<uint64_t>(analysis.files_parsed)), a);
  json::add(stats, "bytes", json::Value(static_cast<uint64_t>(analysis.bytes_parsed)), a);
  json::add(stats, "routes", json::Value(static_cast<uint64_t>(routes)), a);
  json::add(stats, "functions", json::Value(static_cast<uint64_t>(functions)), a);
  json::add(stats, "filtered", json::Value(static_cast<uint64_t>(doc["filtered"].Size())), a);
  json::add(stats, "skipped", json::Value(static_cast<uint64_t>(skipped_count)), a);
  json::add(stats, "analyzeMs", json::Value(analyze_ms), a);
  json::add(doc, "stats", std::move(stats), a);
  json::Value notes(rapidjson::kArrayType);
  for (const auto& n : analysis.notes) notes.PushBack(json::make_string(n, a), a);
  json::add(doc, "notes", std::move(notes), a);
  return json::write(doc, true) + "\n";
}

Result<BuildResult> build_code_manifest(const CodeAnalysis& analysis, const BuildOptions& options) {
  if (options.mode != "auto" && options.mode != "all" && !options.mode.empty()) {
    // Code repositories rarely have hundreds of units; grouping them is for a later version.
    return Error{"bad_option", "mode '" + options.mode + "' is not available for code (use all or auto)", "mode"};
  }
  const auto chosen = tool_candidates(analysis);
  json::Document doc(rapidjson::kObjectType);
  json::Allocator& a = doc.GetAllocator();
  std::set<std::string> taken;
  json::Value tools(rapidjson::kArrayType);
  for (const Candidate* c : chosen) {
    tools.PushBack(build_tool(*c, unique_name(candidate_name(*c), taken), a), a);
  }
  BuildResult result;
  result.mode = "all";
  result.tools = tools.Size();
  json::add(doc, "tools", std::move(tools), a);
  result.manifest_json = json::write(doc, true) + "\n";
  return result;
}

}  // namespace smeltsec::manifest
