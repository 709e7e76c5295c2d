#include "analyze/code/javascript_program.h"

#include <algorithm>

#include "common/text.h"

namespace smeltsec::analyze::code::js {
namespace {

// Evaluation bounds: nesting of one evaluation, and the work one top-level evaluation may do (functions whose
// results are calls of other functions could otherwise fan out).
constexpr int kMaxEvalDepth = 48;
constexpr int kMaxEvalSteps = 4000;
constexpr int kMaxReturnScan = 4000;  // nodes of a function body searched for `return`

const char* const kProbeExtensions[] = {".js", ".ts", ".tsx", ".jsx", ".mjs", ".cjs", ".mts", ".cts"};

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Joins and normalises a bundle path; "" when it leaves the bundle root.
std::string join_path(const std::string& dir, std::string_view rel) {
  std::vector<std::string> parts;
  auto push = [&](std::string_view s) {
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t end = s.find('/', start);
      if (end == std::string_view::npos) end = s.size();
      const std::string_view part = s.substr(start, end - start);
      if (part == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.emplace_back(part);
      }
      start = end + 1;
    }
    return true;
  };
  if (!push(dir) || !push(rel)) return {};
  return text::join(parts, "/");
}

bool is_relative(std::string_view spec) {
  return spec == "." || spec == ".." || text::starts_with(spec, "./") || text::starts_with(spec, "../");
}

std::string_view strip_node_prefix(std::string_view spec) {
  return text::starts_with(spec, "node:") ? spec.substr(5) : spec;
}

char decode_escape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return c;
  }
}

}  // namespace

TSNode field(TSNode n, const char* name) {
  if (ts_node_is_null(n)) return n;
  struct Entry {
    const TSLanguage* language;
    const char* name;
    TSFieldId id;
  };
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  static std::vector<Entry> cache;  // single-threaded wasm: thread_local would need the atomics feature
#else
  thread_local std::vector<Entry> cache;
#endif
  const TSLanguage* language = ts_node_language(n);
  TSFieldId id = 0;
  bool found = false;
  for (const Entry& e : cache) {
    if (e.name == name && e.language == language) {
      id = e.id;
      found = true;
      break;
    }
  }
  if (!found) {
    id = ts_language_field_id_for_name(language, name, static_cast<uint32_t>(std::char_traits<char>::length(name)));
    cache.push_back({language, name, id});
  }
  return id == 0 ? TSNode{} : ts_node_child_by_field_id(n, id);
}

