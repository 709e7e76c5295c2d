// common/json: parsing with limits, errors with file:line:col, writing.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <rapidjson/prettywriter.h>
#include <rapidjson/writer.h>

#include "common/json.h"
#include "test_support.h"

namespace json = smeltsec::json;
using smeltsec::Limits;
using smeltsec::Status;
using smeltsec::test::is_file_line_col;
using smeltsec::test::repeat;
using smeltsec::test::Stopwatch;

namespace {

struct Parsed {
  Status status;
  std::string written;  // compact JSON of the parsed document when status is ok
};

Parsed parse(const std::string& text, Limits limits = {}) {
  std::string buffer;
  json::Document doc;
  Status st = json::parse(text, "spec.json", limits, buffer, doc);
  return {st, st ? json::write(doc) : std::string()};
}

std::string shown(const std::string& s) {
  return s.size() <= 120 ? s : s.substr(0, 120) + "...";
}

struct ErrorCase {
  std::string input;
  std::string code;
};

void check_errors(const ErrorCase* begin, const ErrorCase* end, Limits limits = {}) {
  for (const ErrorCase* c = begin; c != end; ++c) {
    const std::string input = shown(c->input);
    CAPTURE(input);
    const Parsed out = parse(c->input, limits);
    REQUIRE_FALSE(out.status.ok());
    CHECK(out.status.error().code == c->code);
    CHECK_FALSE(out.status.error().message.empty());
    const std::string where = out.status.error().where;
    CAPTURE(where);
    CHECK(is_file_line_col(where, "spec.json"));
  }
}

}  // namespace

TEST_CASE("json parse and write round-trip") {
  struct Case {
    std::string input, written;
  };
  const Case cases[] = {
      {R"({"a":1})", R"({"a":1})"},
      {" \n\t{ \"a\" : [ 1 , 2.5 , \"x\" , true , false , null , { } , [ ] ] }\n ",
       R"({"a":[1,2.5,"x",true,false,null,{},[]]})"},
      {R"([])", R"([])"},
      {R"("just a string")", R"("just a string")"},
      {R"(42)", R"(42)"},
      {R"({"z":1,"a":2})", R"({"z":1,"a":2})"},  // member order kept
      {R"({"big":18446744073709551615,"neg":-9223372036854775808})",
       R"({"big":18446744073709551615,"neg":-9223372036854775808})"},
      {R"({"e":"\u00e9\n\"\\\/"})", "{\"e\":\"\xC3\xA9\\n\\\"\\\\/\"}"},
      {R"({"s":"\ud83d\ude00"})", "{\"s\":\"\xF0\x9F\x98\x80\"}"},
      // brackets inside strings are text, not nesting
      {"{\"a\":\"" + repeat("[{", 1000) + "\"}", "{\"a\":\"" + repeat("[{", 1000) + "\"}"},
      {R"({"a":"\"[[[","b":"]]]\\"})", R"({"a":"\"[[[","b":"]]]\\"})"},
  };
  for (const Case& c : cases) {
    const std::string input = shown(c.input);
    CAPTURE(input);
    const Parsed out = parse(c.input);
    INFO(out.status.error().code, ": ", out.status.error().message);
    REQUIRE(out.status.ok());
    CHECK(out.written == c.written);
  }
}

TEST_CASE("json pretty writing is two-space indented and deterministic") {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"a":[1,{"b":null}]})", "x.json", {}, buffer, doc).ok());
  CHECK(json::write(doc, true) == "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}");
  CHECK(json::write(doc, true) == json::write(doc, true));
}

TEST_CASE("json duplicate keys: lookups see the first") {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"a":1,"a":2})", "x.json", {}, buffer, doc).ok());
  const json::Value* a = json::get(doc, "a");
  REQUIRE(a != nullptr);
  CHECK(a->GetInt() == 1);
}

TEST_CASE("json accessors") {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"s":"text","t":true,"f":false,"n":1,"o":{"k":"v"}})", "x.json", {}, buffer, doc).ok());
  CHECK(json::str(json::get(doc, "s")) == "text");
  CHECK(json::str(json::get(doc, "n"), "fallback") == "fallback");
  CHECK(json::str(json::get(doc, "missing"), "fallback") == "fallback");
  CHECK(json::str(nullptr) == "");
  CHECK(json::is_true(json::get(doc, "t")));
  CHECK_FALSE(json::is_true(json::get(doc, "f")));
  CHECK_FALSE(json::is_true(json::get(doc, "s")));
  CHECK(json::get(json::get(doc, "o"), "k") != nullptr);
  CHECK(json::get(json::get(doc, "s"), "k") == nullptr);  // not an object
  CHECK(json::get(nullptr, "k") == nullptr);
}

