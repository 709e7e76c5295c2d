#include "analyze/code/javascript_types.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "analyze/code/javascript_jsdoc.h"
#include "common/schema_values.h"
#include "common/text.h"

namespace smeltsec::analyze::code::js {
namespace {

// Appends {"type": type, "enum": values} to `branches` (one branch per literal type of a union).
void push_enum_branch(json::Value& branches, const char* type, json::Value values, json::Allocator& a) {
  json::Value v = json::type_schema(type, a);
  json::add(v, "enum", std::move(values), a);
  branches.PushBack(v, a);
}

// Named types are inlined: nesting and size are bounded so that recursive or huge types stay small.
constexpr int kMaxTypeDepth = 8;
constexpr int kMaxTypeNodes = 600;

json::Value or_any(json::Value v, json::Allocator& a) {
  return v.IsNull() ? json::any_value_schema(a) : std::move(v);
}

json::Value array_of(json::Value items, json::Allocator& a) {
  json::Value v = json::type_schema("array", a);
  json::add(v, "items", or_any(std::move(items), a), a);
  return v;
}

json::Value nullable(json::Value v, json::Allocator& a) {
  json::Value branches(rapidjson::kArrayType);
  if (v.IsObject() && v.HasMember("anyOf") && v.MemberCount() == 1) {
    for (auto& b : v["anyOf"].GetArray()) {
      if (json::str(json::get(b, "type")) != "null") branches.PushBack(json::clone(b, a), a);
    }
  } else {
    branches.PushBack(v, a);
  }
  branches.PushBack(json::type_schema("null", a), a);
  json::Value out(rapidjson::kObjectType);
  json::add(out, "anyOf", std::move(branches), a);
  return out;
}

// Members of a union, nested unions and parentheses flattened.
void union_members(TSNode n, std::vector<TSNode>& out, int depth = 0) {
  if (depth > 64) return;
  for (TSNode c : named_children(n)) {
    const std::string_view t = type_of(c);
    if (t == "union_type") {
      union_members(c, out, depth + 1);
    } else if (t == "parenthesized_type" && type_of(named_child(c, 0)) == "union_type") {
      union_members(named_child(c, 0), out, depth + 1);
    } else if (t != "comment") {
      out.push_back(c);
    }
  }
}

bool is_undefined_type(TSNode n, const SyntaxTree& tree) {
  const std::string_view t = type_of(n);
  return (t == "literal_type" || t == "predefined_type") && tree.text(n) == "undefined";
}

// True when the type (a type_annotation or a type) is a union with `undefined` in it.
bool allows_undefined(TSNode type, const SyntaxTree& tree) {
  if (type_of(type) == "type_annotation") type = named_child(type, 0);
  if (type_of(type) != "union_type") return false;
  std::vector<TSNode> members;
  union_members(type, members);
  for (TSNode m : members) {
    if (is_undefined_type(m, tree)) return true;
  }
  return false;
}

std::string property_name(TSNode name, const SyntaxTree& tree) {
  std::string s;
  if (string_literal(name, tree, s)) return s;
  return std::string(tree.text(name));
}

}  // namespace

struct TypeConverter::Ctx {
  json::Document doc;
  std::vector<uint64_t> active;  // declarations being expanded: a cycle becomes a plain object
  int nodes = 0;
  json::Allocator& a() { return doc.GetAllocator(); }
};

TypeSite TypeConverter::site_in(int module, TSNode node) const {
  return TypeSite{module, program_.modules()[module].tree.get(), node};
}

TypeSite TypeConverter::find_type(int module, std::string_view name, int depth) {
  if (module < 0 || depth > 16) return {};
  Module& m = program_.modules()[module];
  const std::string key(name);
  if (auto it = m.types.find(key); it != m.types.end()) return site_in(module, it->second);
  // imported: import { T } from './types' / import type { T } / import T from './t'
  const Binding* b = nullptr;
  if (!m.scopes.empty()) {
    auto it = m.scopes[0].bindings.find(key);
    if (it != m.scopes[0].bindings.end()) b = &it->second;
  }
  if (b != nullptr && b->kind == Binding::Kind::kImport) {
    const int target = program_.resolve(module, b->source);
    if (target < 0) return {};
    const std::string& imported = b->imported;
    if (imported == "default") {
      auto e = program_.modules()[target].exports.find("default");
      if (e == program_.modules()[target].exports.end()) return {};
      if (!e->second.local.empty()) return find_type(target, e->second.local, depth + 1);
      return site_in(target, e->second.node);
    }
    return find_type(target, imported, depth + 1);
  }
  // re-exported: export { T } from './t' / export * from './t'
  if (auto e = m.exports.find(key); e != m.exports.end()) {
    if (!e->second.source.empty()) {
      const int target = program_.resolve(module, e->second.source);
      return target < 0 ? TypeSite{} : find_type(target, e->second.imported, depth + 1);
    }
    if (!e->second.local.empty() && e->second.local != key) return find_type(module, e->second.local, depth + 1);
  }
  for (const std::string& star : m.star_exports) {
    const int target = program_.resolve(module, star);
    if (target < 0) continue;
    TypeSite s = find_type(target, name, depth + 1);
    if (s.tree != nullptr) return s;
  }
  return {};
}

json::Value TypeConverter::convert(Ctx& ctx, const TypeSite& site, int depth) {
  json::Allocator& a = ctx.a();
  const TSNode n = site.node;
  if (!present(n) || site.tree == nullptr || depth > kMaxTypeDepth || ++ctx.nodes > kMaxTypeNodes) return {};
  const SyntaxTree& tree = *site.tree;
  const std::string_view t = type_of(n);
  auto child = [&](TSNode c) { return convert(ctx, TypeSite{site.module, site.tree, c}, depth + 1); };
  if (t == "type_annotation" || t == "parenthesized_type" || t == "readonly_type" || t == "opting_type_annotation" ||
      t == "omitting_type_annotation" || t == "adding_type_annotation") {
    return child(named_child(n, 0));
  }
  if (t == "predefined_type") {
    const std::string_view name = tree.text(n);
    if (name == "string") return json::type_schema("string", a);
    if (name == "number") return json::type_schema("number", a);
    if (name == "bigint") return json::type_schema("integer", a);
    if (name == "boolean") return json::type_schema("boolean", a);
    if (name == "object") return json::type_schema("object", a);
    return {};  // any, unknown, never, void, symbol, undefined
  }
  if (t == "type_identifier") return named(ctx, site, tree.text(n), TSNode{}, depth);
  if (t == "generic_type") return named(ctx, site, tree.text(field(n, "name")), field(n, "type_arguments"), depth);
  if (t == "array_type") return array_of(child(named_child(n, 0)), a);
  if (t == "tuple_type") {
    json::Value items(rapidjson::kArrayType);
    for (TSNode c : named_children(n)) {
      if (type_of(c) != "comment") items.PushBack(or_any(child(c), a), a);
    }
    json::Value v = json::type_schema("array", a);
    const unsigned count = items.Size();
    json::add(v, "prefixItems", std::move(items), a);
    json::add(v, "minItems", json::Value(count), a);
    json::add(v, "items", json::Value(false), a);
    return v;
  }
  if (t == "union_type") return union_of(ctx, site, depth);
  if (t == "literal_type") {
    const TSNode lit = named_child(n, 0);
    const std::string_view lt = type_of(lit);
    json::Value values(rapidjson::kArrayType);
    json::Value v;
    if (lt == "string") {
      std::string s;
      string_literal(lit, tree, s);
      v = json::type_schema("string", a);
      values.PushBack(json::make_string(s, a), a);
    } else if (lt == "number" || lt == "unary_expression") {
      const std::string text(tree.text(lit));
      const double d = std::strtod(text.c_str(), nullptr);
      v = json::type_schema("number", a);
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
        values.PushBack(json::Value(static_cast<int64_t>(d)), a);
      } else {
        values.PushBack(json::Value(d), a);
      }
    } else if (lt == "true" || lt == "false") {
      v = json::type_schema("boolean", a);
      values.PushBack(json::Value(lt == "true"), a);
    } else if (lt == "null") {
      return json::type_schema("null", a);
    } else {
      return {};
    }
    json::add(v, "enum", std::move(values), a);
    return v;
  }
  if (t == "object_type") {
    std::vector<TypeSite> members;
    for (TSNode c : named_children(n)) members.push_back(TypeSite{site.module, site.tree, c});
    return object_of(ctx, members, depth);
  }
  if (t == "intersection_type") {
    std::vector<TypeSite> members;
    collect_members(site, members, depth);
    if (members.empty()) return {};
    return object_of(ctx, members, depth);
  }
  if (t == "template_literal_type" || t == "index_type_query") return json::type_schema("string", a);
  return {};  // functions, conditional, mapped, lookup and query types: any
}

