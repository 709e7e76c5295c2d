// Python analysis in two steps: every file is parsed once and reduced to plain facts (python_facts), then the
// modules are linked (python_project) and read for Flask and FastAPI routes, with blueprint/router prefixes
// applied along every registration chain, and for public functions and methods.
#include "analyze/code/python.h"

#include <algorithm>
#include <map>
#include <set>

#include "analyze/code/python_docstring.h"
#include "analyze/code/python_effects.h"
#include "analyze/code/python_facts.h"
#include "analyze/code/python_project.h"
#include "analyze/code/python_schema.h"
#include "common/json.h"
#include "common/text.h"

namespace smeltsec::analyze::code {
namespace {

using py::auth_like_name;
using py::Class;
using py::Expr;
using py::Function;
using py::Project;
using py::Symbol;
using py::TypeSchemas;

constexpr std::size_t kMaxMounts = 64;
constexpr int kMaxMountDepth = 32;
constexpr std::size_t kMaxEffects = 64;
constexpr std::size_t kMaxNotes = 200;
constexpr int kMaxDependencyDepth = 3;

enum class Framework { kFlask, kFastAPI };

const char* framework_name(Framework f) {
  return f == Framework::kFlask ? "flask" : "fastapi";
}

// A copy, not a view: callers pass temporaries (canonical names).
std::string last_of(std::string_view dotted) {
  const std::size_t dot = dotted.rfind('.');
  return std::string(dot == std::string_view::npos ? dotted : dotted.substr(dot + 1));
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool dunder(std::string_view name) {
  return name.size() > 4 && text::starts_with(name, "__") && text::ends_with(name, "__");
}

// A FastAPI `Depends(...)` / `Security(...)` written in `module`.
struct Dependency {
  int module = -1;
  const Expr* call = nullptr;
};

// An app, blueprint or router, created by `name = Flask(...)` / Blueprint / FastAPI / APIRouter.
struct AppObject {
  int module = -1;
  int assign = -1;
  std::string var;
  Framework framework = Framework::kFlask;
  bool is_app = false;
  std::string prefix;             // url_prefix= / prefix= at definition
  std::vector<std::string> auth;  // dependencies=[Depends(auth)] (FastAPI), before_request auth hooks (Flask)
  std::vector<Dependency> deps;   // dependencies=[...] (FastAPI): their parameters are the routes' too
};

// `parent.register_blueprint(child, url_prefix=...)` / `parent.include_router(child, prefix=...)`.
struct Registration {
  int parent = -1;  // -1: an app the analysis cannot see (a function parameter, current_app): the root
  int child = -1;
  bool has_prefix = false;
  std::string prefix;
  std::vector<std::string> auth;
  std::vector<Dependency> deps;
};

// One way an object is served: the prefix every route on it gets, and the auth it inherits.
struct Mount {
  std::string prefix;
  std::vector<std::string> auth;
  std::vector<Dependency> deps;
};

struct PathParam {
  std::string name;
  std::string converter;  // Flask converter ("int", "path", ...); "" for none
  std::string schema;
};

void add_unique(std::vector<std::string>& list, const std::string& s) {
  if (!s.empty() && std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
}

std::string join_auth(const std::vector<std::string>& details) {
  return text::join(details, ", ");
}

// Flask's join of a prefix and a rule: "/".join((prefix.rstrip("/"), rule.lstrip("/"))), rule alone without
// a prefix, the prefix alone for an empty rule.
std::string flask_join(const std::string& prefix, const std::string& rule) {
  if (prefix.empty()) return rule;
  if (rule.empty()) return prefix;
  std::string a = prefix;
  while (!a.empty() && a.back() == '/') a.pop_back();
  std::size_t b = 0;
  while (b < rule.size() && rule[b] == '/') ++b;
  return a + "/" + rule.substr(b);
}

// "/users/<int:user_id>/files/<path:name>" -> "/users/{user_id}/files/{name}", with typed parameters.
std::string flask_path(const std::string& rule, std::vector<PathParam>& params) {
  std::string out;
  std::size_t i = 0;
  while (i < rule.size()) {
    if (rule[i] != '<') {
      out.push_back(rule[i++]);
      continue;
    }
    const std::size_t close = rule.find('>', i);
    if (close == std::string::npos) {
      out += rule.substr(i);
      break;
    }
    const std::string inner = rule.substr(i + 1, close - i - 1);
    const std::size_t colon = inner.rfind(':');
    PathParam p;
    p.name = colon == std::string::npos ? inner : inner.substr(colon + 1);
    std::string conv = colon == std::string::npos ? std::string() : inner.substr(0, colon);
    std::string conv_args;
    if (const std::size_t paren = conv.find('('); paren != std::string::npos) {
      conv_args = conv.substr(paren + 1,
                              conv.rfind(')') == std::string::npos ? std::string::npos : conv.rfind(')') - paren - 1);
      conv = conv.substr(0, paren);
    }
    p.converter = conv;
    if (conv == "int") {
      p.schema = R"({"type":"integer"})";
    } else if (conv == "float") {
      p.schema = R"({"type":"number"})";
    } else if (conv == "uuid") {
      p.schema = R"({"type":"string","description":"Format: uuid."})";
    } else if (conv == "any" && !conv_args.empty()) {
      // <any(about, help):page>: one of the listed words
      std::string enums;
      std::size_t s = 0;
      while (s <= conv_args.size()) {
        std::size_t comma = conv_args.find(',', s);
        if (comma == std::string::npos) comma = conv_args.size();
        std::string word = conv_args.substr(s, comma - s);
        word.erase(0, word.find_first_not_of(" '\""));
        word.erase(word.find_last_not_of(" '\"") + 1);
        bool clean = !word.empty();
        for (char ch : word) clean = clean && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-');
        if (clean) enums += (enums.empty() ? "\"" : ",\"") + word + "\"";
        s = comma + 1;
      }
      p.schema = enums.empty() ? R"({"type":"string"})" : R"({"type":"string","enum":[)" + enums + "]}";
    } else {
      p.schema = R"({"type":"string"})";
    }
    // Names are identifiers in Flask; anything else is left as written.
    bool ident = !p.name.empty();
    for (char ch : p.name) ident = ident && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
    if (!ident) {
      out += rule.substr(i, close - i + 1);
    } else {
      out += "{" + p.name + "}";
      params.push_back(std::move(p));
    }
    i = close + 1;
  }
  return out;
}

// "/files/{file_path:path}" -> "/files/{file_path}", with the names in order.
std::string fastapi_path(const std::string& path, std::vector<PathParam>& params) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '{') {
      out.push_back(path[i++]);
      continue;
    }
    const std::size_t close = path.find('}', i);
    if (close == std::string::npos) {
      out += path.substr(i);
      break;
    }
    std::string inner = path.substr(i + 1, close - i - 1);
    const std::size_t colon = inner.find(':');
    PathParam p;
    p.name = inner.substr(0, colon);
    p.converter = colon == std::string::npos ? std::string() : inner.substr(colon + 1);
    out += "{" + p.name + "}";
    if (!p.name.empty()) params.push_back(std::move(p));
    i = close + 1;
  }
  return out;
}

std::string schema_for_python_type(std::string_view t) {
  if (t == "int") return R"({"type":"integer"})";
  if (t == "float") return R"({"type":"number"})";
  if (t == "bool") return R"({"type":"boolean"})";
  if (t == "str") return R"({"type":"string"})";
  return {};
}

std::string literal_schema(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber:
      return e.value.find_first_of(".eE") == std::string::npos ? R"({"type":"integer"})" : R"({"type":"number"})";
    case Expr::Kind::kString:
      return R"({"type":"string"})";
    case Expr::Kind::kBool:
      return R"({"type":"boolean"})";
    default:
      return {};
  }
}

