#include "manifest/tools.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <unordered_set>

#include "common/text.h"
#include "manifest/json_schema.h"
#include "manifest/naming.h"

namespace smeltsec::manifest {
namespace {

using analyze::Operation;
using analyze::Parameter;
using intake::Node;
using intake::Trail;

constexpr std::size_t kMaxDescription = 1024;

// Input schemas are read by a model for every call: deep enough for real request bodies, bounded in size.
constexpr int kInputMaxDepth = 16;
constexpr std::size_t kNestedMaxDescription = 500;
// Output schemas only need to tell a client the shape of a result: keep them shallow and small.
constexpr int kOutputMaxDepth = 4;
constexpr std::size_t kOutputMaxNodes = 300;
constexpr std::size_t kOutputMaxDescription = 160;
// Manifests with more tool definitions than this are written compact rather than indented (GitHub's
// 1,223 operations: 16 MB indented, 6 MB compact).
constexpr std::size_t kMaxIndentedTools = 200;

struct Annotations {
  bool read_only, destructive, idempotent;
};

Annotations annotations_for(const std::string& method) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE") return {true, false, true};
  if (method == "PUT" || method == "DELETE") return {false, true, true};
  if (method == "PATCH") return {false, true, false};
  return {false, false, false};  // POST creates: additive, not idempotent
}

// The tool's description, from the operation's summary (already normalised) and description, written into `out`.
void tool_description(const Operation& op, std::string_view summary, std::string& out) {
  std::string description_buffer;
  const std::string_view description = text::normalized_whitespace(op.description, description_buffer);
  out.clear();
  if (op.deprecated) out = "Deprecated. ";
  const std::size_t start = out.size();
  if (summary.empty()) {
    out += description;
  } else if (description.empty() || text::starts_with(description, summary)) {
    out += description.empty() ? summary : description;
  } else {
    out.append(summary).append(summary.back() == '.' ? "" : ".").append("\n\n").append(description);
  }
  if (out.size() == start) out.append(op.method).append(" ").append(op.path);
  if (!text::fits(out, kMaxDescription)) out = text::truncate_words(out, kMaxDescription);
}

// The tool's title: its one-line summary (already normalised) without a final period, else its name in words.
std::string tool_title(std::string_view summary, const std::string& name) {
  if (!summary.empty() && summary.find('\n') == std::string_view::npos && text::fits(summary, 100)) {
    while (!summary.empty() && summary.back() == '.') summary.remove_suffix(1);
    return std::string(summary);
  }
  return humanize(name);
}

bool is_json_media(std::string_view media) {
  const std::string m = text::to_lower(media.substr(0, media.find(';')));
  return m == "application/json" || text::ends_with(m, "+json") || m == "*/*" || m == "application/*";
}

// The preferred media type entry of a `content` map: JSON first, then forms, then anything.
bool pick_media(const json::Value* content, rapidjson::Value::ConstMemberIterator& out) {
  if (content == nullptr || !content->IsObject() || content->ObjectEmpty()) return false;
  int best = -1;
  for (auto it = content->MemberBegin(); it != content->MemberEnd(); ++it) {
    const std::string m = text::to_lower(json::str(&it->name));
    int score = 1;
    if (m == "application/json") {
      score = 6;
    } else if (is_json_media(m)) {
      score = 5;
    } else if (m == "application/x-www-form-urlencoded") {
      score = 4;
    } else if (m == "multipart/form-data") {
      score = 3;
    } else if (text::starts_with(m, "text/")) {
      score = 2;
    }
    if (score > best) {
      best = score;
      out = it;
    }
  }
  return true;
}

SchemaOptions input_options(const intake::OpenApiSpec& spec) {
  SchemaOptions o;
  o.direction = Direction::kInput;
  o.openapi31 = spec.is_31;
  o.max_nodes = spec.store->bundle().limits().max_schema_nodes;
  o.max_ref_depth = spec.store->bundle().limits().max_ref_depth;
  o.max_depth = kInputMaxDepth;
  o.max_description = kNestedMaxDescription;
  return o;
}

SchemaOptions output_options(const intake::OpenApiSpec& spec) {
  SchemaOptions o;
  o.direction = Direction::kOutput;
  o.openapi31 = spec.is_31;
  o.max_depth = kOutputMaxDepth;
  o.max_nodes = kOutputMaxNodes;
  o.max_description = kOutputMaxDescription;
  o.note_cuts = false;
  o.max_ref_depth = spec.store->bundle().limits().max_ref_depth;
  return o;
}

class ToolBuilder {
 public:
  ToolBuilder(intake::OpenApiSpec& spec, json::Allocator& a)
      : spec_(spec),
        a_(a),
        input_(*spec.store, a, input_options(spec), &cache_),
        output_(*spec.store, a, output_options(spec), &cache_) {}