json::Value TypeConverter::named(Ctx& ctx, const TypeSite& site, std::string_view name, TSNode args, int depth) {
  json::Allocator& a = ctx.a();
  std::vector<TSNode> arg_nodes;
  for (TSNode c : named_children(args)) {
    if (type_of(c) != "comment") arg_nodes.push_back(c);
  }
  auto arg = [&](std::size_t i) -> json::Value {
    if (i >= arg_nodes.size()) return {};
    return convert(ctx, TypeSite{site.module, site.tree, arg_nodes[i]}, depth + 1);
  };
  if (name == "String") return json::type_schema("string", a);
  if (name == "Number") return json::type_schema("number", a);
  if (name == "Boolean") return json::type_schema("boolean", a);
  if (name == "Date") {
    json::Value v = json::type_schema("string", a);
    json::add(v, "description", "Format: date-time.", a);
    return v;
  }
  if (name == "Array" || name == "ReadonlyArray" || name == "Set" || name == "ReadonlySet") return array_of(arg(0), a);
  if (name == "Promise" || name == "Awaited" || name == "Readonly" || name == "Required" || name == "NonNullable") {
    return arg(0);
  }
  if (name == "Record" || name == "Map" || name == "Object") {
    json::Value v = json::type_schema("object", a);
    if (arg_nodes.size() == 2) json::add(v, "additionalProperties", or_any(arg(1), a), a);
    return v;
  }
  if (name == "Partial" || name == "Pick" || name == "Omit") {
    json::Value base = arg(0);
    if (!base.IsObject() || !base.HasMember("properties")) return base;
    if (name == "Partial") {
      base.RemoveMember("required");
      return base;
    }
    // Pick<T, 'a' | 'b'> / Omit<T, 'a'>: the keys are string literals
    std::vector<std::string> keys;
    if (arg_nodes.size() == 2) {
      std::vector<TSNode> literals;
      if (type_of(arg_nodes[1]) == "union_type") {
        union_members(arg_nodes[1], literals);
      } else {
        literals.push_back(arg_nodes[1]);
      }
      for (TSNode l : literals) {
        std::string s;
        if (type_of(l) == "literal_type" && string_literal(named_child(l, 0), *site.tree, s)) keys.push_back(s);
      }
    }
    auto keep = [&](std::string_view key) {
      const bool listed = std::find(keys.begin(), keys.end(), key) != keys.end();
      return name == "Pick" ? listed : !listed;
    };
    json::Value props(rapidjson::kObjectType), required(rapidjson::kArrayType);
    for (auto& p : base["properties"].GetObject()) {
      if (keep(json::str(&p.name))) props.AddMember(json::clone(p.name, a), json::clone(p.value, a), a);
    }
    if (const json::Value* r = json::get(base, "required"); r != nullptr && r->IsArray()) {
      for (const auto& k : r->GetArray()) {
        if (keep(json::str(&k))) required.PushBack(json::clone(k, a), a);
      }
    }
    base["properties"] = props;
    base.RemoveMember("required");
    if (!required.Empty()) json::add(base, "required", std::move(required), a);
    return base;
  }
  const TypeSite decl = find_type(site.module, name);
  if (decl.tree == nullptr) return {};
  return declaration(ctx, decl, depth);
}

