#include "manifest/js_regex.h"

#include <set>
#include <string>

namespace smeltsec::manifest {
namespace {

bool is_syntax_char(char c) {
  switch (c) {
    case '^': case '$': case '\\': case '.': case '*': case '+': case '?': case '(': case ')': case '[':
    case ']': case '{': case '}': case '|': case '/':
      return true;
    default:
      return false;
  }
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned long hex_value(char c) { return is_digit(c) ? c - '0' : static_cast<unsigned long>((c | 0x20) - 'a' + 10); }
bool is_ident(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || (!first && is_digit(c));
}

// Unicode property names V8 accepts, limited to the ones worth allowing (general categories, common scripts
// and binary properties). Anything else is reported invalid.
const std::set<std::string>& known_properties() {
  static const std::set<std::string> k = {
      "L", "Letter", "Lu", "Uppercase_Letter", "Ll", "Lowercase_Letter", "Lt", "Lm", "Lo", "M", "Mark", "Mn",
      "Mc", "Me", "N", "Number", "Nd", "Decimal_Number", "Nl", "No", "P", "Punctuation", "Pc", "Pd", "Ps", "Pe",
      "Pi", "Pf", "Po", "S", "Symbol", "Sm", "Sc", "Sk", "So", "Z", "Separator", "Zs", "Zl", "Zp", "C", "Other",
      "Cc", "Cf", "Co", "Cn", "Alphabetic", "Alpha", "White_Space", "space", "Uppercase", "Lowercase", "ASCII",
      "Any", "Emoji", "Script=Latin", "sc=Latin", "Script=Greek", "sc=Greek", "Script=Cyrillic", "sc=Cyrillic",
      "Script=Han", "sc=Han", "Script=Hiragana", "Script=Katakana", "Script=Arabic", "Script=Hebrew",
      "General_Category=Letter", "gc=L", "Script_Extensions=Latin", "scx=Latin"};
  return k;
}

class Checker {
 public:
  explicit Checker(std::string_view p) : p_(p) {}

  bool run() {
    count_groups();
    if (!disjunction(0)) return false;
    if (pos_ != p_.size()) return false;
    for (const auto& name : named_refs_) {
      if (!group_names_.count(name)) return false;
    }
    return max_backref_ <= groups_;
  }

 private:
  // Capture groups are counted first: a backreference may point forward.
  void count_groups() {
    bool in_class = false;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (p_[i] == '\\') {
        ++i;
      } else if (in_class) {
        if (p_[i] == ']') in_class = false;
      } else if (p_[i] == '[') {
        in_class = true;
      } else if (p_[i] == '(' && (i + 1 >= p_.size() || p_[i + 1] != '?' ||
                                   (i + 2 < p_.size() && p_[i + 2] == '<' && i + 3 < p_.size() && p_[i + 3] != '=' &&
                                    p_[i + 3] != '!'))) {
        ++groups_;
      }
    }
  }

  bool eof() const { return pos_ >= p_.size(); }
  char peek(std::size_t k = 0) const { return pos_ + k < p_.size() ? p_[pos_ + k] : '\0'; }

  bool disjunction(int depth) {
    if (depth > 64) return false;
    if (!alternative(depth)) return false;
    while (!eof() && peek() == '|') {
      ++pos_;
      if (!alternative(depth)) return false;
    }
    return true;
  }

  bool alternative(int depth) {
    while (!eof() && peek() != '|' && peek() != ')') {
      if (!term(depth)) return false;
    }
    return true;
  }

  bool term(int depth) {
    const char c = peek();
    if (c == '^' || c == '$') {
      ++pos_;
      return true;
    }
    if (c == '\\' && (peek(1) == 'b' || peek(1) == 'B')) {
      pos_ += 2;
      return true;
    }
    if (c == '(' && peek(1) == '?' && (peek(2) == '=' || peek(2) == '!')) {
      pos_ += 3;
      return group_body(depth);  // lookaheads are not quantifiable with the u flag
    }
    if (c == '(' && peek(1) == '?' && peek(2) == '<' && (peek(3) == '=' || peek(3) == '!')) {
      pos_ += 4;
      return group_body(depth);
    }
    if (!atom(depth)) return false;
    return quantifier();
  }

  bool group_body(int depth) {
    if (!disjunction(depth + 1)) return false;
    if (eof() || peek() != ')') return false;
    ++pos_;
    return true;
  }

  bool atom(int depth) {
    const char c = peek();
    switch (c) {
      case '.': ++pos_; return true;
      case '\\': ++pos_; return atom_escape();
      case '[': ++pos_; return char_class();
      case '(': {
        ++pos_;
        if (peek() == '?') {
          if (peek(1) == ':') {
            pos_ += 2;
          } else if (peek(1) == '<') {
            pos_ += 2;
            std::string name;
            if (!group_name(name) || !group_names_.insert(name).second) return false;
          } else {
            return false;  // (?i) and other inline flags do not exist in JS
          }
        }
        return group_body(depth);
      }
      case '*': case '+': case '?': case '{': case '}': case ']': case ')': case '|':
        return false;  // the u flag makes a lone brace or bracket a syntax error
      default:
        ++pos_;
        return true;
    }
  }

  bool group_name(std::string& name) {
    if (eof() || !is_ident(peek(), true)) return false;
    while (!eof() && is_ident(peek(), name.empty())) name += p_[pos_++];
    if (eof() || peek() != '>') return false;
    ++pos_;
    return true;
  }

  bool quantifier() {
    if (eof()) return true;
    const char c = peek();
    if (c == '*' || c == '+' || c == '?') {
      ++pos_;
    } else if (c == '{') {
      ++pos_;
      unsigned long lo = 0, hi = 0;
      if (!number(lo)) return false;
      hi = lo;
      if (peek() == ',') {
        ++pos_;
        if (peek() == '}') {
          hi = ~0ul;
        } else if (!number(hi)) {
          return false;
        }
      }
      if (peek() != '}' || hi < lo) return false;
      ++pos_;
    } else {
      return true;
    }
    if (peek() == '?') ++pos_;
    // A second quantifier (a++, a{2}*) is a syntax error.
    return eof() || (peek() != '*' && peek() != '+' && peek() != '?' && peek() != '{');
  }

  bool number(unsigned long& out) {
    if (eof() || !is_digit(peek())) return false;
    out = 0;
    while (!eof() && is_digit(peek())) {
      out = out * 10 + static_cast<unsigned long>(p_[pos_++] - '0');
      if (out > 1000000000ul) return false;
    }
    return true;
  }

  bool unicode_escape() {  // after "\u"
    if (peek() == '{') {
      ++pos_;
      unsigned long v = 0;
      std::size_t n = 0;
      while (!eof() && is_hex(peek())) {
        v = v * 16 + hex_value(p_[pos_++]);
        if (++n > 8 || v > 0x10FFFF) return false;
      }
      if (n == 0 || peek() != '}') return false;
      ++pos_;
      return true;
    }
    for (int i = 0; i < 4; ++i) {
      if (!is_hex(peek())) return false;
      ++pos_;
    }
    return true;
  }

  // Escapes valid in both atoms and classes. `c` is the character after the backslash (consumed).
  bool character_escape(char c, bool& is_class_escape) {
    is_class_escape = false;
    switch (c) {
      case 'f': case 'n': case 'r': case 't': case 'v': return true;
      case 'd': case 'D': case 's': case 'S': case 'w': case 'W': is_class_escape = true; return true;
      case 'p': case 'P': {
        is_class_escape = true;
        if (peek() != '{') return false;
        const std::size_t close = p_.find('}', pos_);
        if (close == std::string_view::npos) return false;
        const std::string name(p_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
        return known_properties().count(name) > 0;
      }
      case 'c':
        if ((peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z')) {
          ++pos_;
          return true;
        }
        return false;
      case '0': return !is_digit(peek());
      case 'x':
        if (is_hex(peek()) && is_hex(peek(1))) {
          pos_ += 2;
          return true;
        }
        return false;
      case 'u': return unicode_escape();
      default: return is_syntax_char(c);  // identity escapes are limited to syntax characters with u
    }
  }

  bool atom_escape() {
    if (eof()) return false;
    const char c = p_[pos_++];
    if (c >= '1' && c <= '9') {
      unsigned long n = static_cast<unsigned long>(c - '0');
      while (!eof() && is_digit(peek())) {
        n = n * 10 + static_cast<unsigned long>(p_[pos_++] - '0');
        if (n > 100000) return false;
      }
      if (n > max_backref_) max_backref_ = n;
      return true;
    }
    if (c == 'k') {
      if (peek() != '<') return false;
      ++pos_;
      std::string name;
      if (!group_name(name)) return false;
      named_refs_.insert(name);
      return true;
    }
    bool class_escape = false;
    return character_escape(c, class_escape);
  }

  // One class atom; `single` is false for \d-like escapes, which cannot bound a range with u.
  bool class_atom(bool& single, unsigned long& value) {
    single = true;
    value = 0;
    if (eof()) return false;
    const char c = p_[pos_++];
    if (c != '\\') {
      value = static_cast<unsigned char>(c);
      if ((value & 0xC0) == 0xC0) {  // UTF-8 lead byte: take the whole code point
        unsigned long cp = value & (value >= 0xF0 ? 0x07 : value >= 0xE0 ? 0x0F : 0x1F);
        while (!eof() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) {
          cp = (cp << 6) | (static_cast<unsigned char>(p_[pos_++]) & 0x3F);
        }
        value = cp;
      }
      return true;
    }
    if (eof()) return false;
    const char e = p_[pos_++];
    if (e == 'b') {
      value = 8;
      return true;
    }
    if (e == '-') {
      value = '-';
      return true;
    }
    bool class_escape = false;
    const std::size_t start = pos_;
    if (!character_escape(e, class_escape)) return false;
    single = !class_escape;
    if (single) value = escape_value(e, start);
    return true;
  }

  // The code point of a character escape `\e...` whose characters after `e` run from `start` to pos_: range
  // bounds must be in order ([\f-\v] and [\cZ-\cA] are errors, [\0-\t] is not). With the u flag a \u escape of a
  // lead surrogate followed by one of a trail surrogate is a single code point: that second escape is consumed.
  unsigned long escape_value(char e, std::size_t start) {
    switch (e) {
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      case '0': return 0;
      case 'c': return static_cast<unsigned char>(p_[start]) % 32;
      case 'x':
      case 'u': {
        unsigned long v = 0;
        for (std::size_t i = start; i < pos_; ++i) {
          if (is_hex(p_[i])) v = v * 16 + hex_value(p_[i]);
        }
        if (e == 'u' && v >= 0xD800 && v <= 0xDBFF && peek() == '\\' && peek(1) == 'u' && is_hex(peek(2)) &&
            is_hex(peek(3)) && is_hex(peek(4)) && is_hex(peek(5))) {
          unsigned long trail = 0;
          for (std::size_t k = 2; k < 6; ++k) trail = trail * 16 + hex_value(peek(k));
          if (trail >= 0xDC00 && trail <= 0xDFFF) {
            pos_ += 6;
            v = 0x10000 + ((v - 0xD800) << 10) + (trail - 0xDC00);
          }
        }
        return v;
      }
      default: return static_cast<unsigned char>(e);  // identity escapes: \. \/ \- ...
    }
  }

  bool char_class() {
    if (peek() == '^') ++pos_;
    while (!eof() && peek() != ']') {
      bool single_a = false, single_b = false;
      unsigned long a = 0, b = 0;
      if (!class_atom(single_a, a)) return false;
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < p_.size()) {
        ++pos_;
        if (!class_atom(single_b, b)) return false;
        if (!single_a || !single_b || a > b) return false;
      }
    }
    if (eof()) return false;
    ++pos_;  // ]
    return true;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  unsigned long groups_ = 0;
  unsigned long max_backref_ = 0;
  std::set<std::string> group_names_;
  std::set<std::string> named_refs_;
};

}  // namespace

bool is_valid_js_unicode_regex(std::string_view pattern) {
  if (pattern.size() > 4096) return false;
  return Checker(pattern).run();
}

}  // namespace smeltsec::manifest
