// libFuzzer target: arbitrary bytes as an archive (tar, tar.gz or zip) unpacked into a bundle with small
// limits. Any crash, sanitizer report, hang or runaway allocation is a bug, and so is a broken promise of the
// API:
//   - a failure carries one of the documented codes (never "internal") and leaves the bundle empty;
//   - a success leaves only normalised paths within max_path_bytes, files within max_document_bytes, a total
//     within max_bundle_bytes, and skipped entries whose paths and reasons are valid UTF-8;
//   - the same bytes unpack to the same files and the same skipped list.
// Seeds: fuzz/corpus/archive/, written by fuzz/corpus/make_archive_seeds.py.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "smeltsec/smeltsec.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

smeltsec::Limits small_limits() {
  smeltsec::Limits limits;
  limits.max_document_bytes = 64u << 10;
  limits.max_bundle_bytes = 1u << 20;
  limits.max_files = 256;
  limits.max_path_bytes = 128;
  limits.max_archive_entries = 512;
  return limits;
}

bool same(const std::vector<smeltsec::SkippedFile>& a, const std::vector<smeltsec::SkippedFile>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].path != b[i].path || a[i].reason != b[i].reason) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const smeltsec::Limits limits = small_limits();
  smeltsec::SourceBundle bundle(limits);
  std::vector<smeltsec::SkippedFile> skipped;
  const auto status = smeltsec::unpack_archive(input, bundle, skipped);
  if (!status) {
    const std::string& code = status.error().code;
    require(code == "unsupported_archive" || code == "corrupt_archive" || code == "archive_bomb" ||
            code == "size_limit" || code == "file_limit");
    require(smeltsec::text::is_valid_utf8(status.error().message) &&
            smeltsec::text::is_valid_utf8(status.error().where));
    require(bundle.files().empty());
    return 0;
  }
  std::size_t total = 0;
  for (const auto& [path, bytes] : bundle.files()) {
    require(!path.empty() && path.size() <= limits.max_path_bytes);
    require(smeltsec::normalize_bundle_path(path) == path);
    require(smeltsec::text::is_valid_utf8(path));
    require(bytes.size() <= limits.max_document_bytes);
    total += bytes.size();
  }
  require(total <= limits.max_bundle_bytes && bundle.files().size() <= limits.max_files);
  for (const auto& s : skipped) {
    require(!s.reason.empty());
    require(smeltsec::text::is_valid_utf8(s.path) && smeltsec::text::is_valid_utf8(s.reason));
  }
  smeltsec::SourceBundle again(limits);
  std::vector<smeltsec::SkippedFile> skipped_again;
  require(smeltsec::unpack_archive(input, again, skipped_again).ok());
  require(again.files() == bundle.files() && same(skipped, skipped_again));
  return 0;
}
