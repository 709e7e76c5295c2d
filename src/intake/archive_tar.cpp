#include "intake/archive_tar.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "intake/archive_inflate.h"

namespace smeltsec::intake::archive {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kInflateBuffer = 128u << 10;
// pax extended headers and GNU long names are read into memory: real ones are a few hundred bytes.
constexpr std::uint64_t kMaxMetaBytes = 1u << 20;
// Extended headers in a row before an entry (pax + GNU long name + long link name is three).
constexpr int kMaxMetaRun = 16;

// Header fields (POSIX.1-2017 pax, "ustar Interchange Format").
constexpr std::size_t kNameAt = 0, kNameLen = 100;
constexpr std::size_t kSizeAt = 124, kSizeLen = 12;
constexpr std::size_t kChecksumAt = 148, kChecksumLen = 8;
constexpr std::size_t kTypeAt = 156;
constexpr std::size_t kMagicAt = 257;
constexpr std::size_t kPrefixAt = 345, kPrefixLen = 155, kStarPrefixLen = 131;
constexpr std::size_t kGnuSparseExtendedAt = 482, kGnuSparseBlockExtendedAt = 504;

// The tar stream: the input itself, or what a gzip stream inflates to.
class TarSource {
 public:
  virtual ~TarSource() = default;
  // The next unread bytes (at least one), or an empty view at the end of the stream.
  virtual Result<std::string_view> peek() = 0;
  void consume(std::size_t n) {
    advance(n);
    offset_ += n;
  }
  std::uint64_t offset() const { return offset_; }

 private:
  virtual void advance(std::size_t n) = 0;
  std::uint64_t offset_ = 0;
};

class MemorySource final : public TarSource {
 public:
  explicit MemorySource(std::string_view bytes) : rest_(bytes) {}
  Result<std::string_view> peek() override { return rest_; }

 private:
  void advance(std::size_t n) override { rest_.remove_prefix(n); }
  std::string_view rest_;
};

class GzipSource final : public TarSource {
 public:
  GzipSource(std::string_view bytes, EntryCollector& collector)
      : inflater_(Inflater::Format::gzip, bytes, collector), buffer_(new char[kInflateBuffer]) {}
  Result<std::string_view> peek() override {
    if (begin_ == end_) {
      auto got = inflater_.read(buffer_.get(), kInflateBuffer);
      if (!got) return got.error();
      begin_ = 0;
      end_ = got.value();
    }
    return std::string_view(buffer_.get() + begin_, end_ - begin_);
  }

