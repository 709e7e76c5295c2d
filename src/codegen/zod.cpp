#include "codegen/zod.h"

#include <set>
#include <string_view>

#include "codegen/literals.h"
#include "manifest/js_regex.h"

namespace smeltsec::codegen {
namespace {

constexpr int kMaxDepth = 128;

std::string number_text(const json::Value& v) { return json::write(v); }

// An object-literal key. "__proto__" written plainly (even quoted) sets the prototype instead of defining a
// property, so it is written as a computed key.
std::string property_key(std::string_view key) {
  return key == "__proto__" ? "[" + js_string(key) + "]" : js_string(key);
}

// A JSON value as a JavaScript expression; strings through js_string.
std::string js_value(const json::Value& v) {
  if (v.IsString()) return js_string(std::string_view(v.GetString(), v.GetStringLength()));
  if (v.IsNumber()) return number_text(v);
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "null";
  std::string out;
  if (v.IsArray()) {
    out = "[";
    bool first = true;
    for (const auto& e : v.GetArray()) {
      if (!first) out += ", ";
      first = false;
      out += js_value(e);
    }
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (const auto& m : v.GetObject()) {
    if (!first) out += ", ";
    first = false;
    out += property_key(std::string_view(m.name.GetString(), m.name.GetStringLength())) + ": " + js_value(m.value);
  }
  return out + "}";
}

// \p{..}, \u{..} and astral characters mean something else (or nothing) without the u flag.
bool needs_unicode_flag(std::string_view p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (static_cast<unsigned char>(p[i]) >= 0xF0) return true;
    if (p[i] == '\\' && i + 1 < p.size()) {
      const char n = p[i + 1];
      if (n == 'p' || n == 'P' || (n == 'u' && i + 2 < p.size() && p[i + 2] == '{')) return true;
      ++i;
    }
  }
  return false;
}

// True when every enum/const value has the schema's single "type", so the type check adds nothing.
bool values_match_type(const json::Value& s, const json::Value* type) {
  if (type == nullptr || !type->IsString()) return false;
  const std::string_view t(type->GetString(), type->GetStringLength());
  auto fits = [&](const json::Value& v) {
    if (t == "string") return v.IsString();
    if (t == "boolean") return v.IsBool();
    if (t == "null") return v.IsNull();
    if (t == "number") return v.IsNumber();
    if (t == "integer") return v.IsInt64() || v.IsUint64();
    return false;
  };
  if (const json::Value* e = json::get(s, "enum"); e && e->IsArray()) {
    for (const auto& v : e->GetArray()) {
      if (!fits(v)) return false;
    }
    return true;
  }
  const json::Value* c = json::get(s, "const");
  return c != nullptr && fits(*c);
}

bool is_primitive(const json::Value& v) { return v.IsString() || v.IsNumber() || v.IsBool() || v.IsNull(); }

std::string literal(const json::Value& v) { return v.IsNull() ? "z.null()" : "z.literal(" + js_value(v) + ")"; }

// Keywords this translation enforces or that only annotate; anything else is reported in notes.
const std::set<std::string_view>& known_keywords() {
  static const std::set<std::string_view> k = {
      "type", "properties", "required", "additionalProperties", "items", "prefixItems", "enum", "const",
      "anyOf", "oneOf", "allOf", "not", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
      "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
      "minProperties", "maxProperties", "contains",
      // annotations
      "description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment",
      "$schema", "$id", "format", "contentMediaType", "contentEncoding", "x-nullable"};
  return k;
}

class Translator {
 public:
  explicit Translator(std::string where) : where_(std::move(where)) {}