std::string compact_text(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty() && c != '.' && c != ')' && c != ',' && out.back() != '(' && out.back() != '.') out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string_view trim_space(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_anonymous_child(TSNode n, std::string_view type) {
  for (uint32_t i = 0; i < child_count(n); ++i) {
    const TSNode c = child_at(n, i);
    if (!is_named(c) && type_of(c) == type) return true;
  }
  return false;
}

bool is_function_node(std::string_view t) {
  return t == "function_declaration" || t == "function_expression" || t == "arrow_function" ||
         t == "generator_function_declaration" || t == "generator_function" || t == "method_definition" ||
         t == "function";
}

bool string_literal(TSNode n, const SyntaxTree& tree, std::string& out) {
  const std::string_view t = type_of(n);
  if (t != "string" && t != "template_string") return false;
  std::string value;
  for (TSNode c : named_children(n)) {
    const std::string_view ct = type_of(c);
    if (ct == "string_fragment") {
      value += tree.text(c);
    } else if (ct == "escape_sequence") {
      const std::string_view e = tree.text(c);
      if (e.size() == 2) value += decode_escape(e[1]);
    } else if (ct == "template_substitution") {
      return false;
    }
  }
  out = std::move(value);
  return true;
}

TSNode Program::enclosing_class(TSNode node) {
  for (TSNode p = parent_of(node); present(p); p = parent_of(p)) {
    const std::string_view t = type_of(p);
    if (t == "class_declaration" || t == "class" || t == "abstract_class_declaration") return p;
  }
  return TSNode{};
}

// ---- loading and indexing ----

void Program::load(const std::vector<SourceFile>& files, CodeAnalysis& out, double parse_budget_ms) {
  modules_.reserve(files.size());
  for (const SourceFile& f : files) {
    auto tree = std::make_unique<SyntaxTree>(f.language, f.text, parse_budget_ms);
    if (!tree->ok()) {
      out.skipped.push_back({f.path, "parse time budget exceeded"});
      continue;
    }
    out.files_parsed += 1;
    out.bytes_parsed += f.text.size();
    if (tree->has_errors()) out.notes.push_back(f.path + ": syntax errors; analysed what parsed");
    Module m;
    m.file = &f;
    m.tree = std::move(tree);
    by_path_[f.path] = static_cast<int>(modules_.size());
    for (std::string dir = dir_of(f.path); !dir.empty(); dir = dir_of(dir)) {
      auto& dirs = dirs_by_name_[dir.substr(dir.rfind('/') + 1)];
      if (std::find(dirs.begin(), dirs.end(), dir) != dirs.end()) break;
      dirs.push_back(dir);
    }
    modules_.push_back(std::move(m));
    index_module(static_cast<int>(modules_.size()) - 1);
  }
}

std::vector<TSNode> parameter_nodes(TSNode fn) {
  std::vector<TSNode> params;
  const TSNode single = field(fn, "parameter");
  if (present(single)) {
    params.push_back(single);
    return params;
  }
  for (TSNode p : named_children(field(fn, "parameters"))) {
    const std::string_view t = type_of(p);
    if (t == "comment") continue;
    if ((t == "required_parameter" || t == "optional_parameter") && type_of(field(p, "pattern")) == "this") continue;
    params.push_back(p);
  }
  return params;
}

TSNode parameter_identifier(TSNode p) {
  std::string_view t = type_of(p);
  if (t == "required_parameter" || t == "optional_parameter") {
    p = field(p, "pattern");
    t = type_of(p);
  }
  if (t == "assignment_pattern") {
    p = field(p, "left");
    t = type_of(p);
  }
  return t == "identifier" ? p : TSNode{};
}

void Program::index_module(int mi) {
  Module& m = modules_[mi];
  const SyntaxTree& tree = *m.tree;
  m.scopes.emplace_back();
  int current = 0;
  std::vector<std::pair<TSNode, int>> open;  // function nodes being walked, with their scopes

  auto declare = [&](int scope, std::string name, Binding b) {
    m.scopes[scope].bindings.emplace(std::move(name), std::move(b));
  };
  // Binds the names of a declaration pattern to (value, member path).
  auto declare_pattern = [&](TSNode pattern, TSNode value, int scope) {
    struct Item {
      TSNode pattern;
      std::vector<std::string> members;
    };
    std::vector<Item> work{{pattern, {}}};
    for (std::size_t guard = 0; !work.empty() && guard < 256; ++guard) {
      Item item = std::move(work.back());
      work.pop_back();
      const std::string_view t = type_of(item.pattern);
      if (t == "identifier") {
        declare(scope, std::string(tree.text(item.pattern)),
                Binding{Binding::Kind::kValue, value, scope, item.members});
      } else if (t == "assignment_pattern") {
        work.push_back({field(item.pattern, "left"), item.members});
      } else if (t == "object_pattern") {
        for (TSNode c : named_children(item.pattern)) {
          const std::string_view ct = type_of(c);
          auto with = [&](std::string_view key) {
            auto members = item.members;
            members.emplace_back(key);
            return members;
          };
          if (ct == "shorthand_property_identifier_pattern") {
            declare(scope, std::string(tree.text(c)), Binding{Binding::Kind::kValue, value, scope, with(tree.text(c))});
          } else if (ct == "pair_pattern") {
            std::string key;
            if (!string_literal(field(c, "key"), tree, key)) key = std::string(tree.text(field(c, "key")));
            work.push_back({field(c, "value"), with(key)});
          } else if (ct == "object_assignment_pattern") {
            const TSNode left = field(c, "left");
            if (type_of(left) == "shorthand_property_identifier_pattern") {
              declare(scope, std::string(tree.text(left)),
                      Binding{Binding::Kind::kValue, value, scope, with(tree.text(left))});
            }
          }
        }
      }
    }
  };
  auto import_statement = [&](TSNode node) {
    std::string source;
    if (!string_literal(field(node, "source"), tree, source)) {
      // TS: import x = require('m')
      for (TSNode c : named_children(node)) {
        if (type_of(c) != "import_require_clause") continue;
        if (!string_literal(field(c, "source"), tree, source)) return;
        for (TSNode id : named_children(c)) {
          if (type_of(id) == "identifier") {
            declare(0, std::string(tree.text(id)), Binding{Binding::Kind::kImport, {}, 0, {}, -1, source, "require"});
          }
        }
      }
      return;
    }
    for (TSNode clause : named_children(node)) {
      if (type_of(clause) != "import_clause") continue;
      for (TSNode c : named_children(clause)) {
        const std::string_view t = type_of(c);
        if (t == "identifier") {
          declare(0, std::string(tree.text(c)), Binding{Binding::Kind::kImport, {}, 0, {}, -1, source, "default"});
        } else if (t == "namespace_import") {
          for (TSNode id : named_children(c)) {
            if (type_of(id) == "identifier") {
              declare(0, std::string(tree.text(id)), Binding{Binding::Kind::kImport, {}, 0, {}, -1, source, "*"});
            }
          }
        } else if (t == "named_imports") {
          for (TSNode spec : named_children(c)) {
            if (type_of(spec) != "import_specifier") continue;
            const TSNode name = field(spec, "name");
            std::string imported;
            if (!string_literal(name, tree, imported)) imported = std::string(tree.text(name));
            const TSNode alias = field(spec, "alias");
            const std::string local(tree.text(present(alias) ? alias : name));
            declare(0, local, Binding{Binding::Kind::kImport, {}, 0, {}, -1, source, imported});
          }
        }
      }
    }
  };
  auto export_statement = [&](TSNode node) {
    bool is_default = false;
    for (uint32_t i = 0; i < child_count(node); ++i) {
      const TSNode c = child_at(node, i);
      if (!is_named(c) && type_of(c) == "default") is_default = true;
      if (!is_named(c) && type_of(c) == "=") {  // TS: export = x
        const TSNode value = named_child(node, 0);
        if (present(value)) m.cjs_exports = value;
        return;
      }
    }
    std::string source;
    const bool has_source = string_literal(field(node, "source"), tree, source);
    const TSNode decl = field(node, "declaration");
    if (is_default) {
      ExportEntry e;
      e.node = present(decl) ? decl : field(node, "value");
      if (!present(e.node)) {  // TS puts `export default x` identifiers in an unnamed child
        for (TSNode c : named_children(node)) {
          if (type_of(c) != "comment" && type_of(c) != "decorator") e.node = c;
        }
      }
      if (present(e.node)) m.exports["default"] = e;
      return;
    }
    if (present(decl)) {
      const std::string_view t = type_of(decl);
      if (t == "lexical_declaration" || t == "variable_declaration") {
        for (TSNode d : named_children(decl)) {
          const TSNode name = field(d, "name");
          if (type_of(d) == "variable_declarator" && type_of(name) == "identifier") {
            ExportEntry e;
            e.local = std::string(tree.text(name));
            m.exports[e.local] = e;
          }
        }
      } else if (present(field(decl, "name"))) {
        ExportEntry e;
        e.node = decl;
        m.exports[std::string(tree.text(field(decl, "name")))] = e;
      }
      return;
    }
    for (TSNode c : named_children(node)) {
      const std::string_view t = type_of(c);
      if (t == "export_clause") {
        for (TSNode spec : named_children(c)) {
          if (type_of(spec) != "export_specifier") continue;
          const TSNode name = field(spec, "name"), alias = field(spec, "alias");
          std::string local, exported;
          if (!string_literal(name, tree, local)) local = std::string(tree.text(name));
          if (!present(alias)) {
            exported = local;
          } else if (!string_literal(alias, tree, exported)) {
            exported = std::string(tree.text(alias));
          }
          ExportEntry e;
          if (has_source) {
            e.source = source;
            e.imported = local;
          } else {
            e.local = local;
          }
          m.exports[exported] = e;
        }
      } else if (t == "namespace_export" && has_source) {
        for (TSNode id : named_children(c)) {
          ExportEntry e;
          e.source = source;
          e.imported = "*";
          m.exports[std::string(tree.text(id))] = e;
        }
        return;
      }
    }
    if (has_source && named_child_count(node) == 1) m.star_exports.push_back(source);
  };
  auto assignment = [&](TSNode node) {
    const TSNode left = field(node, "left"), right = field(node, "right");
    const std::string_view lt = type_of(left);
    if (lt == "identifier") {
      const std::string name(tree.text(left));
      for (int s = current; s >= 0; s = m.scopes[s].parent) {
        auto it = m.scopes[s].bindings.find(name);
        if (it == m.scopes[s].bindings.end()) continue;
        if (it->second.kind == Binding::Kind::kValue && ts_node_is_null(it->second.node)) {
          it->second.node = right;
          it->second.scope = current;
        }
        return;
      }
      declare(current, name, Binding{Binding::Kind::kValue, right, current, {}});
      return;
    }
    if (lt != "member_expression") return;
    const TSNode object = field(left, "object");
    const std::string_view prop = tree.text(field(left, "property"));
    const std::string_view object_text = tree.text(object);
    if (object_text == "module" && prop == "exports") {
      m.cjs_exports = right;
      m.cjs_scope = current;
    } else if (object_text == "exports" || object_text == "module.exports") {
      ExportEntry e;
      e.node = right;
      e.scope = current;
      m.exports[std::string(prop)] = e;
    }
  };

  auto enter = [&](TSNode node) {
    const std::string_view t = type_of(node);
    if (t == "call_expression" || t == "new_expression") {
      m.calls.push_back({node, current});
    } else if (t == "variable_declarator") {
      declare_pattern(field(node, "name"), field(node, "value"), current);
    } else if (t == "for_in_statement") {
      const TSNode left = field(node, "left");
      if (type_of(left) == "identifier" && tree.text(field(node, "operator")) == "of") {
        declare(current, std::string(tree.text(left)), Binding{Binding::Kind::kValue, {}, current, {}});
      }
    } else if (t == "import_statement") {
      import_statement(node);
    } else if (t == "export_statement" && current == 0) {
      export_statement(node);
    } else if (t == "assignment_expression") {
      assignment(node);
    } else if (t == "class_declaration" || t == "abstract_class_declaration" || t == "class") {
      m.class_scopes[node_key(node)] = current;
      const TSNode name = field(node, "name");
      if (present(name) && t != "class") {
        declare(current, std::string(tree.text(name)), Binding{Binding::Kind::kValue, node, current, {}});
        if (current == 0) m.types[std::string(tree.text(name))] = node;
      }
    } else if ((t == "interface_declaration" || t == "type_alias_declaration" || t == "enum_declaration") &&
               current == 0) {
      m.types[std::string(tree.text(field(node, "name")))] = node;
    }
    if (is_function_node(t)) {
      const TSNode name = field(node, "name");
      if ((t == "function_declaration" || t == "generator_function_declaration") && present(name)) {
        declare(current, std::string(tree.text(name)), Binding{Binding::Kind::kValue, node, current, {}});
      }
      Scope scope;
      scope.parent = current;
      scope.owner = node;
      m.scopes.push_back(std::move(scope));
      current = static_cast<int>(m.scopes.size()) - 1;
      m.function_scopes[node_key(node)] = current;
      if ((t == "function_expression" || t == "generator_function") && present(name)) {
        declare(current, std::string(tree.text(name)), Binding{Binding::Kind::kValue, node, current, {}});
      }
      int index = 0;
      for (TSNode p : parameter_nodes(node)) {
        const TSNode id = parameter_identifier(p);
        if (present(id)) {
          Binding b{Binding::Kind::kParam, node, current, {}};
          b.param_index = index;
          declare(current, std::string(tree.text(id)), b);
        }
        ++index;
      }
      open.emplace_back(node, current);
    }
  };
  auto leave = [&](TSNode node) {
    if (!open.empty() && ts_node_eq(open.back().first, node)) {
      open.pop_back();
      current = open.empty() ? 0 : open.back().second;
    }
  };

  // Iterative pre-order walk: deep trees cannot exhaust the stack.
  TSTreeCursor cursor = ts_tree_cursor_new(tree.root());
  bool descend = true;
  enter(ts_tree_cursor_current_node(&cursor));
  while (true) {
    if (descend && ts_tree_cursor_goto_first_child(&cursor)) {
      const TSNode n = ts_tree_cursor_current_node(&cursor);
      if (is_named(n)) enter(n);
      continue;
    }
    leave(ts_tree_cursor_current_node(&cursor));
    bool done = false;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        done = true;
        break;
      }
      leave(ts_tree_cursor_current_node(&cursor));
    }
    if (done) break;
    const TSNode n = ts_tree_cursor_current_node(&cursor);
    if (is_named(n)) enter(n);
    descend = true;
  }
  ts_tree_cursor_delete(&cursor);
}