  Result<json::Value> build(const Operation& op, const std::string& name) {
    json::Value tool(rapidjson::kObjectType);
    json::add(tool, "name", name, a_);
    std::string summary_buffer;
    const std::string_view summary = text::normalized_whitespace(op.summary, summary_buffer);
    json::add(tool, "title", tool_title(summary, name), a_);
    tool_description(op, summary, text_);
    json::add(tool, "description", text_, a_);

    json::Value properties(rapidjson::kObjectType);
    json::Value required(rapidjson::kArrayType);
    json::Value arguments(rapidjson::kArrayType);
    std::set<std::string> taken;
    SchemaConverter& input = input_;  // the input schemas of this tool share one node budget
    input.reset();

    for (const Parameter& p : op.parameters) {
      if (p.in == "body") continue;  // Swagger 2.0 body: handled with the request body below
      if (p.in == "header" && spec_.major == 3) {
        const std::string lower = text::to_lower(p.name);
        if (lower == "accept" || lower == "content-type" || lower == "authorization") continue;  // OAS: ignored
      }
      Trail at{nullptr, {}, op.node.doc, p.pointer};
      auto schema = parameter_schema(input, p, at);
      if (!schema) return schema.error();
      json::Value s = std::move(schema.value());
      const std::string arg = argument_name(p.name, taken);
      replace_description(s, describe(p.node.value, kMaxDescription, scratch_));
      enum { kDeprecated, kStyle, kExplode, kCollectionFormat };
      constexpr std::string_view kParamKeys[] = {"deprecated", "style", "explode", "collectionFormat"};
      const json::Value* f[std::size(kParamKeys)];
      json::members(p.node.value, kParamKeys, f);
      if (json::is_true(f[kDeprecated]) && !cache_.view(s).HasMember("deprecated")) {
        cache_.own(s, a_);
        json::add(s, "deprecated", json::Value(true), a_);
      }
      properties.AddMember(json::make_string(arg, a_), s, a_);
      if (p.required) required.PushBack(json::make_string(arg, a_), a_);
      json::Value info(rapidjson::kObjectType);
      json::add(info, "name", arg, a_);
      json::add(info, "in", p.in, a_);
      json::add(info, "key", p.name, a_);
      if (const json::Value* style = f[kStyle]; style && style->IsString()) {
        json::add(info, "style", json::clone(*style, a_), a_);
      }
      if (const json::Value* explode = f[kExplode]; explode && explode->IsBool()) {
        json::add(info, "explode", json::clone(*explode, a_), a_);
      }
      if (const json::Value* cf = f[kCollectionFormat]; cf && cf->IsString()) {
        json::add(info, "collectionFormat", json::clone(*cf, a_), a_);
      }
      arguments.PushBack(info, a_);
    }

    auto body = request_body(input, op, taken);
    if (!body) return body.error();
    if (cache_.view(body.value().schema).IsObject()) {
      BodyInfo& b = body.value();
      properties.AddMember(json::make_string(b.arg, a_), b.schema, a_);
      if (b.required) required.PushBack(json::make_string(b.arg, a_), a_);
      json::Value info(rapidjson::kObjectType);
      json::add(info, "name", b.arg, a_);
      json::add(info, "in", "body", a_);
      json::add(info, "contentType", b.content_type, a_);
      arguments.PushBack(info, a_);
    }

    json::Value input_schema(rapidjson::kObjectType);
    json::add(input_schema, "type", "object", a_);
    json::add(input_schema, "properties", std::move(properties), a_);
    if (!required.Empty()) json::add(input_schema, "required", std::move(required), a_);
    json::add(input_schema, "additionalProperties", json::Value(false), a_);
    json::add(tool, "inputSchema", std::move(input_schema), a_);
    for (auto& n : input.notes()) notes_.push_back(name + ": " + n);

    auto output = output_schema(op, name);
    if (!output) return output.error();
    if (!output.value().IsNull()) json::add(tool, "outputSchema", std::move(output.value()), a_);

    const Annotations ann = annotations_for(op.method);
    json::Value annotations(rapidjson::kObjectType);
    json::add(annotations, "readOnlyHint", json::Value(ann.read_only), a_);
    json::add(annotations, "destructiveHint", json::Value(ann.destructive), a_);
    json::add(annotations, "idempotentHint", json::Value(ann.idempotent), a_);
    json::add(annotations, "openWorldHint", json::Value(true), a_);
    json::add(tool, "annotations", std::move(annotations), a_);

    json::Value http(rapidjson::kObjectType);
    json::add(http, "method", op.method, a_);
    json::add(http, "path", op.path, a_);
    json::add(http, "baseUrl", op.base_url, a_);
    if (!op.operation_id.empty()) json::add(http, "operationId", op.operation_id, a_);
    if (!op.tags.empty()) {
      json::Value tags(rapidjson::kArrayType);
      for (const auto& t : op.tags) tags.PushBack(json::make_string(t, a_), a_);
      json::add(http, "tags", std::move(tags), a_);
    }
    if (op.deprecated) json::add(http, "deprecated", json::Value(true), a_);
    // A non-idempotent operation the spec declares safe to repeat (x-idempotent / x-retryable: true) may be
    // retried by the generated servers; nothing else that is not idempotent ever is.
    constexpr std::string_view kRetryKeys[] = {"x-idempotent", "x-retryable"};
    const json::Value* retry[std::size(kRetryKeys)];
    if (!ann.idempotent) json::members(op.node.value, kRetryKeys, retry);
    if (!ann.idempotent && (json::is_true(retry[0]) || json::is_true(retry[1]))) {
      json::add(http, "retryable", json::Value(true), a_);
    }
    json::add(http, "arguments", std::move(arguments), a_);
    add_security(http, op);
    json::Value meta(rapidjson::kObjectType);
    json::add(meta, kHttpMetaKey, std::move(http), a_);
    json::add(tool, "_meta", std::move(meta), a_);
    return tool;
  }

