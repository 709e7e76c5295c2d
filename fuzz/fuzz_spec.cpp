// libFuzzer target: arbitrary bytes as an OpenAPI document (JSON or YAML) through intake, analysis and
// manifest generation. Any crash, sanitizer report, hang or runaway allocation is a bug.
#include <cstdint>
#include <string>

#include "smeltsec/smeltsec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smeltsec::Limits limits;
  limits.max_values = 200000;  // keep each run fast; the limit logic is the same at any size
  smeltsec::SourceBundle bundle(limits);
  if (!bundle.add_file("spec.yaml", std::string(reinterpret_cast<const char*>(data), size))) return 0;
  smeltsec::SpecOptions options;
  options.mode = size % 2 ? "all" : "grouped";
  auto analyzed = smeltsec::analyze_spec(bundle, options);
  auto generated = smeltsec::generate_manifest(bundle, options);
  (void)analyzed;
  (void)generated;
  return 0;
}
