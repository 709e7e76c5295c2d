// common/json_reader.h: read_in_place must accept exactly what RapidJSON's in-place reader accepts and send
// the same events with the same arguments (string positions and lengths, number kinds, container counts),
// and stop when the handler says so. Each case runs both readers on its own copy of the text and compares.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "json_events.h"
#include "test_support.h"

using smeltsec::test::Outcome;
using smeltsec::test::read_fast;
using smeltsec::test::read_file;
using smeltsec::test::read_rapidjson;
namespace fs = std::filesystem;

namespace {

// Both readers agree on `text`: accepted by both or by neither, and when accepted, the same events and the
// same end. Returns whether it was accepted.
bool agree(const std::string& text) {
  const Outcome fast = read_fast(text);
  const Outcome reference = read_rapidjson(text);
  CAPTURE(text);
  REQUIRE(fast.ok == reference.ok);
  if (reference.ok) {
    REQUIRE(fast.end == reference.end);
    REQUIRE(fast.events == reference.events);
  }
  return reference.ok;
}

// Random JSON with what the reader treats specially: every escape, surrogates (paired, lone, broken), raw
// control bytes and UTF-8, strings around 16-byte block ends, numbers of every RapidJSON kind.
class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  std::string value(int depth) {
    switch (pick(depth > 3 ? 5 : 7)) {
      case 0: return string();
      case 1: return number();
      case 2: return pick(2) ? "true" : "false";
      case 3: return "null";
      case 4: return string();
      case 5: {
        std::string s = "[" + space();
        const int n = static_cast<int>(pick(5));
        for (int i = 0; i < n; ++i) s += (i ? "," + space() : "") + value(depth + 1) + space();
        return s + "]";
      }
      default: {
        std::string s = "{" + space();
        const int n = static_cast<int>(pick(5));
        for (int i = 0; i < n; ++i) s += (i ? "," + space() : "") + string() + space() + ":" + space() + value(depth + 1);
        return s + space() + "}";
      }
    }
  }

  std::string string() {
    struct Piece {
      const char* text;
      bool bad;  // RapidJSON refuses it
    };
    static const Piece kPieces[] = {
        {"a", false}, {"bcdefgh", false}, {"0123456789abcdef", false}, {"\\\"", false}, {"\\\\", false},
        {"\\/", false}, {"\\b", false}, {"\\f", false}, {"\\n", false}, {"\\r", false}, {"\\t", false},
        {"\\u0041", false}, {"\\u00e9", false}, {"\\u20AC", false}, {"\\u0000", false},
        {"\\ud83d\\ude00", false}, {"\\uDC00", false}, {"\xC3\xA9", false}, {"\xF0\x9F\x98\x80", false},
        {" ", false}, {"\x7F", false}, {"\\uD800", true}, {"\\ud800\\u0041", true}, {"\\uZZZZ", true},
        {"\\u12", true}, {"\\x", true}, {"\x01", true}, {"\t", true}};
    std::string s = "\"";
    const int n = static_cast<int>(pick(8));
    for (int i = 0; i < n; ++i) {
      const Piece& piece = kPieces[pick(sizeof kPieces / sizeof kPieces[0])];
      if (piece.bad && pick(8) != 0) continue;  // now and then: most strings stay valid
      s += piece.text;
    }
    return s + "\"";
  }

  std::string number() {
    static const char* const kNumbers[] = {"0", "-0", "7", "-7", "123456789", "-123456789", "999999999",
                                           "1000000000", "2147483647", "2147483648", "-2147483648", "-2147483649",
                                           "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
                                           "-9223372036854775808", "18446744073709551615", "18446744073709551616",
                                           "1.5", "-0.0", "1e5", "1E+5", "2.5e-3", "0.1", "1e400", "-1e-400",
                                           "123456789012345678901234567890", "01", "1.", ".5", "-", "+1", "1e",
                                           "1e+", "0x10", "--1", "1.2.3"};
    std::string digits;
    if (pick(3) == 0) {  // random digits, sometimes with a fraction and an exponent
      if (pick(2)) digits += '-';
      const int n = 1 + static_cast<int>(pick(20));
      for (int i = 0; i < n; ++i) digits += static_cast<char>('0' + pick(10));
      if (pick(3) == 0) digits += "." + std::to_string(pick(1000));
      if (pick(4) == 0) digits += "e" + std::string(pick(2) ? "-" : "") + std::to_string(pick(400));
      return digits;
    }
    const std::size_t k = pick(sizeof kNumbers / sizeof kNumbers[0]);
    return k >= 28 && pick(8) != 0 ? "1" : kNumbers[k];
  }

