// intake/yaml: YAML 1.2 core schema to JSON, merge keys, keys, errors with file:line:col, and limits.
#include <doctest/doctest.h>

#include <string>

#include "common/text.h"
#include "intake/yaml.h"
#include "test_support.h"

using smeltsec::Limits;
using smeltsec::Status;
using smeltsec::test::is_file_line_col;
using smeltsec::test::repeat;
using smeltsec::test::Stopwatch;

namespace {

struct Converted {
  Status status;
  std::string json;  // compact JSON of the document when status is ok
};

Converted convert(const std::string& yaml, Limits limits = {}) {
  smeltsec::json::Document doc;
  Status st = smeltsec::intake::yaml_to_json(yaml, "spec.yaml", limits, doc);
  return {st, st ? smeltsec::json::write(doc) : std::string()};
}

struct Case {
  std::string yaml;
  std::string json;
};

// Inputs can be megabytes long: failure messages show their start.
std::string shown(const std::string& s) {
  return s.size() <= 120 ? s : s.substr(0, 120) + "...";
}

void check_all(const Case* begin, const Case* end) {
  for (const Case* c = begin; c != end; ++c) {
    const std::string yaml = shown(c->yaml);
    CAPTURE(yaml);
    const Converted out = convert(c->yaml);
    INFO(out.status.error().code, ": ", out.status.error().message, " at ", out.status.error().where);
    REQUIRE(out.status.ok());
    CHECK(out.json == c->json);
  }
}

struct ErrorCase {
  std::string yaml;
  std::string code;
};

void check_errors(const ErrorCase* begin, const ErrorCase* end, Limits limits = {}) {
  for (const ErrorCase* c = begin; c != end; ++c) {
    const std::string yaml = shown(c->yaml);
    CAPTURE(yaml);
    const Converted out = convert(c->yaml, limits);
    REQUIRE_FALSE(out.status.ok());
    CHECK(out.status.error().code == c->code);
    CHECK_FALSE(out.status.error().message.empty());
    const std::string& where = out.status.error().where;
    CAPTURE(where);
    CHECK(is_file_line_col(where, "spec.yaml"));
  }
}

}  // namespace

