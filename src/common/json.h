// The core's JSON: RapidJSON documents (document order kept, arena-allocated), read by our in-place reader
// (common/json_reader.h) with RapidJSON's own reader naming the errors.
// Measured on GitHub's 13 MB REST description: 29 ms / 47 MB peak, against 73 ms / 181 MB for nlohmann-json.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "smeltsec/bundle.h"
#include "smeltsec/result.h"

namespace smeltsec::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using Allocator = rapidjson::Document::AllocatorType;

// Parses JSON text into `out`. Parsing happens in place in `buffer` (a copy of `text` plus 16 NUL bytes of
// padding for the readers' 16-byte reads), which `out` keeps pointers into: `buffer` must outlive `out`.
// Fails with code "json_syntax", "nesting_limit" or "value_limit"; `where` is file:line:col.
Status parse(std::string_view text, const std::string& file, const Limits& limits, std::string& buffer,
             Document& out);

// A RapidJSON output stream (what rapidjson::Writer writes to) over a std::string that the caller takes at
// the end: no copy of the text, unlike rapidjson::StringBuffer (the manifest is megabytes). It grows by half
// when full, without zero-filling where the standard library allows (libc++, the wasm build; libstdc++
// zero-fills the new room, ~1 ms natively for GitHub's 6 MB manifest). GetString() is not NUL-terminated:
// use it with GetSize(), or view().
class TextBuffer {
 public:
  using Ch = char;
  void Put(char c) {
    if (size_ == text_.size()) grow(1);
    text_[size_++] = c;
  }
  void PutUnsafe(char c) { text_[size_++] = c; }
  void Flush() {}
  void Clear() { size_ = 0; }
  // Room for `n` more bytes.
  void Reserve(std::size_t n) {
    if (text_.size() - size_ < n) grow(n);
  }
  char* Push(std::size_t n) {
    Reserve(n);
    return PushUnsafe(n);
  }
  char* PushUnsafe(std::size_t n) {
    char* p = text_.data() + size_;
    size_ += n;
    return p;
  }
  void Pop(std::size_t n) { size_ -= n; }
  const char* GetString() const { return text_.data(); }
  std::size_t GetSize() const { return size_; }
  std::size_t GetLength() const { return size_; }
  std::string_view view() const { return {text_.data(), size_}; }
  // The text written; the buffer is empty afterwards.
  std::string take();

 private:
  void grow(std::size_t n);
  std::string text_;  // its size is the room in use; the text is its first size_ bytes
  std::size_t size_ = 0;
};
// rapidjson::Writer reserves and writes through these free functions (found by argument-dependent lookup;
// RapidJSON's own generic versions would not reserve and would check for room at every byte).
inline void PutReserve(TextBuffer& b, std::size_t n) { b.Reserve(n); }
inline void PutUnsafe(TextBuffer& b, char c) { b.PutUnsafe(c); }

// Serialises a value: compact, or pretty with two-space indentation. Deterministic.
std::string write(const Value& value, bool pretty = false);

// Appends the JSON string literal of s (quotes included), byte for byte as rapidjson::Writer writes it
// (control characters, `"` and `\` escaped; other bytes, UTF-8 included, as they are), eight bytes at a
// time where nothing needs escaping.
void append_string(TextBuffer& out, const char* s, std::size_t n);

// Appends the number `v` as rapidjson::Writer writes it (Accept's choice of Double/Int/Uint/Int64/Uint64);
// NaN and infinities, which JSON cannot hold and Writer refuses, as null.
void append_number(TextBuffer& out, const Value& v);