  Result<std::string> expr(const json::Value& s, int indent, int depth) {
    if (depth > kMaxDepth) return fail("nests deeper than 128 levels");
    if (s.IsBool()) return std::string(s.GetBool() ? "z.unknown()" : "z.never()");
    if (!s.IsObject()) return fail("is not a JSON Schema (object or boolean)");
    for (const auto& m : s.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (!known_keywords().count(key) && key.substr(0, 2) != "x-") notes_.insert(std::string(key));
    }

    std::vector<std::string> parts;  // all must hold
    if (const json::Value* e = json::get(s, "enum"); e && e->IsArray()) {
      parts.push_back(enum_expr(*e));
    } else if (const json::Value* c = json::get(s, "const")) {
      parts.push_back(is_primitive(*c) ? literal(*c) : deep_equal_expr("[" + js_value(*c) + "]"));
    }
    const json::Value* type = json::get(s, "type");
    if (!parts.empty() && values_match_type(s, type)) type = nullptr;  // the enum already says it all
    if (type && type->IsArray()) {
      std::vector<std::string> alternatives;
      for (const auto& t : type->GetArray()) {
        if (!t.IsString()) return fail("has a non-string entry in \"type\"");
        auto a = typed(s, t.GetString(), indent, depth);
        if (!a) return a.error();
        alternatives.push_back(std::move(a.value()));
      }
      if (alternatives.empty()) return fail("has an empty \"type\" array");
      parts.push_back(union_of(alternatives));
    } else if (type && type->IsString()) {
      auto a = typed(s, type->GetString(), indent, depth);
      if (!a) return a.error();
      parts.push_back(std::move(a.value()));
    } else if (type) {
      return fail("has a \"type\" that is neither a string nor an array");
    } else if (json::get(s, "properties") || json::get(s, "additionalProperties") || json::get(s, "required")) {
      auto a = object_expr(s, indent, depth, /*guarded=*/true);
      if (!a) return a.error();
      parts.push_back(std::move(a.value()));
    }
    for (const char* kw : {"anyOf", "oneOf"}) {
      const json::Value* list = json::get(s, kw);
      if (list == nullptr) continue;
      if (!list->IsArray() || list->Empty()) return fail(std::string("has an empty or invalid \"") + kw + "\"");
      std::vector<std::string> alternatives;
      for (const auto& sub : list->GetArray()) {
        auto a = expr(sub, indent, depth + 1);
        if (!a) return a.error();
        alternatives.push_back(std::move(a.value()));
      }
      if (std::string_view(kw) == "oneOf" && alternatives.size() > 1) {
        // Exactly one alternative must match.
        std::string list_text = "[" + join(alternatives, ", ") + "]";
        parts.push_back("z.unknown().refine((v) => " + list_text +
                        ".filter((s) => s.safeParse(v).success).length === 1, \"must match exactly one alternative\")");
      } else {
        parts.push_back(union_of(alternatives));
      }
    }
    if (const json::Value* all = json::get(s, "allOf")) {
      if (!all->IsArray()) return fail("has an invalid \"allOf\"");
      for (const auto& sub : all->GetArray()) {
        auto a = expr(sub, indent, depth + 1);
        if (!a) return a.error();
        parts.push_back(std::move(a.value()));
      }
    }
    if (const json::Value* n = json::get(s, "not")) {
      auto a = expr(*n, indent, depth + 1);
      if (!a) return a.error();
      parts.push_back("z.unknown().refine((v) => !" + a.value() +
                      ".safeParse(v).success, \"must not match the excluded schema\")");
    }
    if (parts.empty()) return std::string("z.unknown()");
    std::string out = parts[0];
    for (std::size_t i = 1; i < parts.size(); ++i) out = "z.intersection(" + out + ", " + parts[i] + ")";
    return out;
  }

  std::vector<std::string> notes() const {
    std::vector<std::string> out;
    for (const auto& k : notes_) {
      out.push_back(where_ + ": " + (k.find(' ') == std::string::npos ? "keyword \"" + k + "\"" : k) +
                    " is not enforced by the generated validator");
    }
    return out;
  }

 private:
  Error fail(const std::string& what) const {
    return Error{"bad_manifest", where_ + " " + what, where_};
  }

  static std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += sep;
      out += items[i];
    }
    return out;
  }

  static std::string union_of(const std::vector<std::string>& alternatives) {
    if (alternatives.size() == 1) return alternatives[0];
    return "z.union([" + join(alternatives, ", ") + "])";
  }

  std::string deep_equal_expr(const std::string& values) {
    needs_canonical_ = true;
    // JSON values compared by canonical text (keys sorted), so key order does not matter.
    return "z.unknown().refine((v) => " + values +
           ".some((e) => canonicalJson(e) === canonicalJson(v)), \"must be one of the allowed values\")";
  }

