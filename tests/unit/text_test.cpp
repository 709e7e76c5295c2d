// common/text: identifiers, UTF-8, whitespace, truncation and JSON pointers.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/text.h"
#include "test_support.h"

namespace text = smeltsec::text;
using Words = std::vector<std::string>;

TEST_CASE("split_words: camelCase, acronyms, digits and separators") {
  struct Case {
    std::string input;
    Words expected;
  };
  const Case cases[] = {
      {"listPets", {"list", "pets"}},
      {"ListPets", {"list", "pets"}},
      {"getHTTPResponse", {"get", "http", "response"}},
      {"HTTPServer", {"http", "server"}},
      {"HTTP2Server", {"http2", "server"}},
      {"v2Api", {"v2", "api"}},
      {"getV2", {"get", "v2"}},
      {"base64Encode", {"base64", "encode"}},
      {"userID", {"user", "id"}},
      {"ABC", {"abc"}},
      {"a", {"a"}},
      {"repos/get-content", {"repos", "get", "content"}},
      {"snake_case_name", {"snake", "case", "name"}},
      {"  spaced   out  ", {"spaced", "out"}},
      {"filter[status]", {"filter", "status"}},
      {"x-rate-limit", {"x", "rate", "limit"}},
      {"123abc", {"123abc"}},
      {"", {}},
      {"___", {}},
      {"{}/-.", {}},
      // Not ASCII: a separator (names stay within [a-z0-9_]).
      {"caf\xC3\xA9 au lait", {"caf", "au", "lait"}},
      {"\xE5\x88\x97\xE5\x87\xBA", {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::split_words(c.input) == c.expected);
    CHECK(text::snake_case(c.input) == text::join(c.expected, "_"));
  }
}

// Regression: "IDs" was split into "i" + "ds" (listAPIs -> list_ap_is) because an acronym ended one letter
// early whenever a lowercase letter followed.
TEST_CASE("split_words_acronym_plural_stays_one_word") {
  struct Case {
    std::string input;
    Words expected;
  };
  const Case cases[] = {
      {"userIDs", {"user", "ids"}},
      {"listAPIs", {"list", "apis"}},
      {"getAPIsByOwner", {"get", "apis", "by", "owner"}},
      {"URLs", {"urls"}},
      {"ToDOs", {"to", "dos"}},
      {"MyHTTPs", {"my", "https"}},
      // An acronym followed by a word that happens to start with s is still two words.
      {"HTTPStatus", {"http", "status"}},
      {"APISession", {"api", "session"}},
      {"IsValid", {"is", "valid"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::split_words(c.input) == c.expected);
    CHECK(text::snake_case(c.input) == text::join(c.expected, "_"));
  }
}

TEST_CASE("whitespace_is_normal: every small mix at every alignment inside longer text agrees with a byte loop") {
  // It reads 16 (SSE2/wasm SIMD) and 8 bytes at a time: each mix lands at every position of the blocks.
  auto reference = [](std::string_view s) {
    if (s.empty()) return true;
    if (static_cast<unsigned char>(s.front()) <= ' ' || static_cast<unsigned char>(s.back()) <= ' ') return false;
    bool after_space = false;
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c <= ' ' && ((c != ' ' && c != '\n') || after_space)) return false;
      after_space = c <= ' ';
    }
    return true;
  };
  const std::string alphabet[] = {"a", " ", "\n", "\t", "\x01", "\xC3\xA9"};
  std::vector<std::string> mixes = {""};
  for (int length = 1; length <= 4; ++length) {
    const std::size_t before = mixes.size();
    for (std::size_t m = 0; m < before; ++m) {
      if (mixes[m].size() + 1 < static_cast<std::size_t>(length)) continue;
      for (const auto& a : alphabet) mixes.push_back(mixes[m] + a);
    }
  }
  const std::string text = "words and more words, then a line\nand more words to read past two blocks";
  std::size_t normal = 0, checked = 0;
  for (const std::string& mix : mixes) {
    for (std::size_t at = 0; at <= 40; ++at) {
      const std::string s = text.substr(0, at) + mix + text.substr(at);
      const bool expected = reference(s);
      if (text::whitespace_is_normal(s) != expected) {
        CAPTURE(s);
        CHECK(text::whitespace_is_normal(s) == expected);
      }
      normal += expected;
      ++checked;
    }
  }
  CHECK(checked > 50000);
  CHECK(normal > 1000);           // both answers are exercised
  CHECK(checked - normal > 1000);
}

