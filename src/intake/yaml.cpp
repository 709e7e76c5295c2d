#include "intake/yaml.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/text.h"

namespace smeltsec::intake {
namespace {

// The byte offset of the first character YAML does not allow in a stream, or npos. YAML 1.2 streams hold only
// printable characters (tab, LF, CR, U+0020-U+007E, U+0085, U+00A0-U+D7FF, U+E000-U+FFFD, beyond U+FFFF), as
// js-yaml and PyYAML enforce; yaml-cpp does not check, and takes a NUL byte in a plain scalar for the start of
// an escape sequence. `s` is valid UTF-8.
std::size_t first_non_printable(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r') continue;
    if (c < 0x80) return i;  // C0 controls and DEL
    if (c == 0xC2 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next <= 0x9F && next != 0x85) return i;  // C1 controls other than NEL
    } else if (c == 0xEF && i + 2 < s.size() && s[i + 1] == '\xBF' && (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
      return i;  // U+FFFE, U+FFFF
    }
  }
  return std::string_view::npos;
}

// The length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_sequence_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  return text::is_valid_utf8(s.substr(i, n)) ? n : 0;
}

// yaml-cpp writes the escapes \N and \_ as the single bytes 0x85 and 0xA0 (their Latin-1 codes), which are not
// UTF-8. The input is valid UTF-8, so any byte outside a valid sequence is such a code point: it is re-encoded.
// Returns `s` itself when it is valid, else `repaired`.
const std::string& as_utf8(const std::string& s, std::string& repaired) {
  if (text::is_valid_utf8(s)) return s;
  repaired.clear();
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = utf8_sequence_at(s, i); n != 0) {
      repaired.append(s, i, n);
      i += n;
    } else {
      const auto b = static_cast<unsigned char>(s[i++]);
      repaired += static_cast<char>(0xC0 | (b >> 6));
      repaired += static_cast<char>(0x80 | (b & 0x3F));
    }
  }
  return repaired;
}

bool all_of(std::string_view s, std::size_t from, bool (*pred)(char)) {
  if (from >= s.size()) return false;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (!pred(s[i])) return false;
  }
  return true;
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int digit_value(char c) { return is_dec(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

bool is_float_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && is_dec(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_dec(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!all_of(s.substr(0, s.size()), i, is_dec)) return false;
    return true;
  }
  return i == s.size();
}

// YAML 1.2 core schema resolution of a plain scalar.
json::Value plain_scalar(const std::string& s, json::Allocator& a) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return json::Value(rapidjson::kNullType);
  if (s == "true" || s == "True" || s == "TRUE") return json::Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return json::Value(false);
  const std::size_t sign = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  int base = 0;
  std::size_t digits_from = 0;
  if (all_of(s, sign, is_dec)) {
    base = 10, digits_from = sign;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && all_of(s, 2, is_oct)) {
    base = 8, digits_from = 2;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && all_of(s, 2, is_hex)) {
    base = 16, digits_from = 2;
  }
  if (base != 0) {
    const std::string digits = s.substr(digits_from);
    errno = 0;
    const long long v = std::strtoll(((s[0] == '-' ? "-" : "") + digits).c_str(), nullptr, base);
    if (errno == 0) return json::Value(static_cast<int64_t>(v));
    // Beyond 64 bits: the nearest double, as JSON parsers read big integers. strtod cannot read "0o..." (it
    // stops at the 'o' and returns 0), so octal and hex digits are summed here.
    double d = 0;
    if (base == 10) {
      d = std::strtod(s.c_str(), nullptr);
    } else {
      for (char c : digits) d = d * base + digit_value(c);
    }
    if (std::isfinite(d)) return json::Value(d);
    return json::make_string(s, a);
  }
  if (is_float_text(s)) {
    // JSON has no infinity: a float beyond the double range (1e999) stays text, like .inf, rather than make
    // the written JSON invalid.
    const double d = std::strtod(s.c_str(), nullptr);
    if (std::isfinite(d)) return json::Value(d);
  }
  return json::make_string(s, a);
}

class Converter {
 public:
  Converter(const std::string& file, const Limits& limits, json::Allocator& a) : file_(file), limits_(limits), a_(a) {}

  Status convert(const YAML::Node& node, json::Value& out, int depth) {
    if (++values_ > limits_.max_values) return value_limit(node);
    if (depth > limits_.max_nesting) {
      return Error{"nesting_limit",
                   "the YAML document nests more than " + std::to_string(limits_.max_nesting) + " levels deep",
                   where(node)};
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: out.SetNull(); return Ok{};
      case YAML::NodeType::Scalar: out = scalar(node); return Ok{};
      case YAML::NodeType::Sequence: {
        out.SetArray();
        out.Reserve(static_cast<rapidjson::SizeType>(node.size()), a_);
        for (const auto& item : node) {
          json::Value v;
          if (auto st = convert(item, v, depth + 1); !st) return st;
          out.PushBack(v, a_);
        }
        return Ok{};
      }
      case YAML::NodeType::Map: return mapping(node, out, depth);
    }
    return Ok{};
  }