  std::string enum_expr(const json::Value& values) {
    bool strings = !values.Empty(), primitives = true;
    for (const auto& v : values.GetArray()) {
      strings = strings && v.IsString();
      primitives = primitives && is_primitive(v);
    }
    if (values.Empty()) return "z.never()";
    if (strings) return "z.enum(" + js_value(values) + ")";
    if (primitives) {
      std::vector<std::string> lits;
      for (const auto& v : values.GetArray()) lits.push_back(literal(v));
      return union_of(lits);
    }
    return deep_equal_expr(js_value(values));
  }

  static const json::Value* number(const json::Value& s, const char* key) {
    const json::Value* v = json::get(s, key);
    return v && v->IsNumber() ? v : nullptr;
  }
  static bool count(const json::Value& s, const char* key, uint64_t& out) {
    const json::Value* v = json::get(s, key);
    if (v == nullptr || !v->IsNumber()) return false;
    const double d = v->GetDouble();
    if (d < 0) return false;
    out = d > 9.0e15 ? 9000000000000000ull : static_cast<uint64_t>(d);
    return true;
  }

  Result<std::string> typed(const json::Value& s, std::string_view type, int indent, int depth) {
    if (type == "string") return string_expr(s);
    if (type == "integer" || type == "number") {
      std::string out = type == "integer" ? "z.number().int()" : "z.number()";
      if (const json::Value* v = number(s, "minimum")) out += ".gte(" + number_text(*v) + ")";
      if (const json::Value* v = number(s, "maximum")) out += ".lte(" + number_text(*v) + ")";
      if (const json::Value* v = number(s, "exclusiveMinimum")) out += ".gt(" + number_text(*v) + ")";
      if (const json::Value* v = number(s, "exclusiveMaximum")) out += ".lt(" + number_text(*v) + ")";
      if (const json::Value* v = number(s, "multipleOf"); v && v->GetDouble() > 0) {
        out += ".multipleOf(" + number_text(*v) + ")";
      }
      return out;
    }
    if (type == "boolean") return std::string("z.boolean()");
    if (type == "null") return std::string("z.null()");
    if (type == "array") return array_expr(s, indent, depth);
    if (type == "object") return object_expr(s, indent, depth, /*guarded=*/false);
    return fail("has an unknown type \"" + std::string(type) + "\"");
  }

  Result<std::string> string_expr(const json::Value& s) {
    std::string out = "z.string()";
    uint64_t n = 0;
    // JSON Schema counts code points; JavaScript's length counts UTF-16 units.
    if (count(s, "minLength", n) && n > 0) {
      out += ".refine((v) => [...v].length >= " + std::to_string(n) + ", \"must be at least " + std::to_string(n) +
             " characters\")";
    }
    if (count(s, "maxLength", n)) {
      out += ".refine((v) => [...v].length <= " + std::to_string(n) + ", \"must be at most " + std::to_string(n) +
             " characters\")";
    }
    if (const json::Value* p = json::get(s, "pattern"); p && p->IsString()) {
      const std::string_view pattern(p->GetString(), p->GetStringLength());
      if (!manifest::is_valid_js_unicode_regex(pattern)) {
        return fail("has a pattern that is not a valid ECMAScript regular expression (u flag)");
      }
      // Without the u flag V8 can fall back to its linear-time engine on excessive backtracking (the server
      // starts with --enable-experimental-regexp-engine-on-excessive-backtracks), so keep u only when needed.
      out += ".regex(new RegExp(" + js_string(pattern) + (needs_unicode_flag(pattern) ? ", \"u\"))" : "))");
    }
    return out;
  }

