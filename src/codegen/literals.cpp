#include "codegen/literals.h"

#include <cstdint>
#include <cstdio>

#include "common/text.h"

namespace smeltsec::codegen {
namespace {

// Decodes one code point of valid UTF-8 at `i`, advancing `i`. Invalid bytes decode as U+FFFD.
uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size() + (extra == 0 ? 1 : 0)) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
  ++i;
  for (int k = 0; k < extra; ++k, ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (c & 0x3F);
  }
  return cp;
}

void append_hex(std::string& out, const char* prefix, uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, static_cast<unsigned>(v));
  out += buf;
}

// Escapes shared by both languages; returns false when the caller must escape `cp` itself.
bool append_simple(std::string& out, uint32_t cp) {
  switch (cp) {
    case '"': out += "\\\""; return true;
    case '\\': out += "\\\\"; return true;
    case '\n': out += "\\n"; return true;
    case '\r': out += "\\r"; return true;
    case '\t': out += "\\t"; return true;
    default: break;
  }
  // `$`, backtick and `{` cannot start a substitution inside a double-quoted literal; escaping them anyway
  // keeps the text inert if it is ever moved into a template literal or an f-string.
  if (cp >= 0x20 && cp < 0x7F && cp != '`' && cp != '$' && cp != '{' && cp != '}') {
    out += static_cast<char>(cp);
    return true;
  }
  return false;
}

enum class Astral { kSurrogatePair, kLongEscape };  // JavaScript: \uD83D\uDE00; Python: \U0001F600

std::string quoted(std::string_view utf8, Astral astral) {
  std::string out = "\"";
  out.reserve(utf8.size() + 2);
  for (std::size_t i = 0; i < utf8.size();) {
    const uint32_t cp = next_code_point(utf8, i);
    if (append_simple(out, cp)) continue;
    if (cp < 0x10000) {
      append_hex(out, "\\u", cp, 4);
    } else if (astral == Astral::kLongEscape) {
      append_hex(out, "\\U", cp, 8);
    } else {
      const uint32_t v = cp - 0x10000;
      append_hex(out, "\\u", 0xD800 + (v >> 10), 4);
      append_hex(out, "\\u", 0xDC00 + (v & 0x3FF), 4);
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string js_string(std::string_view utf8) { return quoted(utf8, Astral::kSurrogatePair); }

std::string py_string(std::string_view utf8) { return quoted(utf8, Astral::kLongEscape); }

std::string markdown_text(std::string_view utf8, std::size_t max_chars) {
  std::string flat;
  flat.reserve(utf8.size());
  bool space = false;
  for (const char c : utf8) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      space = true;
      continue;
    }
    if (c == ' ') {
      space = true;
      continue;
    }
    if (space && !flat.empty()) flat += ' ';
    space = false;
    flat += c;
  }
  const std::string cut = text::truncate_words(flat, max_chars);
  std::string out;
  out.reserve(cut.size() + 16);
  for (const char c : cut) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '|': case '`': case '*': case '_': case '[': case ']': case '\\': case '#': case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string env_stem(std::string_view name) {
  std::string out;
  bool gap = false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += '_';
    gap = false;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (out.empty()) return "API";
  if (out[0] >= '0' && out[0] <= '9') out.insert(0, "API_");
  return out;
}

std::string npm_package_name(std::string_view name) {
  std::string out;
  bool dash = false;
  for (const char c : name) {
    const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (!ok) {
      dash = !out.empty();
      continue;
    }
    if (dash) out += '-';
    dash = false;
    out += l;
    if (out.size() >= 200) break;
  }
  if (out.empty()) out = "mcp-server";
  return out;
}

bool is_semver(std::string_view v) {
  std::size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    const std::size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == start || (i - start > 1 && v[start] == '0')) return false;
    if (part < 2) {
      if (i >= v.size() || v[i] != '.') return false;
      ++i;
    }
  }
  if (i == v.size()) return true;
  if (v[i] != '-' && v[i] != '+') return false;
  for (++i; i < v.size(); ++i) {
    const char c = v[i];
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '-' || c == '+';
    if (!ok) return false;
  }
  return v.size() > 5;
}

}  // namespace smeltsec::codegen
