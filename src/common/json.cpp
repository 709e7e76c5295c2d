#include "common/json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/bytes.h"
#include "common/json_reader.h"
#include "common/text.h"

namespace smeltsec::json {
namespace {

// Forwards reader events to `Target` (the document, or RapidJSON's do-nothing handler when only an error is
// wanted) while counting nesting and values, so that a hostile document is stopped as soon as it crosses a
// limit, before the tree grows (our own walks recurse; each value costs 16 bytes). Forced inline: the wasm
// build's compiler otherwise leaves each event a call (~0.4 ms of GitHub's description).
template <typename Target>
class LimitedHandler {
 public:
  using SizeType = rapidjson::SizeType;
  LimitedHandler(Target& target, const Limits& limits) : target_(target), limits_(limits) {}

  RAPIDJSON_FORCEINLINE bool Null() { return count() && target_.Null(); }
  RAPIDJSON_FORCEINLINE bool Bool(bool b) { return count() && target_.Bool(b); }
  RAPIDJSON_FORCEINLINE bool Int(int i) { return count() && target_.Int(i); }
  RAPIDJSON_FORCEINLINE bool Uint(unsigned u) { return count() && target_.Uint(u); }
  RAPIDJSON_FORCEINLINE bool Int64(int64_t i) { return count() && target_.Int64(i); }
  RAPIDJSON_FORCEINLINE bool Uint64(uint64_t u) { return count() && target_.Uint64(u); }
  RAPIDJSON_FORCEINLINE bool Double(double d) { return count() && target_.Double(d); }
  RAPIDJSON_FORCEINLINE bool RawNumber(const char* s, SizeType n, bool copy) {
    return count() && target_.RawNumber(s, n, copy);
  }
  RAPIDJSON_FORCEINLINE bool String(const char* s, SizeType n, bool copy) {
    return count() && target_.String(s, n, copy);
  }
  RAPIDJSON_FORCEINLINE bool Key(const char* s, SizeType n, bool copy) { return target_.Key(s, n, copy); }
  RAPIDJSON_FORCEINLINE bool StartObject() { return open() && target_.StartObject(); }
  RAPIDJSON_FORCEINLINE bool EndObject(SizeType n) {
    --depth_;
    return target_.EndObject(n);
  }
  RAPIDJSON_FORCEINLINE bool StartArray() { return open() && target_.StartArray(); }
  RAPIDJSON_FORCEINLINE bool EndArray(SizeType n) {
    --depth_;
    return target_.EndArray(n);
  }

  const char* exceeded = nullptr;  // the limit that stopped the parse, if any

 private:
  bool count() {
    if (++values_ <= limits_.max_values) return true;
    exceeded = "value_limit";
    return false;
  }
  bool open() {
    if (!count()) return false;
    if (++depth_ <= limits_.max_nesting) return true;
    exceeded = "nesting_limit";
    return false;
  }

