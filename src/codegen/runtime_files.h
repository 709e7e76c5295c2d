// The static files every generated server ships (src/codegen/runtime/), embedded at build time.
#pragma once

#include <string_view>
#include <vector>

namespace smeltsec::codegen {

struct RuntimeFile {
  std::string_view name;   // path under src/codegen/runtime/, e.g. "typescript/runtime.ts"
  std::string_view bytes;
};

const std::vector<RuntimeFile>& runtime_files();

// The bytes of one embedded file; empty when the name is unknown.
std::string_view runtime_file(std::string_view name);

}  // namespace smeltsec::codegen
