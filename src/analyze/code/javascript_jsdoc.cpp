#include "analyze/code/javascript_jsdoc.h"

#include "common/text.h"

namespace smeltsec::analyze::code::js {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The comment's lines without the `/**`, `*/` and the leading ` * ` of each line.
std::vector<std::string> comment_lines(std::string_view comment) {
  comment.remove_prefix(3);
  if (comment.size() >= 2 && comment.substr(comment.size() - 2) == "*/") comment.remove_suffix(2);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= comment.size()) {
    std::size_t end = comment.find('\n', start);
    if (end == std::string_view::npos) end = comment.size();
    std::string_view line = comment.substr(start, end - start);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (!line.empty() && line.front() == '*') {
      line.remove_prefix(1);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    }
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

// "{@link Foo}" and "{@link Foo|text}" become "Foo" / "text".
std::string strip_inline_tags(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '@') {
      const std::size_t close = s.find('}', i);
      if (close != std::string_view::npos) {
        std::string_view inner = s.substr(i + 2, close - i - 2);
        const std::size_t space = inner.find_first_of(" \t");
        inner = space == std::string_view::npos ? std::string_view() : trim(inner.substr(space));
        if (const std::size_t bar = inner.find('|'); bar != std::string_view::npos) inner = trim(inner.substr(bar + 1));
        out += inner;
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// Reads a `{type}` at the start of `s` (braces may nest); returns the type and leaves `s` after it.
std::string take_type(std::string_view& s) {
  s = trim(s);
  if (s.empty() || s.front() != '{') return {};
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) {
      std::string type(trim(s.substr(1, i - 1)));
      s = trim(s.substr(i + 1));
      return type;
    }
  }
  return {};
}

// Reads a word, or a bracketed `[name=default]` (brackets may nest in the default), from the start of `s`.
std::string take_name(std::string_view& s) {
  s = trim(s);
  std::size_t end = 0;
  if (!s.empty() && s.front() == '[') {
    int depth = 0;
    for (; end < s.size(); ++end) {
      if (s[end] == '[') ++depth;
      if (s[end] == ']' && --depth == 0) {
        ++end;
        break;
      }
    }
  } else {
    while (end < s.size() && !is_space(s[end])) ++end;
  }
  std::string name(s.substr(0, end));
  s = trim(s.substr(end));
  return name;
}

std::string_view drop_dash(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return trim(s);
}

void apply_tag(JsDoc& doc, std::string_view tag, std::string_view body, std::string& description) {
  if (tag == "param" || tag == "arg" || tag == "argument") {
    JsDocParam p;
    p.type = take_type(body);
    std::string name = take_name(body);
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
      p.optional = true;
      name = name.substr(1, name.size() - 2);
      if (const std::size_t eq = name.find('='); eq != std::string::npos) {
        p.default_text = std::string(trim(std::string_view(name).substr(eq + 1)));
        name = std::string(trim(std::string_view(name).substr(0, eq)));
      }
    }
    if (!p.type.empty() && p.type.back() == '=') {
      p.optional = true;
      p.type.pop_back();
    }
    p.name = std::move(name);
    p.description = strip_inline_tags(drop_dash(body));
    if (!p.name.empty()) doc.params.push_back(std::move(p));
  } else if (tag == "returns" || tag == "return") {
    doc.returns_type = take_type(body);
    doc.returns_description = strip_inline_tags(drop_dash(body));
  } else if (tag == "deprecated") {
    doc.deprecated = true;
  } else if (tag == "internal" || tag == "private") {
    doc.internal_tag = "@" + std::string(tag);
  } else if (tag == "access") {
    const std::string_view level = trim(body);
    if (level.substr(0, 7) == "private" || level.substr(0, 9) == "protected") doc.internal_tag = "@private";
  } else if (tag == "description" || tag == "desc" || tag == "summary") {
    if (!description.empty()) description += "\n";
    description += strip_inline_tags(trim(body));
  }
}

}  // namespace

JsDoc parse_jsdoc(std::string_view comment) {
  JsDoc doc;
  if (comment.size() < 5 || comment.substr(0, 3) != "/**" || comment.substr(0, 4) == "/***") return doc;
  doc.present = true;
  std::string description;
  std::string tag;
  std::string body;
  bool in_description = true;
  auto flush = [&] {
    if (!tag.empty()) apply_tag(doc, tag, body, description);
    tag.clear();
    body.clear();
  };
  for (const std::string& line : comment_lines(comment)) {
    if (!line.empty() && line.front() == '@') {
      flush();
      in_description = false;
      std::size_t end = 1;
      while (end < line.size() && !is_space(line[end])) ++end;
      tag = line.substr(1, end - 1);
      body = std::string(trim(std::string_view(line).substr(end)));
      continue;
    }
    if (in_description) {
      if (!description.empty() || !line.empty()) description += strip_inline_tags(line) + "\n";
    } else if (!tag.empty()) {
      body += "\n" + line;
    }
  }
  flush();
  doc.description = text::normalize_whitespace(description);
  return doc;
}

std::string_view jsdoc_before(TSNode node, const SyntaxTree& tree) {
  TSNode cur = node;
  // A few levels: declarator -> declaration -> export statement, expression -> statement.
  for (int level = 0; level < 4 && present(cur); ++level) {
    TSNode after = cur;
    TSNode prev = ts_node_prev_named_sibling(cur);
    while (present(prev) && type_of(prev) == "decorator") {
      after = prev;
      prev = ts_node_prev_named_sibling(prev);
    }
    if (present(prev)) {
      if (type_of(prev) != "comment") return {};
      const std::string_view t = tree.text(prev);
      if (t.substr(0, 3) != "/**") return {};
      if (ts_node_end_point(prev).row + 1 < ts_node_start_point(after).row) return {};  // a blank line between
      return t;
    }
    const TSNode parent = ts_node_parent(cur);
    const std::string_view pt = type_of(parent);
    if (pt != "export_statement" && pt != "lexical_declaration" && pt != "variable_declaration" &&
        pt != "expression_statement" && pt != "variable_declarator" && pt != "assignment_expression") {
      return {};
    }
    cur = parent;
  }
  return {};
}

const JsDocParam* find_param(const JsDoc& doc, std::string_view name, bool allow_suffix) {
  for (const auto& p : doc.params) {
    if (p.name == name) return &p;
  }
  if (!allow_suffix) return nullptr;
  for (const auto& p : doc.params) {
    const std::size_t dot = p.name.rfind('.');
    if (dot != std::string::npos && std::string_view(p.name).substr(dot + 1) == name) return &p;
  }
  return nullptr;
}

}  // namespace smeltsec::analyze::code::js
