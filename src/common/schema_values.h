// Small JSON Schema values every stage that writes schemas needs, in one place.
#pragma once

#include "common/json.h"

namespace smeltsec::json {

// {"type": type}
inline Value type_schema(const char* type, Allocator& a) {
  Value v(rapidjson::kObjectType);
  add(v, "type", type, a);
  return v;
}

// A schema accepting any JSON value, typed branch by branch (strict validators and "every property typed"
// checks reject an empty schema): string, number, boolean, object, array (of scalars or objects), null.
inline Value any_value_schema(Allocator& a) {
  Value scalars(rapidjson::kArrayType);
  for (const char* t : {"string", "number", "boolean", "object", "null"}) scalars.PushBack(type_schema(t, a), a);
  Value item(rapidjson::kObjectType);
  add(item, "anyOf", std::move(scalars), a);
  Value array = type_schema("array", a);
  add(array, "items", std::move(item), a);
  Value branches(rapidjson::kArrayType);
  for (const char* t : {"string", "number", "boolean", "object"}) branches.PushBack(type_schema(t, a), a);
  branches.PushBack(array, a);
  branches.PushBack(type_schema("null", a), a);
  Value out(rapidjson::kObjectType);
  add(out, "anyOf", std::move(branches), a);
  return out;
}

}  // namespace smeltsec::json
