#include "analyze/code/python.h"

namespace smeltsec::analyze::code {

void analyze_python(const std::vector<SourceFile>& files, CodeAnalysis& out) {}

}  // namespace smeltsec::analyze::code
