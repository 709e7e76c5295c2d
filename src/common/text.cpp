#include "common/text.h"

#include <cctype>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/bytes.h"

namespace smeltsec::text {
namespace {
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

std::pair<std::size_t, std::size_t> line_col(std::string_view s, std::size_t offset) {
  if (offset > s.size()) offset = s.size();
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (s[i] == '\n') {
      ++line;
      col = 1;
    } else if (!is_continuation(static_cast<unsigned char>(s[i]))) {
      ++col;
    }
  }
  return {line, col};
}

bool is_valid_utf8(std::string_view s) { return invalid_utf8_offset(s) == std::string_view::npos; }

std::size_t invalid_utf8_offset(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* p = begin;
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path: ASCII (most of any spec), 64 (SSE2; wasm SIMD in the wasm build), 32 then 8 bytes at a time.
#if defined(__SSE2__)
    while (end - p >= 64) {
      const auto* v = reinterpret_cast<const __m128i*>(p);
      const __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                                       _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
      if (_mm_movemask_epi8(any) != 0) break;
      p += 64;
    }
#endif
    while (end - p >= 32) {
      uint64_t w[4];
      std::memcpy(w, p, 32);
      if ((w[0] | w[1] | w[2] | w[3]) & bytes::kHigh) break;
      p += 32;
    }
    while (end - p >= 8) {
      if (bytes::load8(reinterpret_cast<const char*>(p)) & bytes::kHigh) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return static_cast<std::size_t>(p - begin);
    }
    if (end - p <= n) return static_cast<std::size_t>(p - begin);
    for (int i = 1; i <= n; ++i) {
      if (!is_continuation(p[i])) return static_cast<std::size_t>(p - begin);
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return static_cast<std::size_t>(p - begin);
    p += n + 1;
  }
  return std::string_view::npos;
}

std::size_t utf8_length(std::string_view s) {
  // Bytes minus continuation bytes (10xxxxxx), counted eight at a time: bit 7 set and bit 6 clear.
  std::size_t continuations = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    const uint64_t w = bytes::load8(s.data() + i);
    // One bit per byte at bit 7: shifted to bit 0 and summed into the top byte by the multiplication.
    const uint64_t marks = (w & ~(w << 1) & bytes::kHigh) >> 7;
    continuations += static_cast<std::size_t>((marks * bytes::kOnes) >> 56);
  }
  for (; i < s.size(); ++i) continuations += is_continuation(static_cast<unsigned char>(s[i])) ? 1 : 0;
  return s.size() - continuations;
}

namespace {
// The words of `s` (see split_words): add(c) for each character of a word, lowercased, and end() after each.
template <typename Add, typename End>
void each_word(std::string_view s, Add&& add, End&& end) {
  bool in_word = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!is_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
      if (in_word) end();
      in_word = false;
      continue;
    }
    if (in_word) {
      const char prev = s[i - 1];
      const bool next_lower = i + 1 < s.size() && is_lower(s[i + 1]);
      // A plural "s" after an acronym belongs to it: userIDs, listAPIsByOwner (not "i ds", "ap is").
      const bool acronym_plural = next_lower && s[i + 1] == 's' && (i + 2 >= s.size() || !is_lower(s[i + 2]));
      // fooBar | HTTPServer (P starts "Server") | v2Api: a new word starts at these capitals.
      if (is_upper(c) && (is_lower(prev) || is_digit(prev) || (is_upper(prev) && next_lower && !acronym_plural))) {
        end();
      }
    }
    add(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    in_word = true;
  }
  if (in_word) end();
}
}  // namespace

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  each_word(s, [&](char c) { cur.push_back(c); }, [&] {
    words.push_back(std::move(cur));
    cur.clear();
  });
  return words;
}