  std::vector<std::string>& notes() { return notes_; }

  // The text of a tool built here (its schemas may hold markers of the shared cache).
  std::string write(const json::Value& tool, bool pretty) const { return cache_.write(tool, pretty); }
  void write_compact(const json::Value& tool, json::TextBuffer& out) const { cache_.write_compact(tool, out); }

 private:
  // The parameter's or body's own description (when it has one) replaces the schema's, last among its keys.
  void replace_description(json::Value& schema, std::string_view d) {
    if (d.empty()) return;
    cache_.own(schema, a_);
    if (schema.HasMember("description")) schema.RemoveMember("description");
    json::add(schema, "description", d, a_);
  }

  struct BodyInfo {
    std::string arg;
    std::string content_type;
    bool required = false;
    json::Value schema;
  };

  // 3.x: param.schema, or the schema of its single `content` entry. 2.0: the parameter itself is the schema.
  Result<json::Value> parameter_schema(SchemaConverter& conv, const Parameter& p, const Trail& at) {
    const json::Value* v = p.node.value;
    if (spec_.major == 2) {
      return conv.convert(p.node, at);
    }
    const json::Value* schema = json::get(v, "schema");
    std::string media_type;
    if (schema == nullptr) {
      rapidjson::Value::ConstMemberIterator media;
      if (pick_media(json::get(v, "content"), media)) {
        schema = json::get(&media->value, "schema");
        media_type = std::string(json::str(&media->name));
      }
    }
    if (schema == nullptr) {
      json::Value s(rapidjson::kObjectType);
      json::add(s, "type", "string", a_);
      return s;
    }
    const Trail content = at.child("content");
    const Trail at_media = content.child(media_type);
    const Trail at_schema = (media_type.empty() ? at : at_media).child("schema");
    return conv.convert(Node{p.node.doc, schema}, at_schema);
  }

