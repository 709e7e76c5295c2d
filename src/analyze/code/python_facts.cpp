#include "analyze/code/python_facts.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "analyze/code/python_effects.h"
#include "analyze/code/syntax.h"
#include "common/text.h"

namespace smeltsec::analyze::code::py {

const Expr* Expr::keyword(std::string_view key) const {
  for (const auto& kv : keywords) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

const Expr* Expr::arg(std::size_t i) const {
  return i < items.size() ? &items[i] : nullptr;
}

std::string_view Expr::last_name() const {
  const std::string_view n = name;
  const std::size_t dot = n.rfind('.');
  return dot == std::string_view::npos ? n : n.substr(dot + 1);
}

bool allows(const Guards& guards, const std::string& method) {
  for (const MethodGuard& g : guards) {
    const bool listed = std::find(g.methods.begin(), g.methods.end(), method) != g.methods.end();
    if (listed == g.negated) return false;
  }
  return true;
}

std::pair<std::string, bool> module_name_of(std::string_view path) {
  std::string p(path);
  if (text::ends_with(p, ".py")) p.resize(p.size() - 3);
  bool package = false;
  if (p == "__init__") {
    p.clear();
    package = true;
  } else if (text::ends_with(p, "/__init__")) {
    p.resize(p.size() - 9);
    package = true;
  }
  std::replace(p.begin(), p.end(), '/', '.');
  return {p, package};
}

namespace {

// Named children through a cursor: ts_node_named_child(n, i) walks from the first child on every call, which
// is quadratic on a list literal with 100,000 items.
std::vector<TSNode> kids(TSNode n) {
  std::vector<TSNode> out;
  if (ts_node_is_null(n) || ts_node_child_count(n) == 0) return out;
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      const TSNode k = ts_tree_cursor_current_node(&cursor);
      if (ts_node_is_named(k)) out.push_back(k);
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return out;
}

// The children of `n` stored under field `name` (fields that repeat, such as an import's names).
std::vector<TSNode> field_kids(TSNode n, std::string_view name) {
  std::vector<TSNode> out;
  if (ts_node_is_null(n) || ts_node_child_count(n) == 0) return out;
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      const char* f = ts_tree_cursor_current_field_name(&cursor);
      if (f != nullptr && name == f) out.push_back(ts_tree_cursor_current_node(&cursor));
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return out;
}

constexpr int kMaxExprDepth = 12;
constexpr std::size_t kMaxExprItems = 64;
constexpr std::size_t kMaxExprText = 160;
constexpr int kMaxStatementDepth = 100;
constexpr std::size_t kMaxEffectsPerFunction = 64;
constexpr std::size_t kMaxDetail = 120;

// Collapses whitespace runs to one space and cuts at `max` bytes on a UTF-8 boundary (with "…").
std::string collapse(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max + 4));
  bool space = false;
  for (char ch : s) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
      space = !out.empty();
      continue;
    }
    // No space inside brackets: a call split over lines reads f(a, b), not f( a, b ).
    if (space && out.back() != '(' && out.back() != '[' && out.back() != '{' && ch != ')' && ch != ']' && ch != '}') {
      out.push_back(' ');
    }
    space = false;
    out.push_back(ch);
    if (out.size() >= max) {
      std::size_t cut = max;
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
      out.resize(cut);
      out += "\xE2\x80\xA6";
      break;
    }
  }
  return out;
}

std::string decode_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char n = s[++i];
    switch (n) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\n':
        break;  // line continuation
      default:
        out.push_back('\\');
        out.push_back(n);
    }
  }
  return out;
}

