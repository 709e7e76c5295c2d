// Text helpers shared by every stage: UTF-8, positions, identifiers, trimming, JSON pointers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smeltsec::text {

// 1-based line and column (in code points) of byte `offset` in `s`.
std::pair<std::size_t, std::size_t> line_col(std::string_view s, std::size_t offset);

bool is_valid_utf8(std::string_view s);
// The byte offset of the first byte that is not part of valid UTF-8, or npos.
std::size_t invalid_utf8_offset(std::string_view s);
// Number of code points (bytes that do not continue a sequence).
std::size_t utf8_length(std::string_view s);
// utf8_length(s) <= max_chars, without counting when the bytes alone are few enough.
inline bool fits(std::string_view s, std::size_t max_chars) {
  return s.size() <= max_chars || utf8_length(s) <= max_chars;
}

// Splits an identifier or phrase into lowercase words: camelCase, PascalCase, acronyms (HTTPServer ->
// http server), digits, and any non-alphanumeric separator. ASCII letters and digits only.
std::vector<std::string> split_words(std::string_view s);
std::string join(const std::vector<std::string>& words, std::string_view sep);
// join(split_words(s), "_"), built in place.
std::string snake_case(std::string_view s);

// Collapses runs of spaces/tabs, trims each line, normalises CR/CRLF to LF, keeps at most one blank
// line in a row, and trims the whole.
std::string normalize_whitespace(std::string_view s);
// The same, into `out` (replacing its contents; no allocation while its capacity suffices).
void normalize_whitespace(std::string_view s, std::string& out);
// The same without a copy where nothing changes: `s` itself when it is already normal (most texts), else the
// normalised text, written into `buffer`.
std::string_view normalized_whitespace(std::string_view s, std::string& buffer);
// True when normalize_whitespace(s) would return s unchanged, as for most texts (conservative: some unchanged
// texts, such as ones with a blank line, answer false).
bool whitespace_is_normal(std::string_view s);

// At most `max_chars` code points: cut at the last whitespace before the limit (never inside a word
// unless a single word is longer than the limit) and end with "…".
std::string truncate_words(std::string_view s, std::size_t max_chars);

std::string json_pointer_escape(std::string_view token);
// The same, appended to `out`.
void append_json_pointer_escaped(std::string_view token, std::string& out);
// Splits "#/a/b~1c" (or "/a/b~1c") into unescaped tokens; percent-decodes first (URI fragments).
std::vector<std::string> json_pointer_tokens(std::string_view pointer);
// The same tokens without a copy each, for the usual pointer that needs no decoding (no '%', no '~'): views
// of `pointer`, appended to `out`. False, and nothing appended, when the pointer needs decoding.
bool plain_json_pointer_tokens(std::string_view pointer, std::vector<std::string_view>& out);
std::string percent_decode(std::string_view s);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);

}  // namespace smeltsec::text
