// manifest/js_regex: which `pattern`s compile as ECMAScript regular expressions with the u flag.
//
// The two tables were checked against V8 (Node 20): `new RegExp(pattern, 'u')` compiles every pattern of the
// first and throws a SyntaxError for every pattern of the second. To re-check after editing them, paste the
// patterns into a JSON array and run
//   node -e "for (const p of require('./p.json')) { try { new RegExp(p, 'u'); console.log('ok ', p) }
//            catch { console.log('bad', p) } }"
#include <doctest/doctest.h>

#include <string>

#include "manifest/js_regex.h"

using smeltsec::manifest::is_valid_js_unicode_regex;

TEST_CASE("js_regex: patterns V8 compiles with the u flag are accepted") {
  const std::string patterns[] = {
      R"re(^[a-z0-9-]+$)re",
      R"re(^\d{3}$)re",
      R"re((?<y>\d{4})-\k<y>)re",
      R"re((?<=a)b)re",
      R"re((?<!a)b)re",
      R"re(a(?=b))re",
      R"re(a(?!b))re",
      R"re(^[A-Z]{2,3}$)re",
      R"re(^\w+@\w+\.\w+$)re",
      R"re(^\p{L}+$)re",
      R"re(^\p{Lu})re",
      R"re(\P{N})re",
      R"re(\p{Script=Greek})re",
      R"re([\p{L}\d_-])re",
      R"re(^\u{1F600}$)re",
      R"re(\u00e9)re",
      R"re(\x41)re",
      R"re(\cA)re",
      R"re(\0)re",
      R"re([\b])re",
      R"re(\bword\b)re",
      R"re(\Bx)re",
      R"re(a{0})re",
      R"re(a{1,})re",
      R"re(a{2,5})re",
      R"re(a*?)re",
      R"re(a+?)re",
      R"re(a??)re",
      R"re(a{2}?)re",
      R"re(a{2,}?)re",
      R"re((a|b|))re",
      R"re(())re",
      R"re((?:))re",
      R"re([])re",
      R"re([^])re",
      R"re(.)re",
      R"re(\/)re",
      R"re(a/b)re",
      R"re([a-])re",
      R"re([-a])re",
      R"re([a\-z])re",
      R"re([\w-])re",
      R"re([-\w])re",
      R"re(\1(a))re",
      R"re(^[^\s]+$)re",
      R"re(😀)re",
      R"re([😀-😎])re",
      R"re(é+)re",
      R"re(\$\^\.\*\+\?\(\)\[\]\{\}\|)re",
      R"re()re",
      R"re((?:a|b)+)re",
      R"re(\uD83D\uDE00)re",
      R"re([\u{1F600}-\u{1F64F}])re",
      R"re([\x41-\x5A])re",
      R"re([\n-\r])re",
      R"re([--/])re",
      R"re(\k<y>(?<y>a))re",
      R"re((?<$x>a))re",
      R"re((?<_a1>a))re",
      R"re(\p{Letter})re",
      R"re(\p{sc=Latin})re",
      R"re(\p{Script_Extensions=Latin})re",
      R"re(\p{gc=L})re",
      R"re(\p{General_Category=Letter})re",
      R"re(\p{Lowercase})re",
      R"re(\p{ASCII})re",
      R"re(\p{Any})re",
      R"re(\p{Alpha})re",
      R"re(\p{White_Space})re",
      R"re(\p{Emoji})re",
      R"re([[])re",
      R"re(^(?:\+?1[-. ]?)?\(?[0-9]{3}\)?$)re",
      R"re(^[a-zA-Z0-9_.-]{1,64}$)re",
      R"re(^https?://[^\s/$.?#].[^\s]*$)re",
      R"re(^\S+$)re",
      R"re([\f\n\r\t\v])re",
      R"re(\t)re",
      R"re((a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10)re",
      R"re(\p{space})re",
      R"re(\p{Script=Hiragana})re",
      R"re(\p{Any}+)re",
      R"re((?<a>.)\k<a>\1)re",
      R"re(^(?!.*\.\.)[a-z.]+$)re",
      R"re(\ud800)re",
      R"re([\ud800-\udbff])re",
      R"re(\/\/)re",
      R"re(^[\]]$)re",
      R"re([\[\]])re",
      R"re(^[\-+]?\d+$)re",
      R"re(\s*,\s*)re",
      R"re(^\d+(\.\d{1,2})?$)re",
  };
  for (const std::string& p : patterns) {
    CAPTURE(p);
    CHECK(is_valid_js_unicode_regex(p));
  }
}

