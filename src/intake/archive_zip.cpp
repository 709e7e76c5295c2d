#include "intake/archive_zip.h"

#include <algorithm>
#include <string>
#include <vector>

#include "intake/archive_inflate.h"

namespace smeltsec::intake::archive {
namespace {

constexpr std::size_t kEocdSize = 22, kCentralSize = 46, kLocalSize = 30;
constexpr std::size_t kZip64LocatorSize = 20, kZip64EocdSize = 56;
constexpr std::uint32_t kEocdSignature = 0x06054b50, kCentralSignature = 0x02014b50, kLocalSignature = 0x04034b50;
constexpr std::uint32_t kZip64EocdSignature = 0x06064b50, kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kMaxCommentBytes = 0xFFFF;
constexpr std::uint32_t kUnknown32 = 0xFFFFFFFF;  // "see the zip64 extra field"
constexpr std::uint16_t kZip64ExtraTag = 0x0001;
constexpr std::uint16_t kFlagEncrypted = 1, kFlagDataDescriptor = 8, kFlagStrongEncryption = 0x40;
constexpr std::size_t kInflateChunk = 256u << 10;

std::uint64_t le(std::string_view s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(le(s, at, 2));
}
std::uint32_t le32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(le(s, at, 4));
}
std::uint64_t le64(std::string_view s, std::size_t at) {
  return le(s, at, 8);
}

struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t offset = 0;  // of the first central directory record
  std::uint64_t size = 0;
};

struct CentralEntry {
  std::string_view name;
  std::uint16_t made_by = 0, flags = 0, method = 0;
  std::uint32_t crc = 0, external_attributes = 0;
  std::uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
  std::uint64_t data_offset = 0;  // from the local header
};

std::string entry_where(std::size_t index) {
  return "zip entry " + std::to_string(index);
}

