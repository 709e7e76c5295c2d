#include "intake/archive_inflate.h"

#include <algorithm>
#include <new>

namespace smeltsec::intake::archive {
namespace {

// zlib counts in 32-bit uInt: input is handed over in slices.
constexpr std::size_t kMaxSlice = std::size_t{1} << 30;

}  // namespace

Inflater::Inflater(Format format, std::string_view input, EntryCollector& budget)
    : format_(format), input_(input), budget_(budget) {
  // 15: the largest window (32 KiB); +16: gzip wrapper only; negative: no wrapper.
  const int window_bits = format == Format::gzip ? 15 + 16 : -15;
  if (inflateInit2(&z_, window_bits) != Z_OK) throw std::bad_alloc();
}

Inflater::~Inflater() {
  inflateEnd(&z_);
}

bool Inflater::next_gzip_member() {
  const std::string_view rest = input_.substr(consumed_);
  if (format_ != Format::gzip || rest.size() < 2 || static_cast<unsigned char>(rest[0]) != 0x1f ||
      static_cast<unsigned char>(rest[1]) != 0x8b) {
    return false;  // what follows the last member is ignored, as gzip does
  }
  inflateReset(&z_);
  z_.avail_in = 0;
  return true;
}

Result<std::size_t> Inflater::read(char* out, std::size_t capacity) {
  capacity = std::min(capacity, kMaxSlice);
  while (!ended_) {
    if (z_.avail_in == 0 && consumed_ < input_.size()) {
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input_.data() + consumed_));
      z_.avail_in = static_cast<uInt>(std::min(input_.size() - consumed_, kMaxSlice));
    }
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(capacity);
    const uInt in_before = z_.avail_in;
    const int ret = inflate(&z_, Z_NO_FLUSH);
    const std::size_t consumed = in_before - z_.avail_in;
    const std::size_t produced = capacity - z_.avail_out;
    consumed_ += consumed;
    if (auto counted = budget_.count_inflated(produced, consumed); !counted) return counted.error();
    if (ret == Z_STREAM_END) {
      if (!next_gzip_member()) ended_ = true;
    } else if (ret == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (ret == Z_OK || ret == Z_BUF_ERROR) {
      if (produced == 0 && consumed == 0) {  // zlib needs input there is none of
        if (consumed_ >= input_.size()) return truncated_archive("the compressed data ends early");
        return corrupt_archive("the compressed data is corrupt: inflate made no progress");
      }
    } else {
      return corrupt_archive(std::string("the compressed data is corrupt: ") + (z_.msg ? z_.msg : "inflate failed"));
    }
    if (produced > 0) return produced;
  }
  return std::size_t{0};
}

}  // namespace smeltsec::intake::archive