// ---- module resolution ----

int Program::resolve(int from, std::string_view spec) const {
  if (spec.empty() || from < 0 || from >= static_cast<int>(modules_.size())) return -1;
  std::vector<std::string> bases;
  if (is_relative(spec)) {
    bases.push_back(join_path(dir_of(modules_[from].file->path), spec));
  } else if (text::starts_with(spec, "@/") || text::starts_with(spec, "~/")) {
    bases.push_back(join_path("src", spec.substr(2)));
    bases.push_back(join_path("", spec.substr(2)));
  } else if ((spec.front() == '@' || spec.front() == '~' || spec.front() == '#') &&
             spec.find('/') != std::string_view::npos) {
    // tsconfig / package.json aliases: "@routes/users" -> <the one folder named routes>/users
    const std::string_view alias = spec.substr(0, spec.find('/'));
    const std::string_view rest = spec.substr(alias.size() + 1);
    const std::size_t name = alias.find_first_not_of("@~#");
    if (name != std::string_view::npos) {
      auto it = dirs_by_name_.find(std::string(alias.substr(name)));
      if (it != dirs_by_name_.end() && it->second.size() == 1) bases.push_back(join_path(it->second[0], rest));
    }
  } else if (spec.front() != '/' && spec.find('/') != std::string_view::npos && !text::starts_with(spec, "node:")) {
    // tsconfig baseUrl imports ("lib/db"): only ever match files of the bundle
    bases.push_back(join_path("", spec));
    bases.push_back(join_path("src", spec));
  }
  for (const std::string& base : bases) {
    if (base.empty()) continue;
    std::vector<std::string> probes{base};
    for (const char* ext : kProbeExtensions) probes.push_back(base + ext);
    for (const char* ext : kProbeExtensions) probes.push_back(base + "/index" + ext);
    // TypeScript sources imported by their compiled name ("./users.js" for users.ts)
    for (const char* js : {".js", ".mjs", ".cjs", ".jsx"}) {
      if (!text::ends_with(base, js)) continue;
      const std::string stem = base.substr(0, base.size() - std::char_traits<char>::length(js));
      for (const char* ts : {".ts", ".tsx", ".mts", ".cts"}) probes.push_back(stem + ts);
    }
    for (const std::string& p : probes) {
      auto it = by_path_.find(p);
      if (it != by_path_.end()) return it->second;
    }
  }
  return -1;
}