  Result<std::string> array_expr(const json::Value& s, int indent, int depth) {
    std::string items = "z.unknown()";
    const json::Value* it = json::get(s, "items");
    if (it != nullptr) {
      auto a = expr(*it, indent, depth + 1);
      if (!a) return a.error();
      items = std::move(a.value());
    }
    std::string out;
    if (const json::Value* prefix = json::get(s, "prefixItems"); prefix && prefix->IsArray()) {
      std::vector<std::string> heads;
      for (const auto& sub : prefix->GetArray()) {
        auto a = expr(sub, indent, depth + 1);
        if (!a) return a.error();
        heads.push_back(a.value() + ".optional()");
      }
      out = "z.tuple([" + join(heads, ", ") + "], " + items + ")";
    } else {
      out = "z.array(" + items + ")";
    }
    uint64_t n = 0;
    if (count(s, "minItems", n) && n > 0) out += ".min(" + std::to_string(n) + ")";
    if (count(s, "maxItems", n)) out += ".max(" + std::to_string(n) + ")";
    if (json::is_true(json::get(s, "uniqueItems"))) {
      needs_canonical_ = true;
      out += ".refine((a) => new Set(a.map(canonicalJson)).size === a.length, \"items must be unique\")";
    }
    if (const json::Value* c = json::get(s, "contains")) {
      auto a = expr(*c, indent, depth + 1);
      if (!a) return a.error();
      out += ".refine((a) => a.some((e) => " + a.value() + ".safeParse(e).success), \"must contain a matching item\")";
    }
    return out;
  }

  // `guarded`: the schema has no "type", so non-objects pass (JSON Schema applies object keywords to objects only).
  Result<std::string> object_expr(const json::Value& s, int indent, int depth, bool guarded) {
    const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
    std::set<std::string> required;
    if (const json::Value* r = json::get(s, "required"); r && r->IsArray()) {
      for (const auto& k : r->GetArray()) {
        if (k.IsString()) required.emplace(k.GetString(), k.GetStringLength());
      }
    }
    std::string shape;
    std::set<std::string> listed;
    if (const json::Value* props = json::get(s, "properties"); props && props->IsObject()) {
      for (const auto& m : props->GetObject()) {
        const std::string key(m.name.GetString(), m.name.GetStringLength());
        if (!listed.insert(key).second) continue;  // duplicate key in the manifest: the first wins
        if (key == "__proto__") {
          notes_.insert("property \"__proto__\" (zod neither checks nor passes it on)");
        }
        auto a = expr(m.value, indent + 2, depth + 1);
        if (!a) return a.error();
        shape += pad + property_key(key) + ": " + a.value() + (required.count(key) ? "" : ".optional()") + ",\n";
      }
    }
    for (const auto& key : required) {
      if (!listed.count(key)) shape += pad + property_key(key) + ": z.unknown(),\n";
    }
    const std::string body = shape.empty() ? "{}" : "{\n" + shape + std::string(static_cast<std::size_t>(indent), ' ') + "}";
    const json::Value* extra = json::get(s, "additionalProperties");
    std::string out;
    if (extra && extra->IsBool() && !extra->GetBool()) {
      out = "z.strictObject(" + body + ")";
    } else if (extra && extra->IsObject()) {
      auto a = expr(*extra, indent, depth + 1);
      if (!a) return a.error();
      out = "z.object(" + body + ").catchall(" + a.value() + ")";
    } else {
      out = "z.looseObject(" + body + ")";
    }
    uint64_t n = 0;
    if (count(s, "minProperties", n) && n > 0) {
      out += ".refine((o) => Object.keys(o).length >= " + std::to_string(n) + ", \"needs at least " +
             std::to_string(n) + " properties\")";
    }
    if (count(s, "maxProperties", n)) {
      out += ".refine((o) => Object.keys(o).length <= " + std::to_string(n) + ", \"allows at most " +
             std::to_string(n) + " properties\")";
    }
    if (guarded) {
      out = "z.unknown().refine((v) => typeof v !== \"object\" || v === null || Array.isArray(v) || " + out +
            ".safeParse(v).success, \"object does not match\")";
    }
    return out;
  }

 public:
  bool needs_canonical_ = false;

 private:
  std::string where_;
  std::set<std::string> notes_;
};

}  // namespace

Result<ZodResult> zod_expression(const json::Value& schema, const std::string& where, int indent) {
  Translator t(where);
  auto e = t.expr(schema, indent, 0);
  if (!e) return e.error();
  return ZodResult{std::move(e.value()), t.notes(), t.needs_canonical_};
}

}  // namespace smeltsec::codegen