TEST_CASE("snake_case is split_words joined by underscores, for every small mix of letters, digits and separators") {
  const char alphabet[] = {'a', 's', 'B', 'S', '7', '_', '-'};
  std::vector<std::string> level = {""};
  std::size_t checked = 0;
  for (int length = 1; length <= 6; ++length) {
    std::vector<std::string> next;
    for (const std::string& prefix : level) {
      for (char c : alphabet) next.push_back(prefix + c);
    }
    for (const std::string& s : next) {
      const std::string expected = text::join(text::split_words(s), "_");
      if (text::snake_case(s) != expected) {
        CAPTURE(s);
        CHECK(text::snake_case(s) == expected);
      }
      ++checked;
    }
    level = std::move(next);
  }
  CHECK(checked == 137256);  // 7 + 7^2 + ... + 7^6
}

TEST_CASE("join") {
  CHECK(text::join({}, "_") == "");
  CHECK(text::join({"a"}, "_") == "a");
  CHECK(text::join({"a", "b", "c"}, ", ") == "a, b, c");
}

TEST_CASE("is_valid_utf8") {
  struct Case {
    std::string input;
    bool expected;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii", true},
      {std::string("nul\0inside", 10), true},
      {"\xC3\xA9", true},          // é
      {"\xE2\x82\xAC", true},      // €
      {"\xF0\x9F\x98\x80", true},  // emoji, 4 bytes
      {"\xEF\xBF\xBF", true},      // U+FFFF
      {"\xF4\x8F\xBF\xBF", true},  // U+10FFFF, the last code point
      {"\xC3", false},             // truncated 2-byte sequence
      {"a\xE2\x82", false},        // truncated 3-byte sequence
      {"a\xF0\x9F\x98", false},    // truncated 4-byte sequence
      {"\xC3\x28", false},         // bad continuation
      {"\x80", false},             // lone continuation byte
      {"\xBF\xBF", false},
      {"\xC0\xAF", false},          // overlong '/'
      {"\xC1\xBF", false},          // overlong
      {"\xE0\x80\xAF", false},      // overlong, 3 bytes
      {"\xF0\x80\x80\xAF", false},  // overlong, 4 bytes
      {"\xED\xA0\x80", false},      // UTF-16 surrogate D800
      {"\xED\xBF\xBF", false},      // surrogate DFFF
      {"\xF4\x90\x80\x80", false},  // above U+10FFFF
      {"\xF5\x80\x80\x80", false},
      {"\xF8\x88\x80\x80\x80", false},  // 5-byte form
      {"\xFE", false},
      {"\xFF", false},
      {"ok \xC3\xA9 then \xFF", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::is_valid_utf8(c.input) == c.expected);
  }
}

TEST_CASE("utf8_length counts code points") {
  struct Case {
    std::string input;
    std::size_t expected;
  };
  const Case cases[] = {
      {"", 0}, {"abc", 3}, {"\xC3\xA9t\xC3\xA9", 3}, {"\xE6\x97\xA5\xE6\x9C\xAC", 2}, {"\xF0\x9F\x98\x80!", 2},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::utf8_length(c.input) == c.expected);
  }
}

TEST_CASE("utf8_length and invalid_utf8_offset agree with byte-by-byte references at every offset") {
  // Both take words of 8 (and 32, and 64 with SSE2/wasm SIMD) bytes at a time: put each kind of byte at every
  // position of texts long enough to cross several words and blocks, and compare with plain byte loops.
  auto length_ref = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  const std::string pieces[] = {"\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", "\x80", "\xFF", "\xC3", "\xED\xA0\x80"};
  const bool valid[] = {true, true, true, false, false, false, false};
  for (std::size_t len : {0u, 7u, 8u, 31u, 32u, 33u, 63u, 64u, 65u, 70u, 200u}) {
    const std::string ascii(len, 'a');
    CHECK(text::utf8_length(ascii) == len);
    CHECK(text::invalid_utf8_offset(ascii) == std::string_view::npos);
    for (std::size_t at = 0; at <= len; ++at) {
      for (std::size_t k = 0; k < std::size(pieces); ++k) {
        const std::string s = ascii.substr(0, at) + pieces[k] + ascii.substr(at);
        CAPTURE(len);
        CAPTURE(at);
        CAPTURE(k);
        REQUIRE(text::utf8_length(s) == length_ref(s));
        REQUIRE(text::invalid_utf8_offset(s) == (valid[k] ? std::string_view::npos : at));
        // Two of them, the second one past a few words.
        const std::string twice = s + std::string(40, 'b') + pieces[k];
        REQUIRE(text::utf8_length(twice) == length_ref(twice));
        REQUIRE(text::invalid_utf8_offset(twice) == (valid[k] ? std::string_view::npos : at));
      }
    }
  }
}