int Program::function_scope(int module, TSNode fn) const {
  const auto& scopes = modules_[module].function_scopes;
  auto it = scopes.find(node_key(fn));
  return it == scopes.end() ? 0 : it->second;
}

int Program::router_for(int module, TSNode node, bool is_app) {
  const std::string key = "c" + std::to_string(module) + ":" + std::to_string(ts_node_start_byte(node));
  auto it = router_ids_.find(key);
  if (it != router_ids_.end()) return it->second;
  RouterInfo r;
  r.module = module;
  r.node = node;
  r.is_app = is_app;
  routers_.push_back(r);
  return router_ids_[key] = static_cast<int>(routers_.size()) - 1;
}

int Program::param_router(int module, TSNode fn, int index, std::string name) {
  const std::string key =
      "p" + std::to_string(module) + ":" + std::to_string(ts_node_start_byte(fn)) + ":" + std::to_string(index);
  auto it = router_ids_.find(key);
  if (it != router_ids_.end()) return it->second;
  RouterInfo r;
  r.module = module;
  r.node = fn;
  r.param_index = index;
  r.param_name = std::move(name);
  routers_.push_back(r);
  return router_ids_[key] = static_cast<int>(routers_.size()) - 1;
}

int Program::named_router(int module, std::string name) {
  const std::string key = "n" + std::to_string(module) + ":" + name;
  auto it = router_ids_.find(key);
  if (it != router_ids_.end()) return it->second;
  RouterInfo r;
  r.module = module;
  r.unresolved_name = std::move(name);
  routers_.push_back(r);
  return router_ids_[key] = static_cast<int>(routers_.size()) - 1;
}

