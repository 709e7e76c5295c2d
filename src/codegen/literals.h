// String literals for generated code. Every piece of text that comes from a manifest (names, enum values,
// patterns, defaults) reaches generated code only through these functions: ASCII-only output, every quote,
// backslash, control character, line separator and non-ASCII code point escaped, so no input can end the
// literal, start a template substitution or close a comment.
#pragma once

#include <string>
#include <string_view>

namespace smeltsec::codegen {

// A double-quoted JavaScript/TypeScript (and JSON) string literal. Non-BMP code points become surrogate
// pairs (\uD83D\uDE00). Input must be valid UTF-8 (the manifest parser checked it).
std::string js_string(std::string_view utf8);

// A double-quoted Python 3 string literal; non-BMP code points become \UXXXXXXXX.
std::string py_string(std::string_view utf8);

// Text for a Markdown table cell or paragraph: one line, `|`, `<`, `>`, `&`, backticks and other Markdown
// markup escaped, at most `max_chars` code points (cut at a word boundary, "…" appended).
std::string markdown_text(std::string_view utf8, std::size_t max_chars);

// An environment-variable stem from a name: upper-cased, every run of characters other than [A-Z0-9]
// becomes one `_`, no leading digit ("petstore_auth" → "PETSTORE_AUTH", "api-key" → "API_KEY").
std::string env_stem(std::string_view name);

// A valid npm package name (lower-case, [a-z0-9-._], at most 214 characters), never empty.
std::string npm_package_name(std::string_view name);

// True for "MAJOR.MINOR.PATCH" with an optional -prerelease / +build suffix of [0-9A-Za-z.-].
bool is_semver(std::string_view version);

}  // namespace smeltsec::codegen
