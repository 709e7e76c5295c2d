// Eight bytes at a time ("SIMD within a register"): masks with bit 7 of each byte of a 64-bit word set where
// that byte has a property. The text, JSON and UTF-8 scanners share these; they are exact (no carries
// between bytes), and bytes >= 0x80 (UTF-8 sequences) never match.
#pragma once

#include <cstdint>
#include <cstring>

namespace smeltsec::bytes {

constexpr std::uint64_t kHigh = 0x8080808080808080ull;  // bit 7 of every byte
constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
constexpr std::uint64_t kOnes = 0x0101010101010101ull;

// Whether the first byte of text loaded into a word is its lowest (masks read position by bit position).
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool kLittleEndian = true;
#else
constexpr bool kLittleEndian = false;
#endif

inline std::uint64_t load8(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// Bytes below `limit` (at most 0x80): (byte & 0x7F) + (0x80 - limit) reaches bit 7 iff the byte is >= limit.
constexpr std::uint64_t below(std::uint64_t x, unsigned limit) {
  return ~(((x & kLow7) + kOnes * (0x80u - limit)) | x) & kHigh;
}

// Bytes equal to `c` (the zero bytes of x ^ c...c).
constexpr std::uint64_t equal(std::uint64_t x, unsigned char c) {
  const std::uint64_t y = x ^ (kOnes * c);
  return ~(((y & kLow7) + kLow7) | y) & kHigh;
}

}  // namespace smeltsec::bytes