 private:
  void advance(std::size_t n) override { begin_ += n; }
  Inflater inflater_;
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0, end_ = 0;
};

// Hands the next `n` bytes to `take`, chunk by chunk: how many there were (fewer than `n` only at the end).
template <class Take>
Result<std::uint64_t> transfer(TarSource& source, std::uint64_t n, Take&& take) {
  std::uint64_t done = 0;
  while (done < n) {
    auto chunk = source.peek();
    if (!chunk) return chunk.error();
    std::string_view bytes = chunk.value();
    if (bytes.empty()) break;
    if (bytes.size() > n - done) bytes = bytes.substr(0, static_cast<std::size_t>(n - done));
    take(bytes);
    source.consume(bytes.size());
    done += bytes.size();
  }
  return done;
}

Result<std::uint64_t> pass_over(TarSource& source, std::uint64_t n) {
  return transfer(source, n, [](std::string_view) {});
}

std::uint64_t padding(std::uint64_t size) {
  return (kBlock - size % kBlock) % kBlock;
}

// A NUL-terminated field (or one that fills its bytes).
std::string_view text_field(const char* block, std::size_t at, std::size_t len) {
  const std::string_view f(block + at, len);
  return f.substr(0, f.find('\0'));
}

bool is_zero_block(const char* block) {
  return std::all_of(block, block + kBlock, [](char c) { return c == 0; });
}

// An octal number (leading spaces, then digits ended by a space or NUL), or GNU/star base-256 (first byte
// 0x80 | high bits). Negative and overflowing values are refused.
std::optional<std::uint64_t> parse_number(const char* field, std::size_t len) {
  const auto first = static_cast<unsigned char>(field[0]);
  if (first & 0x80) {
    if (first & 0x40) return std::nullopt;  // negative
    std::uint64_t value = first & 0x3F;
    for (std::size_t i = 1; i < len; ++i) {
      if (value >> 55) return std::nullopt;
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  std::size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  std::uint64_t value = 0;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 60) return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
  }
  for (; i < len; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// The stored sum of the header's bytes, its own field counted as spaces; historic writers summed signed chars.
bool checksum_holds(const char* block) {
  const auto stored = parse_number(block + kChecksumAt, kChecksumLen);
  if (!stored) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    const char c = i >= kChecksumAt && i < kChecksumAt + kChecksumLen ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || (signed_sum >= 0 && *stored == static_cast<std::uint64_t>(signed_sum));
}

bool has_ustar_magic(const char* block) {
  return std::memcmp(block + kMagicAt, "ustar", 5) == 0;
}

// Metadata that applies to the next real entry.
struct PendingMeta {
  std::optional<std::string> gnu_long_name;
  std::optional<std::string> pax_path;
  std::optional<std::uint64_t> pax_size;
  bool pax_sparse = false;
};

// pax records: "<length> <key>=<value>\n", the length counting the whole record.
Status parse_pax(std::string_view data, PendingMeta& meta, const std::string& where) {
  while (!data.empty() && data[0] != '\0') {
    const std::size_t space = data.find(' ');
    const auto length = space == std::string_view::npos ? std::nullopt : parse_decimal(data.substr(0, space));
    if (!length || *length <= space + 2 || *length > data.size() || data[*length - 1] != '\n') {
      return corrupt_archive(where + ": malformed pax extended header");
    }
    const std::string_view record = data.substr(space + 1, *length - space - 2);
    data.remove_prefix(*length);
    const std::size_t eq = record.find('=');
    if (eq == std::string_view::npos) return corrupt_archive(where + ": malformed pax extended header");
    const std::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      meta.pax_path = std::string(value);
    } else if (key == "size") {
      meta.pax_size = parse_decimal(value);
      if (!meta.pax_size) return corrupt_archive(where + ": bad size in pax extended header");
    } else if (key.substr(0, 11) == "GNU.sparse.") {
      meta.pax_sparse = true;
      if (key == "GNU.sparse.name") meta.pax_path = std::string(value);
    }
  }
  return Ok{};
}

std::string entry_name(const char* block, const PendingMeta& meta) {
  if (meta.pax_path) return *meta.pax_path;
  if (meta.gnu_long_name) return *meta.gnu_long_name;
  std::string name(text_field(block, kNameAt, kNameLen));
  // The prefix field is POSIX ustar's ("ustar\0"); GNU's format ("ustar  \0") keeps other data there, and star
  // ends its shorter prefix with "tar\0" at byte 508.
  if (std::memcmp(block + kMagicAt, "ustar\0", 6) == 0) {
    const bool star = std::memcmp(block + 508, "tar\0", 4) == 0;
    const std::string_view prefix = text_field(block, kPrefixAt, star ? kStarPrefixLen : kPrefixLen);
    if (!prefix.empty()) name = std::string(prefix) + "/" + name;
  }
  return name;
}

EntryKind kind_of(char type, std::string_view name, std::string& why) {
  switch (type) {
    case '0':
    case '\0':
    case '7':
      // '7' is a contiguous file; v7 archives mark folders with a trailing slash only.
      return !name.empty() && name.back() == '/' ? EntryKind::directory : EntryKind::file;
    case '1':
      return EntryKind::hard_link;
    case '2':
      return EntryKind::symlink;
    case '3':
      return EntryKind::char_device;
    case '4':
      return EntryKind::block_device;
    case '5':
    case 'D':  // GNU dumpdir
      return EntryKind::directory;
    case '6':
      return EntryKind::fifo;
    case 'S':
      why = "sparse file";
      return EntryKind::unsupported;
    case 'M':
      why = "multi-volume continuation";
      return EntryKind::unsupported;
    default: {
      const auto c = static_cast<unsigned char>(type);
      why = "unsupported entry type ";
      if (c > 0x20 && c < 0x7F) {
        why += "'" + std::string(1, type) + "'";
      } else {
        why += std::to_string(c);
      }
      return EntryKind::unsupported;
    }
  }
}

Status read_entries(TarSource& source, EntryCollector& collector, bool gzipped) {
  char block[kBlock];
  PendingMeta meta;
  int meta_run = 0;
  for (std::uint64_t index = 0;; ++index) {
    const std::uint64_t offset = source.offset();
    const std::string where = "tar header " + std::to_string(index) + " at byte " + std::to_string(offset);
    auto got = transfer(source, kBlock, [&, filled = std::size_t{0}](std::string_view bytes) mutable {
      std::memcpy(block + filled, bytes.data(), bytes.size());
      filled += bytes.size();
    });
    if (!got) return got.error();
    const bool complete = got.value() == kBlock;
    if (complete && is_zero_block(block)) break;  // end of archive: what follows is padding
    if (index == 0 && (!complete || (!has_ustar_magic(block) && !checksum_holds(block)))) {
      return Error{"unsupported_archive",
                   gzipped ? "the gzip data is not a tar archive (only .tar.gz/.tgz are unpacked)"
                           : "the data is not a tar archive",
                   ""};
    }
    if (got.value() == 0) break;  // no end-of-archive blocks; nothing is missing
    if (!complete) return truncated_archive(where + " is cut short");
    if (!checksum_holds(block)) return corrupt_archive(where + ": the header checksum does not match");
    const auto header_size = parse_number(block + kSizeAt, kSizeLen);
    if (!header_size) return corrupt_archive(where + ": the size field is not a number");
    const char type = block[kTypeAt];

    if (type == 'L' || type == 'K' || type == 'x' || type == 'X' || type == 'g' || type == 'V') {
      if (++meta_run > kMaxMetaRun) return corrupt_archive(where + ": too many extended headers in a row");
      const std::uint64_t size = *header_size;
      if (type == 'g' || type == 'V' || type == 'K') {  // pax global header (GitHub: the commit), label, link name
        auto passed = pass_over(source, size + padding(size));
        if (!passed) return passed.error();
        if (passed.value() < size + padding(size)) return truncated_archive(where + ": extended header data");
        continue;
      }
      if (size > kMaxMetaBytes) {
        return corrupt_archive(where + ": an extended header of " + std::to_string(size) + " bytes (the limit is " +
                               std::to_string(kMaxMetaBytes) + ")");
      }
      std::string data;
      auto read = transfer(source, size + padding(size), [&](std::string_view bytes) { data.append(bytes); });
      if (!read) return read.error();
      if (read.value() < size + padding(size)) return truncated_archive(where + ": extended header data");
      data.resize(static_cast<std::size_t>(size));
      if (type == 'L') {
        meta.gnu_long_name = data.substr(0, data.find('\0'));
      } else if (auto parsed = parse_pax(data, meta, where); !parsed) {
        return parsed;
      }
      continue;
    }
    meta_run = 0;

    const std::string name = entry_name(block, meta);
    std::string why;
    EntryHeader entry;
    entry.name = name;
    entry.kind = kind_of(type, name, why);
    if (meta.pax_sparse && entry.kind == EntryKind::file) {
      why = "sparse file";
      entry.kind = EntryKind::unsupported;
    }
    entry.why_unsupported = why;
    // Folders carry no data; every other type is followed by `size` bytes, as GNU tar reads them.
    const std::uint64_t size = type == '5' ? 0 : meta.pax_size.value_or(*header_size);
    entry.size = size;
    meta = PendingMeta{};
    if (type == 'S' && block[kGnuSparseExtendedAt] != 0) {  // old GNU sparse maps continue in extra blocks
      char extension[kBlock];
      do {
        auto ext = transfer(source, kBlock, [&, filled = std::size_t{0}](std::string_view bytes) mutable {
          std::memcpy(extension + filled, bytes.data(), bytes.size());
          filled += bytes.size();
        });
        if (!ext) return ext.error();
        if (ext.value() < kBlock) return truncated_archive(where + ": sparse map", name);
      } while (extension[kGnuSparseBlockExtendedAt] != 0);
    }

    auto admitted = collector.admit(entry);
    if (!admitted) return admitted.error();
    if (admitted.value()) {
      std::string data;
      data.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 20)));
      auto read = transfer(source, size, [&](std::string_view bytes) { data.append(bytes); });
      if (!read) return read.error();
      if (read.value() < size) {
        return truncated_archive("the data of " + where + " (" + std::to_string(size) + " bytes declared)", name);
      }
      collector.keep(std::move(data));
    } else {
      auto passed = pass_over(source, size);
      if (!passed) return passed.error();
      if (passed.value() < size) {
        return truncated_archive("the data of " + where + " (" + std::to_string(size) + " bytes declared)", name);
      }
    }
    auto padded = pass_over(source, padding(size));
    if (!padded) return padded.error();
    if (padded.value() < padding(size)) return truncated_archive("the padding after " + where, name);
  }
  return Ok{};
}

}  // namespace

bool looks_like_tar(std::string_view bytes) {
  if (bytes.size() < kBlock) return false;
  const char* block = bytes.data();
  if (is_zero_block(block)) return bytes.size() >= 2 * kBlock && is_zero_block(block + kBlock);
  return has_ustar_magic(block) || checksum_holds(block);
}

Status read_tar(std::string_view bytes, bool gzipped, EntryCollector& collector) {
  if (gzipped) {
    GzipSource source(bytes, collector);
    return read_entries(source, collector, true);
  }
  MemorySource source(bytes);
  return read_entries(source, collector, false);
}

}  // namespace smeltsec::intake::archive