// Inspect.cleandoc: first line stripped, common indentation of the others removed, blank edges dropped.
std::string clean_docstring(std::string_view raw) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t nl = raw.find('\n', start);
    if (nl == std::string_view::npos) nl = raw.size();
    std::string line(raw.substr(start, nl - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string expanded;
    for (char ch : line) {
      if (ch == '\t') {
        expanded.append(8 - expanded.size() % 8, ' ');
      } else {
        expanded.push_back(ch);
      }
    }
    lines.push_back(std::move(expanded));
    start = nl + 1;
  }
  std::size_t indent = std::string::npos;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t first = lines[i].find_first_not_of(' ');
    if (first != std::string::npos) indent = std::min(indent, first);
  }
  if (!lines.empty()) {
    const std::size_t first = lines[0].find_first_not_of(' ');
    lines[0] = first == std::string::npos ? std::string() : lines[0].substr(first);
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (indent != std::string::npos && lines[i].size() >= indent) {
      lines[i] = lines[i].substr(indent);
    } else if (lines[i].find_first_not_of(' ') == std::string::npos) {
      lines[i].clear();
    }
    while (!lines[i].empty() && lines[i].back() == ' ') lines[i].pop_back();
  }
  std::size_t b = 0, e = lines.size();
  while (b < e && lines[b].empty()) ++b;
  while (e > b && lines[e - 1].empty()) --e;
  std::string out;
  for (std::size_t i = b; i < e; ++i) {
    if (i > b) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

class Extractor {
 public:
  // `line_offset`: lines before the tree's text in the file (trees of a resynchronised tail of the file).
  Extractor(const SyntaxTree& tree, Module& out, int line_offset = 0)
      : tree_(tree), out_(out), line_offset_(line_offset) {}

  void run() {
    collect_imports(tree_.root(), 0);
    walk_block(tree_.root(), Context{}, 0);
  }

 private:
  struct Context {
    bool in_function = false;
    std::string loop_var;
    std::vector<Expr> loop_items;
  };

  std::string_view text(TSNode n) const { return tree_.text(n); }
  int line(TSNode n) const { return line_of(n) + line_offset_; }

  // ---- expressions ----

  // A dotted name for identifier/attribute chains ("a.b.c"), or "" for anything else.
  std::string dotted(TSNode n, int depth = 0) const {
    if (depth > kMaxExprDepth) return {};
    const std::string_view t = type_of(n);
    if (t == "identifier") return std::string(text(n));
    if (t == "attribute") {
      std::string object = dotted(field(n, "object"), depth + 1);
      const TSNode attr = field(n, "attribute");
      if (object.empty() || !present(attr)) return {};
      return object + "." + std::string(text(attr));
    }
    return {};
  }

  // The string literal's parts: literal pieces and interpolated expressions (f-strings).
  void string_parts(TSNode n, Expr& e, int depth) const {
    const TSNode start = ts_node_named_child_count(n) > 0 ? ts_node_named_child(n, 0) : TSNode{};
    const std::string prefix = text::to_lower(text(start));
    const bool raw = prefix.find('r') != std::string::npos;
    std::string literal;
    bool interpolated = false;
    for (TSNode c : kids(n)) {
      const std::string_view t = type_of(c);
      if (t == "string_content") {
        literal += raw ? std::string(text(c)) : decode_escapes(text(c));
      } else if (t == "interpolation") {
        interpolated = true;
        if (!literal.empty()) {
          Expr part;
          part.kind = Expr::Kind::kString;
          part.value = std::move(literal);
          literal.clear();
          e.items.push_back(std::move(part));
        }
        e.items.push_back(to_expr(field(c, "expression"), depth + 1));
      }
    }
    if (!interpolated) {
      e.kind = Expr::Kind::kString;
      e.value = std::move(literal);
      return;
    }
    if (!literal.empty()) {
      Expr part;
      part.kind = Expr::Kind::kString;
      part.value = std::move(literal);
      e.items.push_back(std::move(part));
    }
    e.kind = Expr::Kind::kConcat;
  }

  void flatten_into(Expr& parent, Expr child, Expr::Kind kind) const {
    if (child.kind == kind) {
      for (auto& i : child.items) parent.items.push_back(std::move(i));
    } else {
      parent.items.push_back(std::move(child));
    }
  }

  Expr to_expr(TSNode n, int depth = 0) const {
    Expr e;
    if (!present(n)) return e;
    e.line = line(n);
    e.text = collapse(text(n), kMaxExprText);
    if (depth > kMaxExprDepth) return e;
    const std::string_view t = type_of(n);
    if (t == "type" || t == "parenthesized_expression") {
      const auto children = kids(n);
      if (children.size() == 1 && type_of(children[0]) != "comment") return to_expr(children[0], depth + 1);
      return e;
    }
    if (t == "identifier" || t == "attribute") {
      e.name = dotted(n, depth);
      if (!e.name.empty()) e.kind = Expr::Kind::kName;
      return e;
    }
    if (t == "string") {
      string_parts(n, e, depth);
      return e;
    }
    if (t == "concatenated_string") {
      e.kind = Expr::Kind::kConcat;
      for (TSNode c : kids(n)) flatten_into(e, to_expr(c, depth + 1), Expr::Kind::kConcat);
      return e;
    }
    if (t == "integer" || t == "float") {
      e.kind = Expr::Kind::kNumber;
      e.value = std::string(text(n));
      return e;
    }
    if (t == "unary_operator") {
      const TSNode arg = field(n, "argument");
      const std::string_view at = type_of(arg);
      if ((at == "integer" || at == "float") && text(n).substr(0, 1) == "-") {
        e.kind = Expr::Kind::kNumber;
        e.value = "-" + std::string(text(arg));
      }
      return e;
    }
    if (t == "true" || t == "false") {
      e.kind = Expr::Kind::kBool;
      e.value = t == "true" ? "True" : "False";
      return e;
    }
    if (t == "none") {
      e.kind = Expr::Kind::kNone;
      return e;
    }
    if (t == "ellipsis") {
      e.kind = Expr::Kind::kEllipsis;
      return e;
    }
    if (t == "list" || t == "tuple" || t == "set" || t == "expression_list" || t == "type_parameter") {
      e.kind = Expr::Kind::kList;
      for (TSNode c : kids(n)) {
        if (type_of(c) == "comment") continue;
        if (e.items.size() >= kMaxExprItems) break;
        e.items.push_back(to_expr(c, depth + 1));
      }
      return e;
    }
    if (t == "call") {
      e.kind = Expr::Kind::kCall;
      e.name = dotted(field(n, "function"), depth);
      const TSNode args = field(n, "arguments");
      if (type_of(args) != "argument_list") return e;
      for (TSNode c : kids(args)) {
        const std::string_view ct = type_of(c);
        if (ct == "comment" || ct == "list_splat" || ct == "dictionary_splat") continue;
        if (e.items.size() + e.keywords.size() >= kMaxExprItems) break;
        if (ct == "keyword_argument") {
          const TSNode name = field(c, "name");
          if (present(name)) e.keywords.emplace_back(std::string(text(name)), to_expr(field(c, "value"), depth + 1));
        } else {
          e.items.push_back(to_expr(c, depth + 1));
        }
      }
      return e;
    }
    if (t == "subscript") {
      e.kind = Expr::Kind::kSubscript;
      e.name = dotted(field(n, "value"), depth);
      const TSNode value = field(n, "value");
      for (TSNode c : kids(n)) {
        if (ts_node_eq(c, value) || type_of(c) == "comment") continue;
        if (e.items.size() >= kMaxExprItems) break;
        // Optional[(int)], Dict[str, int] written as a tuple subscript: spread it.
        Expr sub = to_expr(c, depth + 1);
        if (type_of(c) == "tuple" || type_of(c) == "expression_list") {
          for (auto& i : sub.items) e.items.push_back(std::move(i));
        } else {
          e.items.push_back(std::move(sub));
        }
      }
      return e;
    }
    if (t == "generic_type") {
      e.kind = Expr::Kind::kSubscript;
      for (TSNode c : kids(n)) {
        if (type_of(c) == "identifier" || type_of(c) == "attribute") {
          e.name = dotted(c, depth);
        } else if (type_of(c) == "type_parameter") {
          for (TSNode p : kids(c)) {
            if (type_of(p) == "comment") continue;
            if (e.items.size() >= kMaxExprItems) break;
            e.items.push_back(to_expr(p, depth + 1));
          }
        }
      }
      return e;
    }
    if (t == "union_type") {
      e.kind = Expr::Kind::kUnion;
      for (TSNode c : kids(n)) flatten_into(e, to_expr(c, depth + 1), Expr::Kind::kUnion);
      return e;
    }
    if (t == "binary_operator") {
      const std::string_view op = text(field(n, "operator"));
      const Expr::Kind kind = op == "|" ? Expr::Kind::kUnion : op == "+" ? Expr::Kind::kConcat : Expr::Kind::kOther;
      if (kind == Expr::Kind::kOther) return e;
      e.kind = kind;
      flatten_into(e, to_expr(field(n, "left"), depth + 1), kind);
      flatten_into(e, to_expr(field(n, "right"), depth + 1), kind);
      return e;
    }
    if (t == "member_type") {  // a.B in a type position
      std::string name;
      for (TSNode c : kids(n)) {
        const std::string part = type_of(c) == "type" ? to_expr(c, depth + 1).name : std::string(text(c));
        if (part.empty()) return e;
        name += (name.empty() ? "" : ".") + part;
      }
      e.kind = Expr::Kind::kName;
      e.name = name;
      return e;
    }
    return e;
  }

  // ---- imports ----

  void add_import_from(TSNode n) {
    const TSNode module = field(n, "module_name");
    Import base;
    if (type_of(module) == "relative_import") {
      for (TSNode c : kids(module)) {
        if (type_of(c) == "import_prefix") base.level = static_cast<int>(text(c).size());
        if (type_of(c) == "dotted_name") base.module = std::string(text(c));
      }
    } else {
      base.module = std::string(text(module));
    }
    for (TSNode c : kids(n)) {
      if (type_of(c) != "wildcard_import") continue;
      Import star = base;
      star.local = "*";
      out_.imports.push_back(std::move(star));
    }
    for (TSNode c : field_kids(n, "name")) {
      Import imp = base;
      if (type_of(c) == "aliased_import") {
        imp.name = std::string(text(field(c, "name")));
        imp.local = std::string(text(field(c, "alias")));
      } else {
        imp.name = std::string(text(c));
        imp.local = imp.name;
      }
      if (!imp.local.empty()) out_.imports.push_back(std::move(imp));
    }
  }

  void add_import(TSNode n) {
    for (TSNode c : field_kids(n, "name")) {
      Import imp;
      if (type_of(c) == "aliased_import") {
        imp.module = std::string(text(field(c, "name")));
        imp.local = std::string(text(field(c, "alias")));
      } else {
        imp.module = std::string(text(c));
        imp.local = imp.module.substr(0, imp.module.find('.'));
        imp.module = imp.local;
      }
      if (!imp.local.empty()) out_.imports.push_back(std::move(imp));
    }
  }

  // Imports anywhere in the module (functions import lazily too), before anything is canonicalised.
  void collect_imports(TSNode root, int) {
    std::vector<std::pair<TSNode, int>> stack{{root, 0}};
    while (!stack.empty()) {
      const auto [n, depth] = stack.back();
      stack.pop_back();
      const std::string_view t = type_of(n);
      if (t == "import_statement") {
        add_import(n);
        continue;
      }
      if (t == "import_from_statement") {
        add_import_from(n);
        continue;
      }
      if (depth > kMaxStatementDepth) continue;
      const std::vector<TSNode> children = kids(n);
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        const TSNode c = *it;
        const std::string_view ct = type_of(c);
        // Statements only: imports never sit inside expressions.
        if (ct == "block" || ct == "module" || text::ends_with(ct, "_statement") || text::ends_with(ct, "_clause") ||
            ct == "function_definition" || ct == "class_definition" || ct == "decorated_definition") {
          stack.push_back({c, depth + 1});
        }
      }
    }
  }

  // A dotted name with its first segment resolved through the imports: "sp.run" -> "subprocess.run".
  std::string canonical(const std::string& name) const {
    if (name.empty()) return name;
    const std::size_t dot = name.find('.');
    const std::string first = name.substr(0, dot);
    const std::string rest = dot == std::string::npos ? std::string() : name.substr(dot);
    for (auto it = out_.imports.rbegin(); it != out_.imports.rend(); ++it) {
      if (it->local != first || it->level > 0) continue;
      return (it->name.empty() ? it->module : it->module + "." + it->name) + rest;
    }
    return name;
  }

  // ---- statements ----

  std::string docstring_of(TSNode body) const {
    if (type_of(body) != "block") return {};
    for (TSNode c : kids(body)) {
      if (type_of(c) == "comment") continue;
      if (type_of(c) != "expression_statement") return {};
      const auto children = kids(c);
      if (children.size() != 1) return {};
      Expr e = to_expr(children[0]);
      if (e.is(Expr::Kind::kString)) return clean_docstring(e.value);
      if (e.is(Expr::Kind::kConcat)) {
        std::string all;
        for (const auto& p : e.items) {
          if (!p.is(Expr::Kind::kString)) return {};
          all += p.value;
        }
        return clean_docstring(all);
      }
      return {};
    }
    return {};
  }

  std::vector<Param> params_of(TSNode params) const {
    std::vector<Param> out;
    for (TSNode c : kids(params)) {
      const std::string_view t = type_of(c);
      Param p;
      if (t == "identifier") {
        p.name = std::string(text(c));
      } else if (t == "typed_parameter" || t == "typed_default_parameter" || t == "default_parameter") {
        TSNode name = field(c, "name");
        if (!present(name)) {  // typed_parameter: the first named child is the name or a splat pattern
          for (TSNode k : kids(c)) {
            if (type_of(k) != "type") {
              name = k;
              break;
            }
          }
        }
        if (type_of(name) == "list_splat_pattern" || type_of(name) == "dictionary_splat_pattern") {
          p.star = type_of(name) == "list_splat_pattern" ? 1 : 2;
          const auto inner = kids(name);
          if (!inner.empty()) name = inner[0];
        }
        if (type_of(name) != "identifier") continue;
        p.name = std::string(text(name));
        const TSNode type = field(c, "type");
        if (present(type)) {
          p.has_type = true;
          p.type = to_expr(type);
        }
        const TSNode value = field(c, "value");
        if (present(value)) {
          p.has_default = true;
          p.default_value = to_expr(value);
        }
      } else if (t == "list_splat_pattern" || t == "dictionary_splat_pattern") {
        p.star = t == "list_splat_pattern" ? 1 : 2;
        const auto inner = kids(c);
        if (inner.empty()) continue;
        p.name = std::string(text(inner[0]));
      } else {
        continue;  // separators, tuple patterns, comments
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  std::vector<Expr> decorators_of(TSNode decorated) const {
    std::vector<Expr> out;
    if (type_of(decorated) != "decorated_definition") return out;
    for (TSNode c : kids(decorated)) {
      if (type_of(c) != "decorator") continue;
      const auto children = kids(c);
      for (TSNode k : children) {
        if (type_of(k) == "comment") continue;
        Expr e = to_expr(k);
        e.line = line(c);
        out.push_back(std::move(e));
        break;
      }
    }
    return out;
  }

  Function function_of(TSNode def, TSNode decorated, const std::string& class_name, bool nested) const {
    Function f;
    f.name = std::string(text(field(def, "name")));
    f.class_name = class_name;
    f.line = line(def);
    f.nested = nested;
    f.decorators = decorators_of(decorated);
    f.params = params_of(field(def, "parameters"));
    const TSNode ret = field(def, "return_type");
    if (present(ret)) {
      f.has_return_type = true;
      f.return_type = to_expr(ret);
    }
    const TSNode body = field(def, "body");
    f.docstring = docstring_of(body);
    walk_body(body, f);
    return f;
  }

  Class class_of(TSNode def, TSNode decorated) const {
    Class k;
    k.name = std::string(text(field(def, "name")));
    k.line = line(def);
    k.decorators = decorators_of(decorated);
    const TSNode supers = field(def, "superclasses");
    for (TSNode c : kids(supers)) {
      if (type_of(c) == "keyword_argument") {
        k.class_keywords.emplace_back(std::string(text(field(c, "name"))), to_expr(field(c, "value")));
      } else if (type_of(c) != "comment") {
        k.bases.push_back(to_expr(c));
      }
    }
    const TSNode body = field(def, "body");
    k.docstring = docstring_of(body);
    for (TSNode c : kids(body)) {
      const std::string_view t = type_of(c);
      if (t == "expression_statement") {
        for (TSNode a : kids(c)) {
          if (type_of(a) != "assignment") continue;
          const TSNode left = field(a, "left");
          if (type_of(left) != "identifier") continue;
          const TSNode type = field(a, "type");
          const TSNode right = field(a, "right");
          if (present(type)) {
            Field fld;
            fld.name = std::string(text(left));
            fld.type = to_expr(type);
            fld.line = line(a);
            if (present(right)) {
              fld.has_default = true;
              fld.default_value = to_expr(right);
            }
            k.fields.push_back(std::move(fld));
          } else if (present(right)) {
            k.assigns.emplace_back(std::string(text(left)), to_expr(right));
          }
        }
      } else if (t == "function_definition") {
        k.methods.push_back(function_of(c, TSNode{}, k.name, false));
      } else if (t == "decorated_definition") {
        const TSNode inner = field(c, "definition");
        if (type_of(inner) == "function_definition") k.methods.push_back(function_of(inner, c, k.name, false));
      }
    }
    return k;
  }

  static bool registration_method(std::string_view m) {
    return m == "register_blueprint" || m == "include_router" || m == "add_url_rule" || m == "add_api_route" ||
           m == "mount" || m == "before_request" || m == "before_app_request" || m == "add_resource";
  }

  void record_expression(TSNode stmt, const Context& ctx) {
    for (TSNode c : kids(stmt)) {
      const std::string_view t = type_of(c);
      if (t == "assignment") {
        record_assignment(c, ctx);
      } else if (t == "augmented_assignment") {
        if (text(field(c, "left")) == "__all__" && !ctx.in_function) add_all_names(to_expr(field(c, "right")));
      } else if (t == "call") {
        const TSNode fn = field(c, "function");
        if (type_of(fn) != "attribute" || !registration_method(text(field(fn, "attribute")))) continue;
        CallSite site;
        site.call = to_expr(c);
        site.loop_var = ctx.loop_var;
        site.loop_items = ctx.loop_items;
        out_.calls.push_back(std::move(site));
      }
    }
  }

  void add_all_names(const Expr& e) {
    out_.has_all = true;
    for (const auto& i : e.items) {
      if (i.is(Expr::Kind::kString)) out_.all_names.push_back(i.value);
    }
  }

  void record_assignment(TSNode a, const Context& ctx) {
    const TSNode left = field(a, "left");
    TSNode right = field(a, "right");
    // a = b = Blueprint(...): the innermost value
    for (int guard = 0; type_of(right) == "assignment" && guard < 16; ++guard) right = field(right, "right");
    if (type_of(left) != "identifier" || !present(right)) return;
    const std::string name(text(left));
    if (name == "__all__" && !ctx.in_function) {
      out_.all_names.clear();
      add_all_names(to_expr(right));
      return;
    }
    Assign as;
    as.target = name;
    as.value = to_expr(right);
    as.in_function = ctx.in_function;
    as.line = line(a);
    out_.assigns.push_back(std::move(as));
  }

  void walk_block(TSNode block, const Context& ctx, int depth) {
    if (depth > kMaxStatementDepth) return;
    for (TSNode c : kids(block)) {
      const std::string_view t = type_of(c);
      if (t == "expression_statement") {
        record_expression(c, ctx);
      } else if (t == "function_definition" || t == "decorated_definition") {
        const TSNode def = t == "function_definition" ? c : field(c, "definition");
        const TSNode decorated = t == "decorated_definition" ? c : TSNode{};
        if (type_of(def) == "function_definition") {
          // A signature that does not parse is no callable unit (its body is not walked either).
          if (!present(field(def, "parameters")) || ts_node_has_error(field(def, "parameters"))) continue;
          out_.functions.push_back(function_of(def, decorated, "", ctx.in_function));
          Context inner;
          inner.in_function = true;
          walk_block(field(def, "body"), inner, depth + 1);
        } else if (type_of(def) == "class_definition" && !ctx.in_function) {
          out_.classes.push_back(class_of(def, decorated));
        }
      } else if (t == "class_definition") {
        if (!ctx.in_function) out_.classes.push_back(class_of(c, TSNode{}));
      } else if (t == "for_statement") {
        Context loop = ctx;
        const TSNode left = field(c, "left");
        const Expr right = to_expr(field(c, "right"));
        if (type_of(left) == "identifier" && right.is(Expr::Kind::kList)) {
          loop.loop_var = std::string(text(left));
          loop.loop_items = right.items;
        }
        walk_children(c, loop, depth);
      } else if (text::ends_with(t, "_statement") || t == "block") {
        walk_children(c, ctx, depth);
      }
    }
  }

  // The blocks of a compound statement (if/elif/else, try/except/finally, with, while, for, match).
  void walk_children(TSNode stmt, const Context& ctx, int depth) {
    for (TSNode c : kids(stmt)) {
      const std::string_view t = type_of(c);
      if (t == "block") {
        walk_block(c, ctx, depth + 1);
      } else if (text::ends_with(t, "_clause") || t == "case_clause") {
        walk_children(c, ctx, depth + 1);
      }
    }
  }

  // ---- function bodies: effects, helpers called, Flask request inputs ----

  struct BodyState {
    std::map<std::string, TSNode> local_values;  // name -> last assigned value (for execute(sql))
    std::set<std::string> json_vars;             // names bound to request.get_json() / request.json
    std::set<std::string> seen_calls;
    Guards guards;  // the request methods the node being read runs under
  };

  static std::string strip_framework(std::string canon) {
    for (const char* p : {"flask.", "quart.", "werkzeug.", "apiflask."}) {
      if (text::starts_with(canon, p)) return canon.substr(std::char_traits<char>::length(p));
    }
    return canon;
  }

  bool is_json_source(TSNode n) const {
    const std::string_view t = type_of(n);
    if (t == "boolean_operator") return is_json_source(field(n, "left"));
    if (t == "attribute") return strip_framework(canonical(dotted(n))) == "request.json";
    if (t == "call") {
      const std::string canon = strip_framework(canonical(dotted(field(n, "function"))));
      return canon == "request.get_json" || canon == "request.json.copy";
    }
    return false;
  }

  // The SQL text of an execute() argument: a literal, text("..."), select(...)/insert(...), or a local
  // variable holding one of those.
  std::string sql_of(TSNode arg, const BodyState& st, int depth = 0) const {
    if (!present(arg) || depth > 3) return {};
    const std::string_view t = type_of(arg);
    if (t == "identifier") {
      auto it = st.local_values.find(std::string(text(arg)));
      return it == st.local_values.end() ? std::string() : sql_of(it->second, st, depth + 1);
    }
    if (t == "string" || t == "concatenated_string" || t == "binary_operator") {
      const Expr e = to_expr(arg);
      if (e.is(Expr::Kind::kString)) return e.value;
      std::string s;
      for (const auto& p : e.items) {
        if (p.is(Expr::Kind::kString))
          s += p.value;
        else
          s += "?";
      }
      return s;
    }
    if (t == "call") {
      // The chain's innermost call names the statement: select(User).where(...) -> select.
      TSNode inner = arg;
      for (int guard = 0; guard < 32; ++guard) {
        const TSNode fn = field(inner, "function");
        if (type_of(fn) != "attribute") break;
        const TSNode obj = field(fn, "object");
        if (type_of(obj) != "call") break;
        inner = obj;
      }
      const std::string callee = dotted(field(inner, "function"));
      const std::string last = callee.substr(callee.rfind('.') + 1);
      // query.offset(skip).limit(n) where query = select(Item): the statement the variable holds.
      const TSNode base = field(field(inner, "function"), "object");
      if (type_of(base) == "identifier" && last != "text") {
        const std::string held = sql_of(base, st, depth + 1);
        if (!held.empty()) return held;
      }
      if (last == "text") {
        const auto args = kids(field(inner, "arguments"));
        return args.empty() ? std::string() : sql_of(args[0], st, depth + 1);
      }
      if (last == "select" || last == "insert" || last == "update" || last == "delete") return last;
    }
    return {};
  }

  void add_effect(Function& f, const std::string& kind, TSNode call, const BodyState& st) const {
    if (f.effects.size() >= kMaxEffectsPerFunction) return;
    Effect e;
    e.kind = kind;
    e.detail = collapse(text(call), kMaxDetail);
    e.line = line(call);
    for (const auto& old : f.effects) {
      if (old.kind == e.kind && old.detail == e.detail && old.line == e.line) return;
    }
    f.effects.push_back(std::move(e));
    f.effect_guards.push_back(st.guards);
  }

  void read_json(Function& f, const BodyState& st) const {
    if (f.json_reads.size() < 16) f.json_reads.push_back(st.guards);
  }

  // `request.method == "POST"`, `request.method in ("PUT", "PATCH")`, and their negations; false for any
  // other condition.
  bool method_guard(TSNode cond, MethodGuard& g) const {
    if (type_of(cond) == "parenthesized_expression") {
      const auto inner = kids(cond);
      return inner.size() == 1 && method_guard(inner[0], g);
    }
    if (type_of(cond) != "comparison_operator") return false;
    const auto operands = kids(cond);
    if (operands.size() != 2) return false;
    std::string op;
    TSTreeCursor cursor = ts_tree_cursor_new(cond);
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      do {
        const TSNode k = ts_tree_cursor_current_node(&cursor);
        if (!ts_node_is_named(k)) op += (op.empty() ? "" : " ") + std::string(ts_node_type(k));
      } while (ts_tree_cursor_goto_next_sibling(&cursor));
    }
    ts_tree_cursor_delete(&cursor);
    auto is_method = [&](TSNode n) { return strip_framework(canonical(dotted(n))) == "request.method"; };
    TSNode other;
    if (is_method(operands[0])) {
      other = operands[1];
    } else if (is_method(operands[1]) && (op == "==" || op == "!=")) {
      other = operands[0];
    } else {
      return false;
    }
    const Expr e = to_expr(other);
    g.methods.clear();
    if (e.is(Expr::Kind::kString)) {
      g.methods.push_back(e.value);
    } else if (e.is(Expr::Kind::kList)) {
      for (const Expr& i : e.items) {
        if (!i.is(Expr::Kind::kString)) return false;
        g.methods.push_back(i.value);
      }
    } else {
      return false;
    }
    for (auto& m : g.methods) {
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (op == "==" || op == "in") {
      g.negated = false;
    } else if (op == "!=" || op == "not in") {
      g.negated = true;
    } else {
      return false;
    }
    return true;
  }

  static Guards with(const Guards& base, const MethodGuard& g) {
    Guards out = base;
    out.push_back(g);
    return out;
  }

  // The branches of an if statement, each with the methods it runs under.
  void if_branches(TSNode n, const Guards& base, std::vector<std::pair<TSNode, Guards>>& out) const {
    std::vector<MethodGuard> previous;
    bool all_method_checks = true;
    auto branch = [&](TSNode cond, TSNode body) {
      out.emplace_back(cond, base);
      MethodGuard g;
      if (method_guard(cond, g)) {
        out.emplace_back(body, with(base, g));
        previous.push_back(g);
      } else {
        all_method_checks = false;
        out.emplace_back(body, base);
      }
    };
    branch(field(n, "condition"), field(n, "consequence"));
    for (TSNode alt : field_kids(n, "alternative")) {
      if (type_of(alt) == "elif_clause") {
        branch(field(alt, "condition"), field(alt, "consequence"));
      } else if (type_of(alt) == "else_clause") {
        // else: none of the earlier methods (when every earlier condition was a method check).
        MethodGuard none;
        none.negated = true;
        for (const MethodGuard& g : previous) {
          if (g.negated) all_method_checks = false;
          none.methods.insert(none.methods.end(), g.methods.begin(), g.methods.end());
        }
        out.emplace_back(field(alt, "body"), all_method_checks && !previous.empty() ? with(base, none) : base);
      }
    }
  }

  bool ends_in_exit(TSNode body) const {
    const auto statements = kids(body);
    if (statements.empty()) return false;
    const std::string_view last = type_of(statements.back());
    return last == "return_statement" || last == "raise_statement";
  }

  // What runs after an if statement over the request method whose branches return: `if method == "POST":
  // ... return` leaves the other methods; if/elif/else where else returns leaves the methods of the branches
  // that fall through. False when the statement says nothing about methods.
  bool after_if(TSNode n, MethodGuard& after) const {
    struct Branch {
      MethodGuard guard;
      bool exits;
    };
    std::vector<Branch> branches;
    MethodGuard g;
    if (!method_guard(field(n, "condition"), g)) return false;
    branches.push_back({g, ends_in_exit(field(n, "consequence"))});
    bool has_else = false, else_exits = false;
    for (TSNode alt : field_kids(n, "alternative")) {
      if (type_of(alt) == "elif_clause") {
        if (!method_guard(field(alt, "condition"), g)) return false;
        branches.push_back({g, ends_in_exit(field(alt, "consequence"))});
      } else {
        has_else = true;
        else_exits = ends_in_exit(field(alt, "body"));
      }
    }
    if (branches.size() == 1 && !has_else) {
      if (!branches[0].exits) return false;
      after = branches[0].guard;
      after.negated = !after.negated;
      return true;
    }
    for (const Branch& b : branches) {
      if (b.guard.negated) return false;
    }
    after.methods.clear();
    if (has_else && else_exits) {
      after.negated = false;  // only the branches that fall through continue
      for (const Branch& b : branches) {
        if (!b.exits) after.methods.insert(after.methods.end(), b.guard.methods.begin(), b.guard.methods.end());
      }
      return true;
    }
    after.negated = true;
    for (const Branch& b : branches) {
      if (b.exits) after.methods.insert(after.methods.end(), b.guard.methods.begin(), b.guard.methods.end());
    }
    return !after.methods.empty();
  }

  // The statements of a block, each with the methods it runs under (see after_if).
  void block_statements(TSNode block, const Guards& base, std::vector<std::pair<TSNode, Guards>>& out) const {
    Guards guards = base;
    for (TSNode c : kids(block)) {
      out.emplace_back(c, guards);
      MethodGuard after;
      if (type_of(c) == "if_statement" && after_if(c, after)) guards.push_back(std::move(after));
    }
  }

  static std::string literal_type(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kNumber:
        return e.value.find_first_of(".eE") == std::string::npos ? "int" : "float";
      case Expr::Kind::kString:
        return "str";
      case Expr::Kind::kBool:
        return "bool";
      default:
        return {};
    }
  }

  void add_input(Function& f, RequestInput in) const {
    for (auto& old : f.request_inputs) {
      if (old.in == in.in && old.name == in.name) {
        old.required = old.required || in.required;
        if (old.type.empty()) old.type = in.type;
        return;
      }
    }
    if (f.request_inputs.size() < 64) f.request_inputs.push_back(std::move(in));
  }

  static std::string input_location(std::string_view source) {
    if (source == "args" || source == "values") return "query";
    if (source == "form" || source == "files") return "form";
    return {};
  }

  // request.args.get("q", 1, type=int), request.form.getlist("tag"), data.get("name") for JSON bodies.
  void request_call(Function& f, TSNode call, const BodyState& st) const {
    const TSNode fn = field(call, "function");
    if (type_of(fn) != "attribute") return;
    const std::string method(text(field(fn, "attribute")));
    if (method != "get" && method != "getlist") return;
    const Expr e = to_expr(call);
    const Expr* key = e.arg(0);
    if (key == nullptr || !key->is(Expr::Kind::kString) || key->value.empty()) return;
    const TSNode obj = field(fn, "object");
    const std::string object = strip_framework(canonical(dotted(obj)));
    RequestInput in;
    in.name = key->value;
    if (text::starts_with(object, "request.")) {
      in.in = input_location(object.substr(8));
      in.is_file = object == "request.files";
      if (in.in.empty() && (object == "request.json")) in.in = "body";
    } else if ((type_of(obj) == "identifier" && st.json_vars.count(std::string(text(obj))) > 0) ||
               is_json_source(obj)) {
      in.in = "body";
    }
    if (in.in.empty()) return;
    if (in.in == "body") read_json(f, st);
    in.is_list = method == "getlist";
    in.guards = st.guards;
    if (const Expr* t = e.keyword("type"); t != nullptr && t->is(Expr::Kind::kName)) in.type = t->name;
    const Expr* def = e.keyword("default");
    if (def == nullptr) def = e.arg(1);
    if (in.type.empty() && def != nullptr) in.type = literal_type(*def);
    if (def != nullptr) in.default_text = def->text;
    add_input(f, std::move(in));
  }

  void request_subscript(Function& f, TSNode sub, const BodyState& st) const {
    const TSNode value = field(sub, "value");
    const TSNode key = field(sub, "subscript");
    const Expr k = to_expr(key);
    if (!k.is(Expr::Kind::kString) || k.value.empty()) return;
    RequestInput in;
    in.name = k.value;
    in.required = true;
    const std::string object = strip_framework(canonical(dotted(value)));
    if (text::starts_with(object, "request.")) {
      in.in = input_location(object.substr(8));
      in.is_file = object == "request.files";
      if (object == "request.json") in.in = "body";
    } else if ((type_of(value) == "identifier" && st.json_vars.count(std::string(text(value))) > 0) ||
               is_json_source(value)) {
      in.in = "body";
    }
    if (in.in.empty()) return;
    if (in.in == "body") read_json(f, st);
    in.guards = st.guards;
    add_input(f, std::move(in));
  }

  void classify_call(Function& f, TSNode call, BodyState& st, std::string& kind_out) const {
    const TSNode fn = field(call, "function");
    CallShape shape;
    std::string callee_dotted = dotted(fn);
    if (type_of(fn) == "attribute") {
      shape.method = std::string(text(field(fn, "attribute")));
      const TSNode obj = field(fn, "object");
      const std::string obj_dotted = dotted(obj);
      shape.object = obj_dotted.empty() ? collapse(text(obj), kMaxExprText) : canonical(obj_dotted);
    } else if (type_of(fn) == "identifier") {
      shape.method = std::string(text(fn));
    }
    shape.canon = canonical(callee_dotted);
    // Helpers called: one level of same-module functions (and same-class methods) is followed later.
    if (type_of(fn) == "identifier" ||
        (type_of(fn) == "attribute" && (text(field(fn, "object")) == "self" || text(field(fn, "object")) == "cls"))) {
      if (st.seen_calls.insert(callee_dotted).second && f.calls.size() < 64) {
        f.calls.push_back(callee_dotted);
        f.call_guards.push_back(st.guards);
      }
    }
    const std::string bare = strip_framework(shape.canon);
    if (bare == "request.get_json") read_json(f, st);
    if (text::starts_with(bare, "request.") || shape.method == "get") request_call(f, call, st);
    if (shape.method == "abort" || bare == "abort") {
      const auto args = kids(field(call, "arguments"));
      if (!args.empty() && (text(args[0]) == "401" || text(args[0]) == "403")) f.rejects_unauthorized = true;
    }
    if (text::ends_with(shape.canon, "verify_jwt_in_request")) f.rejects_unauthorized = true;
    if ((bare == "redirect" || shape.method == "redirect") &&
        text::to_lower(text(field(call, "arguments"))).find("login") != std::string::npos) {
      f.rejects_unauthorized = true;  // redirect(url_for("auth.login"))
    }

    Expr args;
    const bool needs_args = shape.method == "open" || shape.method == "save" || shape.method == "delete";
    if (needs_args) {
      args = to_expr(call);
      shape.call = &args;
    }
    if (shape.method == "execute" || shape.method == "executemany" || shape.method == "executescript" ||
        shape.method == "exec" || shape.method == "exec_driver_sql") {
      const auto a = kids(field(call, "arguments"));
      if (!a.empty()) shape.sql = sql_of(a[0], st);
    }
    kind_out = effect_kind(shape);
  }

  void walk_body(TSNode body, Function& f) const {
    if (!present(body)) return;
    // Deprecation warnings among the body's own statements (not conditional ones deeper down).
    for (TSNode stmt : kids(body)) {
      if (type_of(stmt) != "expression_statement") continue;
      for (TSNode c : kids(stmt)) {
        if (type_of(c) != "call") continue;
        const std::string canon = canonical(dotted(field(c, "function")));
        if (canon != "warnings.warn" && canon != "warn") continue;
        const std::string args(text(field(c, "arguments")));
        if (args.find("DeprecationWarning") != std::string::npos) f.warns_deprecated = true;
      }
    }
    BodyState st;
    struct Item {
      TSNode node;
      std::string suppress;  // an effect kind already recorded for the enclosing call chain
      int depth;
      Guards guards;  // the request methods this code runs under
    };
    std::vector<Item> stack{{body, {}, 0, {}}};
    std::size_t visited = 0;
    while (!stack.empty() && visited < 200000) {
      Item item = std::move(stack.back());
      stack.pop_back();
      ++visited;
      const TSNode n = item.node;
      const std::string_view t = type_of(n);
      if ((t == "function_definition" || t == "class_definition" || t == "decorated_definition") &&
          !ts_node_eq(n, body)) {
        continue;  // nested definitions have their own facts
      }
      if (item.depth > 400) continue;
      st.guards = item.guards;
      if (t == "if_statement" || t == "block") {
        std::vector<std::pair<TSNode, Guards>> parts;
        if (t == "if_statement") {
          if_branches(n, item.guards, parts);
        } else {
          block_statements(n, item.guards, parts);
        }
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
          if (present(it->first)) stack.push_back({it->first, item.suppress, item.depth + 1, std::move(it->second)});
        }
        continue;
      }
      if (t == "assignment") {
        const TSNode left = field(n, "left");
        const TSNode right = field(n, "right");
        if (type_of(left) == "identifier" && present(right)) {
          const std::string name(text(left));
          st.local_values[name] = right;
          if (is_json_source(right)) {
            st.json_vars.insert(name);
            read_json(f, st);
          } else {
            st.json_vars.erase(name);
          }
        }
      } else if (t == "attribute") {
        const std::string_view attr = text(field(n, "attribute"));
        if (attr == "is_authenticated" || attr == "is_anonymous") f.rejects_unauthorized = true;
        if (attr == "json" && strip_framework(canonical(dotted(n))) == "request.json") read_json(f, st);
      } else if (t == "identifier") {
        const std::string_view id = text(n);
        if (id == "Unauthorized" || id == "Forbidden" || id == "HTTPUnauthorized") f.rejects_unauthorized = true;
      } else if (t == "subscript") {
        request_subscript(f, n, st);
      } else if (t == "call") {
        std::string kind;
        classify_call(f, n, st, kind);
        if (!kind.empty() && kind != item.suppress) add_effect(f, kind, n, st);
        const std::string chain = kind.empty() ? item.suppress : kind;
        // Arguments are walked afresh; the callee (a call chain) inherits the kind to avoid duplicates.
        const TSNode args = field(n, "arguments");
        if (present(args)) stack.push_back({args, {}, item.depth + 1, item.guards});
        const TSNode fn = field(n, "function");
        if (present(fn)) stack.push_back({fn, chain, item.depth + 1, item.guards});
        continue;
      }
      const std::vector<TSNode> children = kids(n);
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        stack.push_back({*it, item.suppress, item.depth + 1, item.guards});
      }
    }
  }

  const SyntaxTree& tree_;
  Module& out_;
  int line_offset_ = 0;
};

}  // namespace

