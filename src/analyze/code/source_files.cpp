#include "analyze/code/source_files.h"

#include <algorithm>
#include <cstring>

#include "analyze/code/syntax.h"
#include "common/text.h"

namespace smeltsec::analyze::code {
namespace {

// Folders whose contents are never the project's own callable surface.
constexpr const char* kSkippedDirs[] = {
    "node_modules", "bower_components", "jspm_packages", "vendor", "vendors", "third_party", "third-party",
    "site-packages", "venv", ".venv", "env", ".env", "virtualenv", "__pycache__", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", "dist", "build", "out", ".next", ".nuxt", ".svelte-kit", "coverage", ".git", ".hg", ".svn",
    ".idea", ".vscode", "migrations", "alembic", "__snapshots__"};

constexpr const char* kTestDirs[] = {"test", "tests", "__tests__", "spec", "specs", "e2e", "testing"};

std::string skip_reason(const std::string& path) {
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) break;
    const std::string dir = text::to_lower(std::string_view(path).substr(start, slash - start));
    for (const char* d : kSkippedDirs) {
      if (dir == d) return dir == "vendor" || dir == "vendors" || dir == "third_party" || dir == "third-party"
                               ? "vendored"
                               : "dependency or build folder (" + dir + ")";
    }
    for (const char* d : kTestDirs) {
      if (dir == d) return "tests";
    }
    start = slash + 1;
  }
  const std::string base = text::to_lower(std::string_view(path).substr(path.rfind('/') + 1));
  if (text::ends_with(base, ".min.js") || text::ends_with(base, ".bundle.js") || text::ends_with(base, "-min.js")) {
    return "minified";
  }
  if (text::starts_with(base, "test_") || text::ends_with(base, "_test.py") || base == "conftest.py" ||
      base.find(".test.") != std::string::npos || base.find(".spec.") != std::string::npos) {
    return "tests";
  }
  if (base == "setup.py" || base == "noxfile.py" || base == "fabfile.py" || text::ends_with(base, ".config.js") ||
      text::ends_with(base, ".config.ts") || text::ends_with(base, ".config.mjs") || base == "gulpfile.js" ||
      base == "gruntfile.js") {
    return "build configuration";
  }
  return {};
}

}  // namespace

std::vector<SourceFile> collect_source_files(const SourceBundle& bundle, CodeAnalysis& out) {
  std::vector<SourceFile> files;
  for (const auto& [path, bytes] : bundle.files()) {
    const std::string language = language_for_path(path);
    if (language.empty()) continue;  // not code we analyse: nothing to report
    if (std::string reason = skip_reason(path); !reason.empty()) {
      out.skipped.push_back({path, reason});
      continue;
    }
    if (bytes.size() > bundle.limits().max_code_file_bytes) {
      out.skipped.push_back({path, "too large (" + std::to_string(bytes.size()) + " bytes)"});
      continue;
    }
    if (std::memchr(bytes.data(), '\0', bytes.size()) != nullptr) {
      out.skipped.push_back({path, "binary"});
      continue;
    }
    if (!text::is_valid_utf8(bytes)) {
      out.skipped.push_back({path, "not UTF-8"});
      continue;
    }
    files.push_back({path, bytes, language});
  }
  return files;
}

}  // namespace smeltsec::analyze::code
