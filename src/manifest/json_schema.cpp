#include "manifest/json_schema.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>

#include <rapidjson/prettywriter.h>

#include "common/schema_values.h"
#include "common/text.h"
#include "manifest/js_regex.h"

namespace smeltsec::manifest {
namespace {

using intake::Node;
using intake::Trail;

// The type named `t` as a static, NUL-terminated string ("file", Swagger 2.0's, is a string), or empty when
// `t` names no type.
std::string_view canonical_type(std::string_view t) {
  for (std::string_view known : {"string", "number", "integer", "boolean", "array", "object", "null"}) {
    if (json::same(t, known)) return known;
  }
  return json::same(t, "file") ? std::string_view("string") : std::string_view();
}

// The types a schema declares, in order and without repeats: at most the seven JSON Schema types.
class TypeList {
 public:
  bool empty() const { return n_ == 0; }
  std::size_t size() const { return n_; }
  std::string_view front() const { return items_[0]; }
  const std::string_view* begin() const { return items_; }
  const std::string_view* end() const { return items_ + n_; }
  void push_back(std::string_view t) {
    if (n_ < 8) items_[n_++] = t;
  }

 private:
  std::string_view items_[8];
  std::size_t n_ = 0;
};

bool value_matches(const json::Value& v, std::string_view type) {
  if (json::same(type, "string")) return v.IsString();
  if (json::same(type, "integer")) return v.IsInt64() || v.IsUint64() || (v.IsDouble() && std::floor(v.GetDouble()) == v.GetDouble());
  if (json::same(type, "number")) return v.IsNumber();
  if (json::same(type, "boolean")) return v.IsBool();
  if (json::same(type, "array")) return v.IsArray();
  if (json::same(type, "object")) return v.IsObject();
  if (json::same(type, "null")) return v.IsNull();
  return false;
}

bool is_non_negative_int(const json::Value* v) { return v != nullptr && (v->IsUint64() || (v->IsInt64() && v->GetInt64() >= 0)); }


// The schema keywords the conversion reads, found in one pass over a schema's members (a schema is read
// keyword by keyword dozens of times; member lookups by name were a tenth of the time on large specs).
enum Keyword {
  kRef, kType, kNullable, kXNullable, kAllOf, kAnyOf, kOneOf, kProperties, kAdditionalProperties, kRequired,
  kPatternProperties, kMinProperties, kMaxProperties, kItems, kMinItems, kMaxItems, kUniqueItems, kEnum, kConst,
  kDefault, kExamples, kExample, kMinLength, kMaxLength, kPattern, kFormat, kMinimum, kMaximum, kExclusiveMinimum,
  kExclusiveMaximum, kMultipleOf, kDescription, kTitle, kDeprecated, kDiscriminator, kReadOnly, kWriteOnly,
  kKeywordCount
};
constexpr std::string_view kKeywordNames[kKeywordCount] = {
    "$ref", "type", "nullable", "x-nullable", "allOf", "anyOf", "oneOf", "properties", "additionalProperties",
    "required", "patternProperties", "minProperties", "maxProperties", "items", "minItems", "maxItems",
    "uniqueItems", "enum", "const", "default", "examples", "example", "minLength", "maxLength", "pattern",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "description", "title",
    "deprecated", "discriminator", "readOnly", "writeOnly"};

// The keywords of each name length (at most eight share one), -1 after the last: built at compile time, so
// that a lookup is a row of a table, a first-byte test and one comparison.
constexpr std::size_t kMaxKeywordLength = 24;
constexpr auto kKeywordsByLength = [] {
  std::array<std::array<signed char, 8>, kMaxKeywordLength> table{};
  for (auto& row : table) {
    for (auto& k : row) k = -1;
  }
  for (int k = 0; k < kKeywordCount; ++k) {
    auto& row = table[kKeywordNames[k].size()];
    std::size_t i = 0;
    while (row[i] != -1) ++i;  // a ninth keyword of one length would not compile (index out of range)
    row[i] = static_cast<signed char>(k);
  }
  return table;
}();

int keyword_of(std::string_view name) {
  if (name.empty() || name.size() >= kMaxKeywordLength) return -1;
  for (const signed char k : kKeywordsByLength[name.size()]) {
    if (k < 0) break;
    if (kKeywordNames[k][0] == name[0] && json::same_bytes(kKeywordNames[k].data(), name.data(), name.size())) {
      return k;
    }
  }
  return -1;
}

}  // namespace

// The keywords of one schema (json_schema.h declares it for SchemaConverter's private methods).
class SchemaKeywords {
 public:
  explicit SchemaKeywords(const json::Value* v) {
    if (v == nullptr || !v->IsObject()) return;
    for (const auto& m : v->GetObject()) {
      const int k = keyword_of(json::str(&m.name));
      if (k >= 0 && !has(k)) {  // the first of duplicate keys, as json::get finds
        at_[k] = &m.value;
        present_ |= std::uint64_t{1} << k;
      }
    }
  }
  const json::Value* operator[](int k) const { return has(k) ? at_[k] : nullptr; }