  Target& target_;
  const Limits& limits_;
  int depth_ = 0;
  std::size_t values_ = 0;
};

// RapidJSON's reader over `text` (in place), events to `target` through the limits. Its recursive parser is
// ~15 % faster than the iterative one but takes native stack per nesting level (a few hundred bytes): it
// runs only while the nesting limit bounds the depth to what any stack holds.
template <typename Target>
rapidjson::ParseResult read_with_rapidjson(char* text, Target& target, const Limits& limits, const char*& exceeded,
                                           std::size_t& end) {
  constexpr int kMaxRecursiveNesting = 1024;
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag;
  LimitedHandler<Target> handler(target, limits);
  rapidjson::GenericInsituStringStream<rapidjson::UTF8<>> stream(text);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = limits.max_nesting <= kMaxRecursiveNesting
                                            ? reader.Parse<kFlags>(stream, handler)
                                            : reader.Parse<kFlags | rapidjson::kParseIterativeFlag>(stream, handler);
  exceeded = handler.exceeded;
  end = stream.Tell();
  return result;
}

}  // namespace

Status parse(std::string_view text, const std::string& file, const Limits& limits, std::string& buffer,
             Document& out) {
  auto where_at = [&](std::size_t offset) {
    auto [line, col] = smeltsec::text::line_col(text, offset);
    return file + ":" + std::to_string(line) + ":" + std::to_string(col);
  };
  if (const std::size_t bad = smeltsec::text::invalid_utf8_offset(text); bad != std::string_view::npos) {
    return Error{"encoding", "the file is not valid UTF-8 text", where_at(bad)};
  }
  // The text is read as a C string: a NUL ends the document early. Where reading stops (at an error or the
  // end) is checked below: stopping at a NUL before the end of the text is an error. Both readers read
  // 16-byte blocks, which may extend up to 15 bytes past the terminating NUL: pad.
  constexpr std::size_t kPadding = 16;
  auto fill = [&] {
    buffer.reserve(text.size() + kPadding);
    buffer.assign(text.data(), text.size());
    buffer.append(kPadding, '\0');
  };
  fill();
  // UTF-8 is checked above, 8 bytes at a time; neither reader checks it again. Valid JSON is read once, by
  // read_in_place (common/json_reader.h). When that stops early, RapidJSON's reader reads a fresh copy of the
  // text to name the error and where it is, building nothing (the failed read left its part of the tree in
  // the arena; a second one would double it): the same limits stop it at the same value.
  std::size_t end = 0;  // where reading stopped
  bool accepted = false;  // by read_in_place
  auto read_fast = [&](Document& doc) {
    LimitedHandler<Document> handler(doc, limits);
    const char* stop = read_in_place(buffer.data(), handler);
    if (stop != nullptr) end = static_cast<std::size_t>(stop - buffer.data());
    return accepted = stop != nullptr;
  };
  out.Populate(read_fast);
  rapidjson::ParseResult result;
  const char* exceeded = nullptr;
  if (!accepted) {
    fill();
    rapidjson::BaseReaderHandler<> nothing;
    result = read_with_rapidjson(buffer.data(), nothing, limits, exceeded, end);
    if (!result.IsError()) {
      // RapidJSON accepts what read_in_place refused. Never seen (the tests and the fuzz target hold the two
      // to one language), but then the document is RapidJSON's.
      fill();
      auto read_slow = [&](Document& doc) {
        return !(result = read_with_rapidjson(buffer.data(), doc, limits, exceeded, end)).IsError();
      };
      out.Populate(read_slow);
    }
  }
  const std::size_t stop = result.IsError() ? result.Offset() : end;
  if (stop < text.size() && text[stop] == '\0') {
    out.SetNull();
    return Error{"json_syntax", "invalid JSON: a NUL byte", where_at(stop)};
  }
  if (result.IsError()) {
    auto [line, col] = smeltsec::text::line_col(text, result.Offset());
    const std::string where = file + ":" + std::to_string(line) + ":" + std::to_string(col);
    if (exceeded != nullptr && std::string_view(exceeded) == "nesting_limit") {
      return Error{"nesting_limit",
                   "the document nests arrays/objects more than " + std::to_string(limits.max_nesting) + " levels deep",
                   where};
    }
    if (exceeded != nullptr) {
      return Error{"value_limit", "the document has more than " + std::to_string(limits.max_values) + " values", where};
    }
    return Error{"json_syntax", std::string("invalid JSON: ") + rapidjson::GetParseError_En(result.Code()), where};
  }
  return Ok{};
}

std::string write(const Value& value, bool pretty) {
  if (!pretty) {
    TextBuffer text;
    append_compact(text, value);
    return text.take();
  }
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void TextBuffer::grow(std::size_t n) {
  const std::size_t want = std::max({size_ + n, text_.size() + text_.size() / 2, std::size_t{256}});
#if defined(_LIBCPP_VERSION)
  text_.__resize_default_init(want);  // the bytes past size_ are written before they are read
#else
  text_.resize(want);
#endif
}

std::string TextBuffer::take() {
  text_.resize(size_);
  std::string out = std::move(text_);
  text_ = std::string();
  size_ = 0;
  return out;
}

void append_string(TextBuffer& out, const char* s, std::size_t n) {
  // rapidjson::Writer's table: the character after the backslash, 'u' for \u00XX, 0 for none.
  static constexpr char kEscape[256] = {
      'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',  // 00
      'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  // 10
      0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 20
      0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 30
      0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 40
      0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,  0,   0,    // 50
  };  // 60-FF: 0
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto clean = [](std::uint64_t x) {
    return (bytes::below(x, 0x20) | bytes::equal(x, '"') | bytes::equal(x, '\\')) == 0;
  };
  // The quotes, six bytes per byte at most (\u00XX), and eight for a whole word stored past the end.
  const std::size_t room = 2 + n * 6 + 8;
  char* const start = out.Push(room);
  char* o = start;
  *o++ = '"';
  std::size_t i = 0;
  if (n < 8) {
    // Most keys and short values: one word, padded with bytes that need no escape, stored whole.
    char word[8] = {'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'};
    std::size_t k = 0;  // copied in pieces of constant size (a memcpy of n bytes is a call in the wasm build)
    if (n & 4) std::memcpy(word, s, 4), k = 4;
    if (n & 2) std::memcpy(word + k, s + k, 2), k += 2;
    if (n & 1) word[k] = s[k];
    const std::uint64_t x = bytes::load8(word);
    if (clean(x)) {
      std::memcpy(o, &x, 8);
      o += n;
      i = n;
    }
  }
  while (i < n) {
    while (i + 8 <= n) {
      const std::uint64_t x = bytes::load8(s + i);
      if (!clean(x)) break;
      std::memcpy(o, &x, 8);
      o += 8;
      i += 8;
    }
    if (i < n && i + 8 > n && n >= 8 && static_cast<std::size_t>(o - start) == i + 1) {
      // The last bytes, nothing escaped before them (output and input aligned): the last word of the input,
      // overlapping bytes already written with the same bytes.
      const std::uint64_t x = bytes::load8(s + n - 8);
      if (clean(x)) {
        std::memcpy(o - (8 - (n - i)), &x, 8);
        o += n - i;
        break;
      }
    }
    const std::size_t stop = i + 8 <= n ? i + 8 : n;  // at most one word byte by byte, then words again
    for (; i < stop; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      const char e = kEscape[c];
      if (e == 0) {
        *o++ = static_cast<char>(c);
        continue;
      }
      *o++ = '\\';
      *o++ = e;
      if (e == 'u') {
        *o++ = '0';
        *o++ = '0';
        *o++ = kHex[c >> 4];
        *o++ = kHex[c & 15];
      }
    }
  }
  *o++ = '"';
  out.Pop(room - static_cast<std::size_t>(o - start));
}

void append_number(TextBuffer& out, const Value& v) {
  char* const start = out.Push(32);  // dtoa: 25 bytes at most; i64toa/u64toa: 20
  char* end = start;
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (!std::isfinite(d)) {
      std::memcpy(start, "null", 4);
      end = start + 4;
    } else {
      end = rapidjson::internal::dtoa(d, start);
    }
  } else if (v.IsInt()) {
    end = rapidjson::internal::i32toa(v.GetInt(), start);
  } else if (v.IsUint()) {
    end = rapidjson::internal::u32toa(v.GetUint(), start);
  } else if (v.IsInt64()) {
    end = rapidjson::internal::i64toa(v.GetInt64(), start);
  } else {
    end = rapidjson::internal::u64toa(v.GetUint64(), start);
  }
  out.Pop(32 - static_cast<std::size_t>(end - start));
}

Value clone(const Value& v, Allocator& a) {
  switch (v.GetType()) {
    case rapidjson::kStringType: return Value(v.GetString(), v.GetStringLength(), a);
    case rapidjson::kArrayType: {
      Value out(rapidjson::kArrayType);
      out.Reserve(v.Size(), a);
      for (const auto& item : v.GetArray()) out.PushBack(clone(item, a), a);
      return out;
    }
    case rapidjson::kObjectType: {
      Value out(rapidjson::kObjectType);
      for (const auto& m : v.GetObject()) out.AddMember(clone(m.name, a), clone(m.value, a), a);
      return out;
    }
    default: {
      Value out;
      out.CopyFrom(v, a);  // null, bool, number: no allocation
      return out;
    }
  }
}

}  // namespace smeltsec::json
