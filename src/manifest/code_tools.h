// Step 3 for code: candidates (routes, functions) to MCP tools, with the same naming, schema and
// annotation rules as OpenAPI operations.
#pragma once

#include <string>

#include "analyze/code/model.h"
#include "manifest/tools.h"

namespace smeltsec::manifest {

constexpr const char* kCodeMetaKey = "smeltsec.dev/code";

// Writes/reads/deletes that make a unit not read-only (Gate 2 compares these with descriptions).
bool is_write_effect(const std::string& kind);

// The candidates that become tools: kept routes, or kept functions when the code has no routes.
std::vector<const analyze::code::Candidate*> tool_candidates(const analyze::code::CodeAnalysis& analysis);

// [{"path","reason"}, ...]
json::Value skipped_value(const std::vector<SkippedFile>& skipped, json::Allocator& a);

// {"candidates":[...],"filtered":[...],"skipped":[...],"stats":{...},"notes":[...]} for `smeltsec analyze`.
std::string code_candidates_json(const analyze::code::CodeAnalysis& analysis, double analyze_ms);

// The manifest for the tool candidates. Fails on an unknown mode.
Result<BuildResult> build_code_manifest(const analyze::code::CodeAnalysis& analysis, const BuildOptions& options);

}  // namespace smeltsec::manifest