// ---- evaluation ----

Value Program::result_of(const Value& fn) {
  steps_ = 0;
  return fn.is(Value::Kind::kFunction) ? function_result(fn, 0) : Value{};
}

Value Program::export_value(int module, std::string_view name) {
  steps_ = 0;
  return export_at(module, name, 0);
}

Value Program::eval(int module, int scope, TSNode expr) {
  steps_ = 0;
  return eval_at(module, scope, expr, 0);
}

Value Program::lookup(int module, int scope, std::string_view name) {
  steps_ = 0;
  return lookup_at(module, scope, name, 0);
}

Value Program::member(const Value& v, std::string_view name) {
  steps_ = 0;
  return member_at(v, name, 0);
}

Value Program::import_value(int module, std::string_view spec, std::string_view imported) {
  const int target = resolve(module, spec);
  if (target < 0) {
    if (is_relative(spec)) return {};
    Value v;
    v.kind = Value::Kind::kExternal;
    v.text = std::string(strip_node_prefix(spec));
    v.package = v.text;
    if (imported != "default" && imported != "*" && imported != "require") v.text += "." + std::string(imported);
    return v;
  }
  if (imported == "require") return module_object(target, 1);
  if (imported == "*") {
    Value v;
    v.kind = Value::Kind::kNamespace;
    v.module = target;
    return v;
  }
  return export_at(target, imported, 1);
}

bool Program::eval_string(int module, int scope, TSNode expr, std::string& out) {
  const Value v = eval(module, scope, expr);
  if (!v.is(Value::Kind::kString)) return false;
  out = v.text;
  return true;
}

Value Program::module_object(int module, int depth) {
  const Module& m = modules_[module];
  if (!ts_node_is_null(m.cjs_exports)) return eval_at(module, m.cjs_scope, m.cjs_exports, depth + 1);
  Value v;
  v.kind = Value::Kind::kNamespace;
  v.module = module;
  return v;
}

Value Program::export_at(int module, std::string_view name, int depth) {
  if (depth > kMaxEvalDepth || ++steps_ > kMaxEvalSteps) return {};
  const Module& m = modules_[module];
  auto it = m.exports.find(std::string(name));
  if (it != m.exports.end()) {
    const ExportEntry& e = it->second;
    if (!e.source.empty()) {
      const int target = resolve(module, e.source);
      if (target < 0) return import_value(module, e.source, e.imported);
      if (e.imported == "*") {
        Value v;
        v.kind = Value::Kind::kNamespace;
        v.module = target;
        return v;
      }
      return export_at(target, e.imported, depth + 1);
    }
    if (!e.local.empty()) return lookup_at(module, 0, e.local, depth + 1);
    return eval_at(module, e.scope, e.node, depth + 1);
  }
  if (!ts_node_is_null(m.cjs_exports)) {
    const Value object = module_object(module, depth);
    if (name == "default") return object;
    return member_at(object, name, depth + 1);
  }
  for (const std::string& star : m.star_exports) {
    const int target = resolve(module, star);
    if (target < 0) continue;
    Value v = export_at(target, name, depth + 1);
    if (!v.is(Value::Kind::kUnknown)) return v;
  }
  return {};
}