  Result<BodyInfo> request_body(SchemaConverter& conv, const Operation& op, std::set<std::string>& taken) {
    BodyInfo info;
    const std::string preferred = taken.count("body") ? "request_body" : "body";
    if (spec_.major == 2) {
      for (const Parameter& p : op.parameters) {
        if (p.in != "body") continue;
        Trail at{nullptr, {}, op.node.doc, p.pointer};
        auto s = conv.convert(Node{p.node.doc, json::get(p.node.value, "schema")}, at.child("schema"));
        if (!s) return s.error();
        info.schema = std::move(s.value());
        replace_description(info.schema, describe(p.node.value, kMaxDescription, scratch_));
        info.required = p.required;
        info.content_type = "application/json";
        for (const auto& c : op.consumes) {
          if (is_json_media(c)) {
            info.content_type = c;
            break;
          }
        }
        info.arg = argument_name(preferred, taken);
      }
      return info;
    }
    if (!op.request_body) return info;
    rapidjson::Value::ConstMemberIterator media;
    if (!pick_media(json::get(op.request_body.value, "content"), media)) return info;
    info.content_type = std::string(json::str(&media->name));
    const std::string body_pointer = op.pointer + "/requestBody";
    Trail at{nullptr, {}, op.node.doc, body_pointer};
    const Trail content = at.child("content");
    const Trail at_media = content.child(info.content_type);
    const json::Value* schema = json::get(&media->value, "schema");
    if (schema != nullptr) {
      auto s = conv.convert(Node{op.request_body.doc, schema}, at_media.child("schema"));
      if (!s) return s.error();
      info.schema = std::move(s.value());
    } else {
      info.schema.SetObject();
      json::add(info.schema, "type", "string", a_);
    }
    replace_description(info.schema, describe(op.request_body.value, kMaxDescription, scratch_));
    info.required = json::is_true(json::get(op.request_body.value, "required"));
    info.arg = argument_name(preferred, taken);
    return info;
  }

  // The schema of the first success response, when it describes an object.
  Result<json::Value> output_schema(const Operation& op, const std::string& name) {
    if (!op.responses || !op.responses.value->IsObject()) return json::Value();
    // The first of these codes the responses have (read in one pass).
    constexpr std::string_view kSuccess[] = {"200", "201", "202", "203", "206", "2XX", "2xx"};
    const json::Value* found[std::size(kSuccess)];
    json::members(op.responses.value, kSuccess, found);
    const json::Value* chosen = nullptr;
    std::string_view chosen_code;
    for (std::size_t k = 0; k < std::size(kSuccess) && chosen == nullptr; ++k) {
      chosen = found[k];
      chosen_code = kSuccess[k];
    }
    if (chosen == nullptr) return json::Value();
    const std::string response_pointer = op.pointer + "/responses/" + std::string(chosen_code);
    Trail at{nullptr, {}, op.node.doc, response_pointer};
    auto resp = spec_.store->deref(Node{op.responses.doc, chosen}, at);
    if (!resp) return resp.error();
    Node schema;
    if (spec_.major == 2) {
      schema = Node{resp.value().doc, json::get(resp.value().value, "schema")};
    } else {
      rapidjson::Value::ConstMemberIterator media;
      if (pick_media(json::get(resp.value().value, "content"), media) && is_json_media(json::str(&media->name))) {
        schema = Node{resp.value().doc, json::get(&media->value, "schema")};
      }
    }
    if (!schema) return json::Value();
    SchemaConverter& conv = output_;
    conv.reset();
    auto s = conv.convert(schema, at.child("schema"));
    if (!s) return s.error();
    for (auto& n : conv.notes()) notes_.push_back(name + " (output): " + n);
    const json::Value& seen = cache_.view(s.value());
    if (!seen.IsObject() || json::str(json::get(seen, "type")) != "object") return json::Value();
    return std::move(s.value());
  }

