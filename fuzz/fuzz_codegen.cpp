// libFuzzer target: arbitrary bytes as a tool manifest through generate_server, for both targets. Any crash,
// sanitizer report, hang or runaway allocation is a bug, and so is a broken promise of the API:
//   - no failure is an "internal" error;
//   - a project has sorted, relative paths without "..", and the manifest copied byte for byte;
//   - generated code is ASCII outside the copied manifest and README (every literal is escaped);
//   - the same manifest gives the same files.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smeltsec/smeltsec.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check(std::string_view input, const char* target) {
  smeltsec::ServerOptions options;
  options.target = target;
  options.name = "fuzz \"server\" ${x}";
  auto r = smeltsec::generate_server(input, options);
  if (!r) {
    require(r.error().code != "internal");
    return;
  }
  const auto& files = r.value().files;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    require(!f.path.empty() && f.path[0] != '/' && f.path.find("..") == std::string::npos);
    if (i > 0) require(files[i - 1].path < f.path);
    if (f.path == "manifest.json") require(f.bytes == input);
    const bool code = f.path == "src/tools.ts" || f.path == "src/index.ts" || f.path == "server.py" ||
                      f.path == "package.json";
    if (code) {
      for (const char c : f.bytes) require(static_cast<unsigned char>(c) < 0x80);
    }
  }
  auto again = smeltsec::generate_server(input, options);
  require(again.ok() && again.value().files.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) require(again.value().files[i].bytes == files[i].bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input, "ts");
  check(input, "python");
  return 0;
}