TEST_CASE("js_regex: patterns V8 refuses with the u flag are rejected") {
  const std::string patterns[] = {
      R"re((?i)abc)re",
      R"re(\Z)re",
      R"re(\A)re",
      R"re(\z)re",
      R"re(\h)re",
      R"re(a{2,1})re",
      R"re([z-a])re",
      R"re({)re",
      R"re(})re",
      R"re(])re",
      R"re(a{)re",
      R"re(x{1)re",
      R"re(a{,5})re",
      R"re(\-)re",
      R"re(()re",
      R"re())re",
      R"re([)re",
      R"re(\)re",
      R"re(*)re",
      R"re(+a)re",
      R"re(?a)re",
      R"re(^*)re",
      R"re(\b+)re",
      R"re((?=a)*)re",
      R"re((?<=a)*)re",
      R"re([\s-\d])re",
      R"re([\d-z])re",
      R"re([a-\d])re",
      R"re(\08)re",
      R"re(\00)re",
      R"re([\1])re",
      R"re([\B])re",
      R"re(a|*b)re",
      R"re(x{2}{3})re",
      R"re(a++)re",
      R"re(a*+)re",
      R"re(a{2}*)re",
      R"re((?s).)re",
      R"re((?#comment))re",
      R"re((?P<name>x))re",
      R"re((?>x))re",
      R"re(\k<nope>)re",
      R"re((?<a>x)\k<b>)re",
      R"re(\p{Foo})re",
      R"re(\p{L)re",
      R"re(\p)re",
      R"re(\u{110000})re",
      R"re(\u{})re",
      R"re(\u12)re",
      R"re(\x4)re",
      R"re(\c1)re",
      R"re(\c)re",
      R"re(\a)re",
      R"re(\e)re",
      R"re(\q)re",
      R"re((a)\2)re",
      R"re((?<1a>x))re",
      R"re((?<a>x)(?<a>y))re",
      R"re((?<a>x)|(?<a>y))re",
      R"re(\k)re",
      R"re([\c_])re",
      R"re((?<=a)re",
      R"re((?:)re",
      R"re(a))re",
      R"re([a)re",
      R"re(\u{41)re",
      R"re(\p{L}{2,1})re",
      R"re([\p{L}-z])re",
      R"re(a{1}{)re",
  };
  for (const std::string& p : patterns) {
    CAPTURE(p);
    CHECK_FALSE(is_valid_js_unicode_regex(p));
  }
}

// Valid in V8, refused here on purpose: the checker is conservative (a dropped pattern only loosens a schema;
// a kept invalid one makes the whole tool unusable in Ajv and the MCP SDK).
TEST_CASE("js_regex: conservative refusals") {
  const std::string patterns[] = {
      "(?<\xC3\xA9>a)",           // non-ASCII group name
      R"re(a{99999999999})re",    // huge repetition count
      R"re(\u{0000000041})re",    // more than 8 hex digits
      R"re(\p{Script=Runic})re",  // a script missing from the allow-list
      std::string(5000, 'a'),     // longer than 4096 bytes
  };
  for (const std::string& p : patterns) {
    CAPTURE(p.substr(0, 60));
    CHECK_FALSE(is_valid_js_unicode_regex(p));
  }
}

TEST_CASE("js_regex: hostile patterns end quickly") {
  const std::string patterns[] = {
      std::string(4000, '('),
      std::string(2000, '(') + std::string(2000, ')'),
      std::string(4000, '['),
      std::string(4001, '\\'),
      "\\p{" + std::string(4000, 'L'),
      "\\u{" + std::string(4000, 'F'),
      "a{" + std::string(4000, '9') + "}",
      std::string(1000, 'a') + std::string(1000, '?'),
  };
  for (const std::string& p : patterns) {
    CAPTURE(p.substr(0, 40));
    CHECK_FALSE(is_valid_js_unicode_regex(p));
  }
  // Deep but legal: within the checker's own nesting bound.
  CHECK(is_valid_js_unicode_regex(std::string(60, '(') + "a" + std::string(60, ')')));
}

// Regression: range bounds written as \f, \v, \0 or \cX were compared by their letter ('f' < 'v'), so
// [\f-\v] (12 > 11) and [\cZ-\cA] passed and made the schema fail to compile in Ajv; surrogate-pair escapes
// were compared half by half. Expected values checked against V8 as above.
TEST_CASE("js_regex_class_range_bounds_use_code_points") {
  struct Case {
    std::string pattern;
    bool valid;
  };
  const Case cases[] = {
      {R"re([\f-\v])re", false},
      {R"re([\v-\f])re", true},
      {R"re([\cZ-\cA])re", false},
      {R"re([\cA-\cZ])re", true},
      {R"re([\ca-\cz])re", true},
      {R"re([\cj-\cJ])re", true},
      {R"re([\cJ-\n])re", true},
      {R"re([\0-\x01])re", true},
      {R"re([\0-\t])re", true},
      {R"re([\t-\0])re", false},
      {R"re([\r-\n])re", false},
      {R"re([\n-\f])re", true},
      {R"re([\b-\t])re", true},
      {R"re([\t-\b])re", false},
      {R"re([\v-\v])re", true},
      {R"re([\x00-\x1F])re", true},
      {R"re([ -\/])re", true},
      {R"re([\--\/])re", true},
      {R"re([\uD83D\uDE00-\uD83D\uDE4F])re", true},
      {R"re([\uD83D\uDE4F-\uD83D\uDE00])re", false},
      {R"re([\u{1F64F}-\uD83D\uDE00])re", false},
      {R"re([a-\uD83D\uDE00])re", true},
      {R"re([\uD83D-\uDE00])re", true},
      {R"re([\uDE00-\uD83D])re", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pattern);
    CHECK(is_valid_js_unicode_regex(c.pattern) == c.valid);
  }
}
