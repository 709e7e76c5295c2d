// The JSON reader behind json::parse: one loop over the text, parsed in place, that sends a handler exactly
// the events RapidJSON's reader sends (GenericReader<UTF8<>> with kParseInsituFlag: same calls, same order,
// same arguments, strings left in the same place), or stops at the first thing it does not accept, without
// saying why: json::parse then parses the text again with RapidJSON itself, which names the error and its
// offset. Only valid JSON takes this path, so only acceptance and events have to agree with RapidJSON, and
// tests/unit/json_reader_test.cpp and fuzz/fuzz_json.cpp hold it to that.
//
// Why not RapidJSON's reader for everything: its recursive descent keeps the stream in memory and passes it through a
// dozen small functions per token, which cost about twice as much per token in the wasm build as natively: GitHub's 13
// MB description took ~11 ms to tokenise in wasm against ~7 natively. Here the cursor stays in a local, containers are
// a loop over an explicit stack (no recursion: depth costs heap, not native stack), and whitespace, strings and escapes
// are scanned 16 bytes at a time (SSE2; 128-bit wasm SIMD in the wasm build). Numbers other than short integers go to
// RapidJSON's own number parser, so that every double is rounded exactly as before. Measured (GitHub's description, the
// intake phase: copy, UTF-8 check, parse): wasm 14.4 -> 8.5 ms, native 9.4 -> 7.8 ms.
#pragma once

#include <rapidjson/reader.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstring>
#include <vector>

namespace smeltsec::json {
namespace reader_detail {

// Byte by byte, what the 16-byte scans below compute (and what the reader uses where SSE2 is missing):
// bit i of the result is set where byte i of p[0, 16) ends a run of plain string bytes ('"', '\\' or a
// control byte below 0x20, NUL included), or, for non_whitespace_bytewise, is not JSON whitespace.
inline unsigned string_stops_bytewise(const char* p) {
  unsigned stops = 0;
  for (unsigned i = 0; i < 16; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    stops |= static_cast<unsigned>(c == '"' || c == '\\' || c < 0x20) << i;
  }
  return stops;
}
inline unsigned non_whitespace_bytewise(const char* p) {
  unsigned rest = 0;
  for (unsigned i = 0; i < 16; ++i) {
    const char c = p[i];
    rest |= static_cast<unsigned>(c != ' ' && c != '\n' && c != '\r' && c != '\t') << i;
  }
  return rest;
}

// SMELTSEC_JSON_READER_BYTEWISE: the byte-by-byte scans on SSE2 machines too (to check them there).
#if defined(__SSE2__) && !defined(SMELTSEC_JSON_READER_BYTEWISE)  // x86-64; the wasm build (-msse2 on wasm SIMD)
inline unsigned string_stops(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
}
inline unsigned non_whitespace(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i space = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  const __m128i other = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(space, other))) ^ 0xFFFFu;
}
#else
inline unsigned string_stops(const char* p) { return string_stops_bytewise(p); }
inline unsigned non_whitespace(const char* p) { return non_whitespace_bytewise(p); }
#endif

// The first byte at or after p that is not JSON whitespace (space, \n, \r, \t). The NUL at the end stops it.
inline char* skip_whitespace(char* p) {
  if (static_cast<unsigned char>(*p) > ' ') return p;
  for (;;) {
    const unsigned rest = non_whitespace(p);
    if (rest != 0) return p + __builtin_ctz(rest);
    p += 16;
  }
}

// Four hex digits at p (any case), as RapidJSON's ParseHex4 reads them.
inline bool hex4(const char* p, unsigned& out) {
  unsigned v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  out = v;
  return true;
}