 private:
  std::string where(const YAML::Node& node) const {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

  json::Value scalar(const YAML::Node& node) {
    std::string repaired;
    const std::string& s = as_utf8(node.Scalar(), repaired);
    const std::string& tag = node.Tag();
    if (tag == "?") return plain_scalar(s, a_);
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:bool" ||
        tag == "tag:yaml.org,2002:null") {
      return plain_scalar(s, a_);
    }
    return json::make_string(s, a_);  // quoted ("!"), !!str, or an application tag
  }

  Status mapping(const YAML::Node& node, json::Value& out, int depth) {
    out.SetObject();
    std::unordered_set<std::string> seen;
    return add_entries(node, out, seen, depth, 0);
  }

  // Adds the entries of mapping `node` that `out` does not have yet: its own keys first, then those of the
  // mappings its merge keys (<<: *base, or a list of them) refer to, earlier ones first, merges of merges
  // included. Duplicate keys: the first one wins. Every entry visited in a merged mapping counts as a value, so
  // that merges of merges cannot multiply work past the value limit (a merge "bomb").
  Status add_entries(const YAML::Node& node, json::Value& out, std::unordered_set<std::string>& seen, int depth,
                     int merge_depth) {
    std::vector<YAML::Node> merges;
    for (const auto& kv : node) {
      if (merge_depth > 0 && ++values_ > limits_.max_values) return value_limit(kv.first);
      std::string key;
      if (kv.first.IsNull()) {
        key = "null";  // `~:` or `null:`: the key js-yaml and PyYAML + json.dumps give it
      } else if (kv.first.IsScalar()) {
        std::string repaired;
        key = as_utf8(kv.first.Scalar(), repaired);
      } else {
        return Error{"yaml_unsupported", "a mapping key must be a scalar", where(kv.first)};
      }
      if (key == "<<" && kv.first.Tag() == "?") {
        merges.push_back(kv.second);
        continue;
      }
      if (!seen.insert(key).second) continue;
      json::Value v;
      if (auto st = convert(kv.second, v, depth + 1); !st) return st;
      json::add(out, key, std::move(v), a_);
    }
    for (const auto& m : merges) {
      std::vector<YAML::Node> sources;
      if (m.IsMap()) {
        sources.push_back(m);
      } else if (m.IsSequence()) {
        for (const auto& src : m) sources.push_back(src);
      } else {
        return Error{"yaml_unsupported", "a merge key (<<) must refer to a mapping or a list of mappings", where(m)};
      }
      for (const auto& src : sources) {
        if (!src.IsMap()) {
          return Error{"yaml_unsupported", "a merge key (<<) must refer to a mapping or a list of mappings",
                       where(src)};
        }
        if (merge_depth >= limits_.max_nesting) {
          return Error{"nesting_limit",
                       "YAML merge keys (<<) nest more than " + std::to_string(limits_.max_nesting) +
                           " levels deep (a mapping that merges itself?)",
                       where(src)};
        }
        if (++values_ > limits_.max_values) return value_limit(src);
        if (auto st = add_entries(src, out, seen, depth, merge_depth + 1); !st) return st;
      }
    }
    return Ok{};
  }

  Error value_limit(const YAML::Node& node) const {
    return Error{"value_limit",
                 "the YAML document expands to more than " + std::to_string(limits_.max_values) +
                     " values (aliases count each time they are used)",
                 where(node)};
  }

  const std::string& file_;
  const Limits& limits_;
  json::Allocator& a_;
  std::size_t values_ = 0;
};

}  // namespace

Status yaml_to_json(std::string_view text, const std::string& file, const Limits& limits, json::Document& out) {
  if (const std::size_t bad = first_non_printable(text); bad != std::string_view::npos) {
    const auto [line, col] = text::line_col(text, bad);
    unsigned code = static_cast<unsigned char>(text[bad]);
    if (code == 0xC2) code = static_cast<unsigned char>(text[bad + 1]);
    if (code == 0xEF) code = text[bad + 2] == '\xBE' ? 0xFFFE : 0xFFFF;
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04X", code);
    return Error{"yaml_syntax",
                 std::string("invalid YAML: the document contains the non-printable character U+") + hex +
                     ", which YAML does not allow (write it as an escape in a double-quoted string)",
                 file + ":" + std::to_string(line) + ":" + std::to_string(col)};
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses and stops itself at 500 levels: the same limit, reported as ours.
    std::string where = file;
    if (!e.mark.is_null()) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    return Error{"nesting_limit",
                 "the YAML document nests more than " + std::to_string(std::min(limits.max_nesting, e.depth() - 1)) +
                     " levels deep",
                 where};
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (!e.mark.is_null()) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    return Error{"yaml_syntax", "invalid YAML: " + e.msg, where};
  } catch (const std::exception& e) {
    return Error{"yaml_syntax", std::string("invalid YAML: ") + e.what(), file};
  }
  Converter conv(file, limits, out.GetAllocator());
  json::Value v;
  if (auto st = conv.convert(root, v, 0); !st) return st;
  static_cast<json::Value&>(out) = std::move(v);
  return Ok{};
}

}  // namespace smeltsec::intake