Value Program::lookup_at(int module, int scope, std::string_view name, int depth) {
  if (depth > kMaxEvalDepth || ++steps_ > kMaxEvalSteps) return {};
  const Module& m = modules_[module];
  const std::string key(name);
  for (int s = scope; s >= 0 && s < static_cast<int>(m.scopes.size()); s = m.scopes[s].parent) {
    auto it = m.scopes[s].bindings.find(key);
    if (it != m.scopes[s].bindings.end()) return binding_value(module, it->second, depth + 1);
  }
  Value v;
  if (name == "fetch") {
    v.kind = Value::Kind::kExternal;
    v.text = v.package = "fetch";
  } else if (name == "exports") {
    v.kind = Value::Kind::kNamespace;
    v.module = module;
  }
  return v;
}

const Binding* Program::find_binding(int module, int scope, std::string_view name) const {
  const Module& m = modules_[module];
  const std::string key(name);
  for (int s = scope; s >= 0 && s < static_cast<int>(m.scopes.size()); s = m.scopes[s].parent) {
    auto it = m.scopes[s].bindings.find(key);
    if (it != m.scopes[s].bindings.end()) return &it->second;
  }
  return nullptr;
}

void Program::override_binding(const BindingOverride& o) {
  overrides_[o.binding] = o;
}

void Program::clear_override(const Binding* binding) {
  overrides_.erase(binding);
}

Value Program::binding_value(int module, const Binding& b, int depth) {
  if (!overrides_.empty()) {
    auto it = overrides_.find(&b);
    if (it != overrides_.end()) return eval_at(it->second.module, it->second.scope, it->second.value, depth + 1);
  }
  Value v;
  switch (b.kind) {
    case Binding::Kind::kParam:
      v.kind = Value::Kind::kParam;
      v.module = module;
      v.node = b.node;
      v.scope = b.scope;
      v.index = b.param_index;
      return v;
    case Binding::Kind::kImport: {
      const int target = resolve(module, b.source);
      if (target < 0 || b.imported == "*" || b.imported == "require") return import_value(module, b.source, b.imported);
      v = export_at(target, b.imported, depth + 1);
      if (v.is(Value::Kind::kUnknown) && b.imported == "default") v = module_object(target, depth);
      return v;
    }
    case Binding::Kind::kValue:
      if (ts_node_is_null(b.node)) return v;
      v = eval_at(module, b.scope, b.node, depth + 1);
      for (const std::string& member : b.members) v = member_at(v, member, depth + 1);
      return v;
  }
  return v;
}

Value Program::member_at(const Value& v, std::string_view name, int depth) {
  if (depth > kMaxEvalDepth || ++steps_ > kMaxEvalSteps) return {};
  switch (v.kind) {
    case Value::Kind::kExternal: {
      Value out = v;
      out.text += "." + std::string(name);
      return out;
    }
    case Value::Kind::kNamespace:
      return export_at(v.module, name, depth + 1);
    case Value::Kind::kClass:
      return class_member(v, name, false, depth + 1);
    case Value::Kind::kInstance:
      return class_member(v, name, true, depth + 1);
    case Value::Kind::kObject: {
      const SyntaxTree& tree = *modules_[v.module].tree;
      TSNode spread{};
      for (TSNode c : named_children(v.node)) {
        const std::string_view t = type_of(c);
        if (t == "pair") {
          std::string key;
          if (!string_literal(field(c, "key"), tree, key)) key = std::string(tree.text(field(c, "key")));
          if (key == name) return eval_at(v.module, v.scope, field(c, "value"), depth + 1);
        } else if (t == "shorthand_property_identifier") {
          if (tree.text(c) == name) return lookup_at(v.module, v.scope, name, depth + 1);
        } else if (t == "method_definition") {
          if (tree.text(field(c, "name")) == name) return eval_at(v.module, v.scope, c, depth + 1);
        } else if (t == "spread_element") {
          spread = c;
        }
      }
      if (present(spread))
        return member_at(eval_at(v.module, v.scope, named_child(spread, 0), depth + 1), name, depth + 1);
      return {};
    }
    default:
      return {};
  }
}