TEST_CASE("json syntax errors carry file:line:col") {
  const ErrorCase cases[] = {
      {"", "json_syntax"},
      {"{", "json_syntax"},
      {"{\"a\":", "json_syntax"},
      {"{\"a\":1,}", "json_syntax"},
      {"[1,2,]", "json_syntax"},
      {"{'a':1}", "json_syntax"},
      {"{a:1}", "json_syntax"},
      {"{\"a\":1} // comment", "json_syntax"},
      {"/* comment */ {}", "json_syntax"},
      {"{\"a\":NaN}", "json_syntax"},
      {"{\"a\":Infinity}", "json_syntax"},
      {"{\"a\":-}", "json_syntax"},
      {"{\"a\":01}", "json_syntax"},
      {"{\"a\":1e400}", "json_syntax"},  // beyond double: refused, never infinite
      {"{\"a\":1} {\"b\":2}", "json_syntax"},
      {"{\"a\":\"tab\there\"}", "json_syntax"},  // raw control character in a string
      {"{\"a\":\"\\x41\"}", "json_syntax"},      // not a JSON escape
      {"{\"a\":\"\\ud800\"}", "json_syntax"},    // lone surrogate escape
      {"{\"a\":tru}", "json_syntax"},
      {"{\"a\" 1}", "json_syntax"},
      {"]", "json_syntax"},
  };
  check_errors(std::begin(cases), std::end(cases));
}

TEST_CASE("json invalid UTF-8 is refused, naming the file") {
  const std::string inputs[] = {
      "{\"a\":\"\xFF\"}",              // in a string
      "{\"a\":\"\xC0\xAF\"}",          // overlong
      "{\"a\":\"\xED\xA0\x80\"}",      // encoded surrogate
      "{\"a\":\"\xF4\x90\x80\x80\"}",  // above U+10FFFF
      "{\"a\":1}\xFF",                 // outside any string
      "{\"\xC3\":1}",                  // truncated, in a key
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    const Parsed out = parse(input);
    REQUIRE_FALSE(out.status.ok());
    const std::string& code = out.status.error().code;
    CHECK((code == "encoding" || code == "json_syntax"));
    CHECK(out.status.error().where.rfind("spec.json", 0) == 0);
  }
}

TEST_CASE("json syntax error position") {
  const Parsed out = parse("{\n  \"a\": 1,\n  \"b\": ]\n}\n");
  REQUIRE_FALSE(out.status.ok());
  CHECK(out.status.error().code == "json_syntax");
  CHECK(out.status.error().where == "spec.json:3:8");
}

TEST_CASE("json nesting limit") {
  const int max = Limits{}.max_nesting;
  const ErrorCase cases[] = {
      {repeat("[", max + 1) + repeat("]", max + 1), "nesting_limit"},
      {repeat("{\"a\":", max + 1) + "1" + repeat("}", max + 1), "nesting_limit"},
      {repeat("[", 10000) + repeat("]", 10000), "nesting_limit"},
      {repeat("[{\"k\":", 5000) + "0" + repeat("}]", 5000), "nesting_limit"},
      {repeat("[", 10000), "nesting_limit"},  // unterminated: the depth is found first
  };
  Stopwatch clock;
  check_errors(std::begin(cases), std::end(cases));
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  CHECK(parse(repeat("[", max) + repeat("]", max)).status.ok());

  const Parsed deep = parse(repeat("[", 10000) + repeat("]", 10000));
  const std::string where = deep.status.error().where;
  CAPTURE(where);
  CHECK(where.rfind("spec.json:1:", 0) == 0);
  const int col = std::stoi(where.substr(std::string("spec.json:1:").size()));
  CHECK(col >= max);
  CHECK(col <= max + 2);
}

