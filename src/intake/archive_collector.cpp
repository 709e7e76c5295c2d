#include "intake/archive_collector.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/text.h"

namespace smeltsec::intake::archive {
namespace {

constexpr std::size_t kShownNameBytes = 200;
// The compression ratio is judged only once this much has been inflated: small archives of repetitive text
// (or a tar of empty files) legitimately compress far better than 200:1 for their first kilobytes.
constexpr std::uint64_t kBombMinimumBytes = 4u << 20;
// However well it compresses, an archive is not inflated past this many times the bundle limit: skipped data
// (files over the size limit) still costs time to inflate.
constexpr std::uint64_t kInflatedPerBundleByte = 4;

// At most `max` bytes, cut at a code point boundary.
std::string_view shorten(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

enum class PathStatus { inside, root, escapes };

struct EntryPath {
  PathStatus status;
  std::string normalised;
};

// Resolves an entry name as SourceBundle does (`\` as `/`, `.` and `..` applied), telling the archive root
// itself ("", ".", "./", "a/..") apart from names that leave it (absolute, drive letter, NUL, `..` above).
EntryPath resolve(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return {PathStatus::escapes, {}};
  std::string p(name);
  std::replace(p.begin(), p.end(), '\\', '/');
  if (!p.empty() && (p[0] == '/' || (p.size() > 1 && p[1] == ':'))) return {PathStatus::escapes, {}};
  std::vector<std::string_view> parts;
  std::string_view rest = p;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part == "..") {
      if (parts.empty()) return {PathStatus::escapes, {}};
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (parts.empty()) return {PathStatus::root, {}};
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.size() > 1 && out[1] == ':') return {PathStatus::escapes, {}};  // "./C:/x" is a drive letter too
  return {PathStatus::inside, std::move(out)};
}

const char* kind_reason(EntryKind kind) {
  switch (kind) {
    case EntryKind::symlink:
      return "symlink";
    case EntryKind::hard_link:
      return "hard link";
    case EntryKind::char_device:
      return "character device";
    case EntryKind::block_device:
      return "block device";
    case EntryKind::fifo:
      return "FIFO";
    default:
      return nullptr;
  }
}

}  // namespace

std::string printable_name(std::string_view name) {
  name = shorten(name, kShownNameBytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    const bool printable = len == 1 ? (c >= 0x20 && c != 0x7F)
                                    : len > 1 && i + len <= name.size() && text::is_valid_utf8(name.substr(i, len));
    if (printable) {
      out.append(name.substr(i, len));
      i += len;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    }
  }
  return out;
}

Error corrupt_archive(std::string message, std::string_view name) {
  return Error{"corrupt_archive", std::move(message), name.empty() ? std::string() : printable_name(name)};
}

Error truncated_archive(std::string_view what, std::string_view name) {
  return corrupt_archive("the archive is truncated: " + std::string(what), name);
}

EntryCollector::EntryCollector(SourceBundle& bundle) : bundle_(bundle), limits_(bundle.limits()) {}

Result<bool> EntryCollector::admit(const EntryHeader& entry) {
  if (++entries_ > limits_.max_archive_entries) {
    return Error{"file_limit", "the archive has more than " + std::to_string(limits_.max_archive_entries) + " entries",
                 ""};
  }
  const EntryPath path = resolve(entry.name);
  if (path.status == PathStatus::escapes) {
    skip(entry.name, "path escapes the archive root", false);
    return false;
  }
  if (path.status == PathStatus::root) {  // "./" in `tar -C dir .` archives
    if (entry.kind != EntryKind::directory) skip(entry.name, "empty path", false);
    return false;
  }
  const std::string& p = path.normalised;
  note_location(p, entry.kind == EntryKind::directory);
  if (entry.kind == EntryKind::directory) return false;  // the files inside are judged, and reported, one by one
  if (!text::is_valid_utf8(p)) {
    skip(p, "name not UTF-8", true);
    return false;
  }
  // Judged on the path as it will be added: without the top folder, while every entry so far shares it (when a
  // later entry does not, finish() judges again).
  const bool under_top =
      top_shared_ && p.size() > top_.size() && p.compare(0, top_.size(), top_) == 0 && p[top_.size()] == '/';
  if (p.size() - (under_top ? top_.size() + 1 : 0) > limits_.max_path_bytes) {
    skip(p, "path longer than " + std::to_string(limits_.max_path_bytes) + " bytes", true);
    return false;
  }
  if (const char* reason = kind_reason(entry.kind)) {
    skip(p, reason, true);
    return false;
  }
  if (entry.kind == EntryKind::unsupported) {
    skip(p, std::string(entry.why_unsupported), true);
    return false;
  }
  if (kept_paths_.count(p)) {
    skip(p, "duplicate path", true);
    return false;
  }
  if (entry.size > limits_.max_document_bytes) {
    skip(p, "too large (" + std::to_string(entry.size) + " bytes)", true);
    return false;
  }
  if (bundle_.files().size() + kept_.size() >= limits_.max_files) {
    return Error{"file_limit", "the bundle would hold more than " + std::to_string(limits_.max_files) + " files",
                 printable_name(p)};
  }
  const std::uint64_t used = bundle_.total_bytes() + kept_bytes_;
  if (used > limits_.max_bundle_bytes || entry.size > limits_.max_bundle_bytes - used) {
    return Error{"size_limit",
                 "the unpacked files exceed the bundle limit of " + std::to_string(limits_.max_bundle_bytes) + " bytes",
                 printable_name(p)};
  }
  kept_paths_.insert(p);
  kept_.push_back({p, {}});
  kept_bytes_ += entry.size;
  return true;
}

void EntryCollector::keep(std::string bytes) {
  kept_.back().bytes = std::move(bytes);
}

Status EntryCollector::count_inflated(std::uint64_t produced, std::uint64_t consumed) {
  inflated_ += produced;
  compressed_ += consumed;
  if (inflated_ > kBombMinimumBytes &&
      static_cast<double>(inflated_) > static_cast<double>(limits_.max_compression_ratio) * compressed_) {
    return Error{"archive_bomb",
                 "the archive inflates to more than " + std::to_string(limits_.max_compression_ratio) +
                     " times its compressed size (" + std::to_string(inflated_) + " bytes from " +
                     std::to_string(compressed_) + "): a decompression bomb",
                 ""};
  }
  const std::uint64_t bundle_bytes = limits_.max_bundle_bytes;  // size_t is 32 bits in wasm
  const std::uint64_t cap = bundle_bytes > std::numeric_limits<std::uint64_t>::max() / kInflatedPerBundleByte
                                ? std::numeric_limits<std::uint64_t>::max()
                                : kInflatedPerBundleByte * bundle_bytes;
  if (inflated_ > cap) {
    return Error{"size_limit",
                 "the archive inflates to more than " + std::to_string(cap) + " bytes (" +
                     std::to_string(kInflatedPerBundleByte) + " times the bundle limit)",
                 ""};
  }
  return Ok{};
}

void EntryCollector::note_location(std::string_view path, bool is_directory) {
  const std::size_t slash = path.find('/');
  if (slash == std::string_view::npos && !is_directory) {  // a file at the root: nothing to strip
    top_shared_ = false;
    return;
  }
  const std::string_view top = path.substr(0, slash);
  if (!top_known_) {
    top_ = std::string(top);
    top_known_ = true;
  } else if (top != top_) {
    top_shared_ = false;
  }
}

void EntryCollector::skip(std::string_view path, std::string reason, bool normalised) {
  const bool under_top = normalised && top_known_ && path.size() > top_.size() &&
                         path.compare(0, top_.size(), top_) == 0 && path[top_.size()] == '/';
  if (under_top) path.remove_prefix(top_.size() + 1);
  skipped_.push_back({under_top, std::string(shorten(path, kShownNameBytes)), std::move(reason)});
}

Status EntryCollector::finish(std::vector<SkippedFile>& skipped) {
  const bool strip = top_known_ && top_shared_;
  std::vector<SkippedFile> late;
  for (Kept& k : kept_) {
    std::string_view path = k.path;
    if (strip) path.remove_prefix(top_.size() + 1);
    auto added = bundle_.add_file(path, std::move(k.bytes));
    if (added) continue;
    const std::string& code = added.error().code;
    if (code == "duplicate_path") {
      late.push_back({printable_name(path), "duplicate path"});
    } else if (code == "path_limit") {
      late.push_back({printable_name(path), "path longer than " + std::to_string(limits_.max_path_bytes) + " bytes"});
    } else if (code == "bad_path") {  // "top/C:x" is a drive letter once the top folder is stripped
      late.push_back({printable_name(path), "path escapes the archive root"});
    } else {
      return added.error();
    }
  }
  for (const Skip& s : skipped_) {
    skipped.push_back({printable_name(s.under_top && !strip ? top_ + "/" + s.path : s.path), s.reason});
  }
  skipped.insert(skipped.end(), late.begin(), late.end());
  return Ok{};
}

}  // namespace smeltsec::intake::archive