TEST_CASE("line_col: 1-based, columns in code points, offset clamped") {
  struct Case {
    std::string input;
    std::size_t offset, line, col;
  };
  const Case cases[] = {
      {"abc", 0, 1, 1},    {"abc", 2, 1, 3},       {"a\nbc", 2, 2, 1},     {"a\nbc", 3, 2, 2},
      {"\n\n\n", 3, 4, 1}, {"\xC3\xA9x", 2, 1, 2}, {"\xC3\xA9x", 3, 1, 3}, {"ab", 100, 1, 3},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CAPTURE(c.offset);
    const auto [line, col] = text::line_col(c.input, c.offset);
    CHECK(line == c.line);
    CHECK(col == c.col);
  }
}

TEST_CASE("normalize_whitespace") {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"", ""},
      {"   ", ""},
      {"plain", "plain"},
      {"  a   b  ", "a b"},
      {"a\t\tb", "a b"},
      {"a\r\nb", "a\nb"},
      {"a\rb", "a\nb"},
      {"a \n b", "a\nb"},
      {"a\n\n\n\nb", "a\n\nb"},
      {"x\n \n\ty", "x\n\ny"},
      {"\n\n  a\n\n", "a"},
      {"a\x01\x02"
       "b",
       "ab"},
      {"a\f\vb", "a b"},
      {"caf\xC3\xA9  \xC3\xA9t\xC3\xA9", "caf\xC3\xA9 \xC3\xA9t\xC3\xA9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::normalize_whitespace(c.input) == c.expected);
  }
}

TEST_CASE("normalize_whitespace: already-normal text and every small mix agree with the rule") {
  // The rule, written plainly: whitespace runs become one space, or one line break (two when the run holds
  // two or more), nothing at either end, other control characters dropped. normalize_whitespace has a fast
  // path for text that needs no change; every string over this alphabet up to length 6 checks both paths.
  auto reference = [](const std::string& s) {
    std::string out;
    int newlines = 0;
    bool space = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '\r' || c == '\n') {
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        ++newlines;
        space = false;
      } else if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
        space = true;
      } else if (static_cast<unsigned char>(c) >= 0x20) {
        if (!out.empty()) out += newlines > 1 ? "\n\n" : newlines == 1 ? "\n" : space ? " " : "";
        out += c;
        newlines = 0;
        space = false;
      }
    }
    return out;
  };
  const std::string alphabet[] = {"a", " ", "\n", "\r", "\t", "\x01", "\xC3\xA9", "\x7F"};
  std::vector<std::string> level = {""};
  std::size_t checked = 0;
  CHECK(text::whitespace_is_normal("A sentence,\nthen a line. Caf\xC3\xA9 and a long run of words past eight"));
  CHECK_FALSE(text::whitespace_is_normal("two  spaces"));
  CHECK_FALSE(text::whitespace_is_normal(" leading"));
  std::string reused = "left over from before: longer than any case";  // the overload that writes into a string
  for (int length = 0; length <= 6; ++length) {
    std::vector<std::string> next;
    for (const auto& s : level) {
      CAPTURE(s);
      REQUIRE(text::normalize_whitespace(s) == reference(s));
      text::normalize_whitespace(s, reused);
      REQUIRE(reused == reference(s));
      if (text::whitespace_is_normal(s)) REQUIRE(reference(s) == s);  // never claims normal text that is not
      // The view: the text itself when normal (no copy), else the normalised text in the buffer.
      const std::string_view view = text::normalized_whitespace(s, reused);
      REQUIRE(view == reference(s));
      REQUIRE((view.data() == s.data()) == text::whitespace_is_normal(s));
      ++checked;
      if (length < 6) {
        for (const auto& c : alphabet) next.push_back(s + c);
      }
    }
    level = std::move(next);
  }
  CHECK(checked == 299593);  // 8^0 + 8^1 + ... + 8^6
  // Both paths also take eight bytes at a time: longer strings, mostly visible bytes (so that some words hold
  // no whitespace), whitespace at every position of a word. A fixed-seed generator: the same strings each run.
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;
  auto next_random = [&seed] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (int k = 0; k < 200000; ++k) {
    const std::size_t length = next_random() % 70;
    std::string s;
    for (std::size_t i = 0; i < length; ++i) {
      const std::uint64_t r = next_random() % 32;
      s += r < 24 ? (r < 12 ? "a" : "\xC3\xA9") : alphabet[r - 24];
    }
    CAPTURE(s);
    REQUIRE(text::normalize_whitespace(s) == reference(s));
  }
  const std::string prose = "Lists the repositories of a user.\nSee the docs.\n\nSecond paragraph with caf\xC3\xA9.";
  CHECK(text::normalize_whitespace(prose) == prose);
}

