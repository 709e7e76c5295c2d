// SmeltSec's public C++ API. The core does no I/O: hosts pass bytes in and get JSON text back.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

// Unpacks a .tar.gz/.tgz, .tar or .zip archive into `bundle`. A single top-level folder (as in GitHub's
// tarballs) is stripped. Entries that are not regular files, escape the root, or break a limit are listed in
// `skipped` instead. Fails on a corrupt or truncated archive, a decompression bomb, or a bundle limit.
Status unpack_archive(std::string_view bytes, SourceBundle& bundle, std::vector<SkippedFile>& skipped);

// How a code repository becomes tools.
struct CodeOptions {
  std::string mode = "auto";  // as SpecOptions::mode
  std::size_t max_tools = 40;
};

// Finds the callable units of a code repository (Python, JavaScript, TypeScript): HTTP routes (Flask,
// FastAPI, Express) and public functions, with their parameters, types, docs, auth and effects:
// {"candidates":[{"kind":"route"|"function",...}],"skipped":[...],"stats":{...},"notes":[...]}.
Result<std::string> analyze_code(const SourceBundle& bundle, const CodeOptions& options);

// Turns a code repository into an MCP tool manifest: one tool per kept route (or, when the code has no
// routes, per public function), named, typed and annotated as for OpenAPI operations.
Result<ManifestOutput> generate_code_manifest(const SourceBundle& bundle, const CodeOptions& options);

// How a manifest becomes a server project.
struct ServerOptions {
  std::string target = "ts";  // "ts": TypeScript, official MCP SDK; "python": FastMCP
  std::string name;           // the server's name (e.g. the API's title); empty: "mcp-server"
  std::string version;        // the server's version; empty: "0.1.0"
};

struct GeneratedFile {
  std::string path;   // relative, '/'-separated, e.g. "src/tools.ts"
  std::string bytes;
};

struct ServerOutput {
  std::vector<GeneratedFile> files;  // sorted by path; deterministic, byte for byte
  std::string report_json;           // {"target","files","tools","notes":[...],"timingsMs":{...}}
};

// Writes a runnable MCP server project for a tool manifest (a `tools/list` result as generate_manifest and
// generate_code_manifest produce). The project lists the manifest's tools verbatim and calls the upstream API
// (HTTP tools) or the user's code (code tools) with timeouts, retries, a circuit breaker and argument checks.
// Fails on a bad option, unreadable JSON, or a manifest whose names, schemas or metadata are malformed.
Result<ServerOutput> generate_server(std::string_view manifest_json, const ServerOptions& options);

// "spec" when the bundle holds an OpenAPI/Swagger document and no source code, else "code".
std::string detect_source_kind(const SourceBundle& bundle);

}  // namespace smeltsec
