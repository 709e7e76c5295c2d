// zip archives (PKWARE APPNOTE 6.3): stored and deflated entries, zip64 sizes and counts.
#pragma once

#include <string_view>

#include "intake/archive_collector.h"

namespace smeltsec::intake::archive {

// Reads a zip archive into `collector` from its central directory, checking each entry against its local
// header. Encrypted entries and compression methods other than stored (0) and deflate (8) are skipped with
// the reason. Fails with corrupt_archive on a damaged or truncated archive (local/central mismatch, CRC
// mismatch, data outside the archive), archive_bomb when entries overlap, or a collector limit.
Status read_zip(std::string_view bytes, EntryCollector& collector);

}  // namespace smeltsec::intake::archive
