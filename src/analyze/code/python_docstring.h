// Python docstrings: parameter sections (Google "Args:", NumPy "Parameters\n----------", Sphinx ":param x:",
// Epydoc "@param x:") split from the description, and the markers that filter a unit.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smeltsec::analyze::code::py {

struct Docstring {
  std::string text;                                         // the docstring without its parameter sections
  std::vector<std::pair<std::string, std::string>> params;  // name -> description, in order
  bool deprecated = false;  // "deprecated" in the first line, or a `.. deprecated::` directive
  bool internal = false;    // ":meta private:", "@internal", "internal use only", ...
};

// Parses a cleaned docstring (indentation already removed, as inspect.cleandoc does).
Docstring parse_docstring(std::string_view doc);

}  // namespace smeltsec::analyze::code::py