  void add_security(json::Value& http, const Operation& op) {
    if (op.security == nullptr || !op.security->IsArray() || op.security->Empty()) return;
    json::add(http, "security", json::clone(*op.security, a_), a_);
    json::Value schemes(rapidjson::kObjectType);
    for (const auto& req : op.security->GetArray()) {
      if (!req.IsObject()) continue;
      for (const auto& m : req.GetObject()) {
        const std::string name(json::str(&m.name));
        if (schemes.HasMember(name.c_str())) continue;
        const json::Value* def = json::get(spec_.security_schemes, name);
        if (def == nullptr) continue;
        Trail at{nullptr, {}, spec_.root, {}};
        auto resolved = spec_.store->deref(Node{spec_.root, def}, at);
        if (!resolved || !resolved.value().value->IsObject()) continue;
        json::Value scheme(rapidjson::kObjectType);
        for (const char* k : {"type", "in", "name", "scheme", "bearerFormat", "flow", "tokenUrl", "authorizationUrl",
                              "flows", "openIdConnectUrl"}) {
          if (const json::Value* f = json::get(resolved.value().value, k)) json::add(scheme, k, json::clone(*f, a_), a_);
        }
        json::add(schemes, name, std::move(scheme), a_);
      }
    }
    json::add(http, "securitySchemes", std::move(schemes), a_);
  }

