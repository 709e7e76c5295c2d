// JavaScript and TypeScript (TSX too): Express routes, and exported functions and methods.
#pragma once

#include <vector>

#include "analyze/code/model.h"

namespace smeltsec::analyze::code {

// Analyses every JS/TS file of the set together (routers are mounted across modules through require and
// import) and appends candidates, skipped files and notes to `out`.
void analyze_javascript(const std::vector<SourceFile>& files, CodeAnalysis& out);

}  // namespace smeltsec::analyze::code