TEST_CASE("json nesting limit raised past the recursive parser's bound") {
  // Up to 1,024 levels the recursive parser runs; a caller allowing more gets the iterative one, which
  // keeps its stack on the heap: 200,000 levels parse without touching the native stack.
  Limits limits;
  limits.max_nesting = 300000;
  const int depth = 200000;
  const std::string text = repeat("[", depth) + "7" + repeat("]", depth);
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(text, "spec.json", limits, buffer, doc).ok());
  const json::Value* v = &doc;  // walked by a loop: json::write recurses
  int levels = 0;
  for (; v->IsArray() && v->Size() == 1; v = &(*v)[0]) ++levels;
  CHECK(levels == depth);
  CHECK((v->IsInt() && v->GetInt() == 7));
  limits.max_nesting = 1024;  // the largest limit the recursive parser serves
  CHECK(parse(repeat("{\"k\":[", 512) + "0" + repeat("]}", 512), limits).status.ok());
  const Parsed over = parse(repeat("[", 1025) + repeat("]", 1025), limits);
  REQUIRE_FALSE(over.status.ok());
  CHECK(over.status.error().code == "nesting_limit");
}

TEST_CASE("json parsing pads for 16-byte reads") {
  // RapidJSON's SSE2 paths read aligned 16-byte blocks: documents of every length up to two blocks past an
  // alignment boundary, strings and whitespace ending at the very last byte (ASan checks the reads).
  for (int n = 0; n < 48; ++n) {
    const std::string ws(n, ' ');
    CHECK(parse(ws + "[" + ws + "\"" + std::string(n, 'x') + "\"" + ws + "]" + ws).written ==
          "[\"" + std::string(n, 'x') + "\"]");
  }
}

TEST_CASE("json value limit") {
  Limits limits;
  limits.max_values = 10;
  const ErrorCase cases[] = {
      {"[1,2,3,4,5,6,7,8,9,10,11,12]", "value_limit"},
      {R"({"a":[{"b":1},{"c":2},{"d":3},{"e":4},{"f":5},{"g":6}]})", "value_limit"},
  };
  check_errors(std::begin(cases), std::end(cases), limits);
  CHECK(parse("[1,2,3,4,5]", limits).status.ok());
}

// A NUL byte outside a string is not JSON. RapidJSON reads the buffer as a C string, so it stops there and
// the bytes after it are never looked at: a parser differential (JSON.parse refuses the same file).
// Regression: json::parse refuses a NUL byte wherever it is, naming its position.
TEST_CASE("json_nul_byte_does_not_end_the_document") {
  const ErrorCase cases[] = {
      {std::string("{\"a\":1}\0{\"b\":2}", 14), "json_syntax"},
      {std::string("{\"openapi\":\"3.0.0\"}\0garbage", 27), "json_syntax"},
      {std::string("{\"a\":1}  \0", 11), "json_syntax"},
      {std::string("{\"a\":\"x\0y\"}", 11), "json_syntax"},
      {std::string("{\"a\":\0}", 7), "json_syntax"},
      {std::string("\0{}", 3), "json_syntax"},
      {std::string("[1,\n2\0]", 7), "json_syntax"},
  };
  check_errors(std::begin(cases), std::end(cases));
  const Parsed inside = parse(std::string("{\"a\":\"x\0y\"}", 11));
  CHECK(inside.status.error().message == "invalid JSON: a NUL byte");
  CHECK(inside.status.error().where == "spec.json:1:8");
  const Parsed trailing = parse(std::string("[1,\n2]\n\0", 9));
  CHECK(trailing.status.error().message == "invalid JSON: a NUL byte");
  CHECK(trailing.status.error().where == "spec.json:3:1");
  CHECK(parse("{\"a\":\"x\\u0000y\"}").status.ok());  // an escaped NUL is text
}

