// Helpers shared by the unit tests: bundles built from inline files, timing guards, error checks.
#pragma once

#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smeltsec/smeltsec.h"

namespace smeltsec::test {

struct File {
  std::string path;
  std::string bytes;
};

// A bundle holding `files`; every file must be accepted.
inline SourceBundle bundle_of(std::initializer_list<File> files, Limits limits = {}) {
  SourceBundle bundle(limits);
  for (const File& f : files) {
    auto added = bundle.add_file(f.path, f.bytes);
    INFO("adding ", f.path, ": ", added.error().code, " ", added.error().message);
    REQUIRE(added.ok());
  }
  return bundle;
}

inline Result<ManifestOutput> generate(std::initializer_list<File> files, const std::string& mode = "auto") {
  SpecOptions options;
  options.mode = mode;
  return generate_manifest(bundle_of(files), options);
}

inline Result<std::string> analyze(std::initializer_list<File> files) {
  return analyze_spec(bundle_of(files), {});
}

// The bytes of a file (empty when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Wall time of a scope, for guards against hangs. Bounds are generous: sanitizer and wasm builds run the same
// tests several times slower than a native -O2 build.
class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};
constexpr double kHangGuardSeconds = 60.0;

// True when `where` is "<file>:<line>:<column>" with positive numbers.
inline bool is_file_line_col(std::string_view where, std::string_view file) {
  if (where.substr(0, file.size()) != file || where.size() <= file.size() || where[file.size()] != ':') return false;
  std::string_view rest = where.substr(file.size() + 1);
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  auto positive = [](std::string_view n) {
    if (n.empty() || n[0] == '0') return false;
    for (char c : n) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  return positive(rest.substr(0, colon)) && positive(rest.substr(colon + 1));
}

inline std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A minimal OpenAPI 3.0 document in YAML with `paths_yaml` (indented by two spaces) as its paths.
inline std::string yaml_spec(std::string_view paths_yaml, std::string_view extra = {}) {
  return "openapi: 3.0.3\ninfo:\n  title: Test API\n  version: '1.0'\nservers:\n  - url: https://api.example.com\n"
         "paths:\n" +
         std::string(paths_yaml) + std::string(extra);
}

}  // namespace smeltsec::test

// Failure messages show word lists, not "{?}".
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "{";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + v[i] + "\"";
    return (out + "}").c_str();
  }
};
}  // namespace doctest
