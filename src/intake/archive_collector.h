// Shared by the archive readers (tar, zip): the rules every entry passes before it joins the bundle, and the
// byte budgets that stop decompression bombs. Kept files are held back until the whole archive has been read,
// so that a failed archive leaves the bundle unchanged and a shared top-level folder can be stripped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "smeltsec/bundle.h"

namespace smeltsec::intake::archive {

enum class EntryKind { file, directory, symlink, hard_link, char_device, block_device, fifo, unsupported };

struct EntryHeader {
  std::string_view name;  // as stored (after pax or GNU long names), not yet checked
  EntryKind kind = EntryKind::file;
  std::uint64_t size = 0;            // declared data size (files)
  std::string_view why_unsupported;  // the skip reason of an EntryKind::unsupported entry
};

// A name as it may be shown in a message: at most 200 bytes, invalid UTF-8 and control bytes as \xNN.
std::string printable_name(std::string_view name);

Error corrupt_archive(std::string message, std::string_view name = {});
Error truncated_archive(std::string_view what, std::string_view name = {});

class EntryCollector {
 public:
  explicit EntryCollector(SourceBundle& bundle);

  // Counts an entry and decides about it. true: the reader must deliver the file's `size` bytes to keep();
  // false: the entry was skipped or ignored and its data must be passed over. Fails on a fatal limit.
  Result<bool> admit(const EntryHeader& entry);
  // The data of the file admitted last.
  void keep(std::string bytes);

  // Reports `produced` bytes inflated from `consumed` compressed bytes; fails once the running totals look
  // like a decompression bomb or exceed what any bundle could use.
  Status count_inflated(std::uint64_t produced, std::uint64_t consumed);

  // Adds the kept files to the bundle (a folder shared by every entry stripped) and appends the skipped
  // entries to `skipped`. Fails only on a bundle limit the checks in admit() could not foresee.
  Status finish(std::vector<SkippedFile>& skipped);

  const Limits& limits() const { return limits_; }
  std::size_t entries() const { return entries_; }

 private:
  struct Kept {
    std::string path;  // normalised, not yet stripped
    std::string bytes;
  };
  struct Skip {
    bool under_top;    // `path` is relative to top_ (strippable)
    std::string path;  // shortened
    std::string reason;
  };

  void note_location(std::string_view path, bool is_directory);
  void skip(std::string_view path, std::string reason, bool normalised);

  SourceBundle& bundle_;
  const Limits& limits_;
  std::size_t entries_ = 0;
  std::vector<Kept> kept_;
  std::uint64_t kept_bytes_ = 0;
  std::unordered_set<std::string> kept_paths_;
  std::vector<Skip> skipped_;
  std::string top_;  // first path component of the first entry
  bool top_known_ = false;
  bool top_shared_ = true;  // every entry so far is top_ itself or lies under it
  std::uint64_t inflated_ = 0;
  std::uint64_t compressed_ = 0;
};

}  // namespace smeltsec::intake::archive
