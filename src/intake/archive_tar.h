// tar archives (POSIX ustar and pax, GNU, v7), plain or gzip-compressed.
#pragma once

#include <string_view>

#include "intake/archive_collector.h"

namespace smeltsec::intake::archive {

// True when `bytes` begins with a tar header: the ustar magic, or a v7 header whose checksum holds, or the
// two zero blocks of an empty archive.
bool looks_like_tar(std::string_view bytes);

// Reads a tar archive (inside a gzip stream when `gzipped`) into `collector`, streaming: file data is copied
// once, into the file it belongs to, and skipped data is never kept. Fails with unsupported_archive when the
// (inflated) bytes are not a tar archive, corrupt_archive on a damaged or truncated one, or a collector limit.
Status read_tar(std::string_view bytes, bool gzipped, EntryCollector& collector);

}  // namespace smeltsec::intake::archive