TEST_CASE("json append_string writes what rapidjson::Writer writes, for every byte at every position") {
  auto reference = [](const std::string& s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buffer.GetString(), buffer.GetSize());
  };
  auto ours = [](const std::string& s, const std::string& before) {
    json::TextBuffer buffer;
    if (!before.empty()) std::memcpy(buffer.Push(before.size()), before.data(), before.size());
    json::append_string(buffer, s.data(), s.size());
    return buffer.take();
  };
  std::size_t checked = 0;
  std::size_t total = 0;
  for (std::size_t length : {1u, 2u, 3u, 5u, 6u, 7u, 8u, 9u, 12u, 15u, 16u, 17u, 23u, 40u}) {
    total += length;
    for (std::size_t at = 0; at < length; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s(length, 'x');
        s[at] = static_cast<char>(b);
        CAPTURE(length);
        CAPTURE(at);
        CAPTURE(b);
        REQUIRE(ours(s, "") == reference(s));
        ++checked;
      }
    }
  }
  CHECK(checked == 256u * total);
  // Two bytes to escape, one early and one among the last (the last word is stored whole only when nothing
  // before it was escaped).
  for (std::size_t length = 2; length <= 24; ++length) {
    for (std::size_t first = 0; first < length; ++first) {
      for (std::size_t second = first + 1; second < length; ++second) {
        std::string s(length, 'y');
        s[first] = '"';
        s[second] = '\n';
        CAPTURE(s);
        REQUIRE(ours(s, "{") == "{" + reference(s));
      }
    }
  }
  // Appends to what the buffer holds; empty strings; strings that are all escapes (the most room needed).
  CHECK(ours("a\"b", "[1,") == "[1,\"a\\\"b\"");
  CHECK(ours("", "") == "\"\"");
  const std::string controls(100, '\x01');
  CHECK(ours(controls, "") == reference(controls));
  CHECK(ours(controls, "").size() == 2 + 600);
}

TEST_CASE("json: control characters 0x1A-0x1F are escaped when written and refused raw in strings, at every alignment") {
  // RapidJSON 1.1's SSE2 scans took 0x1A-0x1F for ordinary characters inside 16-byte-aligned blocks: the
  // writer left them raw (invalid JSON) and the parser let them through. The build patches its headers.
  Limits limits;
  for (int c = 0x01; c < 0x20; ++c) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string s(48, 'x');
      s[at] = static_cast<char>(c);
      json::Document doc;
      doc.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), doc.GetAllocator());
      const std::string written = json::write(doc);
      CAPTURE(c);
      CAPTURE(at);
      for (char ch : written) REQUIRE(static_cast<unsigned char>(ch) >= 0x20);
      json::Document back;
      std::string buffer;
      REQUIRE(json::parse(written, "w.json", limits, buffer, back));
      REQUIRE(std::string(back.GetString(), back.GetStringLength()) == s);
      // The same string raw inside a document, behind every prefix length (so at every alignment).
      for (std::size_t pad = 0; pad < 16; ++pad) {
        const std::string text = std::string(pad, ' ') + "\"" + s + "\"";
        json::Document raw;
        const auto st = json::parse(text, "raw.json", limits, buffer, raw);
        REQUIRE_FALSE(st);
        REQUIRE(st.error().code == "json_syntax");
      }
    }
  }
}

TEST_CASE("json same_bytes: every length up to 40, a difference at every position") {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'k');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    CHECK(json::same_bytes(a.data(), a.data(), n));
    const std::string copy = a;
    CHECK(json::same_bytes(a.data(), copy.data(), n));
    for (std::size_t at = 0; at < n; ++at) {
      std::string b = a;
      b[at] = static_cast<char>(b[at] ^ 0x40);
      CAPTURE(n);
      CAPTURE(at);
      REQUIRE_FALSE(json::same_bytes(a.data(), b.data(), n));
      REQUIRE_FALSE(json::same_bytes(b.data(), a.data(), n));
      REQUIRE_FALSE(json::same(a, b));
    }
    CHECK(json::same(a, copy));
    if (n > 0) {
      CHECK_FALSE(json::same(a, std::string_view(a).substr(1)));  // lengths differ, bytes would not
      CHECK_FALSE(json::same(std::string_view(a).substr(0, n - 1), a));
    }
  }
  CHECK(json::same("integer", "integer"));
  CHECK_FALSE(json::same("integer", "integers"));
  CHECK_FALSE(json::same("", "a"));
  // get: lengths equal, bytes not; the first of duplicate keys.
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"typo":1,"type":2,"type":3,"descriptionX":4,"description":5})", "g.json", Limits{}, buffer, doc));
  CHECK(json::get(doc, "type")->GetInt() == 2);
  CHECK(json::get(doc, "description")->GetInt() == 5);
  CHECK(json::get(doc, "descriptio") == nullptr);
  CHECK(json::get(doc, "") == nullptr);
}

