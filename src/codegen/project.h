// Step 4 internals: what the emitters need to know about a manifest, and the two project emitters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "smeltsec/smeltsec.h"

namespace smeltsec::codegen {

// One environment variable a generated server reads.
struct EnvVar {
  std::string name;
  std::string default_value;  // empty: none
  std::string meaning;
};

// A checked view of a manifest: the tools, the grouped catalogue, and the environment they need.
struct ManifestView {
  const json::Value* tools = nullptr;       // the "tools" array
  const json::Value* operations = nullptr;  // _meta["smeltsec.dev/catalog"].operations, or nullptr
  std::string_view manifest_text;           // the manifest bytes (the caller's), copied into the project
  std::string base_url;                     // the one base URL all HTTP tools share, else empty
  bool has_http = false, has_code = false, has_python_code = false, has_js_code = false;
  std::vector<EnvVar> credentials;          // per security scheme
};

// Checks names (^[a-zA-Z0-9_-]{1,64}$, unique), schemas (objects) and metadata shapes.
Result<ManifestView> view_manifest(const json::Value& manifest, std::string_view manifest_text);

// The environment table shared by both targets (README and .env.example).
std::vector<EnvVar> environment(const ManifestView& view);

std::string readme(const ManifestView& view, const ServerOptions& options, bool python);
std::string env_example(const ManifestView& view);

// The files both projects ship: manifest.json, README.md, .env.example and the two code bridges.
std::vector<GeneratedFile> shared_files(const ManifestView& view, const ServerOptions& options, bool python);

Result<std::vector<GeneratedFile>> typescript_project(const ManifestView& view, const ServerOptions& options,
                                                      std::vector<std::string>& notes);
Result<std::vector<GeneratedFile>> python_project(const ManifestView& view, const ServerOptions& options,
                                                  std::vector<std::string>& notes);

// Pinned versions written into generated projects (tests/js/codegen.test.mjs checks them against package.json).
inline constexpr const char* kSdkVersion = "1.32.2";
inline constexpr const char* kZodVersion = "4.6.7";
inline constexpr const char* kTypescriptVersion = "5.6.3";
inline constexpr const char* kTypesNodeVersion = "20.19.43";
inline constexpr const char* kFastmcpVersion = "2.14.0";

}  // namespace smeltsec::codegen