// Writes `cp` as RapidJSON's UTF8::Encode does (a lone low surrogate included, as three bytes).
inline char* put_utf8(char* d, unsigned cp) {
  if (cp <= 0x7F) {
    *d++ = static_cast<char>(cp);
  } else if (cp <= 0x7FF) {
    *d++ = static_cast<char>(0xC0 | (cp >> 6));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp <= 0xFFFF) {
    *d++ = static_cast<char>(0xE0 | (cp >> 12));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *d++ = static_cast<char>(0xF0 | (cp >> 18));
    *d++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return d;
}

// The string whose opening quote is at p, unescaped in place and NUL-terminated where it now ends (as
// RapidJSON's in-place parse leaves it), sent as a key or a value. Returns the byte after the closing quote,
// or nullptr.
template <typename Handler>
char* read_string(char* p, Handler& handler, bool key) {
  char* const start = ++p;
  unsigned stops;
  while ((stops = string_stops(p)) == 0) p += 16;
  p += __builtin_ctz(stops);
  char* out = p;  // where unescaped bytes go: behind p once an escape has been read
  while (*p != '"') {
    if (*p != '\\') return nullptr;  // a control byte, or the end of the text
    switch (p[1]) {
      case '"': *out++ = '"'; p += 2; break;
      case '\\': *out++ = '\\'; p += 2; break;
      case '/': *out++ = '/'; p += 2; break;
      case 'b': *out++ = '\b'; p += 2; break;
      case 'f': *out++ = '\f'; p += 2; break;
      case 'n': *out++ = '\n'; p += 2; break;
      case 'r': *out++ = '\r'; p += 2; break;
      case 't': *out++ = '\t'; p += 2; break;
      case 'u': {
        unsigned cp;
        if (!hex4(p + 2, cp)) return nullptr;
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: its low half must follow
          unsigned low;
          if (p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, low) || low < 0xDC00 || low > 0xDFFF) return nullptr;
          p += 6;
          cp = (((cp - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
        }
        out = put_utf8(out, cp);
        break;
      }
      default:
        return nullptr;
    }
    // Plain bytes up to the next stop move down over the escapes read so far (out stays behind p; the two
    // may overlap): whole blocks, then the rest of the last block up to its stop byte, which stays put.
    while ((stops = string_stops(p)) == 0) {
      std::memmove(out, p, 16);
      out += 16;
      p += 16;
    }
    const unsigned n = static_cast<unsigned>(__builtin_ctz(stops));
    std::memmove(out, p, n);
    out += n;
    p += n;
  }
  *out = '\0';
  const auto length = static_cast<rapidjson::SizeType>(out - start);
  if (!(key ? handler.Key(start, length, false) : handler.String(start, length, false))) return nullptr;
  return p + 1;
}

// The number at p. Integers of up to nine digits are read here and sent as RapidJSON sends them (Uint, or
// Int when negative: -0 too); anything else (fractions, exponents, longer integers, and what is not a
// number) goes to RapidJSON's reader, which reads exactly one number there and stops after it.
template <typename Handler>
char* read_number(char* p, Handler& handler, rapidjson::Reader& reader) {
  char* q = p;
  const bool minus = *q == '-';
  q += minus;
  unsigned value = static_cast<unsigned>(*q - '0');
  if (value <= 9) {
    ++q;
    if (value != 0) {
      for (int i = 0; i < 8; ++i) {
        const unsigned digit = static_cast<unsigned>(*q - '0');
        if (digit > 9) break;
        value = value * 10 + digit;
        ++q;
      }
    }
    const char next = *q;
    if (static_cast<unsigned>(next - '0') > 9 && next != '.' && next != 'e' && next != 'E') {
      const bool ok = minus ? handler.Int(-static_cast<int>(value)) : handler.Uint(value);
      return ok ? q : nullptr;
    }
  }
  rapidjson::GenericInsituStringStream<rapidjson::UTF8<>> stream(p);
  constexpr unsigned kOneNumber = rapidjson::kParseInsituFlag | rapidjson::kParseStopWhenDoneFlag;
  if (reader.Parse<kOneNumber>(stream, handler).IsError()) return nullptr;
  return stream.src_;
}

}  // namespace reader_detail

// Reads the JSON text at `text` in place. The text ends at a NUL byte, and at least 15 readable bytes must
// follow that NUL (json::parse pads its buffer with 16): blocks of 16 bytes are read across it. Returns
// where reading stopped (the terminating NUL) when the text is one JSON value and the handler accepted
// every event; else nullptr (a syntax error, or a handler call that returned false).
template <typename Handler>
char* read_in_place(char* text, Handler& handler) {
  using namespace reader_detail;
  struct Open {
    rapidjson::SizeType count;  // members or elements so far
    bool object;
  };
  std::vector<Open> open;  // the containers around the cursor, innermost last
  open.reserve(32);
  rapidjson::Reader numbers;
  char* p = skip_whitespace(text);
  if (*p == '\0') return nullptr;
value:
  switch (*p) {
    case '"':
      if ((p = read_string(p, handler, false)) == nullptr) return nullptr;
      goto after_value;
    case '{':
      if (!handler.StartObject()) return nullptr;
      p = skip_whitespace(p + 1);
      if (*p == '}') {
        ++p;
        if (!handler.EndObject(0)) return nullptr;
        goto after_value;
      }
      open.push_back({0, true});
      goto member;
    case '[':
      if (!handler.StartArray()) return nullptr;
      p = skip_whitespace(p + 1);
      if (*p == ']') {
        ++p;
        if (!handler.EndArray(0)) return nullptr;
        goto after_value;
      }
      open.push_back({0, false});
      goto value;
    case 't':
      if (std::memcmp(p, "true", 4) != 0 || !handler.Bool(true)) return nullptr;
      p += 4;
      goto after_value;
    case 'f':
      if (std::memcmp(p, "false", 5) != 0 || !handler.Bool(false)) return nullptr;
      p += 5;
      goto after_value;
    case 'n':
      if (std::memcmp(p, "null", 4) != 0 || !handler.Null()) return nullptr;
      p += 4;
      goto after_value;
    default:
      if ((p = read_number(p, handler, numbers)) == nullptr) return nullptr;
      goto after_value;
  }
member:  // at the name of an object's member
  if (*p != '"' || (p = read_string(p, handler, true)) == nullptr) return nullptr;
  p = skip_whitespace(p);
  if (*p != ':') return nullptr;
  p = skip_whitespace(p + 1);
  goto value;
after_value:
  p = skip_whitespace(p);
  if (open.empty()) return *p == '\0' ? p : nullptr;
  {
    Open& in = open.back();
    ++in.count;
    if (*p == ',') {
      p = skip_whitespace(p + 1);
      if (in.object) goto member;
      goto value;
    }
    if (*p != (in.object ? '}' : ']')) return nullptr;
    ++p;
    const Open done = in;
    open.pop_back();
    if (!(done.object ? handler.EndObject(done.count) : handler.EndArray(done.count))) return nullptr;
    goto after_value;
  }
}

}  // namespace smeltsec::json