std::string snake_case(std::string_view s) {
  std::string out;
  bool word_ended = false;
  each_word(s, [&](char c) {
    if (word_ended) out.push_back('_');
    word_ended = false;
    out.push_back(c);
  }, [&] { word_ended = true; });
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += sep;
    out += words[i];
  }
  return out;
}

namespace {
// Eight bytes at a time, one bit (bit 7 of each byte) per byte that is whitespace or a control character
// (<= 0x20), and per byte that is a control character other than a line break. Bytes >= 0x80 are neither.
struct SpaceBits {
  uint64_t space;    // bytes <= 0x20
  uint64_t control;  // bytes < 0x20 other than '\n'
};
SpaceBits space_bits(const char* p) {
  const uint64_t x = bytes::load8(p);
  const uint64_t space = bytes::below(x, 0x21);
  if (space == 0) return {0, 0};
  return {space, bytes::below(x, 0x20) & ~bytes::equal(x, '\n')};
}
// The word paths read adjacent bytes from adjacent bit positions.
constexpr bool kWords = bytes::kLittleEndian;

// True when normalize_whitespace(s) == s, as for most descriptions: no control character but single line
// breaks, no whitespace at either end or next to other whitespace. Conservative (a blank line between
// paragraphs takes the full pass).
bool is_normalized(std::string_view s) {
  const std::size_t n = s.size();
  if (n == 0) return true;
  if (static_cast<unsigned char>(s[0]) <= ' ' || static_cast<unsigned char>(s[n - 1]) <= ' ') return false;
  std::size_t i = 0;
  bool after_space = false;  // the byte before i is whitespace
#if defined(__SSE2__)
  // Sixteen bytes at a time: one mask bit per byte (bit k: byte i + k).
  const __m128i kSpace = _mm_set1_epi8(0x20), kControl = _mm_set1_epi8(0x1F), kNewline = _mm_set1_epi8('\n');
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const unsigned space = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, kSpace), x)));
    if (space == 0) {
      after_space = false;
      continue;
    }
    const unsigned below_space = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, kControl), x)));
    const unsigned newline = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, kNewline)));
    if ((below_space & ~newline) != 0 || (space & (space << 1)) != 0 || (after_space && (space & 1) != 0)) return false;
    after_space = (space >> 15) != 0;
  }
#endif
  if constexpr (kWords) {
    for (; i + 8 <= n; i += 8) {
      const SpaceBits b = space_bits(s.data() + i);
      if (b.space == 0) {
        after_space = false;
        continue;
      }
      if (b.control != 0 || (b.space & (b.space << 8)) != 0 || (after_space && (b.space & 0x80) != 0)) return false;
      after_space = (b.space >> 63) != 0;
    }
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= ' ') {
      if ((c != ' ' && c != '\n') || after_space) return false;
      after_space = true;
    } else {
      after_space = false;
    }
  }
  return true;
}
}  // namespace

bool whitespace_is_normal(std::string_view s) { return is_normalized(s); }

std::string normalize_whitespace(std::string_view s) {
  std::string out;
  normalize_whitespace(s, out);
  return out;
}

namespace {
// normalize_whitespace's full pass, for text that the fast check did not find normal.
void normalize_changed(std::string_view s, std::string& out) {
  // One pass writing by index (std::string::push_back per byte is slow in wasm builds); the output is
  // never longer than the input: every byte written stands for at least one byte read.
  out.resize(s.size());
  std::size_t n = 0;
  int newlines = 0;  // line breaks since the last visible character
  bool space = false;
  bool any = false;
  const std::size_t size = s.size();
  for (std::size_t i = 0; i < size;) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) > ' ') {
      if (any) {
        if (newlines > 0) {
          out[n++] = '\n';
          if (newlines > 1) out[n++] = '\n';  // at most one blank line in a row
        } else if (space) {
          out[n++] = ' ';
        }
      }
      // Prose, eight bytes at a time: blocks that come out as they are (no control character but line
      // breaks, no whitespace next to other whitespace, and a visible last byte, so that each whitespace
      // byte lies between two visible ones; the byte before the first block is visible or is not
      // whitespace: s[i] is visible). Then the rest of the visible run byte by byte.
      if constexpr (kWords) {
        while (i + 8 <= size) {
          const SpaceBits b = space_bits(s.data() + i);
          if (b.control != 0 || (b.space & (b.space << 8)) != 0 || (b.space >> 63) != 0) break;
          std::memcpy(&out[n], s.data() + i, 8);
          n += 8;
          i += 8;
        }
      }
      while (i < size && static_cast<unsigned char>(s[i]) > ' ') out[n++] = s[i++];
      any = true;
      newlines = 0;
      space = false;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < size && s[i + 1] == '\n') ++i;
      ++newlines;
      space = false;
    } else if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
      space = true;
    }  // other control characters mean nothing here
    ++i;
  }
  out.resize(n);
}
}  // namespace