TEST_CASE("truncate_words: exact results") {
  struct Case {
    std::string input;
    std::size_t max;
    std::string expected;
  };
  const Case cases[] = {
      {"short", 10, "short"},
      {"exactly ten", 11, "exactly ten"},
      {"hello world foo", 12, "hello world\xE2\x80\xA6"},
      {"hello world foo", 11, "hello\xE2\x80\xA6"},
      {"hello world", 7, "hello\xE2\x80\xA6"},
      {"a, b, c, d", 6, "a, b\xE2\x80\xA6"},
      {"abcdefghij", 5, "abcd\xE2\x80\xA6"},  // one word longer than the limit: cut at a code point
      {"h\xC3\xA9llo w\xC3\xB6rld", 8, "h\xC3\xA9llo\xE2\x80\xA6"},
      {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE6\x96\x87", 4,
       "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE2\x80\xA6"},
      {"line one\nline two", 12, "line one\xE2\x80\xA6"},
      {"tab\tseparated", 8, "tab\xE2\x80\xA6"},
      {"anything", 0, ""},
      {"anything", 1, "\xE2\x80\xA6"},
      {"", 0, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CAPTURE(c.max);
    CHECK(text::truncate_words(c.input, c.max) == c.expected);
  }
}

// Properties over many inputs and limits: at most `max` code points, valid UTF-8, a prefix of the input that
// ends at a word boundary (unless the first word alone is too long), and an ellipsis whenever text was cut.
TEST_CASE("truncate_words: never more than N code points, never inside a word") {
  const std::string ellipsis = "\xE2\x80\xA6";
  const std::vector<std::string> inputs = {
      "The quick brown fox jumps over the lazy dog.",
      "Returns the list of pets, sorted by name; filtered: by status.",
      "\xC3\x89t\xC3\xA9 \xC3\xA0 Paris, caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
      "e et \xE2\x82\xAC uros",
      "\xE6\x97\xA5\xE6\x9C\xAC \xE8\xAA\x9E\xE3\x81\xAE \xE6\x96\x87\xE7\xAB\xA0 \xF0\x9F\x98\x80\xF0\x9F\x98\x80 x",
      "supercalifragilisticexpialidocious and more",
      "a b c d e f g h i j k l m n o p",
      "Paragraph one.\n\nParagraph two is longer than the first one.",
  };
  for (const std::string& s : inputs) {
    for (std::size_t max = 0; max <= text::utf8_length(s) + 1; ++max) {
      CAPTURE(s);
      CAPTURE(max);
      const std::string out = text::truncate_words(s, max);
      REQUIRE(text::utf8_length(out) <= max);
      REQUIRE(text::is_valid_utf8(out));
      if (text::utf8_length(s) <= max) {
        REQUIRE(out == s);
        continue;
      }
      if (max == 0) {
        REQUIRE(out.empty());
        continue;
      }
      REQUIRE(text::ends_with(out, ellipsis));
      const std::string kept = out.substr(0, out.size() - ellipsis.size());
      REQUIRE(text::starts_with(s, kept));
      if (kept.empty()) continue;
      // What follows the kept text in the input: trimmed punctuation, then a space or line break. The only
      // exception is a first word longer than the limit.
      std::size_t next = kept.size();
      while (next < s.size() && (s[next] == ',' || s[next] == ';' || s[next] == ':')) ++next;
      const bool at_boundary = next < s.size() && (s[next] == ' ' || s[next] == '\n');
      const bool first_word_too_long = kept.find(' ') == std::string::npos && kept.find('\n') == std::string::npos;
      CHECK((at_boundary || first_word_too_long));
    }
  }
}

TEST_CASE("json_pointer_tokens: fragments, escapes and percent-encoding") {
  struct Case {
    std::string input;
    Words expected;
  };
  const Case cases[] = {
      {"", {}},
      {"#", {}},
      {"#/", {""}},
      {"#/a/b", {"a", "b"}},
      {"/a/b", {"a", "b"}},
      {"#/components/schemas/Pet", {"components", "schemas", "Pet"}},
      {"#/paths/~1pets~1{petId}/get", {"paths", "/pets/{petId}", "get"}},
      {"#/a~0b", {"a~b"}},
      {"#/a~01", {"a~1"}},  // ~0 first: "~01" is "~1", not "/"
      {"#/a~10", {"a/0"}},
      {"#/a//b", {"a", "", "b"}},
      {"#/items/0", {"items", "0"}},
      {"#/a%20b", {"a b"}},
      {"#/%7E1", {"/"}},  // percent-decoding comes before ~ unescaping (RFC 6901, section 6)
      {"#/caf%C3%A9", {"caf\xC3\xA9"}},
      {"#/a~", {"a~"}},
      {"#/a~2", {"a~2"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::json_pointer_tokens(c.input) == c.expected);
    std::vector<std::string_view> views;
    const bool plain = text::plain_json_pointer_tokens(c.input, views);
    CHECK(plain == (c.input.find_first_of("%~") == std::string::npos));
    if (plain) CHECK(Words(views.begin(), views.end()) == c.expected);
    if (!plain) CHECK(views.empty());
  }
}

TEST_CASE("plain_json_pointer_tokens gives json_pointer_tokens' tokens for every short pointer it takes") {
  // Every string up to 6 characters over an alphabet with the separators and the escape characters.
  const std::string alphabet = "a#/~0%1";
  std::vector<std::string> all = {""};
  std::size_t taken = 0;
  for (std::size_t begin = 0, length = 0; length < 6; ++length) {
    const std::size_t end = all.size();
    for (std::size_t i = begin; i < end; ++i) {
      for (char c : alphabet) all.push_back(all[i] + c);
    }
    begin = end;
  }
  for (const std::string& s : all) {
    CAPTURE(s);
    std::vector<std::string_view> views = {"kept"};  // appended to, not replaced
    if (!text::plain_json_pointer_tokens(s, views)) {
      REQUIRE(s.find_first_of("%~") != std::string::npos);
      REQUIRE(views.size() == 1);
      continue;
    }
    ++taken;
    REQUIRE(views.front() == "kept");
    REQUIRE(Words(views.begin() + 1, views.end()) == text::json_pointer_tokens(s));
  }
  CHECK(taken == 1 + 5 + 25 + 125 + 625 + 3125 + 15625);  // 5 of the 7 characters need no decoding
}

TEST_CASE("json_pointer_escape round-trips through json_pointer_tokens") {
  const Words tokens = {"plain", "/pets/{id}", "a~b", "~1", "~0/~1", "", "caf\xC3\xA9"};
  for (const std::string& t : tokens) {
    CAPTURE(t);
    CHECK(text::json_pointer_tokens("#/" + text::json_pointer_escape(t)) == Words{t});
  }
  CHECK(text::json_pointer_escape("/a~b/") == "~1a~0b~1");
  std::string out = "#/paths/";  // appends to what is there
  text::append_json_pointer_escaped("/a~b/c", out);
  CHECK(out == "#/paths/~1a~0b~1c");
}

TEST_CASE("percent_decode") {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"", ""},         {"abc", "abc"}, {"%41", "A"},   {"a%2Fb", "a/b"}, {"%2f", "/"},           {"%", "%"},
      {"100%", "100%"}, {"%4", "%4"},   {"%zz", "%zz"}, {"%%41", "%A"},   {"%C3%A9", "\xC3\xA9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(text::percent_decode(c.input) == c.expected);
  }
}

TEST_CASE("starts_with, ends_with, to_lower") {
  CHECK(text::starts_with("openapi.yaml", "openapi"));
  CHECK(text::starts_with("x", ""));
  CHECK_FALSE(text::starts_with("op", "openapi"));
  CHECK(text::ends_with("spec.JSON", "JSON"));
  CHECK(text::ends_with("x", ""));
  CHECK_FALSE(text::ends_with("n", "json"));
  CHECK(text::to_lower("MiXeD-Case_09") == "mixed-case_09");
  CHECK(text::to_lower("\xC3\x89") == "\xC3\x89");  // bytes above ASCII are left alone
}