json::Value TypeConverter::declaration(Ctx& ctx, const TypeSite& decl, int depth) {
  json::Allocator& a = ctx.a();
  const uint64_t key = (uint64_t(uint32_t(decl.module)) << 40) ^ node_key(decl.node);
  if (std::find(ctx.active.begin(), ctx.active.end(), key) != ctx.active.end() || depth > kMaxTypeDepth) {
    return json::type_schema("object", a);
  }
  ctx.active.push_back(key);
  json::Value out;
  const std::string_view t = type_of(decl.node);
  const SyntaxTree& tree = *decl.tree;
  if (t == "type_alias_declaration") {
    out = convert(ctx, TypeSite{decl.module, decl.tree, field(decl.node, "value")}, depth + 1);
  } else if (t == "interface_declaration" || t == "class_declaration" || t == "abstract_class_declaration") {
    std::vector<TypeSite> members;
    collect_members(decl, members, depth);
    out = object_of(ctx, members, depth);
  } else if (t == "enum_declaration") {
    json::Value strings(rapidjson::kArrayType), numbers(rapidjson::kArrayType);
    int64_t next = 0;
    for (TSNode c : named_children(field(decl.node, "body"))) {
      const std::string_view ct = type_of(c);
      if (ct == "enum_assignment") {
        const TSNode value = field(c, "value");
        std::string s;
        if (string_literal(value, tree, s)) {
          strings.PushBack(json::make_string(s, a), a);
        } else if (type_of(value) == "number" || type_of(value) == "unary_expression") {
          next = std::strtoll(std::string(tree.text(value)).c_str(), nullptr, 0);
          numbers.PushBack(json::Value(next++), a);
        }
      } else if (ct == "property_identifier") {
        numbers.PushBack(json::Value(next++), a);
      }
    }
    json::Value branches(rapidjson::kArrayType);
    if (!strings.Empty()) {
      push_enum_branch(branches, "string", std::move(strings), a);
    }
    if (!numbers.Empty()) {
      push_enum_branch(branches, "number", std::move(numbers), a);
    }
    if (branches.Size() == 1) {
      out = json::clone(branches[0], a);
    } else if (branches.Size() > 1) {
      out = json::Value(rapidjson::kObjectType);
      json::add(out, "anyOf", std::move(branches), a);
    }
  }
  ctx.active.pop_back();
  return out;
}