  intake::OpenApiSpec& spec_;
  json::Allocator& a_;
  std::vector<std::string> notes_;
  std::string text_;     // the description of the tool being built (reused: no new string per tool)
  std::string scratch_;  // a parameter's or body's description, when it is not the document's text as it is
  SchemaCache cache_;  // converted components, shared by the input and output schemas of every tool
  SchemaConverter input_, output_;  // declared after cache_, which they use
};

json::Value string_schema(json::Allocator& a, const char* description, int max_length) {
  json::Value s(rapidjson::kObjectType);
  json::add(s, "type", "string", a);
  json::add(s, "minLength", json::Value(1), a);
  json::add(s, "maxLength", json::Value(max_length), a);
  json::add(s, "description", description, a);
  return s;
}

json::Value annotations_value(json::Allocator& a, bool read_only, bool destructive, bool idempotent, bool open_world) {
  json::Value ann(rapidjson::kObjectType);
  json::add(ann, "readOnlyHint", json::Value(read_only), a);
  json::add(ann, "destructiveHint", json::Value(destructive), a);
  json::add(ann, "idempotentHint", json::Value(idempotent), a);
  json::add(ann, "openWorldHint", json::Value(open_world), a);
  return ann;
}

json::Value object_schema(json::Allocator& a, json::Value properties, std::initializer_list<const char*> required) {
  json::Value s(rapidjson::kObjectType);
  json::add(s, "type", "object", a);
  json::add(s, "properties", std::move(properties), a);
  json::Value req(rapidjson::kArrayType);
  for (const char* r : required) req.PushBack(json::make_string(r, a), a);
  if (!req.Empty()) json::add(s, "required", std::move(req), a);
  json::add(s, "additionalProperties", json::Value(false), a);
  return s;
}

// Marks a grouped tool for the generated servers: {"smeltsec.dev/grouped": {"role": "search"|"describe"|"call"}}.
json::Value grouped_meta(json::Allocator& a, const char* role) {
  json::Value marker(rapidjson::kObjectType);
  json::add(marker, "role", role, a);
  json::Value meta(rapidjson::kObjectType);
  json::add(meta, "smeltsec.dev/grouped", std::move(marker), a);
  return meta;
}

// search_operations / describe_operation / call_operation over a catalogue of every operation's tool.
json::Value grouped_tools(const intake::OpenApiSpec& spec, const std::vector<Operation>& ops, json::Allocator& a) {
  const std::string api = spec.title.empty() ? "the API" : spec.title;
  std::vector<std::string> tags;
  std::unordered_set<std::string> seen_tags;
  for (const auto& op : ops) {
    for (const auto& t : op.tags) {
      if (seen_tags.insert(std::string(t)).second) tags.emplace_back(t);
    }
  }
  json::Value tools(rapidjson::kArrayType);
  {
    json::Value props(rapidjson::kObjectType);
    json::add(props, "query", string_schema(a, "Words to look for in operation names, paths and descriptions.", 200), a);
    if (!tags.empty()) {
      json::Value tag = string_schema(a, "Only operations with this tag.", 200);
      json::Value values(rapidjson::kArrayType);
      for (const auto& t : tags) values.PushBack(json::make_string(t, a), a);
      json::add(tag, "enum", std::move(values), a);
      json::add(props, "tag", std::move(tag), a);
    }
    json::Value limit(rapidjson::kObjectType);
    json::add(limit, "type", "integer", a);
    json::add(limit, "minimum", json::Value(1), a);
    json::add(limit, "maximum", json::Value(50), a);
    json::add(limit, "default", json::Value(10), a);
    json::add(limit, "description", "Most operations to return.", a);
    json::add(props, "limit", std::move(limit), a);
    json::Value tool(rapidjson::kObjectType);
    json::add(tool, "name", "search_operations", a);
    json::add(tool, "title", "Search " + api + " operations", a);
    std::string desc = "Finds operations of " + api + " (" + std::to_string(ops.size()) +
                       " in all) by keyword. Returns their names, methods, paths and summaries; then use "
                       "describe_operation for an operation's arguments and call_operation to run it.";
    if (!tags.empty()) {
      std::vector<std::string> shown(tags.begin(), tags.begin() + std::min<std::size_t>(tags.size(), 60));
      desc += " Tags: " + text::join(shown, ", ") + (tags.size() > shown.size() ? ", …" : "") + ".";
    }
    json::add(tool, "description", text::truncate_words(desc, kMaxDescription), a);
    json::add(tool, "inputSchema", object_schema(a, std::move(props), {"query"}), a);
    json::add(tool, "annotations", annotations_value(a, true, false, true, false), a);
    json::add(tool, "_meta", grouped_meta(a, "search"), a);
    tools.PushBack(tool, a);
  }
  // The `operation` argument of describe_operation and call_operation.
  auto operation_argument = [&a] {
    json::Value op = string_schema(a, "The operation name, as search_operations returns it.", 64);
    json::add(op, "pattern", "^[a-zA-Z0-9_-]{1,64}$", a);
    return op;
  };
  {
    json::Value props(rapidjson::kObjectType);
    json::add(props, "operation", operation_argument(), a);
    json::Value tool(rapidjson::kObjectType);
    json::add(tool, "name", "describe_operation", a);
    json::add(tool, "title", "Describe an " + api + " operation", a);
    json::add(tool, "description",
              "Returns the full definition of one operation of " + api +
                  ": what it does, its arguments as a JSON Schema, and whether it changes anything.",
              a);
    json::add(tool, "inputSchema", object_schema(a, std::move(props), {"operation"}), a);
    json::add(tool, "annotations", annotations_value(a, true, false, true, false), a);
    json::add(tool, "_meta", grouped_meta(a, "describe"), a);
    tools.PushBack(tool, a);
  }
  {
    json::Value props(rapidjson::kObjectType);
    json::add(props, "operation", operation_argument(), a);
    json::Value args(rapidjson::kObjectType);
    json::add(args, "type", "object", a);
    json::add(args, "description", "The operation's arguments, as describe_operation's inputSchema defines them.", a);
    json::add(props, "arguments", std::move(args), a);
    json::Value tool(rapidjson::kObjectType);
    json::add(tool, "name", "call_operation", a);
    json::add(tool, "title", "Call an " + api + " operation", a);
    json::add(tool, "description",
              "Runs one operation of " + api +
                  " with the given arguments and returns its result. Operations may change data: check "
                  "describe_operation first.",
              a);
    json::add(tool, "inputSchema", object_schema(a, std::move(props), {"operation", "arguments"}), a);
    json::add(tool, "annotations", annotations_value(a, false, true, false, true), a);
    json::add(tool, "_meta", grouped_meta(a, "call"), a);
    tools.PushBack(tool, a);
  }
  return tools;
}

}  // namespace