  std::string space() {
    static const char* const kSpaces[] = {"", "", "", " ", "\n", "\r\n", "\t", "\n                    "};
    return kSpaces[pick(sizeof kSpaces / sizeof kSpaces[0])];
  }

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("json reader: the same verdict and events as RapidJSON on hand-picked texts") {
  const char* const cases[] = {
      // Documents of every kind, and whitespace around them.
      "{}", "[]", " \n\t\r{ } ", "\"\"", "\"x\"", "0", "-0", "1", "true", "false", "null", "[null,true,false]",
      "{\"a\":{\"b\":[[],{}]},\"c\":[1,[2,[3]]]}", "[\"a\" , \"b\"\t,\n\"c\"\r\n]", "{ \"k\" : \"v\" }",
      // Numbers at each kind's edges, and what is not a number.
      "[0,-0,9,-9,999999999,-999999999,1000000000,2147483647,2147483648,-2147483648,-2147483649]",
      "[4294967295,4294967296,9223372036854775807,9223372036854775808,-9223372036854775808,-9223372036854775809]",
      "[18446744073709551615,18446744073709551616,1.5,-0.0,1e5,1E5,1e+5,1e-5,2.5E-3,0.1,1e308,1e309,-1e-400]",
      "[123456789012345678901234567890, 0.30000000000000004, 5e-324, 1.7976931348623157e308]",
      "01", "[01]", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "--1", "1.2.3", "[1 2]", "-a", "[-]", "1x",
      // Literals.
      "tru", "nul", "fals", "truex", "[true false]", "True", "NULL", "[nulll]",
      // Strings: every escape, surrogates, raw control bytes, a NUL.
      "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0041\\u00e9\\u20ac\\uFFFF\"", "\"\\u0000\"", "\"a\\u0000b\"",
      "\"\\u0001\\u007F\\u0080\\u07FF\\u0800\\uD7FF\\uE000\\uFFFF\\uD800\\uDC00\\uDBFF\\uDFFF\"",  // UTF-8 lengths' edges
      "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
      "\"\\ud800\\\"\"", "\"\\ud800x\"", "\"\\u12\"", "\"\\uGGGG\"", "\"\\x\"", "\"\\", "\"abc", "\"a\x01\"",
      "\"a\tb\"", "\"a\nb\"", "\"\x7F\"", "\"\xC3\xA9\xF0\x9F\x98\x80\"",
      // Objects and arrays gone wrong.
      "", " ", "{", "[", "}", "]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[,1]", "{,}",
      "{1:2}", "{\"a\":1 \"b\":2}", "[1}", "{\"a\":1]", "{}{}", "[] []", "{} x", "[1],", "{'a':1}",
      // Long strings with escapes near block ends.
      "\"0123456789abcde\\n0123456789abcdef\\t0123456789abcdefg\\u00e9\"",
      "\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\"",
  };
  int accepted = 0;
  for (const char* c : cases) accepted += agree(c);
  CHECK(accepted > 20);
  CHECK(accepted < static_cast<int>(sizeof cases / sizeof cases[0]) - 40);
  // A NUL inside the text stops both, at the same place.
  CHECK(agree(std::string("{}\0{}", 5)) == true);
  CHECK(agree(std::string("[1,\0 2]", 7)) == false);
  CHECK(agree(std::string("\"a\0b\"", 5)) == false);
}

TEST_CASE("json reader: strings and whitespace of every length up to 48, escaped at every position") {
  const std::string escapes[] = {"\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\x01", "\\q"};
  for (std::size_t length = 0; length <= 48; ++length) {
    std::string plain;
    for (std::size_t i = 0; i < length; ++i) plain += static_cast<char>('a' + i % 26);
    REQUIRE(agree("[\"" + plain + "\"," + std::string(length, ' ') + "\"" + plain + "\"]"));
    REQUIRE(agree("{\"" + plain + "\":" + std::string(length, '\n') + "1}"));
    for (std::size_t at = 0; at <= length; ++at) {
      for (const std::string& e : escapes) {
        const std::string s = "\"" + plain.substr(0, at) + e + plain.substr(at) + e + plain.substr(at) + "\"";
        agree("[" + s + "," + s + "]");
      }
    }
  }
}

TEST_CASE("json reader: the same as RapidJSON on the repository's and the corpus's JSON files") {
  const fs::path source(SMELTSEC_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const fs::path& root : {source / "tests" / "fixtures", source.parent_path() / "shared" / "corpus"}) {
    if (!fs::is_directory(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
  }
  REQUIRE(files.size() > 10);
  int accepted = 0;
  for (const fs::path& p : files) {
    CAPTURE(p.string());
    accepted += agree(read_file(p));
  }
  MESSAGE(accepted, " of ", files.size(), " JSON files accepted by both readers");
  CHECK(accepted > 10);
}

TEST_CASE("json reader: random documents and every one-byte change to them") {
  Generator gen(20261124);
  static const char kBytes[] = "{}[]\":,\\ tfrue0123456789-+.eEnul\x01\n\t\x00x";
  int accepted = 0, mutated_accepted = 0, runs = 0;
  for (int doc = 0; doc < 1500; ++doc) {
    const std::string text = gen.space() + gen.value(0) + gen.space();
    accepted += agree(text);
    for (int m = 0; m < 12; ++m) {
      std::string t = text;
      const std::size_t at = gen.pick(t.size() + 1);
      const char byte = kBytes[gen.pick(sizeof kBytes - 1)];
      switch (gen.pick(3)) {
        case 0: if (at < t.size()) t[at] = byte; break;
        case 1: t.insert(t.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
        default: if (at < t.size()) t.erase(at, 1); break;
      }
      mutated_accepted += agree(t);
      ++runs;
    }
    if (text.size() < 80) {
      for (std::size_t cut = 0; cut < text.size(); ++cut) agree(text.substr(0, cut));
    }
  }
  MESSAGE(accepted, " of 1500 random documents accepted; ", mutated_accepted, " of ", runs, " changed ones");
  CHECK(accepted > 900);
  CHECK(mutated_accepted > 1000);
  CHECK(mutated_accepted < runs - 1000);
}

TEST_CASE("json reader: a handler that says stop stops it at that event, whichever it is") {
  const std::string text =
      "{\"a\":[1,-2,3.5,\"x\\ny\",true,false,null,{},[]],\"b\":{\"c\":12345678901,\"d\":\"\\u00e9\"},\"e\":1e3}";
  const Outcome all = read_fast(text);
  REQUIRE(all.ok);
  std::size_t events = 0;
  for (char c : all.events) events += c == '\x1F';
  REQUIRE(events > 20);
  for (std::size_t k = 0; k < events; ++k) {
    CAPTURE(k);
    const Outcome fast = read_fast(text, k);
    const Outcome reference = read_rapidjson(text, k);
    REQUIRE_FALSE(fast.ok);
    REQUIRE_FALSE(reference.ok);
    REQUIRE(fast.events == reference.events);
  }
}

TEST_CASE("json reader: nesting costs no native stack") {
  // 200,000 levels: far past what a recursive reader could take on a wasm or thread stack.
  const std::size_t depth = 200000;
  const std::string text = std::string(depth, '[') + std::string(depth, ']');
  const Outcome fast = read_fast(text);
  REQUIRE(fast.ok);
  CHECK(fast.end == text.size());
  CHECK_FALSE(read_fast(std::string(depth, '[') + std::string(depth - 1, ']')).ok);
}

TEST_CASE("json reader: the 16-byte scans find what the byte-by-byte ones find, in every block") {
  // The reader's string and whitespace scans use SSE2 where it exists (x86-64, the wasm build) and the
  // byte-by-byte versions elsewhere: both must mark the same bytes.
  namespace detail = smeltsec::json::reader_detail;
  std::mt19937 rng(7);
  const std::string alphabet = std::string("\"\\ \n\r\t\x01\x1F\x20\x7F\x80\xFF" "aZ09{}") + std::string(1, '\0');
  char block[16];
  for (int round = 0; round < 200000; ++round) {
    for (char& c : block) {
      c = round % 2 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() & 0xFF);
    }
    REQUIRE(detail::string_stops(block) == detail::string_stops_bytewise(block));
    REQUIRE(detail::non_whitespace(block) == detail::non_whitespace_bytewise(block));
  }
  // Each byte value alone, at each position, among plain letters.
  for (int value = 0; value < 256; ++value) {
    for (int at = 0; at < 16; ++at) {
      std::memset(block, 'a', sizeof block);
      block[at] = static_cast<char>(value);
      REQUIRE(detail::string_stops(block) == detail::string_stops_bytewise(block));
      REQUIRE(detail::non_whitespace(block) == detail::non_whitespace_bytewise(block));
    }
  }
}
