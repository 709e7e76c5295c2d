// Step 1 for repositories: .tar.gz/.tgz, .tar and .zip archives unpacked inside the core, with limits.
#pragma once

#include <string_view>
#include <vector>

#include "smeltsec/bundle.h"

namespace smeltsec::intake {

// See smeltsec::unpack_archive (include/smeltsec/smeltsec.h).
Status unpack_archive(std::string_view bytes, SourceBundle& bundle, std::vector<SkippedFile>& skipped);

}  // namespace smeltsec::intake