TEST_CASE("json::less orders as std::string_view does: prefixes, bytes past 0x7F, every pair of a small set") {
  std::vector<std::string> words = {"", "a", "ab", "abc", "abd", "b", "B", "a\x7F", "a\x80", "a\xFF", "\xC3\xA9", "zz",
                                    "name", "names", "nam", "id", "ID", std::string(1, '\0'), std::string("a\0b", 3)};
  std::size_t pairs = 0;
  for (const std::string& a : words) {
    for (const std::string& b : words) {
      CAPTURE(a);
      CAPTURE(b);
      CHECK(json::less(a, b) == (std::string_view(a) < std::string_view(b)));
      ++pairs;
    }
  }
  CHECK(pairs == words.size() * words.size());
}

TEST_CASE("json: strings of every length up to 40 end, and escape, at every position and alignment") {
  // The in-place parser reads a string's first 16 bytes in one (unaligned) block, past the end of short
  // strings into what follows (and into the buffer's padding at the end of the text).
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t pad = 0; pad < 16; ++pad) {
      std::string value(length, 'v');
      for (std::size_t i = 0; i < length; ++i) value[i] = static_cast<char>('a' + i % 26);
      const std::string plain = std::string(pad, ' ') + "[\"" + value + "\",\"\\\"\"]";
      std::string buffer;
      json::Document doc;
      CAPTURE(length);
      CAPTURE(pad);
      REQUIRE(json::parse(plain, "s.json", Limits{}, buffer, doc));
      REQUIRE(std::string(doc[0].GetString(), doc[0].GetStringLength()) == value);
      REQUIRE(std::string(doc[1].GetString()) == "\"");
      // Alone at the very end of the text, nothing after its closing quote.
      const std::string alone = std::string(pad, ' ') + "\"" + value + "\"";
      REQUIRE(json::parse(alone, "s.json", Limits{}, buffer, doc));
      REQUIRE(std::string(doc.GetString(), doc.GetStringLength()) == value);
      // An escape at every position.
      for (std::size_t at = 0; at < length; ++at) {
        for (const char* esc : {"\\\"", "\\\\", "\\n", "\\u00e9"}) {
          const std::string text = std::string(pad, ' ') + "\"" + value.substr(0, at) + esc + value.substr(at) + "\"";
          const std::string decoded = std::string(esc) == "\\\"" ? "\"" : std::string(esc) == "\\\\" ? "\\"
                                    : std::string(esc) == "\\n" ? "\n" : "\xC3\xA9";
          CAPTURE(at);
          CAPTURE(esc);
          REQUIRE(json::parse(text, "s.json", Limits{}, buffer, doc));
          REQUIRE(std::string(doc.GetString(), doc.GetStringLength()) == value.substr(0, at) + decoded + value.substr(at));
        }
      }
      // Unterminated: the padding's NUL ends the scan.
      REQUIRE_FALSE(json::parse(std::string(pad, ' ') + "\"" + value, "s.json", Limits{}, buffer, doc));
    }
  }
}

TEST_CASE("json: whitespace runs of every length up to 40, at every alignment, between tokens and at the end") {
  // The in-place parser skips whitespace 16 unaligned bytes at a time (reading into the buffer's padding at
  // the end of the text).
  const std::string kinds[] = {" ", "\n", "\r\n", "\t"};
  for (std::size_t pad = 0; pad < 16; ++pad) {
    for (std::size_t run = 0; run <= 40; ++run) {
      for (const std::string& k : kinds) {
        std::string ws;
        while (ws.size() < run) ws += k;
        const std::string text = std::string(pad, ' ') + "{" + ws + "\"a\"" + ws + ":" + ws + "[" + ws + "1" + ws + "," +
                                 ws + "true" + ws + "]" + ws + "}" + ws;
        std::string buffer;
        json::Document doc;
        CAPTURE(pad);
        CAPTURE(run);
        REQUIRE(json::parse(text, "w.json", Limits{}, buffer, doc));
        REQUIRE(json::write(doc) == "{\"a\":[1,true]}");
        // A stray character after a run is still found where it is.
        const auto bad = json::parse(text + "x", "w.json", Limits{}, buffer, doc);
        REQUIRE_FALSE(bad);
        REQUIRE(bad.error().code == "json_syntax");
      }
    }
  }
}