// Appends the compact JSON of `v`, byte for byte as rapidjson::Writer writes it, without the Writer's
// per-value bookkeeping (a level stack, a prefix and an end-of-value step around every value). Each string
// value is first offered to `splice(s, n, out)`: when it returns true it has written the value itself
// (manifest::SchemaCache splices a fragment's text in place of its marker this way).
template <typename Splice>
void append_compact(TextBuffer& out, const Value& v, const Splice& splice) {
  switch (v.GetType()) {
    case rapidjson::kNullType: std::memcpy(out.Push(4), "null", 4); return;
    case rapidjson::kFalseType: std::memcpy(out.Push(5), "false", 5); return;
    case rapidjson::kTrueType: std::memcpy(out.Push(4), "true", 4); return;
    case rapidjson::kNumberType: append_number(out, v); return;
    case rapidjson::kStringType:
      if (!splice(v.GetString(), std::size_t{v.GetStringLength()}, out)) {
        append_string(out, v.GetString(), v.GetStringLength());
      }
      return;
    case rapidjson::kArrayType: {
      out.Put('[');
      bool first = true;
      for (const auto& item : v.GetArray()) {
        if (!first) out.Put(',');
        first = false;
        append_compact(out, item, splice);
      }
      out.Put(']');
      return;
    }
    case rapidjson::kObjectType: {
      out.Put('{');
      bool first = true;
      for (const auto& m : v.GetObject()) {
        if (!first) out.Put(',');
        first = false;
        append_string(out, m.name.GetString(), m.name.GetStringLength());
        out.Put(':');
        append_compact(out, m.value, splice);
      }
      out.Put('}');
      return;
    }
  }
}
inline void append_compact(TextBuffer& out, const Value& v) {
  append_compact(out, v, [](const char*, std::size_t, TextBuffer&) { return false; });
}

// a[0, n) == b[0, n), for the short names (keys, keywords) looked up everywhere: word loads instead of a
// memcmp call (a call per comparison in the wasm build).
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::uint64_t x, y;  // the last eight bytes (overlapping the loop's when n is not a multiple of 8)
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    std::uint32_t x, y, u, w;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&u, a + n - 4, 4);
    std::memcpy(&w, b + n - 4, 4);
    return x == y && u == w;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
// a == b the same way: for the short literals that names and types are compared with in hot loops
// (std::string_view's operator== is a memcmp call in the wasm build).
inline bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
}

// a < b in byte order (as std::string_view's operator<), without a memcmp call: names usually differ early.
inline bool less(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

// The member `key` of an object (the first of duplicates), or nullptr when `v` is not an object or has no
// such member.
inline const Value* get(const Value* v, std::string_view key) {
  if (v == nullptr || !v->IsObject()) return nullptr;
  for (const auto& m : v->GetObject()) {
    if (m.name.GetStringLength() == key.size() && same_bytes(m.name.GetString(), key.data(), key.size())) {
      return &m.value;
    }
  }
  return nullptr;
}
inline const Value* get(const Value& v, std::string_view key) { return get(&v, key); }
// The string value, or `fallback` when `v` is null or not a string.
inline std::string_view str(const Value* v, std::string_view fallback = {}) {
  if (v == nullptr || !v->IsString()) return fallback;
  return {v->GetString(), v->GetStringLength()};
}
inline bool is_true(const Value* v) { return v != nullptr && v->IsBool() && v->GetBool(); }

// The members named in `keys` of an object, in one pass (the first of duplicate keys, as json::get finds):
// found[k] is the value of keys[k], or nullptr.
template <std::size_t N>
inline void members(const Value* object, const std::string_view (&keys)[N], const Value* (&found)[N]) {
  for (auto& f : found) f = nullptr;
  if (object == nullptr || !object->IsObject()) return;
  for (const auto& m : object->GetObject()) {
    const std::string_view name = str(&m.name);
    for (std::size_t k = 0; k < N; ++k) {
      if (found[k] == nullptr && same(name, keys[k])) {
        found[k] = &m.value;
        break;
      }
    }
  }
}

// A deep copy of `v` allocated from `a` (RapidJSON 1.1's copy constructor goes through a temporary
// document with its own heap stack for every composite value: slow when copies are frequent).
Value clone(const Value& v, Allocator& a);

inline Value make_string(std::string_view s, Allocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}
// Adds a member with a copied key.
inline void add(Value& obj, std::string_view key, Value value, Allocator& a) {
  obj.AddMember(make_string(key, a), value, a);
}
inline void add(Value& obj, std::string_view key, std::string_view s, Allocator& a) {
  obj.AddMember(make_string(key, a), make_string(s, a), a);
}
// The same with a string literal for the key ("type", "properties", ...): referred to, not copied. Only for
// literals: the key must outlive the value.
template <std::size_t N>
inline void add(Value& obj, const char (&key)[N], Value value, Allocator& a) {
  obj.AddMember(Value(rapidjson::StringRef(key, N - 1)), value, a);
}
template <std::size_t N>
inline void add(Value& obj, const char (&key)[N], std::string_view s, Allocator& a) {
  obj.AddMember(Value(rapidjson::StringRef(key, N - 1)), make_string(s, a), a);
}

}  // namespace smeltsec::json
