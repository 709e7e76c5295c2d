// TypeScript types (and JSDoc type expressions) to strict-clean JSON Schema 2020-12, as the OpenAPI path emits
// them: typed, nullable as anyOf with {"type":"null"}, no $ref (named types are inlined to a depth bound), no
// `format` keyword, arrays with items, objects with properties closed by additionalProperties:false.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/code/javascript_program.h"
#include "common/json.h"

namespace smeltsec::analyze::code::js {

// A type node, and the module whose declarations and imports its names resolve in (JSDoc type expressions are
// parsed into scratch trees of their own).
struct TypeSite {
  int module = -1;
  const SyntaxTree* tree = nullptr;
  TSNode node{};
};

struct TypeProperty {
  std::string name;
  std::string schema_json;  // "" when the type says nothing (any, unknown, an unresolved name)
  std::string type_text;
  std::string description;  // the property's JSDoc
  bool required = true;
};

class TypeConverter {
 public:
  explicit TypeConverter(Program& program) : program_(program) {}

  // The schema of a type node (a type_annotation is unwrapped); "" when it is unknown or accepts anything.
  std::string schema(const TypeSite& site);
  // The properties of an object-like type (interface, alias of an object type, inline object type, class with
  // typed fields, intersections of those); false when the type is not one.
  bool properties(const TypeSite& site, std::vector<TypeProperty>& out);
  // The schema of a JSDoc type expression ("string", "?number", "Array.<string>", "'a'|'b'") read in `module`
  // (named types resolve there); "" when unknown. Sets `optional` for a trailing "=".
  std::string jsdoc_schema(int module, std::string_view type, bool* optional = nullptr);
  // The interface, type alias, enum or class named `name` as seen from `module` (declared there, imported,
  // re-exported); tree == nullptr when there is none in the bundle.
  TypeSite find_type(int module, std::string_view name, int depth = 0);
  // The type annotation of property `name` of an object-like type; tree == nullptr when there is none.
  TypeSite member_type(const TypeSite& site, std::string_view name);

 private:
  struct Ctx;
  json::Value convert(Ctx& ctx, const TypeSite& site, int depth);
  json::Value named(Ctx& ctx, const TypeSite& site, std::string_view name, TSNode args, int depth);
  json::Value declaration(Ctx& ctx, const TypeSite& decl, int depth);
  json::Value union_of(Ctx& ctx, const TypeSite& site, int depth);
  json::Value object_of(Ctx& ctx, const std::vector<TypeSite>& members, int depth);
  void collect_members(const TypeSite& site, std::vector<TypeSite>& members, int depth);
  TypeSite site_in(int module, TSNode node) const;

  Program& program_;
};

}  // namespace smeltsec::analyze::code::js