 private:
  bool has(int k) const { return (present_ >> k) & 1; }
  static_assert(kKeywordCount <= 64, "one bit per keyword");
  // A bit per keyword found; at_ is read only where the bit is set, so it needs no clearing (a 37-pointer
  // memset per schema showed in wasm profiles).
  std::uint64_t present_ = 0;
  const json::Value* at_[kKeywordCount];
};

namespace {

using Keywords = SchemaKeywords;

// Keywords whose presence says which type a schema without `type` describes.
std::string_view inferred_type(const Keywords& kw) {
  if (kw[kProperties] || kw[kAdditionalProperties] || kw[kRequired] || kw[kPatternProperties] || kw[kMinProperties] ||
      kw[kMaxProperties]) {
    return "object";
  }
  if (kw[kItems] || kw[kMinItems] || kw[kMaxItems] || kw[kUniqueItems]) return "array";
  for (Keyword k : {kEnum, kConst, kDefault}) {
    const json::Value* e = kw[k];
    if (e == nullptr) continue;
    const json::Value* sample = e;
    if (k == kEnum) {
      if (!e->IsArray()) continue;
      sample = nullptr;
      for (const auto& item : e->GetArray()) {
        if (!item.IsNull()) {
          sample = &item;
          break;
        }
      }
      if (sample == nullptr) continue;
    }
    if (sample->IsString()) return "string";
    if (sample->IsBool()) return "boolean";
    if (sample->IsInt64() || sample->IsUint64()) return "integer";
    if (sample->IsNumber()) return "number";
    if (sample->IsObject()) return "object";
    if (sample->IsArray()) return "array";
  }
  if (kw[kMinLength] || kw[kMaxLength] || kw[kPattern] || kw[kFormat]) return "string";
  if (kw[kMinimum] || kw[kMaximum] || kw[kMultipleOf] || kw[kExclusiveMinimum] || kw[kExclusiveMaximum]) return "number";
  return {};
}

// The `type` list of a schema (3.1 arrays included), without "null"; sets `nullable` when null is allowed.
TypeList declared_types(const Keywords& kw, bool& nullable) {
  TypeList types;
  const json::Value* t = kw[kType];
  auto take = [&](const json::Value& item) {
    const std::string_view s = json::str(&item);
    if (json::same(s, "null")) {
      nullable = true;
    } else if (const std::string_view type = canonical_type(s);
               !type.empty() &&
               std::none_of(types.begin(), types.end(), [&](std::string_view known) { return json::same(known, s); })) {
      types.push_back(type);
    }
  };
  if (t != nullptr && t->IsString()) take(*t);
  if (t != nullptr && t->IsArray()) {
    for (const auto& item : t->GetArray()) take(item);
  }
  if (json::is_true(kw[kNullable]) || json::is_true(kw[kXNullable])) nullable = true;
  return types;
}

bool non_empty_array(const json::Value* v) { return v != nullptr && v->IsArray() && !v->Empty(); }

bool has_composition(const Keywords& kw) {
  return non_empty_array(kw[kAllOf]) || non_empty_array(kw[kAnyOf]) || non_empty_array(kw[kOneOf]);
}

// A branch like {"required":["a"]}: constrains the parent's properties and carries no structure of its own.
bool is_constraint_only(const json::Value& v) {
  if (!v.IsObject()) return false;
  for (const auto& m : v.GetObject()) {
    const std::string_view k = json::str(&m.name);
    if (k != "required" && k != "description" && k != "title" && k != "minProperties" && k != "maxProperties" &&
        k != "not") {
      return false;
    }
  }
  return true;
}

// A converted (output) schema that is a plain object: its properties can be merged with others'.
bool is_plain_object_schema(const json::Value& v) {
  return v.IsObject() && json::str(json::get(v, "type")) == "object" && !has_composition(Keywords(&v));
}

// A view of the schema's own description when it needs no change (the usual case: no copy), else of `text`,
// which it is then written into.
std::string_view describe_keywords(const Keywords& kw, std::size_t max_chars, std::string& text) {
  const std::string_view description = json::str(kw[kDescription]);
  const std::string_view format = json::str(kw[kFormat]);
  const std::string_view type = json::str(kw[kType]);
  const bool obvious = (json::same(type, "integer") && (json::same(format, "int32") || json::same(format, "int64"))) ||
                       (json::same(type, "number") && (json::same(format, "float") || json::same(format, "double")));
  const bool add_format = !format.empty() && format.size() <= 64 && !obvious;
  const bool add_file = json::same(type, "file");
  const std::string_view normal = text::normalized_whitespace(description, text);
  if (!add_format && !add_file && text::fits(normal, max_chars)) return normal;
  if (normal.data() != text.data()) text.assign(normal);  // the description itself: copied to be added to
  if (add_format) {
    if (!text.empty()) text += text.back() == '.' ? " " : ". ";
    text.append("Format: ").append(format).append(".");
  }
  if (add_file) {
    if (!text.empty()) text += " ";
    text += "File contents.";
  }
  if (!text::fits(text, max_chars)) text = text::truncate_words(text, max_chars);
  return text;
}

}  // namespace

std::string_view describe(const json::Value* node, std::size_t max_chars, std::string& scratch) {
  return describe_keywords(Keywords(node), max_chars, scratch);
}

// ------------------------------------------------------------------------------------------ SchemaCache

// A pretty writer that expands markers by walking each fragment's tree (a fragment's text is compact). Compact
// output splices the text instead: see write_compact.
class SplicingWriter : public rapidjson::PrettyWriter<json::TextBuffer> {
 public:
  SplicingWriter(json::TextBuffer& out, const SchemaCache& cache) : PrettyWriter(out), cache_(cache) {}