void TypeConverter::collect_members(const TypeSite& site, std::vector<TypeSite>& members, int depth) {
  if (depth > kMaxTypeDepth || !present(site.node) || site.tree == nullptr) return;
  const std::string_view t = type_of(site.node);
  const SyntaxTree& tree = *site.tree;
  auto at = [&](TSNode n) { return TypeSite{site.module, site.tree, n}; };
  if (t == "interface_declaration") {
    for (TSNode c : named_children(site.node)) {
      if (type_of(c) != "extends_type_clause") continue;
      for (TSNode base : named_children(c)) collect_members(at(base), members, depth + 1);
    }
    for (TSNode c : named_children(field(site.node, "body"))) members.push_back(at(c));
  } else if (t == "class_declaration" || t == "abstract_class_declaration") {
    for (TSNode c : named_children(field(site.node, "body"))) {
      const std::string_view ct = type_of(c);
      if (ct == "public_field_definition" || ct == "field_definition") members.push_back(at(c));
    }
  } else if (t == "type_alias_declaration") {
    collect_members(at(field(site.node, "value")), members, depth + 1);
  } else if (t == "object_type" || t == "interface_body") {
    for (TSNode c : named_children(site.node)) members.push_back(at(c));
  } else if (t == "intersection_type" || t == "type_annotation" || t == "parenthesized_type") {
    for (TSNode c : named_children(site.node)) collect_members(at(c), members, depth + 1);
  } else if (t == "type_identifier" || t == "generic_type") {
    const std::string_view name = tree.text(t == "generic_type" ? field(site.node, "name") : site.node);
    const TypeSite decl = find_type(site.module, name);
    if (decl.tree != nullptr) collect_members(decl, members, depth + 1);
  }
}

json::Value TypeConverter::object_of(Ctx& ctx, const std::vector<TypeSite>& members, int depth) {
  json::Allocator& a = ctx.a();
  struct Prop {
    std::string name;
    json::Value schema;
    bool required;
  };
  std::vector<Prop> props;
  json::Value additional;
  for (const TypeSite& m : members) {
    const std::string_view t = type_of(m.node);
    const SyntaxTree& tree = *m.tree;
    if (t == "index_signature") {
      additional = or_any(convert(ctx, TypeSite{m.module, m.tree, field(m.node, "type")}, depth + 1), a);
      continue;
    }
    if (t != "property_signature" && t != "public_field_definition" && t != "field_definition") continue;
    if (t != "property_signature") {
      if (has_anonymous_child(m.node, "static")) continue;
      bool hidden = false;
      for (TSNode c : named_children(m.node)) {
        if (type_of(c) == "accessibility_modifier" && tree.text(c) != "public") hidden = true;
      }
      if (hidden) continue;
    }
    const TSNode name_node = field(m.node, t == "field_definition" ? "property" : "name");
    if (type_of(name_node) == "private_property_identifier" || type_of(name_node) == "computed_property_name") continue;
    const TSNode type = field(m.node, "type");
    Prop p;
    p.name = property_name(name_node, tree);
    p.required = !has_anonymous_child(m.node, "?") && !allows_undefined(type, tree);
    p.schema = or_any(convert(ctx, TypeSite{m.module, m.tree, type}, depth + 1), a);
    const JsDoc doc = parse_jsdoc(jsdoc_before(m.node, tree));
    if (!doc.description.empty() && p.schema.IsObject()) {
      if (p.schema.HasMember("description")) p.schema.RemoveMember("description");
      json::add(p.schema, "description", doc.description, a);
    }
    auto same = std::find_if(props.begin(), props.end(), [&](const Prop& q) { return q.name == p.name; });
    if (same != props.end()) {
      *same = std::move(p);
    } else {
      props.push_back(std::move(p));
    }
  }
  json::Value v = json::type_schema("object", a);
  if (props.empty() && additional.IsNull()) return v;
  json::Value properties(rapidjson::kObjectType), required(rapidjson::kArrayType);
  for (Prop& p : props) {
    if (p.required) required.PushBack(json::make_string(p.name, a), a);
    properties.AddMember(json::make_string(p.name, a), p.schema, a);
  }
  if (!props.empty()) json::add(v, "properties", std::move(properties), a);
  if (!required.Empty()) json::add(v, "required", std::move(required), a);
  json::add(v, "additionalProperties", additional.IsNull() ? json::Value(false) : std::move(additional), a);
  return v;
}

