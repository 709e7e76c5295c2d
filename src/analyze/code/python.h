// Python: Flask and FastAPI routes, and public functions and methods.
#pragma once

#include <vector>

#include "analyze/code/model.h"

namespace smeltsec::analyze::code {

// Analyses every Python file of the set together (blueprints, routers and their registrations may live in
// different modules) and appends candidates, skipped files and notes to `out`.
void analyze_python(const std::vector<SourceFile>& files, CodeAnalysis& out);

}  // namespace smeltsec::analyze::code