// The end-of-central-directory record ends the archive (after its comment); zip64 archives put a locator
// right before it pointing to a larger record.
Result<Directory> find_directory(std::string_view in) {
  if (in.size() < kEocdSize) return truncated_archive("the zip end-of-central-directory record is missing");
  const std::size_t lowest = in.size() - kEocdSize - std::min(in.size() - kEocdSize, kMaxCommentBytes);
  std::size_t eocd = std::string_view::npos;
  for (std::size_t at = in.size() - kEocdSize + 1; at-- > lowest;) {
    if (le32(in, at) == kEocdSignature && at + kEocdSize + le16(in, at + 20) == in.size()) {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string_view::npos) {
    return truncated_archive("the zip end-of-central-directory record is missing");
  }
  std::uint64_t disk = le16(in, eocd + 4), directory_disk = le16(in, eocd + 6);
  std::uint64_t disk_entries = le16(in, eocd + 8);
  Directory dir{le16(in, eocd + 10), le32(in, eocd + 16), le32(in, eocd + 12)};
  std::uint64_t directory_limit = eocd;
  if (eocd >= kZip64LocatorSize && le32(in, eocd - kZip64LocatorSize) == kZip64LocatorSignature) {
    const std::size_t locator = eocd - kZip64LocatorSize;
    const std::uint64_t record = le64(in, locator + 8);
    if (record > locator || locator - record < kZip64EocdSize || le32(in, record) != kZip64EocdSignature) {
      return corrupt_archive("the zip64 end-of-central-directory record is missing");
    }
    const auto at = static_cast<std::size_t>(record);
    disk = le32(in, at + 16);
    directory_disk = le32(in, at + 20);
    disk_entries = le64(in, at + 24);
    dir = Directory{le64(in, at + 32), le64(in, at + 48), le64(in, at + 40)};
    directory_limit = record;
  }
  if (disk != 0 || directory_disk != 0 || disk_entries != dir.entries) {
    return Error{"unsupported_archive", "split (multi-disk) zip archives are not supported", ""};
  }
  if (dir.offset > directory_limit || dir.size > directory_limit - dir.offset) {
    return corrupt_archive("the zip central directory lies outside the archive");
  }
  return dir;
}

// Sizes and offset that do not fit 32 bits come from the zip64 extra field, in this order, each present
// only when its 32-bit field says so.
bool apply_zip64_extra(std::string_view extra, CentralEntry& e) {
  const bool need_uncompressed = e.uncompressed == kUnknown32, need_compressed = e.compressed == kUnknown32,
             need_offset = e.local_offset == kUnknown32;
  if (!need_uncompressed && !need_compressed && !need_offset) return true;
  while (extra.size() >= 4) {
    const std::uint16_t tag = le16(extra, 0), len = le16(extra, 2);
    if (len > extra.size() - 4) return false;
    if (tag == kZip64ExtraTag) {
      const std::string_view data = extra.substr(4, len);
      std::size_t at = 0;
      for (auto [needed, field] :
           {std::pair{need_uncompressed, &e.uncompressed}, std::pair{need_compressed, &e.compressed},
            std::pair{need_offset, &e.local_offset}}) {
        if (!needed) continue;
        if (data.size() - at < 8) return false;
        *field = le64(data, at);
        at += 8;
      }
      return true;
    }
    extra.remove_prefix(4 + std::size_t{len});
  }
  return false;
}

Result<std::vector<CentralEntry>> read_directory(std::string_view in, const Directory& dir, const Limits& limits) {
  if (dir.entries > limits.max_archive_entries) {
    return Error{"file_limit", "the archive has more than " + std::to_string(limits.max_archive_entries) + " entries",
                 ""};
  }
  if (dir.entries > dir.size / kCentralSize) {
    return corrupt_archive("the zip central directory is too small for its " + std::to_string(dir.entries) +
                           " entries");
  }
  std::vector<CentralEntry> entries;
  entries.reserve(static_cast<std::size_t>(dir.entries));
  auto at = static_cast<std::size_t>(dir.offset);
  const auto end = static_cast<std::size_t>(dir.offset + dir.size);
  for (std::size_t i = 0; i < dir.entries; ++i) {
    const std::string where = entry_where(i) + " (central directory, byte " + std::to_string(at) + ")";
    if (end - at < kCentralSize || le32(in, at) != kCentralSignature) {
      return corrupt_archive(where + ": not a central directory record");
    }
    CentralEntry e;
    e.made_by = le16(in, at + 4);
    e.flags = le16(in, at + 8);
    e.method = le16(in, at + 10);
    e.crc = le32(in, at + 16);
    e.compressed = le32(in, at + 20);
    e.uncompressed = le32(in, at + 24);
    const std::size_t name_len = le16(in, at + 28), extra_len = le16(in, at + 30), comment_len = le16(in, at + 32);
    e.external_attributes = le32(in, at + 38);
    e.local_offset = le32(in, at + 42);
    if (kCentralSize + name_len + extra_len + comment_len > end - at) {
      return corrupt_archive(where + ": the record runs past the central directory");
    }
    e.name = in.substr(at + kCentralSize, name_len);
    if (!apply_zip64_extra(in.substr(at + kCentralSize + name_len, extra_len), e)) {
      return corrupt_archive(where + ": the zip64 extra field is missing or short", e.name);
    }
    entries.push_back(e);
    at += kCentralSize + name_len + extra_len + comment_len;
  }
  return entries;
}

// The local header must agree with the central directory; its end gives the entry's data offset.
Status check_local_header(std::string_view in, const Directory& dir, std::size_t index, CentralEntry& e) {
  const std::string where = entry_where(index);
  const std::uint64_t at = e.local_offset;
  if (at > dir.offset || dir.offset - at < kLocalSize || le32(in, static_cast<std::size_t>(at)) != kLocalSignature) {
    return corrupt_archive(where + ": no local header at byte " + std::to_string(at), e.name);
  }
  const auto lo = static_cast<std::size_t>(at);
  const std::uint16_t flags = le16(in, lo + 6), method = le16(in, lo + 8);
  const std::uint32_t crc = le32(in, lo + 14), compressed = le32(in, lo + 18), uncompressed = le32(in, lo + 22);
  const std::size_t name_len = le16(in, lo + 26), extra_len = le16(in, lo + 28);
  if (kLocalSize + name_len + extra_len > dir.offset - at) {
    return corrupt_archive(where + ": the local header runs into the central directory", e.name);
  }
  if (in.substr(lo + kLocalSize, name_len) != e.name) {
    return corrupt_archive(where + ": the local header names another file than the central directory", e.name);
  }
  if (method != e.method || ((flags ^ e.flags) & kFlagEncrypted)) {
    return corrupt_archive(where + ": the local header's method or flags differ from the central directory", e.name);
  }
  // With a data descriptor (flag 8) the local CRC and sizes are zeros; otherwise they must match.
  if (!(flags & kFlagDataDescriptor) && (crc != e.crc || (compressed != kUnknown32 && compressed != e.compressed) ||
                                         (uncompressed != kUnknown32 && uncompressed != e.uncompressed))) {
    return corrupt_archive(where + ": the local header's CRC or sizes differ from the central directory", e.name);
  }
  e.data_offset = at + kLocalSize + name_len + extra_len;
  if (e.compressed > dir.offset - e.data_offset) {
    return corrupt_archive(where + ": the data runs past the end of the entries", e.name);
  }
  return Ok{};
}

// Entries whose bytes overlap are how a zip bomb makes a few kilobytes inflate many times over.
Status check_overlaps(const std::vector<CentralEntry>& entries) {
  struct Span {
    std::uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  spans.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    spans.push_back({entries[i].local_offset, entries[i].data_offset + entries[i].compressed, i});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (std::size_t k = 1; k < spans.size(); ++k) {
    if (spans[k].begin < spans[k - 1].end) {
      return Error{"archive_bomb",
                   entry_where(spans[k - 1].index) + " and " + entry_where(spans[k].index) +
                       " share bytes: overlapping entries are a zip bomb's construction",
                   ""};
    }
  }
  return Ok{};
}

std::string method_name(std::uint16_t method) {
  switch (method) {
    case 1:
      return " (shrink)";
    case 6:
      return " (implode)";
    case 9:
      return " (deflate64)";
    case 12:
      return " (bzip2)";
    case 14:
      return " (LZMA)";
    case 93:
      return " (Zstandard)";
    case 95:
      return " (xz)";
    case 98:
      return " (PPMd)";
    default:
      return "";
  }
}

EntryKind kind_of(const CentralEntry& e, std::string& why) {
  const unsigned host = e.made_by >> 8;
  if (host == 3 || host == 19) {  // Unix, OS X: st_mode in the high 16 bits
    switch ((e.external_attributes >> 16) & 0170000) {
      case 0120000:
        return EntryKind::symlink;
      case 0020000:
        return EntryKind::char_device;
      case 0060000:
        return EntryKind::block_device;
      case 0010000:
        return EntryKind::fifo;
      case 0040000:
        return EntryKind::directory;
      case 0140000:
        why = "socket";
        return EntryKind::unsupported;
      default:
        break;
    }
  }
  if (!e.name.empty() && (e.name.back() == '/' || e.name.back() == '\\')) return EntryKind::directory;
  if ((host == 0 || host == 10 || host == 14) && (e.external_attributes & 0x10)) {  // MS-DOS, NTFS, VFAT
    return EntryKind::directory;
  }
  if ((e.flags & (kFlagEncrypted | kFlagStrongEncryption)) || e.method == 99) {
    why = "encrypted";
    return EntryKind::unsupported;
  }
  if (e.method != 0 && e.method != 8) {
    why = "compression method " + std::to_string(e.method) + method_name(e.method) + " not supported";
    return EntryKind::unsupported;
  }
  return EntryKind::file;
}

Status extract(std::string_view in, const CentralEntry& e, std::size_t index, EntryCollector& collector,
               std::string& out) {
  const std::string where = entry_where(index);
  const std::string_view data =
      in.substr(static_cast<std::size_t>(e.data_offset), static_cast<std::size_t>(e.compressed));
  if (e.method == 0) {
    if (e.compressed != e.uncompressed) {
      return corrupt_archive(where + ": a stored entry whose compressed and unpacked sizes differ", e.name);
    }
    out.assign(data);
  } else {
    Inflater inflater(Inflater::Format::raw_deflate, data, collector);
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(e.uncompressed, kInflateChunk)));
    while (true) {
      // One byte more than declared is asked for, to see data the header does not admit to.
      const std::size_t have = out.size();
      const std::size_t room =
          static_cast<std::size_t>(std::min<std::uint64_t>(e.uncompressed - have + 1, kInflateChunk));
      out.resize(have + room);
      auto got = inflater.read(&out[have], room);
      if (!got) return Error{got.error().code, where + ": " + got.error().message, printable_name(e.name)};
      out.resize(have + got.value());
      if (got.value() == 0) break;
      if (out.size() > e.uncompressed) {
        return corrupt_archive(
            where + ": inflates to more than its declared " + std::to_string(e.uncompressed) + " bytes", e.name);
      }
    }
    if (out.size() != e.uncompressed) {
      return corrupt_archive(where + ": inflates to " + std::to_string(out.size()) + " bytes, not the declared " +
                                 std::to_string(e.uncompressed),
                             e.name);
    }
  }
  if (crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size()) != e.crc) {
    return corrupt_archive(where + ": the CRC does not match the data", e.name);
  }
  return Ok{};
}

}  // namespace

Status read_zip(std::string_view in, EntryCollector& collector) {
  auto dir = find_directory(in);
  if (!dir) return dir.error();
  auto entries = read_directory(in, dir.value(), collector.limits());
  if (!entries) return entries.error();
  for (std::size_t i = 0; i < entries.value().size(); ++i) {
    if (auto checked = check_local_header(in, dir.value(), i, entries.value()[i]); !checked) return checked;
  }
  if (auto checked = check_overlaps(entries.value()); !checked) return checked;
  for (std::size_t i = 0; i < entries.value().size(); ++i) {
    const CentralEntry& e = entries.value()[i];
    std::string why;
    EntryHeader header;
    header.name = e.name;
    header.kind = kind_of(e, why);
    header.why_unsupported = why;
    header.size = e.uncompressed;
    auto admitted = collector.admit(header);
    if (!admitted) return admitted.error();
    if (!admitted.value()) continue;
    std::string bytes;
    if (auto extracted = extract(in, e, i, collector, bytes); !extracted) return extracted;
    collector.keep(std::move(bytes));
  }
  return Ok{};
}

}  // namespace smeltsec::intake::archive