TEST_CASE("json TextBuffer: rapidjson writers write to it exactly what they write to a StringBuffer") {
  // A document with every kind of value, long strings (growth past the first 256 bytes many times over)
  // and strings with characters to escape.
  json::Document doc;
  auto& a = doc.GetAllocator();
  doc.SetObject();
  json::Value list(rapidjson::kArrayType);
  for (int i = 0; i < 300; ++i) {
    json::Value item(rapidjson::kObjectType);
    const std::string text = std::string(static_cast<std::size_t>(i % 37), 'a') + "\"\\\n\x01\xC3\xA9" + std::to_string(i);
    json::add(item, "text", text, a);
    json::add(item, "n", json::Value(i * 1.5), a);
    json::add(item, "i", json::Value(-i), a);
    json::add(item, "flag", json::Value(i % 2 == 0), a);
    json::add(item, "none", json::Value(), a);
    list.PushBack(item, a);
  }
  json::add(doc, "list", std::move(list), a);
  for (bool pretty : {false, true}) {
    CAPTURE(pretty);
    rapidjson::StringBuffer reference;
    json::TextBuffer ours;
    if (pretty) {
      rapidjson::PrettyWriter<rapidjson::StringBuffer> w1(reference);
      rapidjson::PrettyWriter<json::TextBuffer> w2(ours);
      doc.Accept(w1);
      doc.Accept(w2);
    } else {
      rapidjson::Writer<rapidjson::StringBuffer> w1(reference);
      rapidjson::Writer<json::TextBuffer> w2(ours);
      doc.Accept(w1);
      doc.Accept(w2);
    }
    const std::string expected(reference.GetString(), reference.GetSize());
    REQUIRE(expected.size() > 10000);
    CHECK(ours.GetSize() == expected.size());
    CHECK(ours.view() == expected);
    CHECK(ours.take() == expected);
    CHECK(ours.GetSize() == 0);  // empty after take(), and usable again
    ours.Put('x');
    CHECK(ours.take() == "x");
  }
}