Value Program::class_member(const Value& cls, std::string_view name, bool instance, int depth) {
  const Module& m = modules_[cls.module];
  const SyntaxTree& tree = *m.tree;
  for (TSNode member : named_children(field(cls.node, "body"))) {
    const std::string_view t = type_of(member);
    bool is_static = false;
    for (uint32_t i = 0; i < child_count(member); ++i) {
      if (type_of(child_at(member, i)) == "static") is_static = true;
    }
    if (is_static == instance) continue;
    if (t == "method_definition" && tree.text(field(member, "name")) == name) {
      return eval_at(cls.module, cls.scope, member, depth + 1);
    }
    if (t == "field_definition" || t == "public_field_definition") {
      TSNode key = field(member, t == "field_definition" ? "property" : "name");
      const TSNode value = field(member, "value");
      if (tree.text(key) == name && present(value)) return eval_at(cls.module, cls.scope, value, depth + 1);
    }
  }
  if (!instance) return {};
  // this.name = value in the constructor
  for (TSNode member : named_children(field(cls.node, "body"))) {
    if (type_of(member) != "method_definition" || tree.text(field(member, "name")) != "constructor") continue;
    const int scope = function_scope(cls.module, member);
    for (TSNode stmt : named_children(field(member, "body"))) {
      if (type_of(stmt) != "expression_statement") continue;
      const TSNode e = named_child(stmt, 0);
      if (type_of(e) != "assignment_expression") continue;
      const TSNode left = field(e, "left");
      if (type_of(left) == "member_expression" && type_of(field(left, "object")) == "this" &&
          tree.text(field(left, "property")) == name) {
        return eval_at(cls.module, scope, field(e, "right"), depth + 1);
      }
    }
  }
  return {};
}

Value Program::function_result(const Value& fn, int depth) {
  const SyntaxTree& tree = *modules_[fn.module].tree;
  (void)tree;
  const int scope = function_scope(fn.module, fn.node);
  const TSNode body = field(fn.node, "body");
  if (!present(body)) return {};
  if (type_of(body) != "statement_block") return eval_at(fn.module, scope, body, depth + 1);
  // `return` statements of this function (not of the functions nested in it), in source order.
  std::vector<TSNode> stack{body};
  std::vector<TSNode> returns;
  for (int seen = 0; !stack.empty() && seen < kMaxReturnScan; ++seen) {
    const TSNode n = stack.back();
    stack.pop_back();
    const std::string_view t = type_of(n);
    if (t == "return_statement") {
      returns.push_back(n);
      continue;
    }
    if (is_function_node(t) || t == "class" || t == "class_declaration") continue;
    const uint32_t count = named_child_count(n);
    for (uint32_t i = count; i > 0; --i) stack.push_back(named_child(n, i - 1));
  }
  for (TSNode r : returns) {
    const TSNode e = named_child(r, 0);
    if (!present(e)) continue;
    Value v = eval_at(fn.module, scope, e, depth + 1);
    if (!v.is(Value::Kind::kUnknown)) return v;
  }
  return {};
}

Value Program::call_result(int module, int scope, TSNode call, const Value& callee, int depth) {
  switch (callee.kind) {
    case Value::Kind::kExternal: {
      const std::string& t = callee.text;
      Value router;
      router.kind = Value::Kind::kRouter;
      if (t == "express") {
        router.index = router_for(module, call, true);
        return router;
      }
      if (t == "express.Router" || t == "express-promise-router" || t == "express.default.Router") {
        router.index = router_for(module, call, false);
        return router;
      }
      if (t == "util.promisify" || t == "util.promisify.promisify") {
        return eval_at(module, scope, named_child(field(call, "arguments"), 0), depth + 1);
      }
      Value v = callee;
      v.text += "()";
      return v;
    }
    case Value::Kind::kFunction: {
      Value result = function_result(callee, depth + 1);
      if (result.is(Value::Kind::kFunction) && ts_node_is_null(result.origin)) {
        result.origin = call;
        result.origin_module = module;
        result.origin_scope = scope;
      }
      return result;
    }
    case Value::Kind::kNamespace: {
      const Value d = export_at(callee.module, "default", depth + 1);
      return d.is(Value::Kind::kFunction) ? function_result(d, depth + 1) : Value{};
    }
    default:
      return {};
  }
}

