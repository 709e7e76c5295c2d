// zlib inflate over compressed bytes held in memory: gzip (members one after another, as RFC 1952 allows) or
// raw deflate (zip entries). Every call reports its output to the collector's bomb budget.
#pragma once

#include <cstddef>
#include <string_view>

#include <zlib.h>

#include "intake/archive_collector.h"

namespace smeltsec::intake::archive {

class Inflater {
 public:
  enum class Format { gzip, raw_deflate };

  // `input` must outlive the inflater.
  Inflater(Format format, std::string_view input, EntryCollector& budget);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates into out[0, capacity): the number of bytes produced, at least one unless the stream has ended (0).
  // Fails on corrupt or truncated data and on the collector's bomb limits.
  Result<std::size_t> read(char* out, std::size_t capacity);

 private:
  bool next_gzip_member();

  Format format_;
  std::string_view input_;
  std::size_t consumed_ = 0;  // input bytes zlib has taken
  EntryCollector& budget_;
  z_stream z_{};
  bool ended_ = false;
};

}  // namespace smeltsec::intake::archive