TEST_CASE("yaml core schema: integers") {
  const Case cases[] = {
      {"a: 1", R"({"a":1})"},
      {"a: 0", R"({"a":0})"},
      {"a: -1", R"({"a":-1})"},
      {"a: +1", R"({"a":1})"},
      {"a: -0", R"({"a":0})"},
      {"a: 0123", R"({"a":123})"},  // 1.2: decimal, not octal
      {"a: 0o17", R"({"a":15})"},
      {"a: 0x1F", R"({"a":31})"},
      {"a: 0xff", R"({"a":255})"},
      {"a: 9223372036854775807", R"({"a":9223372036854775807})"},
      {"a: -9223372036854775808", R"({"a":-9223372036854775808})"},
      {"a: 9223372036854775808", R"({"a":9223372036854776000.0})"},  // beyond int64: a double
      {"a: 99999999999999999999", R"({"a":100000000000000000000.0})"},
      {"a: 0x10000000000000000", R"({"a":18446744073709553000.0})"},
      {"a: !!int \"12\"", R"({"a":12})"},
      // Not integers in the core schema: strings.
      {"a: 0x", R"({"a":"0x"})"},
      {"a: 0o", R"({"a":"0o"})"},
      {"a: 0o8", R"({"a":"0o8"})"},
      {"a: 0xG", R"({"a":"0xG"})"},
      {"a: -0x1F", R"({"a":"-0x1F"})"},
      {"a: 0b101", R"({"a":"0b101"})"},
      {"a: 1_000", R"({"a":"1_000"})"},
      {"a: 12abc", R"({"a":"12abc"})"},
      {"a: 1:30", R"({"a":"1:30"})"},
      {"a: '1'", R"({"a":"1"})"},
      {"a: \"42\"", R"({"a":"42"})"},
      {"a: !!str 7", R"({"a":"7"})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

// Regression: an octal integer too large for 64 bits went through strtod, which reads "0o..." as 0.
TEST_CASE("yaml_big_octal_integer_is_not_zero") {
  const Case cases[] = {
      {"a: 0o7777777777777777777777", R"({"a":73786976294838210000.0})"},  // 8^22 - 1
      {"a: 0o2000000000000000000000", R"({"a":18446744073709553000.0})"},  // 2^64
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml core schema: floats, and versions that are not floats") {
  const Case cases[] = {
      {"a: 1.0", R"({"a":1.0})"},
      {"a: 3.0", R"({"a":3.0})"},
      {"a: 3.1", R"({"a":3.1})"},
      {"a: 2.0", R"({"a":2.0})"},
      {"a: 1.10", R"({"a":1.1})"},  // as YAML says; quote versions to keep them as written
      {"a: -1.5", R"({"a":-1.5})"},
      {"a: .5", R"({"a":0.5})"},
      {"a: -.5", R"({"a":-0.5})"},
      {"a: 1.", R"({"a":1.0})"},
      {"a: 1e3", R"({"a":1000.0})"},
      {"a: 1E-2", R"({"a":0.01})"},
      {"a: 2.5e+2", R"({"a":250.0})"},
      {"a: !!float 1", R"({"a":1})"},
      {"a: 3.0.0", R"({"a":"3.0.0"})"},
      {"a: 3.0.3", R"({"a":"3.0.3"})"},
      {"a: '3.0'", R"({"a":"3.0"})"},
      {"a: 1.2.3.4", R"({"a":"1.2.3.4"})"},
      {"a: 1e", R"({"a":"1e"})"},
      {"a: 1e+", R"({"a":"1e+"})"},
      {"a: .", R"({"a":"."})"},
      {"a: +", R"({"a":"+"})"},
      {"a: 1.5x", R"({"a":"1.5x"})"},
      // JSON has no infinity or NaN: they stay text rather than break the output.
      {"a: .inf", R"({"a":".inf"})"},
      {"a: -.Inf", R"({"a":"-.Inf"})"},
      {"a: .nan", R"({"a":".nan"})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

// Regression: 1e999 became an infinite double, which RapidJSON cannot write: the manifest JSON was cut short.
TEST_CASE("yaml_float_beyond_double_range_stays_text") {
  const Case cases[] = {
      {"a: 1e999", R"({"a":"1e999"})"},
      {"a: -1e999", R"({"a":"-1e999"})"},
      {"a: 1" + std::string(400, '0'), R"({"a":"1)" + std::string(400, '0') + "\"}"},
      {"a: 1e-999", R"({"a":0.0})"},  // underflow is an ordinary zero
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml core schema: booleans, null, and the YAML 1.1 words that are strings now") {
  const Case cases[] = {
      {"a: true", R"({"a":true})"},     {"a: True", R"({"a":true})"},
      {"a: TRUE", R"({"a":true})"},     {"a: false", R"({"a":false})"},
      {"a: False", R"({"a":false})"},   {"a: FALSE", R"({"a":false})"},
      {"a: null", R"({"a":null})"},     {"a: Null", R"({"a":null})"},
      {"a: NULL", R"({"a":null})"},     {"a: ~", R"({"a":null})"},
      {"a:", R"({"a":null})"},          {"a: tRUE", R"({"a":"tRUE"})"},
      {"a: yes", R"({"a":"yes"})"},     {"a: no", R"({"a":"no"})"},
      {"a: on", R"({"a":"on"})"},       {"a: off", R"({"a":"off"})"},
      {"a: y", R"({"a":"y"})"},         {"a: nil", R"({"a":"nil"})"},
      {"a: 'true'", R"({"a":"true"})"}, {"a: \"null\"", R"({"a":"null"})"},
      {"a: ''", R"({"a":""})"},         {"a: 2001-12-14", R"({"a":"2001-12-14"})"},  // no timestamps in the core schema
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml structure: sequences, mappings, block scalars, documents") {
  const Case cases[] = {
      {"", "null"},
      {"# only a comment\n", "null"},
      {"plain", R"("plain")"},
      {"- 1\n- two\n- [3, {four: 4}]\n", R"([1,"two",[3,{"four":4}]])"},
      {"a: {b: [1, 2], c: {}}\nd: []\n", R"({"a":{"b":[1,2],"c":{}},"d":[]})"},
      {"z: 1\na: 2\nm: 3\n", R"({"z":1,"a":2,"m":3})"},  // document order is kept
      {"a: |\n  line 1\n  line 2\n", R"({"a":"line 1\nline 2\n"})"},
      {"a: >-\n  folded\n  text\n", R"({"a":"folded text"})"},
      {"a: \"esc\\u00e9\\n\"", R"({"a":"escé\n"})"},
      {"a: 'it''s'", R"({"a":"it's"})"},
      {"\"quoted key\": 1\n'1': 2\n3: 4\ntrue: 5\n", R"({"quoted key":1,"1":2,"3":4,"true":5})"},
      {"a: 1\n---\nb: 2\n", R"({"a":1})"},  // the first document only
      {"---\na: 1\n...\n", R"({"a":1})"},
      {"%YAML 1.2\n---\na: 1\n", R"({"a":1})"},
      {"a: &x [1, 2]\nb: *x\n", R"({"a":[1,2],"b":[1,2]})"},
      {"a: !custom tagged\n", R"({"a":"tagged"})"},
      {"\xEF\xBB\xBF"
       "a: 1\n",
       R"({"a":1})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

// Regression: a merged mapping's own `<<` was copied as a literal "<<" key instead of being merged.
TEST_CASE("yaml_merge_keys_of_merged_mappings_are_merged") {
  const Case cases[] = {
      {"a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n",
       R"({"a":{"x":1},"b":{"y":2,"x":1},"c":{"z":3,"y":2,"x":1}})"},
      {"a: &a {x: 1}\nb: &b {<<: *a}\nc: &c {<<: *b}\nd: {<<: *c, x: 0}\n",
       R"({"a":{"x":1},"b":{"x":1},"c":{"x":1},"d":{"x":0}})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml merge keys") {
  const Case cases[] = {
      // explicit keys win over merged ones, wherever the << is written
      {"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", R"({"base":{"x":1,"y":2},"d":{"y":3,"x":1}})"},
      {"base: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n", R"({"base":{"x":1,"y":2},"d":{"y":3,"x":1}})"},
      // in a list, earlier maps win over later ones
      {"a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n",
       R"({"a":{"x":1},"b":{"x":2,"y":2},"c":{"x":1,"y":2}})"},
      {"c:\n  <<: {k: v}\n", R"({"c":{"k":"v"}})"},
      // a quoted << is an ordinary key
      {"c:\n  '<<': 1\n", R"({"c":{"<<":1}})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml duplicate keys: the first one wins") {
  const Case cases[] = {
      {"a: 1\na: 2\n", R"({"a":1})"},
      {"a: 1\nb: 2\na: 3\n", R"({"a":1,"b":2})"},
      {"m: {x: 1, x: {deep: true}}\n", R"({"m":{"x":1}})"},
      {"a: 1\n'a': 2\n", R"({"a":1})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

// Regression: `~: x` was refused as "a mapping key must be a scalar" although ~ is a scalar. A null key
// becomes "null", as js-yaml and PyYAML + json.dumps make it.
TEST_CASE("yaml_null_key_becomes_the_string_null") {
  const Case cases[] = {
      {"~: 1\n", R"({"null":1})"},
      {"null: 1\n", R"({"null":1})"},
      {"properties:\n  null: {type: string}\n", R"({"properties":{"null":{"type":"string"}}})"},
  };
  check_all(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml errors carry file:line:col") {
  const ErrorCase cases[] = {
      {"a: [1, 2\n", "yaml_syntax"},
      {"a: {b: 1\n", "yaml_syntax"},
      {"a: b: c\n", "yaml_syntax"},
      {"a:\n  - 1\n  b: 2\n", "yaml_syntax"},
      {"a: \"bad \\q escape\"\n", "yaml_syntax"},
      {"a: *nowhere\n", "yaml_syntax"},
      {"a: 1\n\tb: 2\n", "yaml_syntax"},
      {"? [a, b]\n: 1\n", "yaml_unsupported"},
      {"? {a: 1}\n: 1\n", "yaml_unsupported"},
      {"k: &m {a: 1}\nx:\n  *m : 2\n", "yaml_unsupported"},
      // merge keys must refer to mappings
      {"c:\n  <<: [1, 2]\n", "yaml_unsupported"},
      {"a: &s [1]\nc:\n  <<: *s\n", "yaml_unsupported"},
  };
  check_errors(std::begin(cases), std::end(cases));
}

// Regression: `<<: scalar` was dropped without a word; it is an error like `<<: [scalar]`.
TEST_CASE("yaml_merge_of_a_scalar_is_an_error") {
  const ErrorCase cases[] = {
      {"c:\n  <<: 5\n", "yaml_unsupported"},
      {"c:\n  <<: text\n  k: v\n", "yaml_unsupported"},
  };
  check_errors(std::begin(cases), std::end(cases));
}

TEST_CASE("yaml syntax errors point at the offending line") {
  const Converted out = convert("openapi: 3.0.0\ninfo:\n  title: x\npaths:\n  /a: [\n");
  REQUIRE_FALSE(out.status.ok());
  CHECK(out.status.error().code == "yaml_syntax");
  const std::string& where = out.status.error().where;
  CAPTURE(where);
  REQUIRE(is_file_line_col(where, "spec.yaml"));
  const int line = std::stoi(where.substr(std::string("spec.yaml:").size()));
  CHECK(line >= 5);
}

TEST_CASE("yaml nesting beyond the limit") {
  const Limits limits;
  const std::size_t deeper = static_cast<std::size_t>(limits.max_nesting) + 10;
  const ErrorCase cases[] = {
      {repeat("[", deeper) + repeat("]", deeper), "nesting_limit"},
      {repeat("{a: ", deeper) + "1" + repeat("}", deeper), "nesting_limit"},
      {repeat("- ", deeper) + "x\n", "nesting_limit"},
  };
  check_errors(std::begin(cases), std::end(cases));
  const std::string ok = repeat("[", 200) + repeat("]", 200);
  CHECK(convert(ok).status.ok());
}

// Regression: past yaml-cpp's own depth guard (500) the error was "invalid YAML: bad file" with code
// yaml_syntax; it is the nesting limit like any other.
TEST_CASE("yaml_10000_deep_nesting_is_a_nesting_limit_error") {
  const ErrorCase cases[] = {
      {repeat("[", 10000) + repeat("]", 10000), "nesting_limit"},
      {repeat("{a: ", 10000) + "1" + repeat("}", 10000), "nesting_limit"},
      {repeat("[", 10000), "nesting_limit"},  // unterminated as well: the depth is found first
  };
  Stopwatch clock;
  check_errors(std::begin(cases), std::end(cases));
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("yaml alias bomb (billion laughs) stops at the value limit") {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    yaml += std::string(1, names[level]) + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", " : "") + "*" + names[level - 1];
    yaml += "]\n";
  }
  Stopwatch clock;
  const Converted out = convert(yaml);
  const double seconds = clock.seconds();
  MESSAGE("alias bomb rejected in ", seconds, " s");
  REQUIRE_FALSE(out.status.ok());
  CHECK(out.status.error().code == "value_limit");
  CHECK(is_file_line_col(out.status.error().where, "spec.yaml"));
  CHECK(seconds < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("yaml aliases count each time they are used") {
  Limits limits;
  limits.max_values = 50;
  const std::string yaml = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a, *a]\n";
  const ErrorCase cases[] = {{yaml, "value_limit"}};
  check_errors(std::begin(cases), std::end(cases), limits);
  limits.max_values = 1000;
  CHECK(convert(yaml, limits).status.ok());
}

TEST_CASE("yaml alias to the node that contains it ends in a limit, not a loop") {
  const std::string inputs[] = {"a: &a [*a]\n", "a: &a [*a, *a]\n", "a: &a {b: *a}\n", "a: &a {<<: *a, x: 1}\n"};
  for (const std::string& yaml : inputs) {
    CAPTURE(yaml);
    Stopwatch clock;
    const Converted out = convert(yaml);
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
    if (out.status.ok()) continue;  // yaml-cpp may not link the alias to its own container
    const std::string& code = out.status.error().code;
    CHECK((code == "nesting_limit" || code == "value_limit" || code == "yaml_syntax" || code == "yaml_unsupported"));
  }
}

// Merges of merges are followed (see "yaml merge keys"), so nine levels of `<<: [*m, *m, ...]` would visit 9^9
// mappings, each adding nothing new: every visited entry counts against the value limit.
TEST_CASE("yaml merge-key bomb stops at the value limit") {
  std::string yaml = "m0: &m0 {a: 1, b: 2, c: 3}\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string prev = "*m" + std::to_string(level - 1);
    yaml += "m" + std::to_string(level) + ": &m" + std::to_string(level) + " {<<: [" + prev;
    for (int i = 1; i < 9; ++i) yaml += ", " + prev;
    yaml += "]}\n";
  }
  Stopwatch clock;
  const Converted out = convert(yaml);
  const double seconds = clock.seconds();
  MESSAGE("merge bomb rejected in ", seconds, " s");
  REQUIRE_FALSE(out.status.ok());
  CHECK(out.status.error().code == "value_limit");
  CHECK(is_file_line_col(out.status.error().where, "spec.yaml"));
  CHECK(seconds < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("yaml values from a merged anchor are shared, not re-read per use, within the limit") {
  // The same merge used many times stays well within the default limit and gives the same keys each time.
  std::string yaml = "base: &b {x: 1, y: [1, 2, 3]}\nitems:\n";
  for (int i = 0; i < 100; ++i) yaml += "  - {<<: *b, id: " + std::to_string(i) + "}\n";
  const Converted out = convert(yaml);
  REQUIRE(out.status.ok());
  CHECK(out.json.find(R"({"id":99,"x":1,"y":[1,2,3]})") != std::string::npos);
}

// Regression (found by fuzz_spec): yaml-cpp takes a NUL byte in a plain scalar for the start of an escape
// sequence ("3.0.\0N" became "3.0." + byte 0x85) and accepts other control characters. YAML streams may hold
// printable characters only (js-yaml and PyYAML refuse the rest): they are refused at their position.
TEST_CASE("yaml_non_printable_characters_are_refused") {
  struct Case {
    std::string yaml, where;
  };
  const Case cases[] = {
      {std::string("openapi: 3.0.\0N\n", 16), "spec.yaml:1:14"},
      {std::string("a: x\0y\n", 8), "spec.yaml:1:5"},
      {std::string("a: \"x\0y\"\n", 10), "spec.yaml:1:6"},
      {"a: 1\nb: x\x01y\n", "spec.yaml:2:5"},
      {"a: x\x1By\n", "spec.yaml:1:5"},
      {"a: x\x7Fy\n", "spec.yaml:1:5"},
      {"a: x\xC2\x80y\n", "spec.yaml:1:5"},         // U+0080, a C1 control
      {"a: \xC3\xA9\xC2\x9Fy\n", "spec.yaml:1:5"},  // after a 2-byte character: columns count characters
      {"a: x\xEF\xBF\xBE\n", "spec.yaml:1:5"},      // U+FFFE
      {"a: x\xEF\xBF\xBF\n", "spec.yaml:1:5"},      // U+FFFF
  };
  for (const Case& c : cases) {
    const std::string yaml = shown(c.yaml);
    CAPTURE(yaml);
    const Converted out = convert(c.yaml);
    REQUIRE_FALSE(out.status.ok());
    CHECK(out.status.error().code == "yaml_syntax");
    CHECK(out.status.error().where == c.where);
    CHECK(out.status.error().message.find("U+") != std::string::npos);
  }
  // Printable, and so allowed: tab, CR LF, NEL (U+0085), NBSP, a BOM, characters beyond the BMP.
  const Case allowed[] = {
      {"a:\tx\r\nb: y\xC2\x85z\xC2\xA0\xEF\xBB\xBF\xF0\x9F\x98\x80\n", ""},
      {"a: \"\\0 \\x01 \\e\"\n", ""},  // control characters written as escapes are fine
  };
  for (const Case& c : allowed) {
    CAPTURE(c.yaml);
    CHECK(convert(c.yaml).status.ok());
  }
}

// Regression (found by fuzz_spec): yaml-cpp writes the escapes \N (U+0085) and \_ (U+00A0) as the single bytes
// 0x85 and 0xA0, which are not UTF-8; that text went on into manifests and analysis output.
TEST_CASE("yaml_escapes_N_and_underscore_give_valid_utf8") {
  const Case cases[] = {
      {R"(a: "x\Ny")", "{\"a\":\"x\xC2\x85y\"}"},
      {R"(a: "x\_y")", "{\"a\":\"x\xC2\xA0y\"}"},
      {R"(a: "\_\N\u00e9\_")", "{\"a\":\"\xC2\xA0\xC2\x85\xC3\xA9\xC2\xA0\"}"},
      {R"("k\_ey": 1)",
       "{\"k\xC2\xA0"
       "ey\":1}"},  // in keys too
      {R"(a: "\L\P")", "{\"a\":\"\xE2\x80\xA8\xE2\x80\xA9\"}"},
  };
  check_all(std::begin(cases), std::end(cases));
  for (const Case& c : cases) CHECK(smeltsec::text::is_valid_utf8(convert(c.yaml).json));
}
