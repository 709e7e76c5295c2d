// All Python modules of a bundle, linked: module names, imports (absolute, relative, re-exports, star
// imports) and the names they bind, and the string constants route prefixes are often built from.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/code/python_facts.h"

namespace smeltsec::analyze::code::py {

// What a dotted name refers to.
struct Symbol {
  enum class Kind { kNone, kModule, kFunction, kClass, kAssign };
  Kind kind = Kind::kNone;
  int module = -1;          // the defining module (kModule: the module itself; -1 for a folder without __init__.py)
  int index = -1;           // into the module's functions, classes or assigns
  std::string module_name;  // kModule: its dotted name
  std::string rest;         // attributes left after a non-module symbol ("API_V1_STR" of settings.API_V1_STR)

  bool is(Kind k) const { return kind == k; }
};

class Project {
 public:
  explicit Project(std::vector<Module> modules);

  const std::vector<Module>& modules() const { return modules_; }
  const Module& module(int i) const { return modules_[static_cast<std::size_t>(i)]; }

  // What `name` ("app", "views.bp", "settings.API_V1_STR") means in module `from`; kNone when it is defined
  // outside the bundle (a library) or cannot be followed.
  Symbol resolve(int from, std::string_view name) const;

  // `name` with its first segment replaced by what it was imported as: "Flask" -> "flask.Flask",
  // "sp.run" -> "subprocess.run". Names defined in the bundle are returned unchanged.
  std::string canonical(int from, std::string_view name) const;

  // The value of a string expression: literals, f-strings and `+` over constants, module constants (imported
  // ones too), attributes of settings objects and classes, os.getenv("X", "default"). nullopt when unknown.
  std::optional<std::string> string_value(int from, const Expr& e, int depth = 0) const;

  // The items of a list/tuple expression, following a module constant; nullptr when unknown.
  const std::vector<Expr>* list_value(int from, const Expr& e, int& list_module) const;

  // The class named by a plain or dotted name in `from`: resolved, or else the only class of that name in
  // the bundle. Returns false when there is none.
  bool find_class(int from, std::string_view name, int& module, int& index) const;

  // True when module `m` (or, with m < 0, any module) imports from `package` ("flask", "fastapi").
  bool imports(int m, std::string_view package) const;

  const Function* function(const Symbol& s) const;
  const Class* klass(const Symbol& s) const;
  const Assign* assign(const Symbol& s) const;

 private:
  struct Entry {
    Symbol::Kind kind;
    int index;
  };
  Symbol lookup(int from, const std::string& first, int depth) const;
  Symbol walk(Symbol s, std::string_view rest, int depth) const;
  Symbol resolve_at(int from, std::string_view name, int depth) const;
  // The module (or folder) an absolute dotted name denotes, as seen from `from`; "" when none.
  std::string absolute_module(const std::string& name, int from) const;
  std::string relative_base(int from, int level, const std::string& module) const;
  int module_index(const std::string& full) const;
  std::optional<std::string> attribute_string(const Symbol& s, int depth) const;

  std::vector<Module> modules_;
  std::vector<std::unordered_map<std::string, Entry>> names_;
  std::unordered_map<std::string, int> by_name_;                         // full module name -> index
  std::set<std::string> packages_;                                       // every module name and every prefix of one
  std::unordered_map<std::string, std::vector<std::string>> by_suffix_;  // "app.models" -> full names ending so
  std::unordered_map<std::string, std::vector<std::pair<int, int>>> classes_by_name_;
};

}  // namespace smeltsec::analyze::code::py