class PythonAnalyzer {
 public:
  PythonAnalyzer(const Project& project, CodeAnalysis& out) : p_(project), types_(project), out_(out) {}

  void run() {
    uses_flask_ = p_.imports(-1, "flask") || p_.imports(-1, "quart") || p_.imports(-1, "apiflask");
    uses_fastapi_ = p_.imports(-1, "fastapi");
    find_objects();
    find_registrations();
    const std::size_t first = out_.candidates.size();
    find_decorated_routes();
    find_registered_routes();
    find_functions();
    for (std::size_t i = first; i < out_.candidates.size(); ++i) {
      for (Param& param : out_.candidates[i].params) keep_format(param);
    }
    std::stable_sort(out_.candidates.begin() + static_cast<std::ptrdiff_t>(first), out_.candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       if (a.file != b.file) return a.file < b.file;
                       return a.line < b.line;
                     });
  }

 private:
  // A parameter's description replaces its schema's in the manifest: the schema's "Format: date-time." is
  // carried over so it is not lost.
  static void keep_format(Param& p) {
    if (p.description.empty() || p.schema_json.find("\"Format: ") == std::string::npos) return;
    json::Document d;
    d.Parse(p.schema_json.data(), p.schema_json.size());
    if (d.HasParseError() || !d.IsObject()) return;
    const std::string_view format = json::str(json::get(d, "description"));
    if (!text::starts_with(format, "Format: ") || p.description.find(format) != std::string::npos) return;
    p.description += (p.description.back() == '.' ? " " : ". ") + std::string(format);
  }

  // ---- notes ----

  void note(const std::string& n) {
    if (out_.notes.size() < kMaxNotes) out_.notes.push_back(n);
  }
  std::string where(int m, int line) const { return p_.module(m).path + ":" + std::to_string(line); }

  // ---- apps, blueprints, routers ----

  void find_objects() {
    for (std::size_t m = 0; m < p_.modules().size(); ++m) {
      const auto& mod = p_.modules()[m];
      for (std::size_t i = 0; i < mod.assigns.size(); ++i) {
        const py::Assign& a = mod.assigns[i];
        if (!a.value.is(Expr::Kind::kCall) || a.value.name.empty()) continue;
        const std::string canon = p_.canonical(static_cast<int>(m), a.value.name);
        const std::string last = last_of(canon);
        const bool qualified = canon != last;
        auto from = [&](std::initializer_list<const char*> packages) {
          if (!qualified) return true;  // a star import or a re-export
          for (const char* pkg : packages) {
            if (text::starts_with(canon, std::string(pkg) + ".")) return true;
          }
          return false;
        };
        AppObject o;
        if (one_of(last, {"Flask", "Quart", "APIFlask"}) && from({"flask", "quart", "apiflask"})) {
          o.framework = Framework::kFlask;
          o.is_app = true;
        } else if (one_of(last, {"Blueprint", "APIBlueprint"}) && from({"flask", "quart", "apiflask"})) {
          o.framework = Framework::kFlask;
        } else if (last == "FastAPI" && from({"fastapi"})) {
          o.framework = Framework::kFastAPI;
          o.is_app = true;
        } else if (last == "APIRouter" && from({"fastapi"})) {
          o.framework = Framework::kFastAPI;
        } else {
          continue;
        }
        o.module = static_cast<int>(m);
        o.assign = static_cast<int>(i);
        o.var = a.target;
        const Expr* prefix = a.value.keyword(o.framework == Framework::kFlask ? "url_prefix" : "prefix");
        if (prefix != nullptr && !prefix->is(Expr::Kind::kNone)) o.prefix = prefix_value(o.module, *prefix, a.line);
        if (const Expr* deps = a.value.keyword("dependencies")) add_dependencies(o.module, *deps, o.auth, o.deps);
        object_at_[{o.module, o.assign}] = static_cast<int>(objects_.size());
        objects_.push_back(std::move(o));
      }
    }
  }

  std::string prefix_value(int m, const Expr& e, int line) {
    if (auto v = p_.string_value(m, e)) return *v;
    note(where(m, line) + ": prefix `" + e.text + "` is not a constant; its routes are listed without it");
    return {};
  }

  // The object an expression names in module m (`app`, `views.bp`, `api.router`), or -1.
  int object_of(int m, const std::string& name) const {
    if (name.empty()) return -1;
    const Symbol s = p_.resolve(m, name);
    if (s.is(Symbol::Kind::kAssign) && s.rest.empty()) {
      if (auto it = object_at_.find({s.module, s.index}); it != object_at_.end()) return it->second;
    }
    // Bound only inside a function of this module (an app factory's local `app`).
    if (name.find('.') == std::string::npos) {
      for (std::size_t o = 0; o < objects_.size(); ++o) {
        if (objects_[o].module == m && objects_[o].var == name) return static_cast<int>(o);
      }
    }
    // app = create_app(): the app the factory makes.
    if (const py::Assign* a = p_.assign(s); a != nullptr && s.rest.empty() && a->value.is(Expr::Kind::kCall)) {
      const Symbol f = p_.resolve(s.module, a->value.name);
      if (f.is(Symbol::Kind::kFunction)) {
        int found = -1;
        for (std::size_t o = 0; o < objects_.size(); ++o) {
          if (objects_[o].module != f.module || !objects_[o].is_app) continue;
          if (found >= 0) return -1;
          found = static_cast<int>(o);
        }
        return found;
      }
    }
    return -1;
  }

  // `dependencies=[Depends(verify_token), ...]`: the auth they imply, and the dependencies themselves.
  void add_dependencies(int m, const Expr& list, std::vector<std::string>& auth, std::vector<Dependency>& deps) const {
    int lm = m;
    const std::vector<Expr>* items = p_.list_value(m, list, lm);
    if (items == nullptr) return;
    for (const Expr& d : *items) {
      if (!d.is(Expr::Kind::kCall)) continue;
      std::string detail;
      if (auth_dependency(lm, d, nullptr, detail)) add_unique(auth, detail);
      deps.push_back(Dependency{lm, &d});
    }
  }

  // Depends(get_current_user), Security(...), Depends(oauth2_scheme), or a dependency whose own parameters
  // depend on one of those (one level).
  bool auth_dependency(int m, const Expr& call, const Expr* annotation, std::string& detail, int depth = 0) const {
    const std::string_view last = call.last_name();
    if (last == "Security") {
      detail = call.text;
      return true;
    }
    if (last != "Depends") return false;
    const Expr* target = call.arg(0) != nullptr ? call.arg(0) : call.keyword("dependency");
    if (target == nullptr) target = annotation;
    if (target == nullptr || target->name.empty()) return false;
    // OAuth2PasswordRequestForm and kin parse a login form: the endpoint that issues tokens is open.
    if (text::ends_with(target->name, "Form") || text::ends_with(target->name, "FormStrict")) return false;
    if (auth_like_name(last_of(target->name)) || auth_like_name(target->name)) {
      detail = call.text;
      return true;
    }
    if (depth > 0) return false;
    const Symbol s = p_.resolve(m, target->name);
    const Function* fn = p_.function(s);
    if (fn == nullptr) return false;
    for (const py::Param& param : fn->params) {
      std::string inner;
      if (param.has_default && param.default_value.is(Expr::Kind::kCall) &&
          auth_dependency(s.module, param.default_value, param.has_type ? &param.type : nullptr, inner, depth + 1)) {
        detail = call.text;
        return true;
      }
      if (!param.has_type) continue;
      const py::Hint h = types_.unwrap(s.module, &param.type);
      for (const auto& meta : h.metadata) {
        if (meta.second->is(Expr::Kind::kCall) && auth_dependency(meta.first, *meta.second, h.type, inner, depth + 1)) {
          detail = call.text;
          return true;
        }
      }
    }
    return false;
  }

  // A before_request hook guards routes when it turns requests away (abort(401/403), a redirect to a login
  // page, an is_authenticated check): a hook that only loads the user (flaskr's load_logged_in_user) does not.
  static bool auth_hook(const Function& f) { return f.rejects_unauthorized; }

  void find_registrations() {
    for (std::size_t mi = 0; mi < p_.modules().size(); ++mi) {
      const int m = static_cast<int>(mi);
      const auto& mod = p_.modules()[mi];
      for (const py::CallSite& site : mod.calls) {
        const Expr& call = site.call;
        const std::size_t dot = call.name.rfind('.');
        if (dot == std::string::npos) continue;
        const std::string target = call.name.substr(0, dot);
        const std::string method = call.name.substr(dot + 1);
        if (method == "register_blueprint" || method == "include_router" || method == "mount") {
          register_child(m, site, target, method);
        } else if (method == "before_request" || method == "before_app_request") {
          // app.before_request(require_login)
          const Expr* fn_expr = call.arg(0);
          if (fn_expr == nullptr) continue;
          const Function* f = p_.function(p_.resolve(m, fn_expr->name));
          if (f == nullptr || !auth_hook(*f)) continue;
          hooks_.insert(f);
          add_hook_auth(m, target, method, f->name);
        }
      }
      for (const Function& f : mod.functions) {
        for (const Expr& d : f.decorators) {
          const std::string& name = d.name;
          const std::size_t dot = name.rfind('.');
          if (dot == std::string::npos) continue;
          const std::string method = name.substr(dot + 1);
          if (method != "before_request" && method != "before_app_request") continue;
          hooks_.insert(&f);
          if (auth_hook(f)) add_hook_auth(m, name.substr(0, dot), method, f.name);
        }
      }
    }
  }

  void add_hook_auth(int m, const std::string& target, const std::string& method, const std::string& fn) {
    const std::string detail = "before_request " + fn;
    const int o = object_of(m, target);
    if (method == "before_app_request" || o < 0 || objects_[static_cast<std::size_t>(o)].is_app) {
      add_unique(global_flask_auth_, detail);  // every route of the app
    } else {
      add_unique(objects_[static_cast<std::size_t>(o)].auth, detail);
    }
  }

  void register_child(int m, const py::CallSite& site, const std::string& target, const std::string& method) {
    const Expr& call = site.call;
    const bool mount = method == "mount";
    const Expr* child = mount ? (call.arg(1) != nullptr ? call.arg(1) : call.keyword("app")) : call.arg(0);
    if (child == nullptr) {
      child = call.keyword(method == "include_router" ? "router" : "blueprint");
    }
    if (child == nullptr || !child->is(Expr::Kind::kName)) return;
    std::vector<const Expr*> children{child};
    if (!site.loop_var.empty() && child->name == site.loop_var) {
      children.clear();
      for (const Expr& item : site.loop_items) children.push_back(&item);
    }
    const int parent = object_of(m, target);
    for (const Expr* c : children) {
      const int o = object_of(m, c->name);
      if (o < 0) {
        if (c->is(Expr::Kind::kName)) note(where(m, call.line) + ": `" + c->name + "` registered here was not found");
        continue;
      }
      Registration r;
      r.parent = parent;
      r.child = o;
      const Framework fw = objects_[static_cast<std::size_t>(o)].framework;
      const Expr* prefix = mount ? (call.arg(0) != nullptr ? call.arg(0) : call.keyword("path"))
                                 : call.keyword(fw == Framework::kFlask ? "url_prefix" : "prefix");
      if (prefix != nullptr && !prefix->is(Expr::Kind::kNone)) {
        r.has_prefix = true;
        r.prefix = prefix_value(m, *prefix, call.line);
      }
      if (const Expr* deps = call.keyword("dependencies")) add_dependencies(m, *deps, r.auth, r.deps);
      registrations_.push_back(std::move(r));
    }
  }

  const std::vector<Mount>& mounts(int o, int depth = 0) {
    if (auto it = mount_memo_.find(o); it != mount_memo_.end()) return it->second;
    static const std::vector<Mount> kNone;
    if (depth > kMaxMountDepth || visiting_.count(o) > 0) return kNone;
    visiting_.insert(o);
    const AppObject& own = objects_[static_cast<std::size_t>(o)];
    std::vector<Mount> result;
    for (const Registration& r : registrations_) {
      if (r.child != o) continue;
      std::vector<Mount> parents;
      if (r.parent >= 0) {
        parents = mounts(r.parent, depth + 1);
      } else {
        parents.push_back(Mount{});
      }
      for (const Mount& pm : parents) {
        if (result.size() >= kMaxMounts) break;
        Mount mm;
        if (own.framework == Framework::kFlask) {
          // The registration's url_prefix replaces the blueprint's own; nested ones join the parent's.
          const std::string child_prefix = r.has_prefix ? r.prefix : own.prefix;
          mm.prefix = pm.prefix.empty()      ? child_prefix
                      : child_prefix.empty() ? pm.prefix
                                             : flask_join(pm.prefix, child_prefix);
        } else {
          mm.prefix = pm.prefix + r.prefix + own.prefix;
        }
        mm.auth = pm.auth;
        for (const auto& a : r.auth) add_unique(mm.auth, a);
        for (const auto& a : own.auth) add_unique(mm.auth, a);
        mm.deps = pm.deps;
        mm.deps.insert(mm.deps.end(), r.deps.begin(), r.deps.end());
        mm.deps.insert(mm.deps.end(), own.deps.begin(), own.deps.end());
        result.push_back(std::move(mm));
      }
    }
    visiting_.erase(o);
    if (result.empty()) result.push_back(Mount{own.prefix, own.auth, own.deps});  // never registered (or in a cycle)
    return mount_memo_.emplace(o, std::move(result)).first->second;
  }

  // ---- routes ----

  struct RouteSite {
    int def_module = -1;  // where the handler is defined
    const Function* fn = nullptr;
    const Class* view_class = nullptr;  // Flask class-based view
    int site_module = -1;               // where the route is declared (decorator or registration)
    int line = 0;
    int object = -1;
    Framework framework = Framework::kFlask;
    std::string path;  // as declared, before prefixes
    std::vector<std::string> methods;
    const Expr* options = nullptr;  // the decorator / registration call (FastAPI keywords)
  };

  bool framework_for(int m, int object, const std::string& verb, Framework& fw) const {
    if (object >= 0) {
      fw = objects_[static_cast<std::size_t>(object)].framework;
    } else if (verb == "route") {
      fw = Framework::kFlask;
      return uses_flask_ || !uses_fastapi_;
    } else if (p_.imports(m, "fastapi")) {
      fw = Framework::kFastAPI;
    } else if (p_.imports(m, "flask") || p_.imports(m, "quart")) {
      fw = Framework::kFlask;
    } else if (uses_fastapi_ != uses_flask_) {
      fw = uses_fastapi_ ? Framework::kFastAPI : Framework::kFlask;
    } else {
      return false;
    }
    if (fw == Framework::kFlask) return one_of(verb, {"route", "get", "post", "put", "delete", "patch"});
    return one_of(verb, {"get", "post", "put", "delete", "patch", "options", "head", "trace", "api_route"});
  }

  std::vector<std::string> methods_of(int m, const Expr* methods, const std::string& fallback) const {
    std::vector<std::string> out;
    if (methods != nullptr) {
      int lm = m;
      if (const std::vector<Expr>* items = p_.list_value(m, *methods, lm)) {
        for (const Expr& i : *items) {
          if (auto v = p_.string_value(lm, i)) add_unique(out, upper(*v));
        }
      } else if (auto v = p_.string_value(m, *methods)) {
        add_unique(out, upper(*v));  // methods="POST" (a string is iterated as letters by Flask; taken as meant)
      }
    }
    if (out.empty()) out.push_back(fallback);
    return out;
  }

  void find_decorated_routes() {
    for (std::size_t mi = 0; mi < p_.modules().size(); ++mi) {
      const int m = static_cast<int>(mi);
      for (const Function& f : p_.modules()[mi].functions) {
        for (const Expr& d : f.decorators) route_from_decorator(m, f, d);
      }
    }
  }

  void route_from_decorator(int m, const Function& f, const Expr& d) {
    if (!d.is(Expr::Kind::kCall)) return;
    const std::size_t dot = d.name.rfind('.');
    if (dot == std::string::npos) return;
    const std::string target = d.name.substr(0, dot);
    const std::string verb = d.name.substr(dot + 1);
    if (!one_of(verb, {"route", "get", "post", "put", "delete", "patch", "options", "head", "trace", "api_route"}))
      return;
    const int object = object_of(m, target);
    Framework fw;
    if (!framework_for(m, object, verb, fw)) return;
    const Expr* path_expr = d.arg(0) != nullptr ? d.arg(0) : d.keyword(fw == Framework::kFlask ? "rule" : "path");
    if (path_expr == nullptr) return;
    const auto path = p_.string_value(m, *path_expr);
    if (!path) {
      if (object >= 0)
        note(where(m, d.line) + ": route path `" + path_expr->text + "` is not a constant; route skipped");
      return;
    }
    // Unknown objects must look like routes: `cache.get("key")` is not one.
    if (object < 0 && (path->empty() || (*path)[0] != '/')) return;
    RouteSite site;
    site.def_module = m;
    site.fn = &f;
    site.site_module = m;
    site.line = d.line;
    site.object = object;
    site.framework = fw;
    site.path = *path;
    site.options = &d;
    if (verb == "route" || verb == "api_route") {
      site.methods = methods_of(m, d.keyword("methods"), "GET");
    } else {
      site.methods = {upper(verb)};
    }
    handlers_.insert(&f);
    emit_routes(site);
  }

  void find_registered_routes() {
    for (std::size_t mi = 0; mi < p_.modules().size(); ++mi) {
      const int m = static_cast<int>(mi);
      for (const py::CallSite& site : p_.modules()[mi].calls) {
        const Expr& call = site.call;
        const std::size_t dot = call.name.rfind('.');
        if (dot == std::string::npos) continue;
        const std::string method = call.name.substr(dot + 1);
        if (method != "add_url_rule" && method != "add_api_route") continue;
        const bool flask = method == "add_url_rule";
        const int object = object_of(m, call.name.substr(0, dot));
        if (object >= 0 && (objects_[static_cast<std::size_t>(object)].framework == Framework::kFlask) != flask)
          continue;
        if (object < 0 && !(flask ? (uses_flask_ || p_.imports(m, "flask")) : uses_fastapi_)) continue;
        const Expr* path_expr = call.arg(0) != nullptr ? call.arg(0) : call.keyword(flask ? "rule" : "path");
        const Expr* view = flask ? (call.keyword("view_func") != nullptr ? call.keyword("view_func") : call.arg(2))
                                 : (call.keyword("endpoint") != nullptr ? call.keyword("endpoint") : call.arg(1));
        if (path_expr == nullptr || view == nullptr) continue;
        const auto path = p_.string_value(m, *path_expr);
        if (!path) {
          note(where(m, call.line) + ": route path `" + path_expr->text + "` is not a constant; route skipped");
          continue;
        }
        RouteSite rs;
        rs.site_module = m;
        rs.line = call.line;
        rs.object = object;
        rs.framework = flask ? Framework::kFlask : Framework::kFastAPI;
        rs.path = *path;
        rs.options = &call;
        if (view->is(Expr::Kind::kCall) && view->last_name() == "as_view") {
          // ItemAPI.as_view("items"): one route per HTTP method the class defines.
          const std::string cls = view->name.substr(0, view->name.rfind('.'));
          int cm = -1, ci = -1;
          if (!p_.find_class(m, cls, cm, ci)) continue;
          const Class& k = p_.module(cm).classes[static_cast<std::size_t>(ci)];
          rs.def_module = cm;
          rs.view_class = &k;
          const std::vector<std::string> allowed = methods_of(m, call.keyword("methods"), "");
          for (const Function& meth : k.methods) {
            const std::string verb = upper(meth.name);
            if (!one_of(verb, {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})) continue;
            if (!allowed.empty() && !allowed[0].empty() &&
                std::find(allowed.begin(), allowed.end(), verb) == allowed.end())
              continue;
            RouteSite one = rs;
            one.fn = &meth;
            one.methods = {verb};
            handlers_.insert(&meth);
            emit_routes(one);
          }
          continue;
        }
        const Symbol s = p_.resolve(m, view->name);
        const Function* fn = p_.function(s);
        if (fn == nullptr) continue;
        rs.def_module = s.module;
        rs.fn = fn;
        rs.methods = methods_of(m, call.keyword("methods"), "GET");
        handlers_.insert(fn);
        emit_routes(rs);
      }
    }
  }

  void emit_routes(const RouteSite& site) {
    std::vector<Mount> ms;
    if (site.object >= 0) {
      ms = mounts(site.object);
    } else {
      ms.push_back(Mount{});
    }
    for (const Mount& mount : ms) {
      for (const std::string& method : site.methods) out_.candidates.push_back(route_candidate(site, mount, method));
    }
  }

  // Docstring with its parameter descriptions; routes and functions share it.
  static py::Docstring doc_of(const Function& f) { return py::parse_docstring(f.docstring); }

  static std::string param_doc(const py::Docstring& d, const std::string& name) {
    for (const auto& p : d.params) {
      if (p.first == name) return p.second;
    }
    return {};
  }

  bool route_decorator(int m, const Expr& d) const {
    if (!d.is(Expr::Kind::kCall)) return false;
    const std::size_t dot = d.name.rfind('.');
    if (dot == std::string::npos) return false;
    return one_of(d.name.substr(dot + 1), {"route", "get", "post", "put", "delete", "patch", "options", "head", "trace",
                                           "api_route", "websocket"}) &&
           (object_of(m, d.name.substr(0, dot)) >= 0 || d.arg(0) != nullptr);
  }

  // @login_required, @auth.login_required, @jwt_required(), @permission_required("x"), ...
  void decorator_auth(int m, const Function& f, std::vector<std::string>& auth) const {
    for (const Expr& d : f.decorators) {
      if (d.name.empty() || route_decorator(m, d)) continue;
      if (auth_like_name(last_of(d.name)) || auth_like_name(d.name)) add_unique(auth, "@" + d.text);
    }
  }

  // @deprecated, @typing_extensions.deprecated("..."), @deprecation.deprecated(...).
  static bool deprecated_by_decorator(const Function& f) {
    return std::any_of(f.decorators.begin(), f.decorators.end(),
                       [](const Expr& d) { return last_of(d.name) == "deprecated"; });
  }

  // The effects of `f` and of the same-module helpers it calls (one level). With `method`, only the code
  // that runs for that request method counts (Flask handlers branching on request.method).
  std::vector<Effect> effects_of(int m, const Function& f, const Class* owner, const std::string& method = "") const {
    std::vector<Effect> out;
    for (std::size_t i = 0; i < f.effects.size(); ++i) {
      if (method.empty() || i >= f.effect_guards.size() || py::allows(f.effect_guards[i], method))
        out.push_back(f.effects[i]);
    }
    for (std::size_t ci = 0; ci < f.calls.size(); ++ci) {
      const std::string& name = f.calls[ci];
      if (out.size() >= kMaxEffects) break;
      if (!method.empty() && ci < f.call_guards.size() && !py::allows(f.call_guards[ci], method)) continue;
      const Function* helper = nullptr;
      if (name.find('.') == std::string::npos) {
        const Symbol s = p_.resolve(m, name);
        if (s.is(Symbol::Kind::kFunction) && s.module == m && s.rest.empty()) helper = p_.function(s);
      } else if (owner != nullptr) {
        const std::string member = name.substr(name.find('.') + 1);
        for (const Function& meth : owner->methods) {
          if (meth.name == member) helper = &meth;
        }
      }
      if (helper == nullptr || helper == &f) continue;
      for (const Effect& e : helper->effects) {
        Effect x = e;
        x.detail += " (in " + helper->name + ")";
        const bool dup = std::any_of(out.begin(), out.end(), [&](const Effect& o) {
          return o.kind == x.kind && o.line == x.line && o.detail == x.detail;
        });
        if (!dup && out.size() < kMaxEffects) out.push_back(std::move(x));
      }
    }
    return out;
  }

  const Class* owner_class(int m, const Function& f) const {
    if (f.class_name.empty()) return nullptr;
    for (const Class& k : p_.module(m).classes) {
      if (k.name == f.class_name) return &k;
    }
    return nullptr;
  }

  Candidate route_candidate(const RouteSite& site, const Mount& mount, const std::string& method) {
    const Function& f = *site.fn;
    const int m = site.def_module;
    Candidate c;
    c.kind = "route";
    c.language = "python";
    c.framework = framework_name(site.framework);
    c.method = method;
    c.name = site.view_class != nullptr ? site.view_class->name + "." + f.name : f.name;
    c.file = p_.module(site.site_module).path;
    c.line = site.line;
    const py::Docstring doc = doc_of(f);
    std::vector<PathParam> path_params;
    if (site.framework == Framework::kFlask) {
      c.path = flask_path(flask_join(mount.prefix, site.path), path_params);
    } else {
      c.path = fastapi_path(mount.prefix + site.path, path_params);
    }
    std::vector<std::string> auth = mount.auth;
    if (site.framework == Framework::kFlask) {
      for (const auto& a : global_flask_auth_) add_unique(auth, a);
      flask_params(m, f, doc, path_params, method, c.params);
    } else {
      std::vector<Dependency> deps = mount.deps;
      if (const Expr* list = site.options->keyword("dependencies"))
        add_dependencies(site.site_module, *list, auth, deps);
      std::vector<Param> params;
      fastapi_params(m, f, doc, path_params, auth, params, 0);
      for (const Dependency& d : deps) dependency_params(d.module, *d.call, nullptr, path_params, auth, params, 1);
      // Path parameters the signature does not declare are still parameters.
      for (const PathParam& pp : path_params) {
        if (std::any_of(params.begin(), params.end(),
                        [&](const Param& p) { return p.in == "path" && p.name == pp.name; }))
          continue;
        Param p;
        p.name = pp.name;
        p.in = "path";
        p.required = true;
        p.schema_json = R"({"type":"string"})";
        c.params.push_back(std::move(p));
      }
      // FastAPI embeds body parameters under their names only when there are several.
      const auto bodies = std::count_if(params.begin(), params.end(), [](const Param& p) { return p.in == "body"; });
      for (auto& p : params) {
        p.whole_body = p.in == "body" && bodies == 1;
        c.params.push_back(std::move(p));
      }
    }
    decorator_auth(m, f, auth);
    if (site.view_class != nullptr) {
      for (const auto& a : site.view_class->assigns) {
        if (a.first != "decorators" && a.first != "method_decorators") continue;
        for (const Expr& d : a.second.items) {
          if (auth_like_name(last_of(d.name)) || auth_like_name(d.name)) add_unique(auth, "@" + d.text);
        }
      }
    }
    c.auth = !auth.empty();
    c.auth_detail = join_auth(auth);
    c.effects = effects_of(m, f, site.view_class != nullptr ? site.view_class : owner_class(m, f),
                           site.framework == Framework::kFlask ? method : std::string());
    c.doc = doc.text;
    if (site.framework == Framework::kFastAPI) {
      std::string summary, description;
      if (const Expr* s = site.options->keyword("summary"))
        summary = p_.string_value(site.site_module, *s).value_or("");
      if (const Expr* d = site.options->keyword("description"))
        description = p_.string_value(site.site_module, *d).value_or("");
      if (description.empty()) description = doc.text;
      c.doc = summary.empty() ? description : description.empty() ? summary : summary + "\n\n" + description;
      const Expr* response = site.options->keyword("response_model");
      if (response != nullptr && !response->is(Expr::Kind::kNone)) {
        c.return_type_text = response->text;
        if (types_.mentions_model(site.site_module, *response))
          c.returns_schema_json = types_.schema_json(site.site_module, *response);
      } else if (f.has_return_type) {
        c.return_type_text = f.return_type.text;
        if (types_.mentions_model(m, f.return_type)) c.returns_schema_json = types_.schema_json(m, f.return_type);
      }
      if (const Expr* dep = site.options->keyword("deprecated"); dep != nullptr && dep->value == "True")
        c.deprecated = true;
      if (const Expr* inc = site.options->keyword("include_in_schema"); inc != nullptr && inc->value == "False") {
        c.internal = true;
        c.internal_reason = "include_in_schema=False";
      }
    } else if (f.has_return_type) {
      c.return_type_text = f.return_type.text;
    }
    if (doc.deprecated || f.warns_deprecated || deprecated_by_decorator(f)) c.deprecated = true;
    return c;
  }

  // Path parameters from the rule's converters, then what the body reads from `request`. A handler serving
  // several methods reads forms and JSON for the ones that carry a body only.
  void flask_params(int m, const Function& f, const py::Docstring& doc, const std::vector<PathParam>& path_params,
                    const std::string& method, std::vector<Param>& out) const {
    const bool has_body = !one_of(method, {"GET", "HEAD", "OPTIONS", "DELETE"});
    for (const PathParam& pp : path_params) {
      Param p;
      p.name = pp.name;
      p.in = "path";
      p.required = true;
      p.type_text = pp.converter;
      p.schema_json = pp.schema;
      for (const py::Param& fp : f.params) {
        if (fp.name != pp.name || !fp.has_type) continue;
        if (pp.converter.empty()) {
          const std::string s = types_.schema_json(m, fp.type);
          if (!s.empty()) p.schema_json = s;
          p.type_text = fp.type.text;
        }
      }
      p.description = param_doc(doc, pp.name);
      out.push_back(std::move(p));
    }
    bool body_fields = false;
    for (const py::RequestInput& in : f.request_inputs) {
      if (in.in == "body") {
        body_fields = body_fields || py::allows(in.guards, method);
        continue;
      }
      if ((in.in == "form" && !has_body) || !py::allows(in.guards, method)) continue;
      Param p;
      p.name = in.name;
      p.in = in.in;
      p.required = in.required;
      p.type_text = in.type;
      p.default_text = in.default_text;
      const std::string item = in.is_file ? std::string(R"({"type":"string","description":"Format: binary."})")
                                          : schema_for_python_type(in.type);
      if (in.is_list) {
        p.schema_json =
            R"({"type":"array","items":)" + (item.empty() ? std::string(R"({"type":"string"})") : item) + "}";
      } else {
        p.schema_json = item.empty() ? std::string(R"({"type":"string"})") : item;  // form and query values are text
      }
      p.description = param_doc(doc, in.name);
      out.push_back(std::move(p));
    }
    const bool reads_json = std::any_of(f.json_reads.begin(), f.json_reads.end(),
                                        [&](const py::Guards& g) { return py::allows(g, method); });
    if (!reads_json || !has_body) return;
    Param body;
    body.name = "body";
    body.in = "body";
    body.required = true;
    body.description = "JSON request body.";
    body.whole_body = true;
    if (!body_fields) {
      body.schema_json = R"({"type":"object"})";
    } else {
      // The fields the handler reads; their types are not declared anywhere.
      std::string props, required;
      std::set<std::string> seen;
      for (const py::RequestInput& in : f.request_inputs) {
        if (in.in != "body" || !py::allows(in.guards, method) || !seen.insert(in.name).second) continue;
        std::string schema = schema_for_python_type(in.type);
        if (schema.empty()) {
          schema = R"({"anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},{"type":"object"},)"
                   R"({"type":"array","items":{"anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},)"
                   R"({"type":"object"},{"type":"null"}]}},{"type":"null"}]})";
        }
        props += (props.empty() ? "" : ",") + json_string(in.name) + ":" + schema;
        if (in.required) required += (required.empty() ? "" : ",") + json_string(in.name);
      }
      body.schema_json = R"({"type":"object","properties":{)" + props + "}" +
                         (required.empty() ? std::string() : ",\"required\":[" + required + "]") +
                         R"(,"additionalProperties":false})";
    }
    out.push_back(std::move(body));
  }

  static std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
      const unsigned char u = static_cast<unsigned char>(ch);
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += ch;
      } else if (u < 0x20) {
        static const char* hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += ch;
      }
    }
    return out + "\"";
  }

  static void add_param(std::vector<Param>& out, Param p) {
    for (const Param& old : out) {
      if (old.name == p.name && old.in == p.in) return;
    }
    out.push_back(std::move(p));
  }

  // The parameters of a dependency (a function, or a class's __init__), flattened into the endpoint's.
  void dependency_params(int m, const Expr& call, const Expr* annotation, const std::vector<PathParam>& path_params,
                         std::vector<std::string>& auth, std::vector<Param>& out, int depth) const {
    if (depth > kMaxDependencyDepth) return;
    const Expr* target = call.arg(0) != nullptr ? call.arg(0) : call.keyword("dependency");
    if (target == nullptr) target = annotation;
    if (target == nullptr || !target->is(Expr::Kind::kName)) return;  // Depends(RateLimiter(...)): an instance
    const Symbol s = p_.resolve(m, target->name);
    const std::string canon = p_.canonical(m, target->name);
    if (canon == "fastapi.security.OAuth2PasswordRequestForm" ||
        canon == "fastapi.security.OAuth2PasswordRequestFormStrict") {
      // The login form of the OAuth2 password flow, as FastAPI declares it.
      const bool strict = text::ends_with(canon, "Strict");
      for (const char* name : {"grant_type", "username", "password", "scope", "client_id", "client_secret"}) {
        Param p;
        p.name = name;
        p.in = "form";
        p.required = std::string_view(name) == "username" || std::string_view(name) == "password" ||
                     (strict && std::string_view(name) == "grant_type");
        p.schema_json = R"({"type":"string"})";
        add_param(out, std::move(p));
      }
      return;
    }
    if (const Function* fn = p_.function(s)) {
      fastapi_params(s.module, *fn, doc_of(*fn), path_params, auth, out, depth);
    } else if (const Class* k = p_.klass(s)) {
      for (const Function& meth : k->methods) {
        if (meth.name == "__init__") fastapi_params(s.module, meth, doc_of(meth), path_params, auth, out, depth);
      }
    }
  }

  // The parameters of a FastAPI endpoint (depth 0) or of one of its dependencies, in signature order, with
  // the dependencies' own parameters flattened in as FastAPI does. Auth details are the endpoint's only.
  void fastapi_params(int m, const Function& f, const py::Docstring& doc, const std::vector<PathParam>& path_params,
                      std::vector<std::string>& auth, std::vector<Param>& out, int depth) const {
    for (const py::Param& fp : f.params) {
      if (fp.star != 0) continue;
      if (!f.class_name.empty() && (fp.name == "self" || fp.name == "cls")) continue;
      const py::Hint h = types_.unwrap(m, fp.has_type ? &fp.type : nullptr);
      const Expr* marker = nullptr;
      int marker_module = m;
      if (fp.has_default && fp.default_value.is(Expr::Kind::kCall)) marker = &fp.default_value;
      for (const auto& meta : h.metadata) {
        if (meta.second->is(Expr::Kind::kCall) &&
            one_of(meta.second->last_name(),
                   {"Depends", "Security", "Query", "Path", "Body", "Header", "Cookie", "Form", "File"})) {
          marker = meta.second;
          marker_module = meta.first;
        }
      }
      const std::string_view kind = marker != nullptr ? marker->last_name() : std::string_view();
      if (kind == "Depends" || kind == "Security") {
        std::string detail;
        if (depth == 0 && auth_dependency(marker_module, *marker, h.type, detail)) add_unique(auth, detail);
        dependency_params(marker_module, *marker, h.type, path_params, auth, out, depth + 1);
        continue;
      }
      if (h.type != nullptr && !h.type->name.empty() &&
          one_of(last_of(p_.canonical(h.module, h.type->name)),
                 {"Request", "Response", "WebSocket", "BackgroundTasks", "HTTPConnection", "SecurityScopes",
                  "StreamingResponse", "JSONResponse"})) {
        continue;
      }
      const bool is_marker = one_of(kind, {"Query", "Path", "Body", "Header", "Cookie", "Form", "File"});
      Param p;
      p.name = fp.name;
      const bool in_path =
          std::any_of(path_params.begin(), path_params.end(), [&](const PathParam& pp) { return pp.name == fp.name; });
      if (kind == "Query")
        p.in = "query";
      else if (kind == "Path")
        p.in = "path";
      else if (kind == "Body")
        p.in = "body";
      else if (kind == "Header")
        p.in = "header";
      else if (kind == "Cookie")
        p.in = "cookie";
      else if (kind == "Form" || kind == "File")
        p.in = "form";
      else if (in_path)
        p.in = "path";
      else if (h.type != nullptr && !h.type->name.empty() &&
               last_of(p_.canonical(h.module, h.type->name)) == "UploadFile")
        p.in = "form";
      else if (fp.has_type && types_.is_body_type(m, fp.type))
        p.in = "body";
      else
        p.in = "query";
      // Default: the marker's first argument or default=, else the parameter's own default (Annotated style).
      const Expr* def = nullptr;
      bool factory = false;
      if (is_marker && marker != &fp.default_value) {
        if (fp.has_default) def = &fp.default_value;
      } else if (is_marker) {
        def = marker->arg(0) != nullptr ? marker->arg(0) : marker->keyword("default");
        factory = marker->keyword("default_factory") != nullptr;
      } else if (fp.has_default) {
        def = &fp.default_value;
      }
      if (is_marker && marker != &fp.default_value && marker->keyword("default") != nullptr && def == nullptr) {
        def = marker->keyword("default");
      }
      const bool has_default = factory || (def != nullptr && !def->is(Expr::Kind::kEllipsis));
      p.required = p.in == "path" || !has_default;
      if (def != nullptr && !def->is(Expr::Kind::kEllipsis)) p.default_text = def->text;
      if (is_marker) {
        if (const Expr* alias = marker->keyword("alias"); alias != nullptr && alias->is(Expr::Kind::kString)) {
          p.name = alias->value;
        } else if (kind == "Header") {
          const Expr* conv = marker->keyword("convert_underscores");
          if (conv == nullptr || conv->value != "False") std::replace(p.name.begin(), p.name.end(), '_', '-');
        }
        if (const Expr* d = marker->keyword("description"))
          p.description = p_.string_value(marker_module, *d).value_or("");
      }
      if (p.description.empty()) p.description = param_doc(doc, fp.name);
      if (fp.has_type) {
        p.type_text = fp.type.text;
        p.schema_json = types_.schema_json(m, fp.type, is_marker ? marker : nullptr);
      } else if (def != nullptr) {
        p.schema_json = literal_schema(*def);
      }
      if (p.in == "path" && p.schema_json.empty()) p.schema_json = R"({"type":"string"})";
      add_param(out, std::move(p));
    }
  }

  // ---- functions and methods ----

  bool framework_hook(int m, const Function& f) const {
    for (const Expr& d : f.decorators) {
      const std::string last = last_of(d.name);
      if (one_of(last, {"errorhandler",
                        "before_request",
                        "after_request",
                        "teardown_request",
                        "teardown_appcontext",
                        "context_processor",
                        "before_app_request",
                        "after_app_request",
                        "app_errorhandler",
                        "on_event",
                        "exception_handler",
                        "middleware",
                        "user_loader",
                        "request_loader",
                        "token_loader",
                        "verify_password",
                        "verify_token",
                        "get_password",
                        "get_user_roles",
                        "error_handler",
                        "websocket",
                        "template_filter",
                        "url_value_preprocessor",
                        "url_defaults",
                        "shell_context_processor",
                        "fixture",
                        "lifespan",
                        "on_startup",
                        "on_shutdown"})) {
        return true;
      }
      const std::size_t dot = d.name.rfind('.');
      if (dot != std::string::npos && object_of(m, d.name.substr(0, dot)) >= 0) return true;
      if (d.name.find("cli.command") != std::string::npos) return true;
    }
    return false;
  }

  static bool not_a_callable_unit(const Function& f) {
    for (const Expr& d : f.decorators) {
      const std::string last = last_of(d.name);
      if (one_of(last, {"property", "cached_property", "setter", "getter", "deleter", "overload", "validator",
                        "field_validator", "root_validator", "model_validator", "computed_field", "field_serializer",
                        "model_serializer", "hybrid_property", "declared_attr", "abstractproperty"})) {
        return true;
      }
    }
    return false;
  }

  static bool staticmethod(const Function& f) {
    return std::any_of(f.decorators.begin(), f.decorators.end(),
                       [](const Expr& d) { return last_of(d.name) == "staticmethod"; });
  }

  bool private_module(const py::Module& mod) const {
    std::size_t start = 0;
    const std::string& n = mod.name;
    while (start < n.size()) {
      std::size_t dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      if (n[start] == '_' && !dunder(n.substr(start, dot - start))) return true;
      start = dot + 1;
    }
    return false;
  }

  void find_functions() {
    for (std::size_t mi = 0; mi < p_.modules().size(); ++mi) {
      const int m = static_cast<int>(mi);
      const py::Module& mod = p_.modules()[mi];
      for (const Function& f : mod.functions) {
        if (f.nested || dunder(f.name) || handlers_.count(&f) > 0 || hooks_.count(&f) > 0) continue;
        if (not_a_callable_unit(f) || framework_hook(m, f)) continue;
        out_.candidates.push_back(function_candidate(m, mod, f, nullptr));
      }
      for (std::size_t ci = 0; ci < mod.classes.size(); ++ci) {
        const Class& k = mod.classes[ci];
        if (types_.class_kind(m, static_cast<int>(ci)) != TypeSchemas::ClassKind::kPlain) continue;  // data, not code
        bool exception = false;
        for (const Expr& b : k.bases) {
          const std::string last = last_of(b.name);
          exception = exception || text::ends_with(last, "Exception") || text::ends_with(last, "Error") ||
                      last == "Warning" || last == "Protocol";
        }
        if (exception) continue;
        for (const Function& f : k.methods) {
          if (dunder(f.name) || handlers_.count(&f) > 0 || not_a_callable_unit(f) || framework_hook(m, f)) continue;
          out_.candidates.push_back(function_candidate(m, mod, f, &k));
        }
      }
    }
  }

  Candidate function_candidate(int m, const py::Module& mod, const Function& f, const Class* owner) const {
    Candidate c;
    c.kind = "function";
    c.language = "python";
    c.name = owner != nullptr ? owner->name + "." + f.name : f.name;
    c.file = mod.path;
    c.line = f.line;
    const py::Docstring doc = doc_of(f);
    c.doc = doc.text;
    const bool skip_first = owner != nullptr && !staticmethod(f);
    for (std::size_t i = 0; i < f.params.size(); ++i) {
      const py::Param& fp = f.params[i];
      if (i == 0 && skip_first) continue;
      if (fp.star != 0) continue;
      Param p;
      p.name = fp.name;
      p.in = "argument";
      p.required = !fp.has_default;
      if (fp.has_type) {
        p.type_text = fp.type.text;
        p.schema_json = types_.schema_json(m, fp.type);
        if (!p.required && fp.default_value.is(Expr::Kind::kNone) && !p.schema_json.empty() &&
            !types_.is_optional(m, fp.type)) {
          // def f(x: int = None): None is accepted too
          p.schema_json = R"({"anyOf":[)" + p.schema_json + R"(,{"type":"null"}]})";
        }
      } else if (fp.has_default) {
        p.schema_json = literal_schema(fp.default_value);
      }
      if (fp.has_default) p.default_text = fp.default_value.text;
      p.description = param_doc(doc, fp.name);
      c.params.push_back(std::move(p));
    }
    if (f.has_return_type) c.return_type_text = f.return_type.text;
    std::vector<std::string> auth;
    decorator_auth(m, f, auth);
    c.auth = !auth.empty();
    c.auth_detail = join_auth(auth);
    c.effects = effects_of(m, f, owner);
    c.deprecated = doc.deprecated || f.warns_deprecated || deprecated_by_decorator(f);
    const std::string& public_name = owner != nullptr ? owner->name : f.name;
    std::string reason;
    if (!f.name.empty() && f.name[0] == '_') {
      reason = "_private name";
    } else if (owner != nullptr && !owner->name.empty() && owner->name[0] == '_') {
      reason = "_private name";
    } else if (std::any_of(f.decorators.begin(), f.decorators.end(), [](const Expr& d) {
                 const std::string last = last_of(d.name);
                 return last == "internal" || last == "private" || last == "internal_api";
               })) {
      reason = "@internal";
    } else if (doc.internal) {
      reason = "docstring marks it internal";
    } else if (owner != nullptr && py::parse_docstring(owner->docstring).internal) {
      reason = "docstring marks it internal";
    } else if (mod.has_all &&
               std::find(mod.all_names.begin(), mod.all_names.end(), public_name) == mod.all_names.end()) {
      reason = "not in __all__";
    } else if (private_module(mod)) {
      reason = "_private module";
    }
    c.internal = !reason.empty();
    c.internal_reason = reason;
    return c;
  }

  const Project& p_;
  TypeSchemas types_;
  CodeAnalysis& out_;
  bool uses_flask_ = false;
  bool uses_fastapi_ = false;
  std::vector<AppObject> objects_;
  std::map<std::pair<int, int>, int> object_at_;
  std::vector<Registration> registrations_;
  std::map<int, std::vector<Mount>> mount_memo_;
  std::set<int> visiting_;
  std::set<const Function*> handlers_;
  std::set<const Function*> hooks_;
  std::vector<std::string> global_flask_auth_;
};

}  // namespace

void analyze_python(const std::vector<SourceFile>& files, CodeAnalysis& out) {
  std::vector<py::Module> modules;
  modules.reserve(files.size());
  for (const SourceFile& f : files) {
    py::Module m;
    if (!py::extract_module(f, m)) {
      out.skipped.push_back({f.path, "parse did not finish within the time budget"});
      continue;
    }
    out.files_parsed += 1;
    out.bytes_parsed += f.text.size();
    if (m.has_errors) {
      out.notes.push_back(f.path + ": syntax errors; analysed the parts that parse");
    }
    modules.push_back(std::move(m));
  }
  const Project project(std::move(modules));
  PythonAnalyzer(project, out).run();
}

}  // namespace smeltsec::analyze::code