namespace {

// A pseudo-random document of every kind of value (fixed seed: the same document every run).
json::Value random_value(unsigned& seed, int depth, json::Allocator& a) {
  auto next = [&seed]() {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  static const double doubles[] = {0.0, -0.0, 0.1, -2.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308,
                                   123456789.123456789, 3.0, -1e300, 2.2250738585072014e-308};
  static const int64_t integers[] = {0, -1, 1, 2147483647, -2147483647 - 1, 4294967295, 4294967296,
                                     INT64_MAX, INT64_MIN, -4294967296};
  const unsigned kind = depth >= 6 ? next() % 6 : next() % 8;
  switch (kind) {
    case 0: return json::Value();
    case 1: return json::Value(next() % 2 == 0);
    case 2: return json::Value(doubles[next() % (sizeof doubles / sizeof doubles[0])]);
    case 3: return json::Value(integers[next() % (sizeof integers / sizeof integers[0])]);
    case 4: return json::Value(static_cast<uint64_t>(UINT64_MAX - next() % 3));
    case 5: {
      std::string text;
      for (unsigned n = next() % 24; n > 0; --n) text += "ab\"\\\n\x01\x1F \xC3\xA9z/"[next() % 12];
      return json::make_string(text, a);
    }
    case 6: {
      json::Value list(rapidjson::kArrayType);
      for (unsigned n = next() % 5; n > 0; --n) list.PushBack(random_value(seed, depth + 1, a), a);
      return list;
    }
    default: {
      json::Value object(rapidjson::kObjectType);
      for (unsigned n = next() % 5; n > 0; --n) {
        json::add(object, "k\"" + std::to_string(next() % 100), random_value(seed, depth + 1, a), a);
      }
      return object;
    }
  }
}

std::string written_by_rapidjson(const json::Value& v) {
  rapidjson::StringBuffer reference;
  rapidjson::Writer<rapidjson::StringBuffer> writer(reference);
  REQUIRE(v.Accept(writer));
  return std::string(reference.GetString(), reference.GetSize());
}

}  // namespace

TEST_CASE("json append_compact writes what rapidjson::Writer writes") {
  json::Document doc;
  auto& a = doc.GetAllocator();
  unsigned seed = 20261124;
  std::size_t bytes = 0;
  for (int round = 0; round < 2000; ++round) {
    const json::Value v = random_value(seed, 0, a);
    const std::string expected = written_by_rapidjson(v);
    bytes += expected.size();
    json::TextBuffer ours;
    ours.Put('<');  // appends: what is already there stays
    json::append_compact(ours, v);
    REQUIRE(ours.view() == "<" + expected);
    CHECK(json::write(v) == expected);
  }
  CHECK(bytes > 40000);  // the documents are not all trivial
}

TEST_CASE("json append_compact: numbers at the limits of each kind, non-finite doubles as null") {
  const json::Value numbers[] = {
      json::Value(0), json::Value(-2147483647 - 1), json::Value(2147483647), json::Value(4294967295u),
      json::Value(static_cast<int64_t>(INT64_MIN)), json::Value(static_cast<int64_t>(INT64_MAX)),
      json::Value(static_cast<uint64_t>(UINT64_MAX)), json::Value(0.5), json::Value(-0.0), json::Value(1e-320),
      json::Value(6.02214076e23), json::Value(1.0 / 3.0)};
  for (const json::Value& n : numbers) {
    json::TextBuffer ours;
    json::append_number(ours, n);
    CHECK(ours.view() == written_by_rapidjson(n));
  }
  for (double d : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    json::TextBuffer ours;
    json::append_compact(ours, json::Value(d));
    CHECK(ours.view() == "null");
  }
}

TEST_CASE("json append_compact: the splice hook writes the string values it takes, never keys") {
  std::string buffer;
  json::Document doc;
  REQUIRE(json::parse(R"({"x":"swap","swap":["keep","swap"],"n":{"swap":"swap"}})", "x.json", {}, buffer, doc).ok());
  json::TextBuffer out;
  int calls = 0;
  json::append_compact(out, doc, [&calls](const char* s, std::size_t n, json::TextBuffer& to) {
    ++calls;
    if (std::string_view(s, n) != "swap") return false;
    std::memcpy(to.Push(7), "[1,{}2]", 7);
    return true;
  });
  CHECK(out.view() == R"({"x":[1,{}2],"swap":["keep",[1,{}2]],"n":{"swap":[1,{}2]}})");
  CHECK(calls == 4);  // string values only
}

TEST_CASE("json TextBuffer: Push, Pop, Reserve and Clear keep what was written") {
  json::TextBuffer b;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string piece(static_cast<std::size_t>(i % 13), static_cast<char>('a' + i % 26));
    if (!piece.empty()) std::memcpy(b.Push(piece.size()), piece.data(), piece.size());
    expected += piece;
    if (i % 100 == 0) b.Reserve(static_cast<std::size_t>(i));  // room reserved, nothing written
    if (i % 7 == 0 && !expected.empty()) {
      b.Pop(1);
      expected.pop_back();
    }
    REQUIRE(b.view() == expected);
  }
  b.Clear();
  CHECK(b.GetSize() == 0);
  CHECK(b.take().empty());
}

TEST_CASE("json::members finds each named member in one pass, the first of duplicates") {
  std::string buffer;
  smeltsec::json::Document doc;
  REQUIRE(smeltsec::json::parse(R"({"b": 1, "a": 2, "b": 3, "abc": 4, "": 5})", "m.json", {}, buffer, doc).ok());
  constexpr std::string_view kKeys[] = {"a", "b", "ab", "abc", ""};
  const smeltsec::json::Value* found[std::size(kKeys)];
  smeltsec::json::members(&doc, kKeys, found);
  REQUIRE(found[0] != nullptr);
  CHECK(found[0]->GetInt() == 2);
  REQUIRE(found[1] != nullptr);
  CHECK(found[1]->GetInt() == 1);
  CHECK(found[2] == nullptr);
  REQUIRE(found[3] != nullptr);
  CHECK(found[3]->GetInt() == 4);
  REQUIRE(found[4] != nullptr);
  CHECK(found[4]->GetInt() == 5);
  // Each agrees with json::get.
  for (std::size_t k = 0; k < std::size(kKeys); ++k) CHECK(found[k] == smeltsec::json::get(doc, kKeys[k]));
  // Not an object, or null: nothing found.
  smeltsec::json::members(&doc["a"], kKeys, found);
  for (const auto* f : found) CHECK(f == nullptr);
  smeltsec::json::members(nullptr, kKeys, found);
  for (const auto* f : found) CHECK(f == nullptr);
}
