#include "intake/archive.h"

namespace smeltsec::intake {

Status unpack_archive(std::string_view bytes, SourceBundle& bundle, std::vector<SkippedFile>& skipped) {
  return Error{"unsupported_archive", "archives are not supported yet", ""};
}

}  // namespace smeltsec::intake