void normalize_whitespace(std::string_view s, std::string& out) {
  if (is_normalized(s)) {
    out.assign(s.data(), s.size());
    return;
  }
  normalize_changed(s, out);
}

std::string_view normalized_whitespace(std::string_view s, std::string& buffer) {
  if (is_normalized(s)) return s;
  normalize_changed(s, buffer);
  return buffer;
}

std::string truncate_words(std::string_view s, std::size_t max_chars) {
  if (fits(s, max_chars)) return std::string(s);
  if (max_chars == 0) return {};
  // Byte offset where code point number (max_chars - 1) starts: room for the ellipsis.
  std::size_t limit = 0, chars = 0;
  while (limit < s.size() && chars < max_chars - 1) {
    ++limit;
    while (limit < s.size() && is_continuation(static_cast<unsigned char>(s[limit]))) ++limit;
    ++chars;
  }
  std::size_t cut = limit;
  while (cut > 0 && !is_space(s[cut])) --cut;
  if (cut == 0) cut = limit;  // one enormous word: cut it at a code point boundary
  std::string out(s.substr(0, cut));
  while (!out.empty() && (is_space(out.back()) || out.back() == ',' || out.back() == ';' || out.back() == ':')) {
    out.pop_back();
  }
  out += "\xE2\x80\xA6";  // …
  return out;
}

std::string json_pointer_escape(std::string_view token) {
  std::string out;
  append_json_pointer_escaped(token, out);
  return out;
}

void append_json_pointer_escaped(std::string_view token, std::string& out) {
  while (!token.empty()) {
    const std::size_t special = token.find_first_of("~/");
    out.append(token.substr(0, special));  // the usual token: all of it at once
    if (special == std::string_view::npos) return;
    out.append(token[special] == '~' ? "~0" : "~1");
    token.remove_prefix(special + 1);
  }
}

std::string percent_decode(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);  // the usual case
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> json_pointer_tokens(std::string_view pointer) {
  std::string decoded = percent_decode(pointer);
  std::string_view p = decoded;
  if (!p.empty() && p[0] == '#') p.remove_prefix(1);
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p[0] == '/') p.remove_prefix(1);
  std::string cur;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
    } else if (p[i] == '~' && i + 1 < p.size() && (p[i + 1] == '0' || p[i + 1] == '1')) {
      cur += p[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += p[i];
    }
  }
  return tokens;
}

bool plain_json_pointer_tokens(std::string_view pointer, std::vector<std::string_view>& out) {
  for (const char c : pointer) {
    if (c == '%' || c == '~') return false;
  }
  std::string_view p = pointer;
  if (!p.empty() && p[0] == '#') p.remove_prefix(1);
  if (p.empty()) return true;
  if (p[0] == '/') p.remove_prefix(1);
  for (std::size_t start = 0;;) {
    const std::size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(p.substr(start));
      return true;
    }
    out.push_back(p.substr(start, slash - start));
    start = slash + 1;
  }
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace smeltsec::text