json::Value source_json(const intake::OpenApiSpec& spec, json::Allocator& a) {
  json::Value s(rapidjson::kObjectType);
  json::add(s, "kind", "openapi", a);
  json::add(s, "file", spec.root->path, a);
  json::add(s, "specVersion", spec.spec_version, a);
  json::add(s, "title", spec.title, a);
  json::add(s, "version", spec.api_version, a);
  json::add(s, "baseUrl", spec.base_url, a);
  return s;
}

std::vector<std::string> tool_names(const std::vector<Operation>& ops) {
  std::vector<std::string> names;
  std::set<std::string> taken;
  // Operations with an operationId claim their names first, so that an id never loses its name to a
  // route-derived one.
  std::vector<std::string> bases(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    bases[i] = ops[i].operation_id.empty() ? name_from_route(ops[i].method, ops[i].path)
                                           : name_from_operation_id(ops[i].operation_id);
  }
  names.resize(ops.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if ((pass == 0) == !ops[i].operation_id.empty()) names[i] = unique_name(bases[i], taken);
    }
  }
  return names;
}

namespace {

// Appends `text` with every line indented by `spaces` (pretty JSON has no raw newline inside a string).
void append_indented(std::string& out, std::string_view text, std::size_t spaces) {
  const std::string pad(spaces, ' ');
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    out += pad;
    out.append(text.data() + start, end - start);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
}

// Appends an indented JSON array of already serialised (indented) items, one per line at `indent`.
void append_array(std::string& out, const std::vector<std::string>& items, std::size_t indent) {
  if (items.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",\n";
    append_indented(out, items[i], indent + 2);
  }
  out += "\n" + std::string(indent, ' ') + "]";
}

}  // namespace