namespace {

constexpr int kMaxResyncs = 16;

// Where parsing can start again inside a broken region: a line at column 0 that begins a definition.
std::size_t resync_point(std::string_view text, std::size_t from, std::size_t to) {
  std::size_t p = text.find('\n', from);
  while (p != std::string_view::npos && p + 1 < to) {
    const std::string_view rest = text.substr(p + 1, to - p - 1);
    if (text::starts_with(rest, "@") || text::starts_with(rest, "def ") || text::starts_with(rest, "async def ") ||
        text::starts_with(rest, "class ")) {
      return p + 1;
    }
    p = text.find('\n', p + 1);
  }
  return std::string_view::npos;
}

}  // namespace

bool extract_module(const SourceFile& file, Module& out, double budget_ms) {
  out.path = file.path;
  auto [name, package] = module_name_of(file.path);
  out.name = std::move(name);
  out.is_package = package;
  out.bytes = file.text.size();
  const auto start = std::chrono::steady_clock::now();
  auto remaining_ms = [&]() {
    return budget_ms - std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  SyntaxTree tree("python", file.text, budget_ms);
  if (!tree.ok()) return false;
  out.has_errors = tree.has_errors();
  Extractor(tree, out).run();
  if (!out.has_errors) return true;
  // Tree-sitter's recovery can fold everything after a broken statement into one ERROR node. The
  // definitions inside are parsed again from the next line that starts one, a bounded number of times.
  struct Region {
    std::size_t begin, end;
  };
  std::vector<Region> pending;
  for (TSNode c : kids(tree.root())) {
    if (type_of(c) == "ERROR") pending.push_back({ts_node_start_byte(c), ts_node_end_byte(c)});
  }
  int resyncs = 0;
  while (!pending.empty() && resyncs < kMaxResyncs) {
    const Region r = pending.back();
    pending.pop_back();
    const std::size_t p = resync_point(file.text, r.begin, std::min<std::size_t>(r.end, file.text.size()));
    if (p == std::string_view::npos || remaining_ms() <= 0) continue;
    ++resyncs;
    const std::string_view tail = file.text.substr(p, std::min<std::size_t>(r.end, file.text.size()) - p);
    SyntaxTree sub("python", tail, remaining_ms());
    if (!sub.ok()) continue;
    const int offset =
        static_cast<int>(std::count(file.text.begin(), file.text.begin() + static_cast<std::ptrdiff_t>(p), '\n'));
    Extractor(sub, out, offset).run();
    for (TSNode c : kids(sub.root())) {
      if (type_of(c) == "ERROR") pending.push_back({p + ts_node_start_byte(c), p + ts_node_end_byte(c)});
    }
  }
  return true;
}

}  // namespace smeltsec::analyze::code::py
