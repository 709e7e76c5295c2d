// Which files of a bundle are code to analyse, and which are skipped (and why).
#pragma once

#include <vector>

#include "analyze/code/model.h"
#include "smeltsec/bundle.h"

namespace smeltsec::analyze::code {

// The Python/JavaScript/TypeScript files of `bundle`, in path order. Skips, with a reason in
// `out.skipped`: dependency and build folders (node_modules, venv, dist, ...), vendored and minified code,
// test files, files over limits.max_code_file_bytes, binary (NUL bytes) and non-UTF-8 files.
std::vector<SourceFile> collect_source_files(const SourceBundle& bundle, CodeAnalysis& out);

}  // namespace smeltsec::analyze::code