Value Program::eval_at(int module, int scope, TSNode n, int depth) {
  if (!present(n) || depth > kMaxEvalDepth || ++steps_ > kMaxEvalSteps) return {};
  const Module& m = modules_[module];
  const SyntaxTree& tree = *m.tree;
  const std::string_view t = type_of(n);
  Value v;
  if (t == "identifier" || t == "shorthand_property_identifier")
    return lookup_at(module, scope, tree.text(n), depth + 1);
  if (t == "this") {
    const TSNode cls = enclosing_class(n);
    if (!present(cls)) return v;
    auto it = m.class_scopes.find(node_key(cls));
    v.kind = Value::Kind::kInstance;
    v.module = module;
    v.node = cls;
    v.scope = it == m.class_scopes.end() ? 0 : it->second;
    return v;
  }
  if (t == "member_expression") {
    const TSNode object = field(n, "object");
    const std::string_view prop = tree.text(field(n, "property"));
    if (tree.text(object) == "module" && prop == "exports") return module_object(module, depth);
    return member_at(eval_at(module, scope, object, depth + 1), prop, depth + 1);
  }
  if (t == "subscript_expression") {
    std::string key;
    if (!string_literal(field(n, "index"), tree, key)) return v;
    return member_at(eval_at(module, scope, field(n, "object"), depth + 1), key, depth + 1);
  }
  if (t == "call_expression") {
    const TSNode fn = field(n, "function");
    const TSNode args = field(n, "arguments");
    if (type_of(fn) == "identifier" && tree.text(fn) == "require") {
      std::string spec;
      if (!string_literal(named_child(args, 0), tree, spec)) return v;
      bool bound = false;
      for (int s = scope; s >= 0; s = m.scopes[s].parent) bound = bound || m.scopes[s].bindings.count("require") > 0;
      if (!bound) return import_value(module, spec, "require");
    }
    if (type_of(fn) == "member_expression") {
      // Router methods return the router: express.Router().get('/x', h) is the router.
      const std::string_view method = tree.text(field(fn, "property"));
      const bool chains = method == "use" || method == "post" || method == "put" || method == "delete" ||
                          method == "patch" || method == "options" || method == "head" || method == "all" ||
                          (method == "get" && named_child_count(args) >= 2);
      if (chains) {
        const Value object = eval_at(module, scope, field(fn, "object"), depth + 1);
        if (object.is(Value::Kind::kRouter)) return object;
      }
    }
    return call_result(module, scope, n, eval_at(module, scope, fn, depth + 1), depth + 1);
  }
  if (t == "new_expression") {
    const Value ctor = eval_at(module, scope, field(n, "constructor"), depth + 1);
    if (ctor.is(Value::Kind::kClass)) {
      v = ctor;
      v.kind = Value::Kind::kInstance;
      return v;
    }
    return call_result(module, scope, n, ctor, depth + 1);
  }
  if (t == "parenthesized_expression" || t == "await_expression" || t == "as_expression" ||
      t == "satisfies_expression" || t == "non_null_expression") {
    return eval_at(module, scope, named_child(n, 0), depth + 1);
  }
  if (t == "type_assertion") {
    const uint32_t count = named_child_count(n);
    return count ? eval_at(module, scope, named_child(n, count - 1), depth + 1) : v;
  }
  if (is_function_node(t)) {
    v.kind = Value::Kind::kFunction;
    v.module = module;
    v.node = n;
    v.scope = function_scope(module, n);
    return v;
  }
  if (t == "class" || t == "class_declaration" || t == "abstract_class_declaration") {
    auto it = m.class_scopes.find(node_key(n));
    v.kind = Value::Kind::kClass;
    v.module = module;
    v.node = n;
    v.scope = it == m.class_scopes.end() ? scope : it->second;
    return v;
  }
  if (t == "array") {
    v.kind = Value::Kind::kArray;
    v.module = module;
    v.node = n;
    v.scope = scope;
    return v;
  }
  if (t == "object") {
    v.kind = Value::Kind::kObject;
    v.module = module;
    v.node = n;
    v.scope = scope;
    return v;
  }
  if (t == "string") {
    if (string_literal(n, tree, v.text)) v.kind = Value::Kind::kString;
    return v;
  }
  if (t == "template_string") {
    std::string out;
    for (TSNode c : named_children(n)) {
      const std::string_view ct = type_of(c);
      if (ct == "string_fragment") {
        out += tree.text(c);
      } else if (ct == "escape_sequence") {
        const std::string_view e = tree.text(c);
        if (e.size() == 2) out += decode_escape(e[1]);
      } else if (ct == "template_substitution") {
        const Value part = eval_at(module, scope, named_child(c, 0), depth + 1);
        if (!part.is(Value::Kind::kString)) return v;
        out += part.text;
      }
    }
    v.kind = Value::Kind::kString;
    v.text = std::move(out);
    return v;
  }
  if (t == "binary_expression") {
    const std::string_view op = tree.text(field(n, "operator"));
    const Value left = eval_at(module, scope, field(n, "left"), depth + 1);
    if (op == "||" || op == "??") {
      return left.is(Value::Kind::kUnknown) || left.is(Value::Kind::kExternal)
                 ? eval_at(module, scope, field(n, "right"), depth + 1)
                 : left;
    }
    if (op == "+" && left.is(Value::Kind::kString)) {
      const Value right = eval_at(module, scope, field(n, "right"), depth + 1);
      if (right.is(Value::Kind::kString)) {
        v.kind = Value::Kind::kString;
        v.text = left.text + right.text;
      }
    }
    return v;
  }
  return v;
}

}  // namespace smeltsec::analyze::code::js
