#include "analyze/code/javascript.h"

namespace smeltsec::analyze::code {

void analyze_javascript(const std::vector<SourceFile>& files, CodeAnalysis& out) {}

}  // namespace smeltsec::analyze::code
