// Archives unpacked inside the core: .tar.gz/.tgz (zlib, streamed), .tar and .zip. Nothing here trusts the
// archive: every entry passes the same rules (archive_collector.cpp) and inflation is metered as it happens.
//
// What happens when an archive breaks a rule. "skip" lists the entry in `skipped` with the reason shown and
// the rest of the archive is used; "error" fails the whole call and leaves the bundle unchanged.
//
// | rule                                                  | outcome                                           |
// |-------------------------------------------------------|---------------------------------------------------|
// | not gzip+tar, tar or zip (bzip2, xz, 7z, rar, text…)  | error unsupported_archive                         |
// | split (multi-disk) zip                                | error unsupported_archive                         |
// | tar header checksum wrong, bad size field, malformed  | error corrupt_archive, naming the header index    |
// |   pax header, zip local/central header mismatch, CRC  |   and byte offset (tar) or entry index (zip)      |
// | archive ends inside a header or an entry's data (also | error corrupt_archive "the archive is truncated"; |
// |   a 1 GB size declared with no data behind it)        |   nothing is allocated for the declared size      |
// | pax header / GNU long name over 1 MiB; > 16 extended  | error corrupt_archive                             |
// |   headers in a row                                    |                                                   |
// | zip entries that overlap (share compressed bytes)     | error archive_bomb                                |
// | inflated > max_compression_ratio × compressed input,  | error archive_bomb (counted over the whole        |
// |   once more than 4 MiB have been inflated             |   archive as it streams)                          |
// | inflated > 4 × max_bundle_bytes, whatever the ratio   | error size_limit (skipped data costs time too)    |
// | more than max_archive_entries entries (any type)      | error file_limit (checked per entry, and up front |
// |                                                       |   from a zip's central directory)                 |
// | kept files would exceed max_files (bundle included)   | error file_limit                                  |
// | kept bytes would exceed max_bundle_bytes              | error size_limit                                  |
// | path absolute, drive letter, NUL, `..` above the root | skip "path escapes the archive root"              |
// | name that resolves to nothing ("a/..") for a file     | skip "empty path"                                 |
// | name not valid UTF-8                                  | skip "name not UTF-8"                             |
// | path over max_path_bytes (after stripping the top)    | skip "path longer than N bytes"                   |
// | symlink, hard link, char/block device, FIFO, socket   | skip "symlink", "hard link", "character device",  |
// |                                                       |   "block device", "FIFO", "socket"                |
// | sparse file, other tar types, encrypted zip entry,    | skip "sparse file", "unsupported entry type 'X'", |
// |   zip method other than stored/deflate                |   "encrypted", "compression method N not          |
// |                                                       |   supported"                                      |
// | same path as an earlier entry or a file in the bundle | skip "duplicate path" (the later one)             |
// | file over max_document_bytes                          | skip "too large (N bytes)", its data passed over  |
// |                                                       |   while streaming, never held                     |
// | directories, pax global headers (GitHub), volume      | ignored                                           |
// |   labels                                              |                                                   |
//
// When every entry lies under one folder (GitHub's owner-repo-sha/), that folder is stripped from the paths.
// Memory: the input is read in place; kept files are copied once (into the bundle); tar.gz is inflated through
// a 128 KiB window; zip entries are inflated straight into their file.
#include "intake/archive.h"

#include <cstring>

#include "intake/archive_collector.h"
#include "intake/archive_tar.h"
#include "intake/archive_zip.h"

namespace smeltsec::intake {
namespace {

bool starts_with_bytes(std::string_view bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

Error unsupported(const std::string& what) {
  return Error{"unsupported_archive", what + " is not supported: use .tar.gz, .tgz, .tar or .zip", ""};
}

// Names the formats people are likely to try, so the message says what was given.
Error identify_unsupported(std::string_view bytes) {
  using namespace std::string_view_literals;
  if (bytes.empty()) return unsupported("an empty file");
  if (starts_with_bytes(bytes, "BZh"sv)) return unsupported("a bzip2-compressed archive");
  if (starts_with_bytes(bytes, "\3757zXZ\0"sv)) {  // \375 = 0xFD, octal so that the 7 is not taken as a digit
    return unsupported("an xz-compressed archive");
  }
  if (starts_with_bytes(bytes, "\x28\xB5\x2F\xFD"sv)) return unsupported("a Zstandard-compressed archive");
  if (starts_with_bytes(bytes, "7z\xBC\xAF\x27\x1C"sv)) return unsupported("a 7z archive");
  if (starts_with_bytes(bytes, "Rar!"sv)) return unsupported("a RAR archive");
  if (starts_with_bytes(bytes, "PK\x07\x08"sv)) return unsupported("a split zip archive");
  if (starts_with_bytes(bytes, "\x1F\x9D"sv)) return unsupported("a compress (.Z) archive");
  return unsupported("data that is not an archive");
}

}  // namespace

Status unpack_archive(std::string_view bytes, SourceBundle& bundle, std::vector<SkippedFile>& skipped) {
  using namespace std::string_view_literals;
  archive::EntryCollector collector(bundle);
  Status read = Ok{};
  if (starts_with_bytes(bytes, "\x1F\x8B"sv)) {
    read = archive::read_tar(bytes, true, collector);
  } else if (starts_with_bytes(bytes, "PK\x03\x04"sv) || starts_with_bytes(bytes, "PK\x05\x06"sv)) {
    read = archive::read_zip(bytes, collector);
  } else if (archive::looks_like_tar(bytes)) {
    read = archive::read_tar(bytes, false, collector);
  } else {
    return identify_unsupported(bytes);
  }
  if (!read) return read;
  return collector.finish(skipped);
}

}  // namespace smeltsec::intake