  bool String(const char* s, rapidjson::SizeType n, bool copy = false) {
    if (const SchemaCache::Fragment* f = cache_.fragment(s, n)) return f->tree.Accept(*this);
    return PrettyWriter::String(s, n, copy);
  }

 private:
  const SchemaCache& cache_;
};

const SchemaCache::Fragment* SchemaCache::fragment(const char* s, std::size_t n) const {
  if (n != kMarkerSize || static_cast<unsigned char>(s[0]) != 0xFF) return nullptr;
  std::uint64_t i = 0;
  std::memcpy(&i, s + 1, sizeof i);
  // Index and address must both match: a look-alike string (which valid UTF-8 text cannot even be) is text.
  if (i >= fragments_.size() || fragments_[i].marker != s) return nullptr;
  return &fragments_[i];
}

const SchemaCache::Fragment* SchemaCache::fragment(const json::Value& v) const {
  return v.IsString() ? fragment(v.GetString(), v.GetStringLength()) : nullptr;
}

const json::Value& SchemaCache::view(const json::Value& v) const {
  const json::Value* p = &v;
  while (const Fragment* f = fragment(*p)) p = &f->tree;
  return *p;
}

json::Value SchemaCache::marker_of(const Fragment& f) {
  return json::Value(rapidjson::StringRef(f.marker, kMarkerSize));
}

json::Value SchemaCache::copy(const json::Value& v, json::Allocator& a) const {
  switch (v.GetType()) {
    case rapidjson::kStringType:
      if (const Fragment* f = fragment(v)) return marker_of(*f);
      return json::Value(v.GetString(), v.GetStringLength(), a);
    case rapidjson::kArrayType: {
      json::Value out(rapidjson::kArrayType);
      out.Reserve(v.Size(), a);
      for (const auto& item : v.GetArray()) out.PushBack(copy(item, a), a);
      return out;
    }
    case rapidjson::kObjectType: {
      json::Value out(rapidjson::kObjectType);
      for (const auto& m : v.GetObject()) out.AddMember(json::clone(m.name, a), copy(m.value, a), a);
      return out;
    }
    default:
      return json::clone(v, a);
  }
}

void SchemaCache::own(json::Value& v, json::Allocator& a) const {
  if (fragment(v) != nullptr) v = copy(view(v), a);
}

const SchemaCache::Fragment* SchemaCache::find(const Key& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &fragments_[it->second];
}

const SchemaCache::Fragment* SchemaCache::find_uncut(const Key& key, int levels) {
  auto it = uncut_.find({key.target, key.input});
  if (it == uncut_.end()) return nullptr;
  for (std::size_t i : it->second) {
    if (fragments_[i].height <= levels) {
      index_.emplace(key, i);
      return &fragments_[i];
    }
  }
  return nullptr;
}

json::Value SchemaCache::insert(const Key& key, json::Value&& tree, std::size_t nodes, int height,
                                std::size_t depth_cuts, std::size_t noted, bool uncut, std::size_t cuts,
                                std::vector<std::string> notes) {
  if (const Fragment* existing = find(key)) return marker_of(*existing);
  const std::uint64_t i = fragments_.size();
  Fragment& f = fragments_.emplace_back();
  f.tree = std::move(tree);
  f.nodes = nodes;
  f.cuts = cuts;
  f.height = height;
  f.depth_cuts = depth_cuts;
  f.noted = noted;
  if (uncut) uncut_[{key.target, key.input}].push_back(static_cast<std::size_t>(i));
  f.notes = std::move(notes);
  f.marker[0] = static_cast<char>(0xFF);
  std::memcpy(f.marker + 1, &i, sizeof i);
  index_.emplace(key, static_cast<std::size_t>(i));
  return marker_of(f);
}

const std::string& SchemaCache::text_of(const Fragment& f) const {
  if (f.text.empty()) {
    // Writing a fragment writes the fragments it holds first: one scratch buffer per level, kept (and
    // grown) across fragments.
    if (scratch_depth_ == scratch_.size()) scratch_.push_back(std::make_unique<json::TextBuffer>());
    json::TextBuffer& buffer = *scratch_[scratch_depth_++];
    buffer.Clear();
    write_compact(f.tree, buffer);
    f.text.assign(buffer.GetString(), buffer.GetSize());
    --scratch_depth_;
  }
  return f.text;
}

std::string SchemaCache::write(const json::Value& v, bool pretty) const {
  json::TextBuffer buffer;
  if (pretty) {
    SplicingWriter writer(buffer, *this);
    writer.SetIndent(' ', 2);
    v.Accept(writer);
  } else {
    write_compact(v, buffer);
  }
  return buffer.take();
}

void SchemaCache::write_compact(const json::Value& v, json::TextBuffer& out) const {
  json::append_compact(out, v, [this](const char* s, std::size_t n, json::TextBuffer& to) {
    const Fragment* f = fragment(s, n);
    if (f == nullptr) return false;
    const std::string& text = text_of(*f);
    std::memcpy(to.Push(text.size()), text.data(), text.size());
    return true;
  });
}

// ------------------------------------------------------------------------------------ SchemaConverter

json::Value SchemaConverter::any_value() { return json::any_value_schema(*a_); }

void SchemaConverter::note(std::string text) {
  ++noted_;
  if (cache_ != nullptr) journal_.push_back(text);
  if (std::find(notes_.begin(), notes_.end(), text) == notes_.end() && notes_.size() < 64) notes_.push_back(std::move(text));
}

void SchemaConverter::set_description(json::Value& schema, std::string_view text) {
  if (text.empty() || !view(schema).IsObject()) return;
  owned(schema);
  if (json::Value* d = const_cast<json::Value*>(json::get(schema, "description"))) {
    *d = json::make_string(text, *a_);
  } else {
    json::add(schema, "description", text, *a_);
  }
}

json::Value SchemaConverter::placeholder(const std::string& type, const std::string& why, bool stable) {
  if (!stable) ++unstable_cuts_;
  json::Value v = json::type_schema(type.c_str(), *a_);
  if (json::same(type, "array")) {
    json::Value items = json::type_schema("object", *a_);
    json::add(v, "items", std::move(items), *a_);
  }
  if (!why.empty()) json::add(v, "description", why, *a_);
  return v;
}

std::string SchemaConverter::guess_type(Node node) {
  for (int hop = 0; hop < 8 && node && node.value->IsObject(); ++hop) {
    const Keywords kw(node.value);
    bool nullable = false;
    auto types = declared_types(kw, nullable);
    if (!types.empty()) return std::string(types.front());
    const std::string_view inferred = inferred_type(kw);
    if (!inferred.empty()) return std::string(inferred);
    const json::Value* next = nullptr;
    if (const json::Value* ref = kw[kRef]; ref && ref->IsString()) {
      Trail here{nullptr, {}, node.doc, {}};
      auto target = store_.resolve(*ref, node.doc, here);
      if (!target) break;
      node = Node{target.value()->doc, target.value()->value};
      continue;
    }
    for (Keyword k : {kAllOf, kAnyOf, kOneOf}) {
      if (non_empty_array(kw[k])) {
        next = &(*kw[k])[0];
        break;
      }
    }
    if (next == nullptr) break;
    node = Node{node.doc, next};
  }
  return "object";
}

void SchemaConverter::reset() {
  ref_stack_.clear();
  notes_.clear();
  kept_.clear();
  journal_.clear();
  nodes_ = 0;
  recursion_ = 0;
  unstable_cuts_ = 0;
  depth_cuts_ = 0;
  noted_ = 0;
  deepest_ = 0;
}

Result<json::Value> SchemaConverter::convert(Node schema, const Trail& at) {
  ref_stack_.clear();
  return walk(schema, at, 0);
}

Result<json::Value> SchemaConverter::walk(Node node, const Trail& at, int depth, const SchemaKeywords* known) {
  struct Nesting {
    int& n;
    explicit Nesting(int& count) : n(++count) {}
    ~Nesting() { --n; }
  } nesting(recursion_);
  deepest_ = std::max(deepest_, depth);
  if (recursion_ > opt_.max_recursion) {
    note("schema composition nested deeper than " + std::to_string(opt_.max_recursion) +
         " levels: deeper parts are reduced to their type");
    return placeholder(guess_type(node), "");
  }
  if (++nodes_ > opt_.max_nodes) {
    if (opt_.note_cuts) {
      note("schema larger than " + std::to_string(opt_.max_nodes) + " nodes: deeper parts are reduced to their type");
    }
    return placeholder(guess_type(node), "");
  }
  if (depth > opt_.max_depth) {
    if (opt_.note_cuts) {
      note("schema nested deeper than " + std::to_string(opt_.max_depth) + " levels: deeper parts are reduced to their type");
    }
    ++depth_cuts_;
    return placeholder(guess_type(node), "", true);
  }
  const json::Value* v = node.value;
  if (v == nullptr || !v->IsObject()) return any_value();
  const Keywords read(known == nullptr ? v : nullptr);
  const Keywords& kw = known != nullptr ? *known : read;
  const json::Value* ref = kw[kRef];
  if (ref != nullptr && ref->IsString()) {
    auto target = store_.resolve(*ref, node.doc, at);
    if (!target) return target.error();
    const std::string& key = target.value()->key;
    const Node target_node{target.value()->doc, target.value()->value};
    const bool cycle = std::any_of(ref_stack_.begin(), ref_stack_.end(), [&](const std::string* k) { return *k == key; });
    json::Value out;
    if (cycle || static_cast<int>(ref_stack_.size()) >= opt_.max_ref_depth) {
      const std::string name = key.substr(key.rfind('/') + 1);
      note(cycle ? "recursive $ref to " + key + " cut after one expansion"
                 : "$refs nested deeper than " + std::to_string(opt_.max_ref_depth) + " cut at " + key);
      out = placeholder(guess_type(target_node), std::string("A ") + name + " (recursive; not expanded further).");
    } else {
      SchemaCache::Key memo_key{target.value(), depth, opt_.direction == Direction::kInput, {}};
      const SchemaCache::Fragment* hit = nullptr;
      if (cache_ != nullptr) {
        hit = cache_->find(memo_key);
        if (hit == nullptr) hit = cache_->find_uncut(memo_key, opt_.max_depth - depth);
      }
      // A fragment's walk reached `height` levels below it: so does its reuse.
      auto reuse = [&](const SchemaCache::Fragment& f) {
        nodes_ += f.nodes;
        depth_cuts_ += f.depth_cuts;
        noted_ += f.noted;
        deepest_ = std::max(deepest_, depth + f.height);
        out = SchemaCache::marker_of(f);
      };
      if (hit != nullptr && nodes_ + hit->nodes <= opt_.max_nodes) {
        reuse(*hit);
      } else {
        // A conversion that cuts something depends on the walk's state too: the node budget used so far, the
        // nesting, the $refs being expanded. Under a key with that state it serves every walk arriving in the
        // same state: e.g. each tool whose output is the same large (hence cut) schema.
        SchemaCache::Key state_key = memo_key;
        if (cache_ != nullptr) {
          state_key.state = std::to_string(nodes_) + '\n' + std::to_string(recursion_);
          for (const std::string* k : ref_stack_) state_key.state += '\n' + *k;
        }
        if (const SchemaCache::Fragment* same = cache_ != nullptr ? cache_->find(state_key) : nullptr) {
          unstable_cuts_ += same->cuts;
          for (const auto& n : same->notes) note(n);
          reuse(*same);
        } else {
          const std::size_t nodes_before = nodes_, cuts_before = unstable_cuts_, journal_before = journal_.size();
          const std::size_t depth_cuts_before = depth_cuts_, noted_before = noted_;
          const int deepest_before = deepest_;
          deepest_ = depth;
          // With a cache, the target's tree is built in the cache's arena: it becomes the fragment as it is.
          struct Expanding {
            SchemaConverter& c;
            json::Allocator* const arena;
            Expanding(SchemaConverter& conv, const std::string* k) : c(conv), arena(conv.a_) {
              c.ref_stack_.push_back(k);
              if (c.cache_ != nullptr) c.a_ = &c.cache_->arena();
            }
            ~Expanding() {
              c.ref_stack_.pop_back();
              c.a_ = arena;
            }
          };
          Result<json::Value> r = [&] {
            Expanding expanding(*this, &key);
            return walk(target_node, at, depth);
          }();
          if (!r) return r.error();
          out = std::move(r.value());
          const int height = deepest_ - depth;
          const std::size_t depth_cuts = depth_cuts_ - depth_cuts_before, noted = noted_ - noted_before;
          deepest_ = std::max(deepest_before, deepest_);
          if (cache_ != nullptr && unstable_cuts_ == cuts_before) {
            const bool uncut = depth_cuts == 0 && noted == 0;
            out = cache_->insert(memo_key, std::move(out), nodes_ - nodes_before, height, depth_cuts, noted, uncut);
          } else if (cache_ != nullptr) {
            out = cache_->insert(state_key, std::move(out), nodes_ - nodes_before, height, depth_cuts, noted, false,
                                 unstable_cuts_ - cuts_before,
                                 std::vector<std::string>(journal_.begin() + static_cast<std::ptrdiff_t>(journal_before),
                                                          journal_.end()));
          }
        }
      }
    }
    // Siblings of $ref (3.1; common in 3.0 too): description and title override the target's.
    set_description(out, describe_keywords(kw, opt_.max_description, description_));
    if (json::is_true(kw[kNullable]) && view(out).IsObject()) {
      json::Value branches(rapidjson::kArrayType);
      branches.PushBack(out, *a_);
      branches.PushBack(json::type_schema("null", *a_), *a_);
      json::Value wrapped(rapidjson::kObjectType);
      json::add(wrapped, "anyOf", std::move(branches), *a_);
      return wrapped;
    }
    return out;
  }
  return walk_object_schema(node, kw, at, depth);
}

Result<json::Value> SchemaConverter::walk_object_schema(Node node, const SchemaKeywords& kw, const Trail& at,
                                                        int depth) {
  bool nullable = false;
  TypeList types = declared_types(kw, nullable);
  if (types.empty() && !has_composition(kw)) {
    const std::string_view inferred = inferred_type(kw);
    if (!inferred.empty()) types.push_back(inferred);
  }
  json::Value result;
  const json::Value* all_of = kw[kAllOf];
  const json::Value* any_of = kw[kAnyOf];
  if (any_of == nullptr || !any_of->IsArray() || any_of->Empty()) any_of = kw[kOneOf];
  if (all_of != nullptr && all_of->IsArray() && !all_of->Empty()) {
    auto r = merge_all_of(node, kw, at, depth);
    if (!r) return r;
    result = std::move(r.value());
  } else if (any_of != nullptr && any_of->IsArray() && !any_of->Empty()) {
    bool constraints_only = true;
    for (const auto& b : any_of->GetArray()) constraints_only = constraints_only && is_constraint_only(b);
    const bool own_structure = !types.empty() || kw[kProperties] != nullptr;
    if (constraints_only && own_structure) {
      note("anyOf/oneOf of `required` alternatives dropped (clients cannot express them): " + at.where());
      auto r = typed(node, kw, at, depth, types.empty() ? "object" : types.front());
      if (!r) return r;
      result = std::move(r.value());
    } else {
      json::Value branches(rapidjson::kArrayType);
      Trail list = at.child(kw[kAnyOf] == any_of ? "anyOf" : "oneOf");
      rapidjson::SizeType i = 0;
      json::Value parent;
      if (own_structure && std::find(types.begin(), types.end(), "object") != types.end()) {
        auto r = typed(node, kw, at, depth, "object");
        if (!r) return r;
        parent = std::move(r.value());
      }
      for (const auto& b : any_of->GetArray()) {
        const std::string index = std::to_string(i++);
        auto r = walk(Node{node.doc, &b}, list.child(index), depth);
        if (!r) return r;
        json::Value branch = std::move(r.value());
        const json::Value& seen = view(branch);
        if (seen.IsObject() && json::get(seen, "anyOf") != nullptr && json::get(seen, "type") == nullptr &&
            seen.MemberCount() == 1) {
          // anyOf inside anyOf: flatten
          owned(branch);
          for (auto& inner : branch["anyOf"].GetArray()) branches.PushBack(inner, *a_);
          continue;
        }
        if (parent.IsObject() && is_plain_object_schema(seen)) {
          // Parent properties apply to every alternative.
          owned(branch);
          json::Value& props = branch.HasMember("properties") ? branch["properties"]
                                                              : (json::add(branch, "properties", json::Value(rapidjson::kObjectType), *a_), branch["properties"]);
          if (const json::Value* parent_props = json::get(parent, "properties")) {
            for (const auto& m : parent_props->GetObject()) {
              if (!props.HasMember(m.name)) props.AddMember(json::clone(m.name, *a_), copy(m.value), *a_);
            }
          }
        }
        branches.PushBack(branch, *a_);
      }
      if (branches.Size() == 1) {
        result = std::move(branches[0]);
      } else {
        result.SetObject();
        json::add(result, "anyOf", std::move(branches), *a_);
      }
      if (const json::Value* disc = kw[kDiscriminator]) {
        const std::string_view prop = json::str(json::get(disc, "propertyName"));
        if (!prop.empty()) {
          std::string d(describe_keywords(kw, opt_.max_description, description_));
          if (!d.empty()) d += d.back() == '.' ? " " : ". ";
          set_description(result, d + "The `" + std::string(prop) + "` property tells the alternatives apart.");
        }
      }
    }
  } else if (types.size() == 1) {
    auto r = typed(node, kw, at, depth, types.front());
    if (!r) return r;
    result = std::move(r.value());
  } else if (types.size() > 1) {
    json::Value branches(rapidjson::kArrayType);
    for (const auto& t : types) {
      auto r = typed(node, kw, at, depth, t);
      if (!r) return r;
      json::Value branch = std::move(r.value());
      branch.RemoveMember("description");
      branches.PushBack(branch, *a_);
    }
    result.SetObject();
    json::add(result, "anyOf", std::move(branches), *a_);
  } else if (nullable) {
    result = json::type_schema("null", *a_);
    nullable = false;
  } else {
    result = any_value();
  }

  if (nullable) {
    json::Value branches(rapidjson::kArrayType);
    const json::Value& seen = view(result);
    if (seen.IsObject() && seen.MemberCount() == 1 && seen.HasMember("anyOf")) {
      owned(result);
      for (auto& b : result["anyOf"].GetArray()) branches.PushBack(b, *a_);
    } else {
      if (seen.IsObject() && seen.HasMember("description")) {
        owned(result);
        result.RemoveMember("description");
      }
      branches.PushBack(result, *a_);
    }
    branches.PushBack(json::type_schema("null", *a_), *a_);
    result.SetObject();
    json::add(result, "anyOf", std::move(branches), *a_);
  }
  if (!view(result).HasMember("description")) {
    set_description(result, describe_keywords(kw, opt_.max_description, description_));
  }
  if (const std::string_view title = json::str(kw[kTitle]); !title.empty() && !view(result).HasMember("title")) {
    owned(result);
    json::add(result, "title", text::truncate_words(text::normalize_whitespace(title), 200), *a_);
  }
  if (json::is_true(kw[kDeprecated]) && !view(result).HasMember("deprecated")) {
    owned(result);
    json::add(result, "deprecated", json::Value(true), *a_);
  }
  return result;
}

Result<json::Value> SchemaConverter::typed(Node node, const SchemaKeywords& kw, const Trail& at, int depth,
                                           std::string_view type) {
  json::Value out(rapidjson::kObjectType);
  json::add(out, "type", type, *a_);
  if (const json::Value* e = kw[kEnum]; e && e->IsArray()) {
    json::Value values(rapidjson::kArrayType);
    for (const auto& item : e->GetArray()) {
      if (value_matches(item, type)) values.PushBack(json::clone(item, *a_), *a_);
    }
    if (!values.Empty()) json::add(out, "enum", std::move(values), *a_);
  }
  if (const json::Value* c = kw[kConst]; c && value_matches(*c, type)) {
    json::add(out, "const", json::clone(*c, *a_), *a_);
  }
  if (const json::Value* d = kw[kDefault]; d && value_matches(*d, type)) {
    json::add(out, "default", json::clone(*d, *a_), *a_);
  }
  {
    json::Value examples(rapidjson::kArrayType);
    auto take = [&](const json::Value& ex) {
      if (examples.Size() < 3 && value_matches(ex, type) && !ex.IsObject() && !ex.IsArray() &&
          (!ex.IsString() || ex.GetStringLength() <= 200)) {
        examples.PushBack(json::clone(ex, *a_), *a_);
      }
    };
    if (const json::Value* ex = kw[kExamples]; ex && ex->IsArray()) {
      for (const auto& item : ex->GetArray()) take(item);
    }
    if (const json::Value* ex = kw[kExample]) take(*ex);
    if (!examples.Empty()) json::add(out, "examples", std::move(examples), *a_);
  }

  if (json::same(type, "string")) {
    for (Keyword k : {kMinLength, kMaxLength}) {
      if (const json::Value* n = kw[k]; is_non_negative_int(n)) json::add(out, kKeywordNames[k], json::clone(*n, *a_), *a_);
    }
    if (const json::Value* p = kw[kPattern]; p && p->IsString()) {
      if (is_valid_js_unicode_regex(json::str(p))) {
        json::add(out, "pattern", json::clone(*p, *a_), *a_);
      } else {
        note("pattern that is not valid ECMAScript dropped at " + at.where());
      }
    }
  } else if (json::same(type, "number") || json::same(type, "integer")) {
    const json::Value* min = kw[kMinimum];
    const json::Value* max = kw[kMaximum];
    const json::Value* xmin = kw[kExclusiveMinimum];
    const json::Value* xmax = kw[kExclusiveMaximum];
    if (min && min->IsNumber()) json::add(out, xmin && xmin->IsBool() && xmin->GetBool() ? "exclusiveMinimum" : "minimum", json::clone(*min, *a_), *a_);
    if (max && max->IsNumber()) json::add(out, xmax && xmax->IsBool() && xmax->GetBool() ? "exclusiveMaximum" : "maximum", json::clone(*max, *a_), *a_);
    if (xmin && xmin->IsNumber()) json::add(out, "exclusiveMinimum", json::clone(*xmin, *a_), *a_);
    if (xmax && xmax->IsNumber()) json::add(out, "exclusiveMaximum", json::clone(*xmax, *a_), *a_);
    if (const json::Value* m = kw[kMultipleOf]; m && m->IsNumber() && m->GetDouble() > 0) {
      json::add(out, "multipleOf", json::clone(*m, *a_), *a_);
    }
  } else if (json::same(type, "array")) {
    const json::Value* items = kw[kItems];
    if (items != nullptr && items->IsArray()) items = items->Empty() ? nullptr : &(*items)[0];
    if (items != nullptr && (items->IsObject() || items->IsBool())) {
      auto r = walk(Node{node.doc, items}, at.child("items"), depth + 1);
      if (!r) return r;
      json::add(out, "items", std::move(r.value()), *a_);
    } else {
      json::add(out, "items", any_value(), *a_);
    }
    for (Keyword k : {kMinItems, kMaxItems}) {
      if (const json::Value* n = kw[k]; is_non_negative_int(n)) json::add(out, kKeywordNames[k], json::clone(*n, *a_), *a_);
    }
    if (json::is_true(kw[kUniqueItems])) json::add(out, "uniqueItems", json::Value(true), *a_);
  } else if (json::same(type, "object")) {
    json::Value props(rapidjson::kObjectType);
    // The names of the properties kept, sorted below: this schema's part of kept_, above what enclosing schemas
    // hold there (the nested walks below restore its size before they return).
    const std::size_t kept_from = kept_.size();
    struct Restore {
      std::vector<KeptName>& v;
      std::size_t size;
      ~Restore() { v.resize(size); }
    } restore{kept_, kept_from};
    if (const json::Value* p = kw[kProperties]; p && p->IsObject()) {
      Trail props_trail = at.child("properties");
      for (const auto& m : p->GetObject()) {
        const std::string_view name = json::str(&m.name);
        Trail prop_trail = props_trail.child(name);
        // readOnly properties are not sent in requests; writeOnly ones never come back (said by the property
        // or by the schema its $ref leads to).
        const Keyword skip = opt_.direction == Direction::kInput ? kReadOnly : kWriteOnly;
        const Keywords prop(&m.value);
        if (const json::Value* ref = prop[kRef]; ref != nullptr && ref->IsString()) {
          auto peek = store_.deref(Node{node.doc, &m.value}, prop_trail);
          if (!peek) return peek.error();
          if (json::is_true(prop[skip]) || json::is_true(json::get(peek.value().value, kKeywordNames[skip]))) continue;
        } else if (json::is_true(prop[skip])) {
          continue;
        }
        auto r = walk(Node{node.doc, &m.value}, prop_trail, depth + 1, &prop);
        if (!r) return r;
        props.AddMember(json::make_string(name, *a_), std::move(r.value()), *a_);
        kept_.push_back({name, false});
      }
    }
    const auto kept_begin = kept_.begin() + static_cast<std::ptrdiff_t>(kept_from);
    const auto by_name = [](const KeptName& a, const KeptName& b) { return json::less(a.name, b.name); };
    std::sort(kept_begin, kept_.end(), by_name);
    const bool has_props = !props.ObjectEmpty();
    if (has_props) json::add(out, "properties", std::move(props), *a_);
    if (const json::Value* req = kw[kRequired]; req && req->IsArray()) {
      json::Value list(rapidjson::kArrayType);
      for (const auto& r : req->GetArray()) {
        const KeptName wanted{json::str(&r), false};
        const auto at_name = std::lower_bound(kept_begin, kept_.end(), wanted, by_name);
        if (at_name == kept_.end() || !json::same(at_name->name, wanted.name)) continue;
        // Duplicate property names share a slot: the first occurrence in the sorted names stands for all.
        if (!at_name->listed) list.PushBack(json::make_string(wanted.name, *a_), *a_);
        at_name->listed = true;
      }
      if (!list.Empty()) json::add(out, "required", std::move(list), *a_);
    }
    const json::Value* extra = kw[kAdditionalProperties];
    if (extra != nullptr && extra->IsObject() && !extra->ObjectEmpty()) {
      auto r = walk(Node{node.doc, extra}, at.child("additionalProperties"), depth + 1);
      if (!r) return r;
      json::add(out, "additionalProperties", std::move(r.value()), *a_);
    } else if (extra != nullptr && extra->IsBool() && !extra->GetBool()) {
      json::add(out, "additionalProperties", json::Value(false), *a_);
    } else if (extra != nullptr) {
      json::add(out, "additionalProperties", json::Value(true), *a_);  // explicitly open
    } else if (opt_.direction == Direction::kInput && has_props) {
      json::add(out, "additionalProperties", json::Value(false), *a_);
    }
    for (Keyword k : {kMinProperties, kMaxProperties}) {
      if (const json::Value* n = kw[k]; is_non_negative_int(n)) json::add(out, kKeywordNames[k], json::clone(*n, *a_), *a_);
    }
  }
  return out;
}

Result<json::Value> SchemaConverter::merge_all_of(Node node, const SchemaKeywords& kw, const Trail& at, int depth) {
  const json::Value& members = *kw[kAllOf];
  std::vector<json::Value> parts;
  Trail list = at.child("allOf");
  rapidjson::SizeType i = 0;
  for (const auto& m : members.GetArray()) {
    const std::string index = std::to_string(i++);
    auto r = walk(Node{node.doc, &m}, list.child(index), depth);
    if (!r) return r;
    parts.push_back(std::move(r.value()));
  }
  bool nullable = false;
  auto types = declared_types(kw, nullable);
  if (kw[kProperties] != nullptr || (!types.empty() && types.front() == "object")) {
    auto r = typed(node, kw, at, depth, "object");
    if (!r) return r;
    parts.push_back(std::move(r.value()));
  }
  if (parts.size() == 1) return std::move(parts.front());
  const bool mergeable = std::all_of(parts.begin(), parts.end(), [&](const json::Value& part) {
    const json::Value& p = view(part);
    return is_plain_object_schema(p) || (p.IsObject() && p.MemberCount() <= 2 && p.HasMember("description") &&
                                         !p.HasMember("type") && !p.HasMember("anyOf"));
  });
  if (!mergeable) {
    json::Value list_out(rapidjson::kArrayType);
    for (auto& p : parts) {
      const json::Value& seen = view(p);
      if (seen.IsObject() && seen.HasMember("additionalProperties") && seen["additionalProperties"].IsFalse()) {
        owned(p);
        p.RemoveMember("additionalProperties");  // each member sees only its own properties
      }
      list_out.PushBack(p, *a_);
    }
    json::Value out(rapidjson::kObjectType);
    json::add(out, "allOf", std::move(list_out), *a_);
    return out;
  }
  json::Value out = json::type_schema("object", *a_);
  json::Value props(rapidjson::kObjectType);
  json::Value required(rapidjson::kArrayType);
  std::set<std::string> required_seen;
  json::Value extra;
  std::string description;
  for (const auto& part : parts) {
    const json::Value& p = view(part);
    if (description.empty()) description = std::string(json::str(json::get(p, "description")));
    if (p.HasMember("properties")) {
      for (const auto& m : p["properties"].GetObject()) {
        auto existing = props.FindMember(m.name);
        if (existing != props.MemberEnd()) {
          existing->value = copy(m.value);  // the more specific (later) definition wins
        } else {
          props.AddMember(json::clone(m.name, *a_), copy(m.value), *a_);
        }
      }
    }
    if (p.HasMember("required")) {
      for (const auto& r : p["required"].GetArray()) {
        if (required_seen.insert(std::string(json::str(&r))).second) required.PushBack(json::clone(r, *a_), *a_);
      }
    }
    if (p.HasMember("additionalProperties") && !p["additionalProperties"].IsFalse() && extra.IsNull()) {
      extra = copy(p["additionalProperties"]);
    }
  }
  const bool has_props = !props.ObjectEmpty();
  if (has_props) json::add(out, "properties", std::move(props), *a_);
  if (!required.Empty()) json::add(out, "required", std::move(required), *a_);
  if (!extra.IsNull()) {
    json::add(out, "additionalProperties", std::move(extra), *a_);
  } else if (opt_.direction == Direction::kInput && has_props) {
    json::add(out, "additionalProperties", json::Value(false), *a_);
  }
  if (!description.empty()) json::add(out, "description", description, *a_);
  return out;
}

}  // namespace smeltsec::manifest