Result<BuildResult> build_manifest(intake::OpenApiSpec& spec, const std::vector<Operation>& ops,
                                   const BuildOptions& options) {
  BuildResult result;
  if (options.mode == "all" || options.mode == "grouped") {
    result.mode = options.mode;
  } else if (options.mode == "auto" || options.mode.empty()) {
    result.mode = ops.size() <= options.max_tools ? "all" : "grouped";
  } else {
    return Error{"bad_option", "unknown mode '" + options.mode + "' (use all, grouped or auto)", "mode"};
  }
  const bool pretty = ops.size() <= kMaxIndentedTools;
  const std::vector<std::string> names = tool_names(ops);
  json::Document trio_doc;
  json::Value trio;
  if (result.mode == "grouped") trio = grouped_tools(spec, ops, trio_doc.GetAllocator());
  result.tools = result.mode == "all" ? ops.size() : trio.Size();
  // Large manifests are compact and written straight into one buffer, head first; indented ones (at most
  // kMaxIndentedTools definitions) keep each definition apart, to be re-indented where it lands.
  json::TextBuffer compact;
  std::vector<std::string> definitions;
  auto put = [&compact](std::string_view text) {
    if (!text.empty()) std::memcpy(compact.Push(text.size()), text.data(), text.size());
  };
  if (!pretty && result.mode == "all") {
    put("{\"tools\":[");
  } else if (!pretty) {
    put("{\"tools\":");
    put(json::write(trio));
    put(",\"_meta\":{\"");
    put(kCatalogMetaKey);
    put("\":{\"operations\":[");
  }
  // Each tool is built in a scratch arena, serialised, and the arena cleared: no manifest-sized tree is
  // ever held.
  json::Allocator scratch;
  ToolBuilder builder(spec, scratch);
  const std::size_t max_bytes = spec.store->bundle().limits().max_manifest_bytes;
  constexpr std::size_t kSizeSample = 32;  // tools written before the buffer is sized for the rest
  std::size_t total_bytes = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto tool = builder.build(ops[i], names[i]);
    if (!tool) return tool.error();
    if (pretty) {
      definitions.push_back(builder.write(tool.value(), true));
      total_bytes += definitions.back().size();
    } else {
      if (i) put(",");
      const std::size_t before = compact.GetSize();
      builder.write_compact(tool.value(), compact);
      total_bytes += compact.GetSize() - before;
      if (i + 1 == kSizeSample && ops.size() > kSizeSample) {
        // Room for the rest at the average size so far, plus a quarter: the buffer grows by half each time it
        // is full, copying everything written (in wasm a copy of megabytes is not free).
        const std::size_t rest = (ops.size() - kSizeSample) * (total_bytes / kSizeSample);
        compact.Reserve(std::min(rest + rest / 4, max_bytes));
      }
    }
    scratch.Clear();
    // Inlined schemas are copied into every tool that uses them: a small spec can ask for a huge manifest.
    if (total_bytes > max_bytes) {
      return Error{"output_limit",
                   "the manifest would exceed " + std::to_string(max_bytes) + " bytes (at operation " +
                       std::to_string(i + 1) + " of " + std::to_string(ops.size()) +
                       "): its schemas are inlined into every tool that uses them",
                   ops[i].node.doc->path + ops[i].pointer};
    }
  }
  std::string& out = result.manifest_json;
  if (!pretty) {
    put(result.mode == "all" ? "]}\n" : "]}}}\n");
    out = compact.take();
  } else if (result.mode == "all") {
    out += "{\n  \"tools\": ";
    append_array(out, definitions, 2);
    out += "\n}\n";
  } else {
    std::vector<std::string> trio_text;
    for (const auto& t : trio.GetArray()) trio_text.push_back(json::write(t, true));
    out += "{\n  \"tools\": ";
    append_array(out, trio_text, 2);
    out += ",\n  \"_meta\": {\n    \"";
    out += kCatalogMetaKey;
    out += "\": {\n      \"operations\": ";
    append_array(out, definitions, 6);
    out += "\n    }\n  }\n}\n";
  }
  result.notes = std::move(builder.notes());
  return result;
}

std::string candidates_json(const intake::OpenApiSpec& spec, const std::vector<Operation>& ops) {
  json::Document doc(rapidjson::kObjectType);
  json::Allocator& a = doc.GetAllocator();
  json::add(doc, "source", source_json(spec, a), a);
  const std::vector<std::string> names = tool_names(ops);
  json::Value list(rapidjson::kArrayType);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    json::Value c(rapidjson::kObjectType);
    json::add(c, "kind", "operation", a);
    json::add(c, "method", op.method, a);
    json::add(c, "path", op.path, a);
    json::add(c, "name", names[i], a);
    if (!op.operation_id.empty()) json::add(c, "operationId", op.operation_id, a);
    json::add(c, "summary", text::truncate_words(text::normalize_whitespace(op.summary), 200), a);
    json::Value tags(rapidjson::kArrayType);
    for (const auto& t : op.tags) tags.PushBack(json::make_string(t, a), a);
    json::add(c, "tags", std::move(tags), a);
    json::add(c, "deprecated", json::Value(op.deprecated), a);
    std::size_t params = 0;
    for (const auto& p : op.parameters) params += p.in != "body";
    json::add(c, "parameters", json::Value(static_cast<uint64_t>(params)), a);
    json::add(c, "hasBody", json::Value(static_cast<bool>(op.request_body) ||
                                        std::any_of(op.parameters.begin(), op.parameters.end(),
                                                    [](const Parameter& p) { return p.in == "body"; })),
              a);
    json::add(c, "location", op.node.doc->path + op.pointer, a);
    list.PushBack(c, a);
  }
  json::add(doc, "candidates", std::move(list), a);
  json::Value notes(rapidjson::kArrayType);
  for (const auto& n : spec.notes) notes.PushBack(json::make_string(n, a), a);
  json::add(doc, "notes", std::move(notes), a);
  return json::write(doc, true) + "\n";
}

}  // namespace smeltsec::manifest
