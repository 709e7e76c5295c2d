// SmeltSec's public C++ API. The core does no I/O: hosts pass bytes in and get JSON text back.
#pragma once

#include <cstddef>
#include <string>

#include "smeltsec/bundle.h"
#include "smeltsec/result.h"

namespace smeltsec {

// The library version, "MAJOR.MINOR.PATCH".
const char* version();

// How OpenAPI operations become tools.
struct SpecOptions {
  std::string entry;           // bundle path of the root document; empty: detect it
  std::string mode = "auto";   // "all": one tool per operation; "grouped": search/describe/call; "auto"
  std::size_t max_tools = 40;  // "auto" chooses "all" up to this many operations, else "grouped"
};

struct ManifestOutput {
  std::string manifest_json;  // a `tools/list` result: {"tools":[...]}; deterministic, byte for byte
  std::string report_json;    // source facts, counts, notes and per-step timings (not deterministic)
};

// Lists the operations of an OpenAPI 3.0/3.1 or Swagger 2.0 document as pipeline candidates:
// {"source":{...},"candidates":[{"kind":"operation","method",...}],"notes":[...]}.
// Fails on unreadable or non-OpenAPI input, limits, and `$ref`s that cannot be resolved
// (error.needs then lists bundle files to add before calling again).
Result<std::string> analyze_spec(const SourceBundle& bundle, const SpecOptions& options);

// Turns an OpenAPI document into an MCP tool manifest. Fails as analyze_spec does, and on a bad option.
Result<ManifestOutput> generate_manifest(const SourceBundle& bundle, const SpecOptions& options);

}  // namespace smeltsec