json::Value TypeConverter::union_of(Ctx& ctx, const TypeSite& site, int depth) {
  json::Allocator& a = ctx.a();
  const SyntaxTree& tree = *site.tree;
  std::vector<TSNode> members;
  union_members(site.node, members);
  bool has_null = false, has_true = false, has_false = false;
  json::Value strings(rapidjson::kArrayType), numbers(rapidjson::kArrayType), others(rapidjson::kArrayType);
  for (TSNode m : members) {
    if (is_undefined_type(m, tree)) continue;
    if (type_of(m) == "literal_type") {
      const TSNode lit = named_child(m, 0);
      const std::string_view lt = type_of(lit);
      std::string s;
      if (lt == "null") {
        has_null = true;
        continue;
      }
      if (lt == "true" || lt == "false") {
        (lt == "true" ? has_true : has_false) = true;
        continue;
      }
      if (lt == "string" && string_literal(lit, tree, s)) {
        strings.PushBack(json::make_string(s, a), a);
        continue;
      }
      if (lt == "number" || lt == "unary_expression") {
        json::Value n = convert(ctx, TypeSite{site.module, site.tree, m}, depth + 1);
        if (n.IsObject() && n.HasMember("enum")) numbers.PushBack(json::clone(n["enum"][0], a), a);
        continue;
      }
    }
    json::Value s = convert(ctx, TypeSite{site.module, site.tree, m}, depth + 1);
    if (s.IsNull()) return {};  // one member accepts anything: so does the union
    if (s.IsObject() && s.HasMember("anyOf") && s.MemberCount() == 1) {
      for (auto& b : s["anyOf"].GetArray()) {
        if (json::str(json::get(b, "type")) == "null") {
          has_null = true;
        } else {
          others.PushBack(json::clone(b, a), a);
        }
      }
    } else if (json::str(json::get(s, "type")) == "null" && s.MemberCount() == 1) {
      has_null = true;
    } else {
      others.PushBack(s, a);
    }
  }
  json::Value branches(rapidjson::kArrayType);
  if (!strings.Empty()) {
    push_enum_branch(branches, "string", std::move(strings), a);
  }
  if (!numbers.Empty()) {
    push_enum_branch(branches, "number", std::move(numbers), a);
  }
  if (has_true || has_false) {
    json::Value v = json::type_schema("boolean", a);
    if (has_true != has_false) {
      json::Value e(rapidjson::kArrayType);
      e.PushBack(json::Value(has_true), a);
      json::add(v, "enum", std::move(e), a);
    }
    branches.PushBack(v, a);
  }
  for (auto& o : others.GetArray()) branches.PushBack(json::clone(o, a), a);
  if (branches.Empty()) return has_null ? json::type_schema("null", a) : json::Value();
  json::Value out;
  if (branches.Size() == 1) {
    out = json::clone(branches[0], a);
  } else {
    out = json::Value(rapidjson::kObjectType);
    json::add(out, "anyOf", std::move(branches), a);
  }
  if (has_null) return nullable(std::move(out), a);
  return out;
}

std::string TypeConverter::schema(const TypeSite& site) {
  Ctx ctx;
  json::Value v = convert(ctx, site, 0);
  return v.IsNull() ? std::string() : json::write(v);
}

