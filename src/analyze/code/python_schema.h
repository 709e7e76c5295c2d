// Python type hints to JSON Schema (2020-12, strict-clean as the OpenAPI path writes it: every schema typed,
// nullable as anyOf with {"type":"null"}, no $ref, formats in descriptions, arrays with items, objects with
// properties closed). Pydantic models, dataclasses and TypedDicts are inlined; Enums become enums.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analyze/code/python_project.h"

namespace smeltsec::analyze::code::py {

// A hint with aliases followed (`UserId = int`, `CurrentUser = Annotated[User, Depends(...)]`) and
// Annotated[...] unwrapped into its type and metadata.
struct Hint {
  int module = -1;
  const Expr* type = nullptr;                         // nullptr when absent
  std::vector<std::pair<int, const Expr*>> metadata;  // Annotated extras with their modules (Query(...), Field(...))
};

class TypeSchemas {
 public:
  explicit TypeSchemas(const Project& project) : project_(project) {}

  Hint unwrap(int module, const Expr* type) const;

  // The JSON Schema of `type` written in `module`, serialised; "" when the hint says nothing (absent, Any,
  // a type variable, a class that is not data). `constraints` (Query(le=100), Field(min_length=1)) adds the
  // bounds that fit the type.
  std::string schema_json(int module, const Expr& type, const Expr* constraints = nullptr) const;

  // True when `type` (after unwrap) is a Pydantic model / dataclass / TypedDict class of the bundle.
  bool is_model(int module, const Expr& type) const;
  // True when FastAPI reads a parameter of this type from the JSON body: a model, or a list/set/tuple/dict.
  bool is_body_type(int module, const Expr& type, int depth = 0) const;
  // True for Optional[X], X | None, Union[..., None].
  bool is_optional(int module, const Expr& type) const;
  // True when `type` names one of the bundle's model classes anywhere inside (list[Item] too).
  bool mentions_model(int module, const Expr& type, int depth = 0) const;

  enum class ClassKind { kPlain, kModel, kEnum };
  ClassKind class_kind(int module, int index) const;

 private:
  ClassKind class_kind_at(int module, int index, int depth) const;

  const Project& project_;
  mutable std::map<std::pair<int, int>, ClassKind> kinds_;
  mutable std::map<std::string, Expr> forward_;  // string forward references as names (stable addresses)
};

}  // namespace smeltsec::analyze::code::py
