// Both JSON readers (common/json_reader.h and RapidJSON's) on one text, with every event they send written
// down, for the unit tests (tests/unit/json_reader_test.cpp) and the differential fuzz target
// (fuzz/fuzz_json.cpp). No doctest here: the fuzz target includes it too.
#pragma once

#include <rapidjson/reader.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "common/json_reader.h"

namespace smeltsec::test {

// Writes every event as text: kind, arguments, and for strings where they start in the buffer, whether
// they are NUL-terminated there and whether the reader asked for a copy.
class Recorder {
 public:
  Recorder(const char* buffer, std::size_t fail_at) : buffer_(buffer), fail_at_(fail_at) {}

  bool Null() { return add("n"); }
  bool Bool(bool b) { return add(b ? "t" : "f"); }
  bool Int(int i) { return add("i" + std::to_string(i)); }
  bool Uint(unsigned u) { return add("u" + std::to_string(u)); }
  bool Int64(int64_t i) { return add("I" + std::to_string(i)); }
  bool Uint64(uint64_t u) { return add("U" + std::to_string(u)); }
  bool Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return add("d" + std::to_string(bits));
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return add(text("r", s, n, copy)); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return add(text("s", s, n, copy)); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return add(text("k", s, n, copy)); }
  bool StartObject() { return add("{"); }
  bool EndObject(rapidjson::SizeType n) { return add("}" + std::to_string(n)); }
  bool StartArray() { return add("["); }
  bool EndArray(rapidjson::SizeType n) { return add("]" + std::to_string(n)); }

  std::string events;

 private:
  bool add(const std::string& event) {
    events += event;
    events += '\x1F';
    return count_++ != fail_at_;
  }
  std::string text(const char* kind, const char* s, rapidjson::SizeType n, bool copy) const {
    return std::string(kind) + "@" + std::to_string(s - buffer_) + (copy ? "c" : "") + (s[n] == '\0' ? "" : "!") +
           std::string(s, n);
  }

  const char* buffer_;
  std::size_t fail_at_;
  std::size_t count_ = 0;
};

struct Outcome {
  bool ok = false;
  std::size_t end = 0;  // where reading stopped, when ok
  std::string events;
};

inline constexpr std::size_t kNever = ~std::size_t{0};

inline Outcome read_fast(const std::string& text, std::size_t fail_at = kNever) {
  std::string buffer = text + std::string(16, '\0');
  Recorder recorder(buffer.data(), fail_at);
  const char* stop = json::read_in_place(buffer.data(), recorder);
  Outcome out;
  out.ok = stop != nullptr;
  if (out.ok) out.end = static_cast<std::size_t>(stop - buffer.data());
  out.events = std::move(recorder.events);
  return out;
}

inline Outcome read_rapidjson(const std::string& text, std::size_t fail_at = kNever) {
  std::string buffer = text + std::string(16, '\0');
  Recorder recorder(buffer.data(), fail_at);
  rapidjson::GenericInsituStringStream<rapidjson::UTF8<>> stream(buffer.data());
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse<rapidjson::kParseInsituFlag>(stream, recorder);
  Outcome out;
  out.ok = !result.IsError();
  if (out.ok) out.end = stream.Tell();
  out.events = std::move(recorder.events);
  return out;
}

}  // namespace smeltsec::test
