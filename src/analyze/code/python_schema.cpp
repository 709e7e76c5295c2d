#include "analyze/code/python_schema.h"

#include <algorithm>
#include <cstdlib>

#include "analyze/code/python_docstring.h"
#include "common/json.h"
#include "common/text.h"

namespace smeltsec::analyze::code::py {
namespace {

constexpr int kMaxAliasDepth = 8;
constexpr int kMaxClassDepth = 10;
constexpr std::size_t kMaxModelNesting = 6;
constexpr int kMaxNodes = 1500;
constexpr std::size_t kMaxDescription = 300;
constexpr int kMaxBuildDepth = 48;

// A copy, not a view: callers pass temporaries (canonical names).
std::string last_of(std::string_view dotted) {
  const std::size_t dot = dotted.rfind('.');
  return std::string(dot == std::string_view::npos ? dotted : dotted.substr(dot + 1));
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool list_like(std::string_view n) {
  return one_of(n, {"list", "List", "Sequence", "MutableSequence", "Iterable", "Collection", "Iterator", "Deque",
                    "deque", "conlist", "Generator", "AsyncIterator", "AsyncIterable"});
}
bool set_like(std::string_view n) {
  return one_of(n, {"set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "conset"});
}
bool tuple_like(std::string_view n) {
  return n == "tuple" || n == "Tuple";
}
bool dict_like(std::string_view n) {
  return one_of(n,
                {"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "DefaultDict", "defaultdict", "Counter"});
}
bool is_none_expr(const Expr& e) {
  return e.is(Expr::Kind::kNone) ||
         (e.is(Expr::Kind::kName) && (e.name == "None" || e.name == "NoneType" || e.name == "types.NoneType"));
}

// Identifier-like text of a string forward reference ("Item", "models.Item").
bool dotted_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return !std::isdigit(static_cast<unsigned char>(s[0]));
}

struct Format {
  const char* name;
  const char* type;
  const char* format;  // "" for none
};
constexpr Format kScalars[] = {
    {"int", "integer", ""},
    {"float", "number", ""},
    {"Decimal", "number", ""},
    {"str", "string", ""},
    {"bool", "boolean", ""},
    {"bytes", "string", "binary"},
    {"bytearray", "string", "binary"},
    {"datetime", "string", "date-time"},
    {"AwareDatetime", "string", "date-time"},
    {"NaiveDatetime", "string", "date-time"},
    {"date", "string", "date"},
    {"time", "string", "time"},
    {"timedelta", "string", "duration"},
    {"UUID", "string", "uuid"},
    {"UUID1", "string", "uuid"},
    {"UUID3", "string", "uuid"},
    {"UUID4", "string", "uuid"},
    {"UUID5", "string", "uuid"},
    {"EmailStr", "string", "email"},
    {"NameEmail", "string", "email"},
    {"AnyUrl", "string", "uri"},
    {"AnyHttpUrl", "string", "uri"},
    {"HttpUrl", "string", "uri"},
    {"Url", "string", "uri"},
    {"IPv4Address", "string", "ipv4"},
    {"IPv6Address", "string", "ipv6"},
    {"IPvAnyAddress", "string", "ip"},
    {"SecretStr", "string", "password"},
    {"Path", "string", ""},
    {"PurePath", "string", ""},
    {"FilePath", "string", ""},
    {"DirectoryPath", "string", ""},
    {"UploadFile", "string", "binary"},
    {"StrictStr", "string", ""},
    {"StrictInt", "integer", ""},
    {"StrictFloat", "number", ""},
    {"StrictBool", "boolean", ""},
    {"PositiveInt", "integer", ""},
    {"NegativeInt", "integer", ""},
    {"NonNegativeInt", "integer", ""},
    {"NonPositiveInt", "integer", ""},
    {"PositiveFloat", "number", ""},
    {"NegativeFloat", "number", ""},
    {"conint", "integer", ""},
    {"confloat", "number", ""},
    {"condecimal", "number", ""},
    {"constr", "string", ""},
    {"conbytes", "string", "binary"},
    {"NoneType", "null", ""},
    {"None", "null", ""},
};

const Format* scalar(std::string_view name) {
  for (const Format& f : kScalars) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

class Builder {
 public:
  Builder(const Project& p, const TypeSchemas& ts, json::Document& doc) : p_(p), ts_(ts), a_(doc.GetAllocator()) {}

  // The schema of `type`; false when it says nothing (then `out` is untouched).
  bool build(int module, const Expr& type, json::Value& out) {
    // Aliases can refer to themselves (A = list[A]): the depth ends that.
    if (depth_ >= kMaxBuildDepth) return false;
    ++depth_;
    const bool known = build_at(module, type, out);
    --depth_;
    return known;
  }

  bool build_at(int module, const Expr& type, json::Value& out) {
    const Hint h = ts_.unwrap(module, &type);
    if (h.type == nullptr) return false;
    const Expr& t = *h.type;
    const int m = h.module;
    switch (t.kind) {
      case Expr::Kind::kNone:
        out = typed("null");
        return true;
      case Expr::Kind::kUnion:
        return build_union(m, t.items, out);
      case Expr::Kind::kName:
        return named(m, t.name, nullptr, out);
      case Expr::Kind::kSubscript:
        return named(m, t.name, &t.items, out);
      case Expr::Kind::kCall:
        if (t.last_name() == "conlist" || t.last_name() == "conset") {
          json::Value items = t.arg(0) != nullptr ? item_schema(m, *t.arg(0)) : any();
          out = typed("array");
          json::add(out, "items", std::move(items), a_);
          if (t.last_name() == "conset") json::add(out, "uniqueItems", json::Value(true), a_);
          return true;
        }
        if (const Format* f = scalar(t.last_name())) {
          out = scalar_schema(*f);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  void apply_constraints(json::Value& schema, const Expr& call) { constraints(schema, call); }

  // A nested position: unknown types become "any value" (typed branch by branch).
  json::Value item_schema(int module, const Expr& type) {
    json::Value v;
    if (!build(module, type, v)) return any();
    return v;
  }

  json::Value any() {
    json::Value branches(rapidjson::kArrayType);
    for (const char* t : {"string", "number", "boolean", "object"}) branches.PushBack(typed(t), a_);
    json::Value scalars(rapidjson::kArrayType);
    for (const char* t : {"string", "number", "boolean", "object", "null"}) scalars.PushBack(typed(t), a_);
    json::Value item(rapidjson::kObjectType);
    json::add(item, "anyOf", std::move(scalars), a_);
    json::Value array = typed("array");
    json::add(array, "items", std::move(item), a_);
    branches.PushBack(array, a_);
    branches.PushBack(typed("null"), a_);
    json::Value out(rapidjson::kObjectType);
    json::add(out, "anyOf", std::move(branches), a_);
    return out;
  }

 private:
  json::Value typed(const char* t) {
    ++nodes_;
    json::Value v(rapidjson::kObjectType);
    json::add(v, "type", t, a_);
    return v;
  }

  json::Value scalar_schema(const Format& f) {
    json::Value v = typed(f.type);
    if (*f.format != '\0') json::add(v, "description", std::string("Format: ") + f.format + ".", a_);
    return v;
  }

  static bool is_null_schema(const json::Value& v) {
    const json::Value* t = json::get(v, "type");
    return t != nullptr && t->IsString() && std::string_view(t->GetString()) == "null" && v.MemberCount() == 1;
  }

  json::Value nullable(json::Value v) {
    if (is_null_schema(v)) return v;
    if (v.HasMember("anyOf") && !v.HasMember("type")) {
      bool has_null = false;
      for (auto& b : v["anyOf"].GetArray()) has_null = has_null || is_null_schema(b);
      if (!has_null) v["anyOf"].PushBack(typed("null"), a_);
      return v;
    }
    json::Value branches(rapidjson::kArrayType);
    branches.PushBack(v, a_);
    branches.PushBack(typed("null"), a_);
    json::Value out(rapidjson::kObjectType);
    json::add(out, "anyOf", std::move(branches), a_);
    return out;
  }

  // One schema for the alternatives: none (only null, if allowed), one, or anyOf; nullable when null is allowed.
  bool join_branches(json::Value& branches, bool has_null, json::Value& out) {
    if (branches.Empty()) {
      if (!has_null) return false;
      out = typed("null");
      return true;
    }
    json::Value result;
    if (branches.Size() == 1) {
      result = json::clone(branches[0], a_);
    } else {
      result = json::Value(rapidjson::kObjectType);
      json::add(result, "anyOf", std::move(branches), a_);
    }
    out = has_null ? nullable(std::move(result)) : std::move(result);
    return true;
  }

  bool build_union(int m, const std::vector<Expr>& members, json::Value& out) {
    json::Value branches(rapidjson::kArrayType);
    std::vector<std::string> seen;
    bool has_null = false;
    for (const Expr& member : members) {
      if (is_none_expr(member)) {
        has_null = true;
        continue;
      }
      json::Value b;
      if (!build(m, member, b)) return false;  // Union[int, Any] is any value
      auto add_branch = [&](json::Value& branch) {
        if (is_null_schema(branch)) {
          has_null = true;
          return;
        }
        std::string key = json::write(branch);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) return;
        seen.push_back(std::move(key));
        branches.PushBack(branch, a_);
      };
      if (b.HasMember("anyOf") && !b.HasMember("type") && b.MemberCount() == 1) {
        for (auto& inner : b["anyOf"].GetArray()) add_branch(inner);
      } else {
        add_branch(b);
      }
    }
    return join_branches(branches, has_null, out);
  }

  bool literal(const std::vector<Expr>& values, json::Value& out) {
    json::Value strings(rapidjson::kArrayType), ints(rapidjson::kArrayType), numbers(rapidjson::kArrayType),
        bools(rapidjson::kArrayType);
    bool has_null = false;
    for (const Expr& v : values) {
      if (v.is(Expr::Kind::kString)) {
        strings.PushBack(json::make_string(v.value, a_), a_);
      } else if (v.is(Expr::Kind::kNumber)) {
        if (v.value.find_first_of(".eE") == std::string::npos) {
          ints.PushBack(json::Value(static_cast<int64_t>(std::strtoll(v.value.c_str(), nullptr, 0))), a_);
        } else {
          numbers.PushBack(json::Value(std::strtod(v.value.c_str(), nullptr)), a_);
        }
      } else if (v.is(Expr::Kind::kBool)) {
        bools.PushBack(json::Value(v.value == "True"), a_);
      } else if (is_none_expr(v)) {
        has_null = true;
      }
    }
    json::Value branches(rapidjson::kArrayType);
    auto group = [&](json::Value& list, const char* type) {
      if (list.Empty()) return;
      json::Value b = typed(type);
      json::add(b, "enum", std::move(list), a_);
      branches.PushBack(b, a_);
    };
    group(strings, "string");
    group(ints, "integer");
    group(numbers, "number");
    group(bools, "boolean");
    return join_branches(branches, has_null, out);
  }

  bool named(int m, const std::string& name, const std::vector<Expr>* args, json::Value& out) {
    int cm = -1, ci = -1;
    if (p_.find_class(m, name, cm, ci)) return class_schema(cm, ci, out);
    const std::string canon = p_.canonical(m, name);
    const std::string last = last_of(canon);
    const bool has_args = args != nullptr && !args->empty();
    if (last == "Optional" && has_args) {
      json::Value inner;
      if (!build(m, (*args)[0], inner)) return false;
      out = nullable(std::move(inner));
      return true;
    }
    if (last == "Union" && has_args) return build_union(m, *args, out);
    if (last == "Literal" && has_args) return literal(*args, out);
    if (one_of(last, {"Required", "NotRequired", "ReadOnly", "Final", "ClassVar"}) && has_args) {
      return build(m, (*args)[0], out);
    }
    if (list_like(last) || set_like(last)) {
      json::Value items = has_args ? item_schema(m, (*args)[0]) : any();
      out = typed("array");
      json::add(out, "items", std::move(items), a_);
      if (set_like(last)) json::add(out, "uniqueItems", json::Value(true), a_);
      return true;
    }
    if (tuple_like(last)) {
      std::vector<const Expr*> members;
      if (has_args) {
        for (const Expr& e : *args) {
          if (!e.is(Expr::Kind::kEllipsis)) members.push_back(&e);
        }
      }
      json::Value items;
      if (members.size() == 1) {
        items = item_schema(m, *members[0]);
      } else if (members.empty()) {
        items = any();
      } else {
        std::vector<Expr> copy;
        for (const Expr* e : members) copy.push_back(*e);
        if (!build_union(m, copy, items)) items = any();
      }
      out = typed("array");
      json::add(out, "items", std::move(items), a_);
      return true;
    }
    if (dict_like(last)) {
      out = typed("object");
      if (args != nullptr && args->size() >= 2) {
        json::Value value;
        if (build(m, (*args)[1], value)) json::add(out, "additionalProperties", std::move(value), a_);
      }
      return true;
    }
    if (const Format* f = scalar(last)) {
      if (f == nullptr) return false;
      out = scalar_schema(*f);
      return true;
    }
    return false;  // Any, object, type variables, library classes
  }

  static std::string first_paragraph(const std::string& doc) {
    const std::string text = parse_docstring(doc).text;
    return text::truncate_words(text::normalize_whitespace(text.substr(0, text.find("\n\n"))), kMaxDescription);
  }

  bool enum_schema(const Class& k, int module, json::Value& out) {
    json::Value strings(rapidjson::kArrayType), ints(rapidjson::kArrayType);
    bool other = false;
    for (const auto& a : k.assigns) {
      if (a.first.empty() || a.first[0] == '_') continue;
      if (a.second.is(Expr::Kind::kString)) {
        strings.PushBack(json::make_string(a.second.value, a_), a_);
      } else if (a.second.is(Expr::Kind::kNumber) && a.second.value.find_first_of(".eE") == std::string::npos) {
        ints.PushBack(json::Value(static_cast<int64_t>(std::strtoll(a.second.value.c_str(), nullptr, 0))), a_);
      } else {
        other = true;
      }
    }
    bool int_base = false;
    for (const Expr& b : k.bases) {
      const std::string last = last_of(p_.canonical(module, b.name));
      int_base = int_base || last == "int" || last == "IntEnum" || last == "IntFlag";
    }
    if (!other && !strings.Empty() && ints.Empty()) {
      out = typed("string");
      json::add(out, "enum", std::move(strings), a_);
    } else if (!other && strings.Empty() && !ints.Empty()) {
      out = typed("integer");
      json::add(out, "enum", std::move(ints), a_);
    } else {
      out = typed(int_base ? "integer" : "string");
    }
    const std::string d = first_paragraph(k.docstring);
    if (!d.empty()) json::add(out, "description", d, a_);
    return true;
  }

  struct FieldRef {
    int module;
    const Field* field;
    bool total;  // TypedDict total=
  };

  void collect_fields(int m, int i, int depth, std::vector<FieldRef>& out) {
    if (depth > kMaxClassDepth) return;
    const Class& k = p_.module(m).classes[static_cast<std::size_t>(i)];
    for (const Expr& b : k.bases) {
      int bm = -1, bi = -1;
      if (b.name.empty() || !p_.find_class(m, b.name, bm, bi) || (bm == m && bi == i)) continue;
      if (ts_.class_kind(bm, bi) == TypeSchemas::ClassKind::kModel) collect_fields(bm, bi, depth + 1, out);
    }
    bool total = true;
    for (const auto& kw : k.class_keywords) {
      if (kw.first == "total" && kw.second.is(Expr::Kind::kBool) && kw.second.value == "False") total = false;
    }
    for (const Field& f : k.fields) {
      FieldRef ref{m, &f, total};
      auto same = std::find_if(out.begin(), out.end(), [&](const FieldRef& r) { return r.field->name == f.name; });
      if (same != out.end()) {
        *same = ref;
      } else {
        out.push_back(ref);
      }
    }
  }

  static const Expr* field_call(const Expr& e) {
    if (!e.is(Expr::Kind::kCall)) return nullptr;
    const std::string_view last = e.last_name();
    return last == "Field" || last == "field" || last == "ib" || last == "attrib" ? &e : nullptr;
  }

  void add_number(json::Value& schema, const char* key, const Expr* v) {
    if (v == nullptr || !v->is(Expr::Kind::kNumber)) return;
    if (v->value.find_first_of(".eE") == std::string::npos) {
      json::add(schema, key, json::Value(static_cast<int64_t>(std::strtoll(v->value.c_str(), nullptr, 0))), a_);
    } else {
      json::add(schema, key, json::Value(std::strtod(v->value.c_str(), nullptr)), a_);
    }
  }

  // Field(ge=0, max_length=20), Query(le=100): bounds that fit the schema's type.
  void constraints(json::Value& schema, const Expr& call) {
    const std::string_view type = json::str(json::get(schema, "type"));
    if (type == "integer" || type == "number") {
      add_number(schema, "minimum", call.keyword("ge"));
      add_number(schema, "maximum", call.keyword("le"));
      add_number(schema, "exclusiveMinimum", call.keyword("gt"));
      add_number(schema, "exclusiveMaximum", call.keyword("lt"));
    } else if (type == "string") {
      add_number(schema, "minLength", call.keyword("min_length"));
      add_number(schema, "maxLength", call.keyword("max_length"));
    } else if (type == "array") {
      add_number(schema, "minItems", call.keyword("min_length"));
      add_number(schema, "maxItems", call.keyword("max_length"));
    }
  }

  void describe(json::Value& schema, const std::string& description) {
    if (description.empty()) return;
    std::string d = text::truncate_words(text::normalize_whitespace(description), kMaxDescription);
    if (schema.HasMember("description")) {
      const std::string old(json::str(json::get(schema, "description")));
      schema.RemoveMember("description");
      if (!d.empty() && d.back() != '.') d += '.';
      d += " " + old;
    }
    json::add(schema, "description", d, a_);
  }

  bool class_schema(int m, int i, json::Value& out) {
    const TypeSchemas::ClassKind kind = ts_.class_kind(m, i);
    const Class& k = p_.module(m).classes[static_cast<std::size_t>(i)];
    if (kind == TypeSchemas::ClassKind::kEnum) return enum_schema(k, m, out);
    if (kind != TypeSchemas::ClassKind::kModel) return false;
    const std::pair<int, int> key{m, i};
    if (std::find(stack_.begin(), stack_.end(), key) != stack_.end() || stack_.size() >= kMaxModelNesting ||
        nodes_ > kMaxNodes) {
      out = typed("object");
      json::add(out, "description", k.name + " (not expanded: recursive or too deep).", a_);
      return true;
    }
    stack_.push_back(key);
    std::vector<FieldRef> fields;
    collect_fields(m, i, 0, fields);
    json::Value properties(rapidjson::kObjectType), required(rapidjson::kArrayType);
    for (const FieldRef& ref : fields) {
      const Field& f = *ref.field;
      if (f.name.empty() || f.name[0] == '_' || f.name == "model_config") continue;
      const Hint h = ts_.unwrap(ref.module, &f.type);
      if (h.type != nullptr && h.type->is(Expr::Kind::kSubscript) &&
          last_of(p_.canonical(h.module, h.type->name)) == "ClassVar") {
        continue;
      }
      const Expr* call = f.has_default ? field_call(f.default_value) : nullptr;
      for (const auto& meta : h.metadata) {
        if (call == nullptr) call = field_call(*meta.second);
      }
      bool has_default = f.has_default && !f.default_value.is(Expr::Kind::kEllipsis);
      if (call != nullptr) {
        const Expr* d = call->keyword("default");
        if (d == nullptr && call->last_name() == "Field") d = call->arg(0);
        has_default = (d != nullptr && !d->is(Expr::Kind::kEllipsis)) || call->keyword("default_factory") != nullptr ||
                      call->keyword("factory") != nullptr || (f.has_default && call != &f.default_value);
      }
      bool not_required = false;
      if (h.type != nullptr && h.type->is(Expr::Kind::kSubscript)) {
        const std::string wrapper = last_of(p_.canonical(h.module, h.type->name));
        not_required = wrapper == "NotRequired";
        if (wrapper == "Required") not_required = false;
      }
      const bool is_required = !has_default && !not_required && ref.total && !ts_.is_optional(ref.module, f.type);
      json::Value schema = item_schema(ref.module, f.type);
      std::string name = f.name;
      if (call != nullptr) {
        constraints(schema, *call);
        for (const char* k2 : {"description", "title"}) {
          const Expr* d = call->keyword(k2);
          if (d == nullptr) continue;
          if (auto s = p_.string_value(ref.module, *d)) {
            describe(schema, *s);
            break;
          }
        }
        for (const char* k2 : {"alias", "validation_alias"}) {
          const Expr* a = call->keyword(k2);
          if (a != nullptr && a->is(Expr::Kind::kString) && !a->value.empty()) {
            name = a->value;
            break;
          }
        }
      }
      if (properties.HasMember(name.c_str())) continue;
      if (is_required) required.PushBack(json::make_string(name, a_), a_);
      properties.AddMember(json::make_string(name, a_), schema, a_);
    }
    stack_.pop_back();
    out = typed("object");
    const std::string d = first_paragraph(k.docstring);
    if (!d.empty()) json::add(out, "description", d, a_);
    if (!properties.ObjectEmpty()) {
      json::add(out, "properties", std::move(properties), a_);
      if (!required.Empty()) json::add(out, "required", std::move(required), a_);
      json::add(out, "additionalProperties", json::Value(false), a_);
    }
    return true;
  }

  const Project& p_;
  const TypeSchemas& ts_;
  json::Allocator& a_;
  int nodes_ = 0;
  int depth_ = 0;
  std::vector<std::pair<int, int>> stack_;
};

}  // namespace

Hint TypeSchemas::unwrap(int module, const Expr* type) const {
  Hint h;
  h.module = module;
  h.type = type;
  for (int depth = 0; depth < kMaxAliasDepth && h.type != nullptr; ++depth) {
    const Expr& t = *h.type;
    if (t.is(Expr::Kind::kSubscript) && last_of(project_.canonical(h.module, t.name)) == "Annotated" &&
        !t.items.empty()) {
      for (std::size_t i = 1; i < t.items.size(); ++i) h.metadata.emplace_back(h.module, &t.items[i]);
      h.type = &t.items[0];
      continue;
    }
    if (t.is(Expr::Kind::kString)) {  // a forward reference: "Item"
      if (!dotted_identifier(t.value)) return h;
      auto it = forward_.find(t.value);
      if (it == forward_.end()) {
        Expr name;
        name.kind = Expr::Kind::kName;
        name.name = t.value;
        name.text = t.value;
        it = forward_.emplace(t.value, std::move(name)).first;
      }
      h.type = &it->second;
      continue;
    }
    if (t.is(Expr::Kind::kName)) {
      const Symbol s = project_.resolve(h.module, t.name);
      const Assign* a = project_.assign(s);
      if (a == nullptr || !s.rest.empty()) return h;
      const Expr& v = a->value;
      if (v.is(Expr::Kind::kCall) && v.last_name() == "NewType" && v.arg(1) != nullptr) {
        h.module = s.module;
        h.type = v.arg(1);
        continue;
      }
      if (v.is(Expr::Kind::kSubscript) || v.is(Expr::Kind::kName) || v.is(Expr::Kind::kUnion)) {
        h.module = s.module;
        h.type = &v;
        continue;
      }
      return h;
    }
    return h;
  }
  return h;
}

std::string TypeSchemas::schema_json(int module, const Expr& type, const Expr* constraints) const {
  json::Document doc(rapidjson::kObjectType);
  Builder b(project_, *this, doc);
  json::Value out;
  if (!b.build(module, type, out)) return {};
  if (constraints != nullptr) b.apply_constraints(out, *constraints);
  return json::write(out);
}

TypeSchemas::ClassKind TypeSchemas::class_kind(int module, int index) const {
  return class_kind_at(module, index, 0);
}

TypeSchemas::ClassKind TypeSchemas::class_kind_at(int module, int index, int depth) const {
  const std::pair<int, int> key{module, index};
  if (auto it = kinds_.find(key); it != kinds_.end()) return it->second;
  if (depth > kMaxClassDepth) return ClassKind::kPlain;
  kinds_[key] = ClassKind::kPlain;  // cycles end here
  const Class& k = project_.module(module).classes[static_cast<std::size_t>(index)];
  ClassKind kind = ClassKind::kPlain;
  for (const Expr& d : k.decorators) {
    const std::string canon = project_.canonical(module, d.name);
    const std::string last = last_of(canon);
    if (last == "dataclass" ||
        (text::starts_with(canon, "attr") && one_of(last, {"s", "define", "frozen", "attrs", "mutable"}))) {
      kind = ClassKind::kModel;
    }
  }
  for (const Expr& b : k.bases) {
    if (kind != ClassKind::kPlain) break;
    if (b.name.empty()) continue;
    int bm = -1, bi = -1;
    if (project_.find_class(module, b.name, bm, bi) && !(bm == module && bi == index)) {
      kind = class_kind_at(bm, bi, depth + 1);
      continue;
    }
    const std::string last = last_of(project_.canonical(module, b.name));
    if (one_of(last, {"BaseModel", "SQLModel", "GenericModel", "RootModel", "TypedDict", "BaseSettings"})) {
      kind = ClassKind::kModel;
    } else if (one_of(last, {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"})) {
      kind = ClassKind::kEnum;
    }
  }
  kinds_[key] = kind;
  return kind;
}

bool TypeSchemas::is_model(int module, const Expr& type) const {
  const Hint h = unwrap(module, &type);
  if (h.type == nullptr || h.type->name.empty()) return false;
  if (!h.type->is(Expr::Kind::kName) && !h.type->is(Expr::Kind::kSubscript)) return false;
  int m = -1, i = -1;
  return project_.find_class(h.module, h.type->name, m, i) && class_kind(m, i) == ClassKind::kModel;
}

bool TypeSchemas::is_optional(int module, const Expr& type) const {
  const Hint h = unwrap(module, &type);
  if (h.type == nullptr) return false;
  const Expr& t = *h.type;
  if (t.is(Expr::Kind::kUnion)) return std::any_of(t.items.begin(), t.items.end(), is_none_expr);
  if (!t.is(Expr::Kind::kSubscript)) return false;
  const std::string last = last_of(project_.canonical(h.module, t.name));
  if (last == "Optional") return true;
  if (last == "Union") return std::any_of(t.items.begin(), t.items.end(), is_none_expr);
  return false;
}

bool TypeSchemas::is_body_type(int module, const Expr& type, int depth) const {
  const Hint h = unwrap(module, &type);
  if (h.type == nullptr || depth > kMaxBuildDepth) return false;
  const Expr& t = *h.type;
  if (is_model(h.module, t)) return true;
  if (t.is(Expr::Kind::kUnion)) {
    return std::any_of(t.items.begin(), t.items.end(),
                       [&](const Expr& e) { return is_body_type(h.module, e, depth + 1); });
  }
  if (!t.is(Expr::Kind::kSubscript) && !t.is(Expr::Kind::kName)) return false;
  const std::string last = last_of(project_.canonical(h.module, t.name));
  if (last == "Optional" || last == "Union") {
    return std::any_of(t.items.begin(), t.items.end(),
                       [&](const Expr& e) { return is_body_type(h.module, e, depth + 1); });
  }
  return list_like(last) || set_like(last) || tuple_like(last) || dict_like(last);
}

bool TypeSchemas::mentions_model(int module, const Expr& type, int depth) const {
  const Hint h = unwrap(module, &type);
  if (h.type == nullptr || depth > kMaxBuildDepth) return false;
  if (is_model(h.module, *h.type)) return true;
  return std::any_of(h.type->items.begin(), h.type->items.end(),
                     [&](const Expr& e) { return mentions_model(h.module, e, depth + 1); });
}

}  // namespace smeltsec::analyze::code::py
