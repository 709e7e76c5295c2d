// SourceBundle: path normalisation and the limits applied when files are added.
#include <doctest/doctest.h>

#include <string>

#include "common/text.h"
#include "test_support.h"

using smeltsec::Limits;
using smeltsec::normalize_bundle_path;
using smeltsec::SourceBundle;

TEST_CASE("normalize_bundle_path") {
  struct Case {
    std::string input, expected;  // expected "" = refused
  };
  const Case cases[] = {
      {"openapi.yaml", "openapi.yaml"},
      {"specs/openapi.yaml", "specs/openapi.yaml"},
      {"./specs/./openapi.yaml", "specs/openapi.yaml"},
      {"specs//openapi.yaml", "specs/openapi.yaml"},
      {"specs/", "specs"},
      {"specs\\common\\pet.yaml", "specs/common/pet.yaml"},
      {"a/b/../c.yaml", "a/c.yaml"},
      {"a/b/../../c.yaml", "c.yaml"},
      {"a/./../c.yaml", "c.yaml"},
      {"...", "..."},  // a name, not a parent
      {"a/..b/c", "a/..b/c"},
      {"caf\xC3\xA9/spec.yaml", "caf\xC3\xA9/spec.yaml"},
      // refused: empty, absolute, escaping the root, drive letters, NUL
      {"", ""},
      {".", ""},
      {"./", ""},
      {"a/..", ""},
      {"..", ""},
      {"../spec.yaml", ""},
      {"a/../../spec.yaml", ""},
      {"a/b/../../../spec.yaml", ""},
      {"/etc/passwd", ""},
      {"\\etc\\passwd", ""},
      {"\\\\server\\share\\spec.yaml", ""},
      {"C:\\specs\\spec.yaml", ""},
      {"c:spec.yaml", ""},
      {std::string("spec\0.yaml", 10), ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(normalize_bundle_path(c.input) == c.expected);
  }
}

TEST_CASE("SourceBundle::add_file accepts and finds files by normalised path") {
  SourceBundle bundle;
  REQUIRE(bundle.add_file("specs\\openapi.yaml", "openapi: 3.0.0").ok());
  REQUIRE(bundle.add_file("./specs/common/../pet.yaml", "type: object").ok());
  CHECK(bundle.files().size() == 2);
  CHECK(bundle.total_bytes() == std::string("openapi: 3.0.0type: object").size());
  REQUIRE(bundle.find("specs/openapi.yaml") != nullptr);
  CHECK(*bundle.find("specs/openapi.yaml") == "openapi: 3.0.0");
  CHECK(bundle.find("specs/pet.yaml") != nullptr);
  CHECK(bundle.find("specs/common/../pet.yaml") == nullptr);  // find takes normalised paths
  CHECK(bundle.find("missing.yaml") == nullptr);
  CHECK(bundle.add_file("empty.yaml", "").ok());  // an empty file is a file
}

TEST_CASE("SourceBundle::add_file refusals carry a code and the path") {
  Limits limits;
  limits.max_document_bytes = 100;
  limits.max_bundle_bytes = 150;
  limits.max_files = 3;
  limits.max_path_bytes = 32;
  SourceBundle bundle(limits);
  REQUIRE(bundle.add_file("a.yaml", std::string(100, 'a')).ok());

  struct Case {
    std::string path;
    std::size_t bytes;
    std::string code;
  };
  const Case cases[] = {
      {"big.yaml", 101, "size_limit"},  // over the per-document limit
      {"b.yaml", 51, "size_limit"},     // over the bundle total
      {"a.yaml", 1, "duplicate_path"},
      {"./x/../a.yaml", 1, "duplicate_path"},  // the same file once normalised
      {"../a.yaml", 1, "bad_path"},
      {"/abs.yaml", 1, "bad_path"},
      {"", 1, "bad_path"},
      {std::string(33, 'p'), 1, "path_limit"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    auto st = bundle.add_file(c.path, std::string(c.bytes, 'x'));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == c.code);
    CHECK_FALSE(st.error().message.empty());
    if (!c.path.empty()) CHECK_FALSE(st.error().where.empty());
    // check_file refuses the same file the same way, before any bytes exist
    auto checked = bundle.check_file(c.path, c.bytes);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == st.error().code);
    CHECK(checked.error().where == st.error().where);
  }
  CHECK(bundle.check_file("./new/../n.yaml", 50).ok());  // the last 50 bytes of the bundle's room
  CHECK(bundle.files().size() == 1);                     // and check_file adds nothing
  CHECK(bundle.files().size() == 1);  // refused files leave no trace
  CHECK(bundle.total_bytes() == 100);

  REQUIRE(bundle.add_file("b.yaml", "b").ok());
  REQUIRE(bundle.add_file("c.yaml", "c").ok());
  auto full = bundle.add_file("d.yaml", "d");
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == "file_limit");
}

TEST_CASE("a 50 MB spec is refused by size, naming the file") {
  SourceBundle bundle;
  std::string big = "openapi: 3.0.0\npaths: {}\n";
  big.resize(50u << 20, '#');
  auto st = bundle.add_file("specs/huge.yaml", std::move(big));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "size_limit");
  CHECK(st.error().where == "specs/huge.yaml");
  CHECK(st.error().message.find(std::to_string(Limits{}.max_document_bytes)) != std::string::npos);
  CHECK(bundle.files().empty());
}

TEST_CASE("a very long path is reported shortened") {
  SourceBundle bundle;
  const std::string path(5000, 'p');
  auto st = bundle.add_file(path, "x");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "path_limit");
  CHECK(st.error().where.size() <= 200);
}

// Regression: the shortened path was cut at byte 200, possibly inside a UTF-8 sequence, and the invalid text
// reached error messages (and from there JSON and JavaScript strings).
TEST_CASE("bundle_long_path_is_shortened_at_a_code_point") {
  SourceBundle bundle;
  std::string path(199, 'p');
  for (int i = 0; i < 500; ++i) path += "\xC3\xA9";
  auto st = bundle.add_file(path, "x");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "path_limit");
  CHECK(smeltsec::text::is_valid_utf8(st.error().where));
  CHECK(st.error().where == std::string(199, 'p'));
}
