// Real specs from the development corpus (../shared/corpus/openapi, beside the repository): every document
// becomes a manifest, or a clear error for files that are only parts of a spec. Runs the native core under the
// sanitizers on real inputs; tests/js/corpus.test.mjs judges the manifests themselves with Ajv.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/text.h"
#include "test_support.h"

using smeltsec::test::read_file;

namespace fs = std::filesystem;

namespace {

fs::path corpus_root() {
  return fs::path(SMELTSEC_SOURCE_DIR).parent_path() / "shared" / "corpus" / "openapi";
}

// Generates a manifest for `entry` (relative to `root`) the way a host does: start with the entry alone and
// add the files that error.needs asks for, from disk, until the call succeeds or fails for another reason.
smeltsec::Result<smeltsec::ManifestOutput> generate_with_needs(const fs::path& root, const std::string& entry,
                                                               std::size_t& files_added) {
  smeltsec::SourceBundle bundle;
  REQUIRE(bundle.add_file(entry, read_file(root / entry)).ok());
  files_added = 1;
  smeltsec::SpecOptions options;
  options.entry = entry;
  for (int round = 0;; ++round) {
    auto out = smeltsec::generate_manifest(bundle, options);
    if (out.ok() || out.error().code != "missing_file" || round == 50) return out;
    for (const std::string& need : out.error().needs) {
      if (!fs::is_regular_file(root / need)) return out;
      REQUIRE(bundle.add_file(need, read_file(root / need)).ok());
      ++files_added;
    }
  }
}

}  // namespace

TEST_CASE("corpus: every spec document gives a valid manifest") {
  const fs::path root = corpus_root();
  if (!fs::is_directory(root)) {
    MESSAGE("corpus not found at ", root.string(), ": skipped");
    return;
  }
  std::vector<std::string> entries;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string ext = smeltsec::text::to_lower(e.path().extension().string());
    if (e.is_regular_file() && (ext == ".json" || ext == ".yaml" || ext == ".yml")) {
      entries.push_back(fs::relative(e.path(), root).generic_string());
    }
  }
  std::sort(entries.begin(), entries.end());
  std::size_t manifests = 0, multi_file = 0;
  for (const std::string& entry : entries) {
    CAPTURE(entry);
    std::size_t files = 0;
    smeltsec::test::Stopwatch clock;
    auto out = generate_with_needs(root, entry, files);
    if (!out.ok()) {
      // Parts of a multi-file spec (a schema, a parameter list) are not OpenAPI documents themselves.
      INFO(out.error().code, ": ", out.error().message, " at ", out.error().where);
      CHECK(out.error().code == "not_openapi");
      continue;
    }
    ++manifests;
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
    smeltsec::Limits unlimited;
    unlimited.max_values = ~std::size_t{0};
    std::string buffer;
    smeltsec::json::Document doc;
    REQUIRE(smeltsec::json::parse(out.value().manifest_json, "manifest.json", unlimited, buffer, doc).ok());
    const auto* tools = smeltsec::json::get(doc, "tools");
    REQUIRE(tools != nullptr);
    CHECK(tools->IsArray());  // empty for a spec with webhooks only
    if (files > 1) ++multi_file;
  }
  MESSAGE(manifests, " manifests (", multi_file, " from several files) of ", entries.size(), " corpus documents");
  CHECK(manifests > 0);
}