bool TypeConverter::properties(const TypeSite& site, std::vector<TypeProperty>& out) {
  std::vector<TypeSite> members;
  TypeSite start = site;
  if (type_of(start.node) == "type_annotation") start.node = named_child(start.node, 0);
  collect_members(start, members, 0);
  bool any = false;
  for (const TypeSite& m : members) {
    const std::string_view t = type_of(m.node);
    if (t != "property_signature" && t != "public_field_definition" && t != "field_definition") continue;
    const SyntaxTree& tree = *m.tree;
    if (t != "property_signature" && has_anonymous_child(m.node, "static")) continue;
    const TSNode name_node = field(m.node, t == "field_definition" ? "property" : "name");
    if (type_of(name_node) == "private_property_identifier" || type_of(name_node) == "computed_property_name") continue;
    const TSNode type = field(m.node, "type");
    TypeProperty p;
    p.name = property_name(name_node, tree);
    p.required = !has_anonymous_child(m.node, "?") && !allows_undefined(type, tree);
    p.schema_json = schema(TypeSite{m.module, m.tree, type});
    p.type_text =
        std::string(trim_space(text::starts_with(tree.text(type), ":") ? tree.text(type).substr(1) : tree.text(type)));
    p.description = parse_jsdoc(jsdoc_before(m.node, tree)).description;
    auto same = std::find_if(out.begin(), out.end(), [&](const TypeProperty& q) { return q.name == p.name; });
    if (same != out.end()) {
      *same = std::move(p);
    } else {
      out.push_back(std::move(p));
    }
    any = true;
  }
  if (any) return true;
  // Utility and mapped types (Partial<Pick<T, 'a'>>, Omit<T, 'b'>): read the converted schema's properties.
  Ctx ctx;
  json::Value v = convert(ctx, start, 0);
  const json::Value* props = json::get(v, "properties");
  if (props == nullptr || !props->IsObject()) return false;
  const json::Value* required = json::get(v, "required");
  for (auto& m : v["properties"].GetObject()) {
    TypeProperty p;
    p.name = std::string(json::str(&m.name));
    p.description = std::string(json::str(json::get(m.value, "description")));
    if (m.value.HasMember("description")) m.value.RemoveMember("description");
    p.schema_json = json::write(m.value);
    p.required = false;
    if (required != nullptr && required->IsArray()) {
      for (const auto& r : required->GetArray()) p.required = p.required || json::str(&r) == p.name;
    }
    out.push_back(std::move(p));
  }
  return !out.empty();
}

TypeSite TypeConverter::member_type(const TypeSite& site, std::string_view name) {
  std::vector<TypeSite> members;
  TypeSite start = site;
  if (type_of(start.node) == "type_annotation") start.node = named_child(start.node, 0);
  collect_members(start, members, 0);
  TypeSite found;
  for (const TypeSite& m : members) {
    const std::string_view t = type_of(m.node);
    if (t != "property_signature" && t != "public_field_definition") continue;
    if (property_name(field(m.node, "name"), *m.tree) == name)
      found = TypeSite{m.module, m.tree, field(m.node, "type")};
  }
  return found;
}

std::string TypeConverter::jsdoc_schema(int module, std::string_view type, bool* optional) {
  std::string_view t = trim_space(type);
  bool is_nullable = false;
  if (!t.empty() && (t.front() == '?' || t.front() == '!')) {
    is_nullable = t.front() == '?';
    t.remove_prefix(1);
  }
  if (!t.empty() && t.back() == '=') {
    if (optional != nullptr) *optional = true;
    t.remove_suffix(1);
  }
  t = trim_space(t);
  if (t.empty() || t == "*" || t == "any" || t == "mixed" || t == "function" || t == "Function") return {};
  if (t.size() > 512) return {};
  // JSDoc's Array.<T> / Object.<K, V> are TypeScript's Array<T> / Object<K, V>
  std::string ts;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.' && i + 1 < t.size() && t[i + 1] == '<') continue;
    ts += t[i];
  }
  if (ts == "Object" || ts == "object") {
    return is_nullable ? R"({"anyOf":[{"type":"object"},{"type":"null"}]})" : R"({"type":"object"})";
  }
  const std::string source = "type __T = " + ts + ";";
  SyntaxTree scratch("typescript", source, 50);
  if (!scratch.ok() || scratch.has_errors()) return {};
  const TSNode decl = named_child(scratch.root(), 0);
  if (type_of(decl) != "type_alias_declaration") return {};
  Ctx ctx;
  json::Value v = convert(ctx, TypeSite{module, &scratch, field(decl, "value")}, 0);
  if (v.IsNull()) return {};
  if (is_nullable) v = nullable(std::move(v), ctx.a());
  return json::write(v);
}

}  // namespace smeltsec::analyze::code::js
