// A source bundle: a set of files with normalised relative paths, the unit every pipeline step reads.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "smeltsec/result.h"

namespace smeltsec {

// Limits applied to untrusted input. Every parser and step checks the ones that concern it.
struct Limits {
  std::size_t max_document_bytes = 32u << 20;  // one spec document (JSON or YAML)
  std::size_t max_bundle_bytes = 64u << 20;    // all files together
  std::size_t max_files = 10000;
  std::size_t max_path_bytes = 1024;
  int max_nesting = 256;                       // arrays/objects/mappings inside each other
  std::size_t max_values = 4000000;            // values in one document, YAML aliases expanded
  std::size_t max_archive_entries = 100000;    // entries read from one archive (files and others)
  std::size_t max_compression_ratio = 200;     // unpacked bytes per compressed byte (archive bombs)
  std::size_t max_code_file_bytes = 1u << 20;  // a source file larger than this is skipped, not parsed
  std::size_t max_manifest_bytes = 256u << 20;  // a manifest larger than this fails with "output_limit"
  std::size_t max_schema_nodes = 3000;         // nodes of one tool's inlined input schema (LLM context)
  int max_ref_depth = 32;                      // $ref inlined inside $ref before the chain is cut
};

// A file (or archive entry) left out of the analysis, and why ("vendored", "binary", "symlink", ...).
struct SkippedFile {
  std::string path;
  std::string reason;
};

class SourceBundle {
 public:
  explicit SourceBundle(Limits limits = {}) : limits_(limits) {}

  // Adds a file. The path is normalised (`\` to `/`, `.` and `..` resolved); fails on an empty path, one
  // that leaves the bundle root or is absolute, a duplicate, or any size/count limit.
  Status add_file(std::string_view path, std::string bytes);

  // Whether add_file would take a file of `size` bytes at `path` (the same checks, nothing added): lets a
  // caller refuse a file before reading it.
  Status check_file(std::string_view path, std::size_t size) const;

  // The file's bytes, or nullptr when the bundle has no such (normalised) path.
  const std::string* find(std::string_view path) const;

  const std::map<std::string, std::string>& files() const { return files_; }
  const Limits& limits() const { return limits_; }
  std::size_t total_bytes() const { return total_bytes_; }

 private:
  Limits limits_;
  std::map<std::string, std::string> files_;
  std::size_t total_bytes_ = 0;
};

// Normalises a relative bundle path; returns an empty string when the path is absolute, escapes the root,
// contains a NUL byte or is empty.
std::string normalize_bundle_path(std::string_view path);

}  // namespace smeltsec
