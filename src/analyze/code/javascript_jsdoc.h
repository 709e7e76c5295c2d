// JSDoc comments of JavaScript/TypeScript code: where they are, and what their tags say.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/code/syntax.h"

namespace smeltsec::analyze::code::js {

struct JsDocParam {
  std::string name;  // as written, dotted for members ("options.limit", "req.query.page")
  std::string type;  // the type between braces, without them; may be empty
  std::string description;
  bool optional = false;     // [name], [name=default] or a type ending in "="
  std::string default_text;  // from [name=default]
};

struct JsDoc {
  bool present = false;
  std::string description;  // summary and body, inline {@link X} reduced to X, without tag sections
  std::vector<JsDocParam> params;
  std::string returns_type;
  std::string returns_description;
  bool deprecated = false;
  std::string internal_tag;  // "@internal" or "@private" when the unit is marked internal, else ""
};

// Parses a `/** ... */` comment; a comment of any other form gives a JsDoc with present == false.
JsDoc parse_jsdoc(std::string_view comment);

// The JSDoc comment directly above `node` (only decorators and other comments in between, no blank line), or
// "" when there is none. Looks through export statements: pass the declaration or the export around it.
std::string_view jsdoc_before(TSNode node, const SyntaxTree& tree);

// The JSDoc param whose name is `name`, or whose last dotted part is `name` when `allow_suffix` (for route docs
// that write "req.query.page"); nullptr when there is none.
const JsDocParam* find_param(const JsDoc& doc, std::string_view name, bool allow_suffix = false);

}  // namespace smeltsec::analyze::code::js
