#include "analyze/code/python_docstring.h"

#include <algorithm>
#include <tuple>

#include "common/text.h"

namespace smeltsec::analyze::code::py {
namespace {

std::size_t indent_of(std::string_view line) {
  const std::size_t i = line.find_first_not_of(' ');
  return i == std::string_view::npos ? line.size() : i;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::string trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool dashes(std::string_view line) {
  const std::string t = trim(line);
  return t.size() >= 3 && t.find_first_not_of('-') == std::string::npos;
}

bool google_param_header(const std::string& lower) {
  return lower == "args:" || lower == "arguments:" || lower == "parameters:" || lower == "params:" ||
         lower == "keyword args:" || lower == "keyword arguments:" || lower == "kwargs:" ||
         lower == "other parameters:";
}

bool numpy_param_header(const std::string& lower) {
  return lower == "parameters" || lower == "other parameters" || lower == "keyword arguments" || lower == "params" ||
         lower == "arguments";
}

void add_param(Docstring& d, std::string name, const std::string& desc) {
  while (!name.empty() && name[0] == '*') name.erase(0, 1);
  if (name.empty()) return;
  for (auto& p : d.params) {
    if (p.first == name) {
      if (p.second.empty()) p.second = desc;
      return;
    }
  }
  d.params.emplace_back(std::move(name), desc);
}

void append(std::string& desc, std::string_view more) {
  const std::string t = trim(more);
  if (t.empty()) return;
  if (!desc.empty()) desc += ' ';
  desc += t;
}

// "name (int, optional): text" or "name: text" -> name, text.
std::pair<std::string, std::string> google_entry(const std::string& line) {
  std::size_t end = 0;
  while (end < line.size() && line[end] != ' ' && line[end] != '(' && line[end] != ':') ++end;
  std::string name = line.substr(0, end);
  std::size_t colon = line.find(':', end);
  if (end < line.size() && line[end] != ':') {
    const std::size_t close = line.find(')', end);
    colon = line.find(':', close == std::string::npos ? end : close);
  }
  std::string desc = colon == std::string::npos ? std::string() : trim(line.substr(colon + 1));
  return {name, desc};
}

// ":param int x: text" -> x, text; returns false when `t` is not a parameter field.
bool sphinx_field(const std::string& t, std::string& kind, std::string& name, std::string& desc) {
  if (t.size() < 3 || (t[0] != ':' && t[0] != '@')) return false;
  const std::size_t colon = t.find(':', 1);
  if (colon == std::string::npos) return false;
  const std::string head = trim(std::string_view(t).substr(1, colon - 1));
  const std::size_t space = head.find(' ');
  kind = head.substr(0, space);
  if (kind != "param" && kind != "parameter" && kind != "arg" && kind != "argument" && kind != "key" &&
      kind != "keyword" && kind != "type" && kind != "rtype" && kind != "kwtype" && kind != "paramtype") {
    return false;
  }
  name = space == std::string::npos ? std::string() : trim(std::string_view(head).substr(head.rfind(' ') + 1));
  desc = trim(std::string_view(t).substr(colon + 1));
  return true;
}

}  // namespace

Docstring parse_docstring(std::string_view doc) {
  Docstring d;
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= doc.size()) {
    std::size_t nl = doc.find('\n', start);
    if (nl == std::string_view::npos) nl = doc.size();
    lines.emplace_back(doc.substr(start, nl - start));
    start = nl + 1;
  }
  std::vector<std::string> kept;
  const std::size_t n = lines.size();
  std::size_t i = 0;
  while (i < n) {
    const std::string& line = lines[i];
    const std::string t = trim(line);
    const std::string lower = text::to_lower(t);
    const std::size_t ind = indent_of(line);
    if (google_param_header(lower)) {
      std::size_t j = i + 1;
      std::size_t entry_indent = std::string::npos;
      std::string name, desc;
      for (; j < n && (blank(lines[j]) || indent_of(lines[j]) > ind); ++j) {
        if (blank(lines[j])) continue;
        const std::size_t li = indent_of(lines[j]);
        if (entry_indent == std::string::npos) entry_indent = li;
        if (li <= entry_indent) {
          if (!name.empty()) add_param(d, name, desc);
          std::tie(name, desc) = google_entry(trim(lines[j]));
        } else {
          append(desc, lines[j]);
        }
      }
      if (!name.empty()) add_param(d, name, desc);
      i = j;
      continue;
    }
    if (numpy_param_header(lower) && i + 1 < n && dashes(lines[i + 1])) {
      std::size_t j = i + 2;
      std::string name, desc;
      auto flush = [&]() {
        if (name.empty()) return;
        // "x, y : int" documents two names.
        std::size_t s = 0;
        while (s < name.size()) {
          std::size_t comma = name.find(',', s);
          if (comma == std::string::npos) comma = name.size();
          add_param(d, trim(std::string_view(name).substr(s, comma - s)), desc);
          s = comma + 1;
        }
      };
      for (; j < n; ++j) {
        if (!blank(lines[j]) && j + 1 < n && dashes(lines[j + 1])) break;  // the next section
        if (blank(lines[j])) continue;
        if (indent_of(lines[j]) <= ind) {
          flush();
          const std::string entry = trim(lines[j]);
          const std::size_t colon = entry.find(" :");
          name = trim(entry.substr(0, colon == std::string::npos ? entry.find(':') : colon));
          desc.clear();
        } else {
          append(desc, lines[j]);
        }
      }
      flush();
      i = j;
      continue;
    }
    std::string kind, name, desc;
    if (sphinx_field(t, kind, name, desc)) {
      std::size_t j = i + 1;
      for (; j < n && !blank(lines[j]) && indent_of(lines[j]) > ind; ++j) append(desc, lines[j]);
      if (kind != "type" && kind != "rtype" && kind != "kwtype" && kind != "paramtype" && !name.empty()) {
        add_param(d, name, desc);
      }
      i = j;
      continue;
    }
    if (text::starts_with(lower, ".. deprecated::")) d.deprecated = true;
    kept.push_back(line);
    ++i;
  }
  // Blank runs left where sections were cut collapse to one; blank edges go.
  std::string out;
  bool pending_blank = false;
  for (const auto& l : kept) {
    if (blank(l)) {
      pending_blank = !out.empty();
      continue;
    }
    if (pending_blank)
      out += "\n\n";
    else if (!out.empty())
      out += '\n';
    pending_blank = false;
    out += l;
  }
  d.text = std::move(out);
  const std::string first = text::to_lower(d.text.substr(0, d.text.find('\n')));
  if (first.find("deprecated") != std::string::npos) d.deprecated = true;
  const std::string all = text::to_lower(doc);
  for (const char* marker : {":meta private:", "@internal", "internal use only", "for internal use",
                             "not part of the public api", "private api"}) {
    if (all.find(marker) != std::string::npos) d.internal = true;
  }
  return d;
}

}  // namespace smeltsec::analyze::code::py
