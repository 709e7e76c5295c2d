// libFuzzer target: arbitrary bytes as an OpenAPI document (JSON or YAML) through intake, analysis and
// manifest generation. Any crash, sanitizer report, hang or runaway allocation is a bug, and so is a broken
// promise of the API:
//   - no failure is an "internal" error (an exception the core did not expect);
//   - a manifest is valid UTF-8 and valid JSON, and every tool name matches ^[a-zA-Z0-9_-]{1,64}$;
//   - the same input gives the same manifest, byte for byte.
// An input holding the line "--8<--" is split there into two files, spec.yaml and other.yaml, so that
// `$ref`s between files are reached too (seeds in fuzz/corpus/spec/ show the form).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/text.h"
#include "smeltsec/smeltsec.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_tool_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

void check_tool_names(const smeltsec::json::Value* tools) {
  if (tools == nullptr) return;
  require(tools->IsArray());
  for (const auto& tool : tools->GetArray())
    require(is_tool_name(smeltsec::json::str(smeltsec::json::get(tool, "name"))));
}

void check_manifest(const std::string& manifest) {
  require(smeltsec::text::is_valid_utf8(manifest));
  smeltsec::Limits unlimited;
  unlimited.max_nesting = 1 << 20;
  unlimited.max_values = ~std::size_t{0};
  std::string buffer;
  smeltsec::json::Document doc;
  require(smeltsec::json::parse(manifest, "manifest.json", unlimited, buffer, doc).ok());
  check_tool_names(smeltsec::json::get(doc, "tools"));
  const auto* catalog = smeltsec::json::get(smeltsec::json::get(doc, "_meta"), "smeltsec.dev/catalog");
  check_tool_names(smeltsec::json::get(catalog, "operations"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smeltsec::Limits limits;
  limits.max_values = 200000;  // keep each run fast; the limit logic is the same at any size
  smeltsec::SourceBundle bundle(limits);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSplit = "\n--8<--\n";
  const std::size_t split = input.find(kSplit);
  if (split == std::string_view::npos) {
    if (!bundle.add_file("spec.yaml", std::string(input))) return 0;
  } else {
    if (!bundle.add_file("spec.yaml", std::string(input.substr(0, split)))) return 0;
    if (!bundle.add_file("other.yaml", std::string(input.substr(split + kSplit.size())))) return 0;
  }
  smeltsec::SpecOptions options;  // no entry: the root document is detected
  options.mode = size % 2 ? "all" : "grouped";
  auto analyzed = smeltsec::analyze_spec(bundle, options);
  require(analyzed.ok() || analyzed.error().code != "internal");
  if (analyzed.ok()) require(smeltsec::text::is_valid_utf8(analyzed.value()));
  auto generated = smeltsec::generate_manifest(bundle, options);
  require(generated.ok() || generated.error().code != "internal");
  if (!generated.ok()) return 0;
  check_manifest(generated.value().manifest_json);
  if (size < 4096) {
    auto again = smeltsec::generate_manifest(bundle, options);
    require(again.ok() && again.value().manifest_json == generated.value().manifest_json);
  }
  return 0;
}
