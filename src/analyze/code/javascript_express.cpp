#include "analyze/code/javascript_express.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/text.h"

namespace smeltsec::analyze::code::js {
namespace {

constexpr int kMaxMountDepth = 32;        // routers mounted inside routers
constexpr std::size_t kMaxPrefixes = 64;  // distinct mount chains of one router
constexpr int kMaxLinkRounds = 6;         // passes that hand routers to functions' parameters
constexpr std::size_t kMaxAuthDetail = 60;
constexpr std::size_t kMaxCallSites = 32;  // calls of one function a registration inside it is specialised for

bool in(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool is_route_method(std::string_view m) {
  return in(m, {"get", "post", "put", "delete", "patch", "options", "head", "all"});
}

// Methods of an app or router that return it, so that calls chain: app.use(a).get('/x', h).
bool returns_router(std::string_view m) {
  return is_route_method(m) || in(m, {"use", "set", "enable", "disable", "engine", "param", "locals"});
}

// Names people give apps and routers; an object of unknown origin with such a name and a route-shaped call is
// taken for one (imports through path aliases or packages the bundle does not hold).
bool conventional_router_name(std::string_view name) {
  const std::string lower = text::to_lower(name);
  for (std::string_view suffix : {"app", "router", "api", "server", "routes"}) {
    if (text::ends_with(lower, suffix)) return true;
  }
  return false;
}

std::vector<TSNode> arguments_of(TSNode call) {
  std::vector<TSNode> args;
  for (TSNode a : named_children(field(call, "arguments"))) {
    if (type_of(a) != "comment") args.push_back(a);
  }
  return args;
}

std::string join_path(std::string_view prefix, std::string_view path) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (path.empty() || path == "/") return p.empty() ? "/" : p;
  if (path.front() != '/' && path.front() != '*') p += '/';
  return p + std::string(path);
}

// True when `path` (relative to a router) is under a middleware mounted at `prefix` on it.
bool under_prefix(std::string_view path, std::string prefix) {
  while (!prefix.empty() && (prefix.back() == '*' || prefix.back() == '/')) prefix.pop_back();
  if (prefix.empty()) return true;
  return path == prefix ||
         (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix && path[prefix.size()] == '/');
}

bool is_catch_all(std::string_view path) {
  return in(path, {"*", "/*", "(.*)", "/(.*)", "*splat", "/*splat", "/{*splat}"});
}

struct RouteReg {
  int router;
  std::string method;
  std::string path;
  std::vector<TSNode> handlers;
  int module;
  int scope;
  int line;
  uint32_t byte;
  TSNode registration;
  std::vector<BindingOverride> overrides;
};

struct MountReg {
  int parent;
  std::string prefix;
  int child;
  std::vector<TSNode> middlewares;  // before the router in the same app.use call
  int module;
  int scope;
  uint32_t byte;
};

// Authentication middleware registered on a router (app.use(auth), router.use('/admin', requireAdmin)).
struct Guard {
  int router;
  std::string prefix;
  int module;
  uint32_t byte;
  std::string detail;
};

struct Prefix {
  std::string path;
  std::vector<std::string> auth;
};

class Extractor {
 public:
  Extractor(Program& program, CodeAnalysis& out) : program_(program), out_(out) {}

  ExpressRouting run() {
    auto& modules = program_.modules();
    collect_callers();
    for (int m = 0; m < static_cast<int>(modules.size()); ++m) {
      for (const CallSite& site : modules[m].calls) registration(m, site);
    }
    for (int round = 0; round < kMaxLinkRounds; ++round) {
      bool changed = false;
      for (int m = 0; m < static_cast<int>(modules.size()); ++m) {
        for (const CallSite& site : modules[m].calls) changed = link_parameters(m, site) || changed;
      }
      if (!changed) break;
    }
    ExpressRouting out;
    out.routes = routes();
    out.setup_functions = std::move(setup_functions_);
    return out;
  }

 private:
  const SyntaxTree& tree(int module) { return *program_.modules()[module].tree; }
  std::string where(int module, TSNode n) {
    return program_.modules()[module].file->path + ":" + std::to_string(line_of(n));
  }

  // The router a call's object is: an app or router value, a parameter receiving one, or (with `fallback`) an
  // unresolvable object named like one. -1 when it is none.
  int router_of(int module, int scope, TSNode obj, bool fallback) {
    for (int i = 0; i < 16 && type_of(obj) == "call_expression"; ++i) {
      const TSNode callee = field(obj, "function");
      if (type_of(callee) != "member_expression" || !returns_router(tree(module).text(field(callee, "property"))))
        break;
      obj = field(callee, "object");
    }
    const Value v = program_.eval(module, scope, obj);
    if (v.is(Value::Kind::kRouter)) return v.index;
    if (v.is(Value::Kind::kParam)) {
      return program_.param_router(v.module, v.node, v.index, std::string(tree(module).text(obj)));
    }
    if (v.is(Value::Kind::kNamespace)) {
      const Value d = program_.export_value(v.module, "default");
      if (d.is(Value::Kind::kRouter)) return d.index;
    }
    // Unknown, or imported from something that is not in the bundle (path aliases, subpath imports) and is not
    // an HTTP client.
    const bool unresolved =
        v.is(Value::Kind::kUnknown) ||
        (v.is(Value::Kind::kExternal) && !in(v.package, {"express", "axios", "got", "superagent", "supertest",
                                                         "request", "needle", "ky", "node-fetch", "jquery"}));
    if (fallback && unresolved && type_of(obj) == "identifier" && conventional_router_name(tree(module).text(obj))) {
      return program_.named_router(module, std::string(tree(module).text(obj)));
    }
    return -1;
  }

  // A handler argument that is a mounted router (app.use('/x', router)), or -1.
  int mounted_router(int module, int scope, TSNode h) {
    const std::string_view t = type_of(h);
    if (t != "identifier" && t != "member_expression" && t != "call_expression" && t != "new_expression" &&
        t != "subscript_expression" && t != "await_expression" && t != "parenthesized_expression") {
      return -1;
    }
    Value v = program_.eval(module, scope, h);
    if (v.is(Value::Kind::kNamespace)) v = program_.export_value(v.module, "default");
    if (v.is(Value::Kind::kRouter)) return v.index;
    if (v.is(Value::Kind::kParam)) {
      return program_.param_router(v.module, v.node, v.index, std::string(tree(module).text(h)));
    }
    return -1;
  }

  // The constant path(s) of a route or mount argument; false when it is not a constant string (or array of them).
  bool path_values(int module, int scope, TSNode arg, std::vector<std::string>& paths) {
    if (type_of(arg) == "array") {
      for (TSNode e : named_children(arg)) {
        if (type_of(e) == "comment") continue;
        std::string s;
        if (!program_.eval_string(module, scope, e, s)) return false;
        paths.push_back(std::move(s));
      }
      return !paths.empty();
    }
    std::string s;
    if (!program_.eval_string(module, scope, arg, s)) return false;
    paths.push_back(std::move(s));
    return true;
  }

  static bool looks_like_path(const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
      if (p.empty() || (p.front() != '/' && p.front() != '*' && p.front() != '(')) return false;
    }
    return !paths.empty();
  }

  // Handlers from argument `from` on, arrays flattened (app.get('/x', [auth, validate], handler)).
  static std::vector<TSNode> handlers_from(const std::vector<TSNode>& args, std::size_t from) {
    std::vector<TSNode> out;
    for (std::size_t i = from; i < args.size(); ++i) {
      if (type_of(args[i]) == "array") {
        for (TSNode e : named_children(args[i])) {
          if (type_of(e) != "comment") out.push_back(e);
        }
      } else {
        out.push_back(args[i]);
      }
    }
    return out;
  }

  // A plausible request handler, for objects of unknown origin: a function literal, or a named function.
  bool looks_like_handler(int module, int scope, TSNode h) {
    const std::string_view t = type_of(h);
    if (t == "arrow_function" || t == "function_expression" || t == "function") return true;
    if (t == "member_expression") return true;  // controller.method
    if (t == "identifier" || t == "call_expression") {
      return program_.eval(module, scope, h).is(Value::Kind::kFunction) || t == "call_expression";
    }
    return false;
  }

  // A handler that passes control on (`next`): a function with a third parameter, or one named like auth.
  bool is_middleware(int module, int scope, TSNode h) {
    if (is_auth_middleware_name(tree(module).text(h))) return true;
    const Value v = program_.eval(module, scope, h);
    return v.is(Value::Kind::kFunction) && parameter_nodes(v.node).size() >= 3;
  }

  // The outermost expression of a registration chain: where its JSDoc is.
  static TSNode chain_top(TSNode n) {
    for (int i = 0; i < 64; ++i) {
      const TSNode p = parent_of(n);
      const std::string_view t = type_of(p);
      if (t != "member_expression" && t != "call_expression" && t != "await_expression") break;
      n = p;
    }
    return n;
  }

  // The loop a registration is in, when it walks a literal array: routes.forEach((r) => router.use(r.path,
  // r.route)) or for (const r of routes) ...
  struct Loop {
    const Binding* binding = nullptr;
    Value array;
  };
  Loop loop_of(int module, const CallSite& site) {
    Loop loop;
    TSNode cur = site.call;
    for (int level = 0; level < 24; ++level) {
      cur = parent_of(cur);
      const std::string_view t = type_of(cur);
      if (!present(cur) || t == "program") break;
      if (t == "for_in_statement") {
        const TSNode left = field(cur, "left");
        if (type_of(left) != "identifier" || tree(module).text(field(cur, "operator")) != "of") break;
        loop.array = program_.eval(module, site.scope, field(cur, "right"));
        loop.binding = program_.find_binding(module, site.scope, tree(module).text(left));
        break;
      }
      if (!is_function_node(t)) continue;
      const TSNode args = parent_of(cur);
      const TSNode call = parent_of(args);
      const TSNode callee = field(call, "function");
      if (type_of(args) != "arguments" || type_of(callee) != "member_expression") break;
      const std::string_view iterate = tree(module).text(field(callee, "property"));
      if (iterate != "forEach" && iterate != "map") break;
      const auto params = parameter_nodes(cur);
      const TSNode id = params.empty() ? TSNode{} : parameter_identifier(params[0]);
      if (!present(id)) break;
      const int fn_scope = program_.function_scope(module, cur);
      loop.array = program_.eval(module, program_.modules()[module].scopes[fn_scope].parent, field(callee, "object"));
      loop.binding = program_.find_binding(module, fn_scope, tree(module).text(id));
      break;
    }
    if (!loop.array.is(Value::Kind::kArray)) loop.binding = nullptr;
    return loop;
  }

  static std::string function_key(int module, TSNode fn) {
    return std::to_string(module) + ":" + std::to_string(node_key(fn));
  }

  // Calls (with arguments) of the program's functions, by function.
  void collect_callers() {
    auto& modules = program_.modules();
    for (int m = 0; m < static_cast<int>(modules.size()); ++m) {
      for (const CallSite& site : modules[m].calls) {
        if (type_of(site.call) != "call_expression" || arguments_of(site.call).empty()) continue;
        const TSNode callee = field(site.call, "function");
        const std::string_view t = type_of(callee);
        if (t != "identifier" && t != "member_expression" && t != "call_expression") continue;
        if (t == "member_expression") {
          const std::string_view method = tree(m).text(field(callee, "property"));
          if (is_route_method(method) || method == "use" || method == "route") continue;
        }
        Value v = program_.eval(m, site.scope, callee);
        if (v.is(Value::Kind::kNamespace)) v = program_.export_value(v.module, "default");
        if (v.is(Value::Kind::kFunction))
          callers_[function_key(v.module, v.node)].push_back({m, site.scope, site.call});
      }
    }
  }

  // A registration inside a function with parameters that the program calls (crud(router, '/items', Item)):
  // registered once per call, each parameter read as that call's argument. Otherwise once, as written.
  void registration(int module, const CallSite& site) {
    const TSNode call = site.call;
    if (type_of(call) != "call_expression") return;
    const TSNode callee = field(call, "function");
    if (type_of(callee) != "member_expression") return;
    const std::string_view method = tree(module).text(field(callee, "property"));
    if (!is_route_method(method) && method != "use") return;
    const auto& scopes = program_.modules()[module].scopes;
    for (int s = site.scope; s > 0; s = scopes[s].parent) {
      const TSNode fn = scopes[s].owner;
      const auto params = parameter_nodes(fn);
      auto callers = callers_.find(function_key(module, fn));
      if (params.empty() || callers == callers_.end()) continue;
      for (std::size_t k = 0; k < callers->second.size() && k < kMaxCallSites; ++k) {
        const Caller& caller = callers->second[k];
        const auto args = arguments_of(caller.call);
        std::vector<BindingOverride> overrides;
        for (std::size_t i = 0; i < params.size() && i < args.size(); ++i) {
          const TSNode id = parameter_identifier(params[i]);
          if (!present(id) || type_of(args[i]) == "spread_element") continue;
          const Binding* b = program_.find_binding(module, s, tree(module).text(id));
          if (b != nullptr && b->kind == Binding::Kind::kParam)
            overrides.push_back({b, caller.module, args[i], caller.scope});
        }
        with_overrides(overrides, [&] { registration_in_loops(module, site); });
      }
      return;
    }
    registration_in_loops(module, site);
  }

  void registration_in_loops(int module, const CallSite& site) {
    const Loop loop = loop_of(module, site);
    if (loop.binding == nullptr) {
      register_call(module, site);
      return;
    }
    for (TSNode element : named_children(loop.array.node)) {
      if (type_of(element) == "comment") continue;
      with_overrides({{loop.binding, loop.array.module, element, loop.array.scope}},
                     [&] { register_call(module, site); });
    }
  }

  template <class F>
  void with_overrides(const std::vector<BindingOverride>& overrides, F&& body) {
    for (const auto& o : overrides) {
      program_.override_binding(o);
      active_.push_back(o);
    }
    body();
    for (const auto& o : overrides) {
      program_.clear_override(o.binding);
      active_.pop_back();
    }
  }

  void register_call(int module, const CallSite& site) {
    const std::size_t before = routes_.size() + mounts_.size() + guards_.size();
    register_call_once(module, site);
    if (routes_.size() + mounts_.size() + guards_.size() == before) return;
    const auto& scopes = program_.modules()[module].scopes;
    for (int s = site.scope; s > 0; s = scopes[s].parent) setup_functions_.insert({module, node_key(scopes[s].owner)});
  }

  void register_call_once(int module, const CallSite& site) {
    const TSNode call = site.call;
    const TSNode callee = field(call, "function");
    const std::string method(tree(module).text(field(callee, "property")));
    const TSNode obj = field(callee, "object");
    if (is_route_method(method)) {
      // router.route('/p').get(h).post(h2)
      TSNode cur = obj;
      for (int i = 0; i < 32 && type_of(cur) == "call_expression"; ++i) {
        const TSNode c = field(cur, "function");
        if (type_of(c) != "member_expression") break;
        const std::string_view p = tree(module).text(field(c, "property"));
        if (p == "route") {
          route_chain(module, site.scope, call, cur, std::string(method), field(callee, "property"));
          return;
        }
        if (!is_route_method(p)) break;
        cur = field(c, "object");
      }
      route(module, site.scope, call, obj, method);
    } else if (method == "use") {
      use(module, site.scope, call, obj);
    }
  }

  void route(int module, int scope, TSNode call, TSNode obj, const std::string& method) {
    const auto args = arguments_of(call);
    if (args.size() < 2) return;  // app.get('port'): a settings lookup
    const std::string_view ft = type_of(args[0]);
    if (in(ft, {"object", "number", "true", "false", "null", "undefined", "arrow_function", "function_expression"})) {
      return;
    }
    const auto handlers = handlers_from(args, 1);
    if (handlers.empty()) return;
    const bool plausible = ft == "string" && looks_like_handler(module, scope, handlers.back());
    const int router = router_of(module, scope, obj, plausible);
    if (router < 0) return;
    if (ft == "regex") {
      out_.notes.push_back(where(module, call) + ": route with a regular-expression path skipped");
      return;
    }
    std::vector<std::string> paths;
    if (!path_values(module, scope, args[0], paths)) {
      out_.notes.push_back(where(module, call) + ": route path is not a constant; route skipped");
      return;
    }
    if (!looks_like_path(paths)) return;
    add_route(module, scope, call, router, method, paths, handlers, line_of(call), chain_top(call));
  }

  void route_chain(int module, int scope, TSNode call, TSNode route_call, std::string method, TSNode method_node) {
    const auto route_args = arguments_of(route_call);
    if (route_args.empty()) return;
    const auto handlers = handlers_from(arguments_of(call), 0);
    if (handlers.empty()) return;
    const TSNode route_callee = field(route_call, "function");
    const bool plausible = type_of(route_args[0]) == "string" && looks_like_handler(module, scope, handlers.back());
    const int router = router_of(module, scope, field(route_callee, "object"), plausible);
    if (router < 0) return;
    std::vector<std::string> paths;
    if (!path_values(module, scope, route_args[0], paths)) {
      out_.notes.push_back(where(module, route_call) + ": route path is not a constant; route skipped");
      return;
    }
    if (!looks_like_path(paths)) return;
    add_route(module, scope, call, router, method, paths, handlers, line_of(method_node), chain_top(call));
  }

  void add_route(int module, int scope, TSNode call, int router, const std::string& method,
                 const std::vector<std::string>& paths, const std::vector<TSNode>& handlers, int line,
                 TSNode registration) {
    if (method == "all") {
      // app.all('*', requireAuth): middleware for every method, not an operation
      bool all_middleware = true;
      for (TSNode h : handlers) all_middleware = all_middleware && is_middleware(module, scope, h);
      if (all_middleware) {
        for (TSNode h : handlers) add_guard(module, call, router, paths, h);
        return;
      }
      bool catch_all = true;
      for (const auto& p : paths) catch_all = catch_all && is_catch_all(p);
      if (catch_all) {
        out_.notes.push_back(where(module, call) +
                             ": catch-all handler (all methods, every path) not listed as a route");
        return;
      }
    }
    for (const auto& p : paths) {
      const std::string key = std::to_string(router) + " " + method + " " + p + " " + std::to_string(module) + ":" +
                              std::to_string(ts_node_start_byte(call));
      if (!seen_.insert(key).second) continue;  // the same registration reached twice
      routes_.push_back(
          {router, method, p, handlers, module, scope, line, ts_node_start_byte(call), registration, active_});
    }
  }

  void add_guard(int module, TSNode call, int router, const std::vector<std::string>& prefixes, TSNode h) {
    const std::string text = compact_text(tree(module).text(h));
    if (!is_auth_middleware_name(text)) return;
    std::string detail = text;
    if (text::utf8_length(detail) > kMaxAuthDetail) {
      detail = type_of(h) == "call_expression" ? compact_text(tree(module).text(field(h, "function"))) + "(…)"
                                               : text::truncate_words(detail, kMaxAuthDetail);
    }
    for (const auto& p : prefixes) {
      const std::string key = "g" + std::to_string(router) + " " + p + " " + std::to_string(module) + ":" +
                              std::to_string(ts_node_start_byte(call)) + " " + detail;
      if (seen_.insert(key).second)
        guards_.push_back({router, p, module, ts_node_start_byte(call), detail + " middleware"});
    }
  }

  void use(int module, int scope, TSNode call, TSNode obj) {
    const auto args = arguments_of(call);
    if (args.empty()) return;
    std::vector<std::string> prefixes;
    std::size_t start = 0;
    if (in(type_of(args[0]), {"string", "template_string", "array", "binary_expression"}) ||
        (in(type_of(args[0]), {"identifier", "member_expression"}) && args.size() > 1)) {
      if (path_values(module, scope, args[0], prefixes) && looks_like_path(prefixes)) {
        start = 1;
      } else {
        prefixes.clear();
      }
    }
    if (start == 0) prefixes.push_back("");
    const auto handlers = handlers_from(args, start);
    int router = -2;  // looked up once something is worth recording
    std::vector<TSNode> before;
    for (TSNode h : handlers) {
      const int child = mounted_router(module, scope, h);
      if (child >= 0 || is_auth_middleware_name(tree(module).text(h))) {
        if (router == -2) router = router_of(module, scope, obj, true);
        if (router < 0) return;
      }
      if (child >= 0) {
        if (child == router) continue;
        for (const auto& p : prefixes) {
          const std::string key = "m" + std::to_string(router) + " " + p + " " + std::to_string(child) + " " +
                                  std::to_string(module) + ":" + std::to_string(ts_node_start_byte(call));
          if (seen_.insert(key).second)
            mounts_.push_back({router, p, child, before, module, scope, ts_node_start_byte(call)});
        }
      } else {
        if (router >= 0) add_guard(module, call, router, prefixes, h);
        before.push_back(h);
      }
    }
  }

  // f(app) where f registers routes on its parameter: the parameter's router is mounted on the argument.
  bool link_parameters(int module, const CallSite& site) {
    const TSNode call = site.call;
    if (type_of(call) != "call_expression") return false;
    const auto args = arguments_of(call);
    std::vector<std::pair<int, int>> routed;  // (argument position, router)
    for (int i = 0; i < static_cast<int>(args.size()); ++i) {
      const std::string_view t = type_of(args[i]);
      if (t != "identifier" && t != "member_expression") continue;
      const Value v = program_.eval(module, site.scope, args[i]);
      if (v.is(Value::Kind::kRouter)) {
        routed.emplace_back(i, v.index);
      } else if (v.is(Value::Kind::kParam)) {
        routed.emplace_back(i, -1 - static_cast<int>(routed.size()));  // resolved below, if worth it
      }
    }
    if (routed.empty()) return false;
    Value callee = program_.eval(module, site.scope, field(call, "function"));
    if (callee.is(Value::Kind::kNamespace)) callee = program_.export_value(callee.module, "default");
    if (!callee.is(Value::Kind::kFunction)) return false;
    bool changed = false;
    for (auto [position, router] : routed) {
      const int child = existing_param_router(callee.module, callee.node, position);
      if (child < 0) continue;
      if (router < 0) {
        const Value v = program_.eval(module, site.scope, args[position]);
        router = program_.param_router(v.module, v.node, v.index, std::string(tree(module).text(args[position])));
      }
      if (router == child || !linked_.insert({router, child}).second) continue;
      mounts_.push_back({router, "", child, {}, module, site.scope, ts_node_start_byte(call)});
      changed = true;
    }
    return changed;
  }

  int existing_param_router(int module, TSNode fn, int index) {
    const auto& routers = program_.routers();
    for (int i = 0; i < static_cast<int>(routers.size()); ++i) {
      const RouterInfo& r = routers[i];
      if (r.param_index == index && r.module == module && ts_node_eq(r.node, fn)) return i;
    }
    return -1;
  }

  // Auth guards of `router` that apply to a registration at (module, byte) for `path` (relative to the router).
  void guards_for(int router, int module, uint32_t byte, std::string_view path, std::vector<std::string>& auth) {
    for (const Guard& g : guards_) {
      if (g.router != router || g.module != module || g.byte > byte || !under_prefix(path, g.prefix)) continue;
      if (std::find(auth.begin(), auth.end(), g.detail) == auth.end()) auth.push_back(g.detail);
    }
  }

  void middleware_auth(int module, const std::vector<TSNode>& middlewares, std::vector<std::string>& auth) {
    for (TSNode h : middlewares) {
      const std::string text = compact_text(tree(module).text(h));
      if (!is_auth_middleware_name(text)) continue;
      std::string detail = text;
      if (text::utf8_length(detail) > kMaxAuthDetail) {
        detail = type_of(h) == "call_expression" ? compact_text(tree(module).text(field(h, "function"))) + "(…)"
                                                 : text::truncate_words(detail, kMaxAuthDetail);
      }
      detail += " middleware";
      if (std::find(auth.begin(), auth.end(), detail) == auth.end()) auth.push_back(detail);
    }
  }

  // A parameter declared as an Express app or router: (r: Router), (server: Express), (app: Application).
  bool typed_as_router(const RouterInfo& info) {
    const auto params = parameter_nodes(info.node);
    if (info.param_index < 0 || info.param_index >= static_cast<int>(params.size())) return false;
    const std::string_view type = tree(info.module).text(field(params[info.param_index], "type"));
    for (std::string_view name : {"Router", "Express", "Application"}) {
      if (type.find(name) != std::string_view::npos) return true;
    }
    return false;
  }

  // Every mount chain of `router` from a root: the prefix it is served under and the guards on the way.
  const std::vector<Prefix>& prefixes(int router, int depth) {
    auto cached = prefix_cache_.find(router);
    if (cached != prefix_cache_.end()) return cached->second;
    static const std::vector<Prefix> kNone;
    if (depth > kMaxMountDepth || !visiting_.insert(router).second) return kNone;
    std::vector<Prefix> result;
    const RouterInfo& info = program_.routers()[router];
    bool mounted = false;
    for (std::size_t i = 0; i < mounts_.size(); ++i) {
      const MountReg& m = mounts_[i];
      if (m.child != router) continue;
      mounted = true;
      for (const Prefix& up : prefixes(m.parent, depth + 1)) {
        if (result.size() >= kMaxPrefixes) break;
        Prefix p;
        p.path = join_path(up.path, m.prefix);
        p.auth = up.auth;
        guards_for(m.parent, m.module, m.byte, m.prefix.empty() ? "/" : m.prefix, p.auth);
        middleware_auth(m.module, m.middlewares, p.auth);
        const bool seen = std::any_of(result.begin(), result.end(),
                                      [&](const Prefix& q) { return q.path == p.path && q.auth == p.auth; });
        if (!seen) result.push_back(std::move(p));
      }
    }
    if (!mounted) {
      if (info.is_app) {
        result.push_back({});
      } else if (!info.unresolved_name.empty() || info.param_index < 0 || conventional_router_name(info.param_name) ||
                 typed_as_router(info)) {
        result.push_back({});
        unmounted_.insert(router);
      }
    }
    visiting_.erase(router);
    return prefix_cache_[router] = std::move(result);
  }

  std::vector<ExpressRoute> routes() {
    std::vector<ExpressRoute> out;
    for (const RouteReg& r : routes_) {
      for (const Prefix& p : prefixes(r.router, 0)) {
        ExpressRoute served;
        served.module = r.module;
        served.scope = r.scope;
        for (char c : r.method) served.method += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        served.path = openapi_path(join_path(p.path, r.path), served.path_params, served.optional_path_params);
        served.line = r.line;
        served.registration = r.registration;
        served.handlers = r.handlers;
        served.overrides = r.overrides;
        std::vector<std::string> auth = p.auth;
        guards_for(r.router, r.module, r.byte, r.path, auth);
        std::vector<TSNode> middlewares(r.handlers.begin(), r.handlers.end() - 1);
        middleware_auth(r.module, middlewares, auth);
        served.auth = !auth.empty();
        served.auth_detail = text::join(auth, "; ");
        if (!served.optional_path_params.empty()) {
          out_.notes.push_back(where(r.module, r.registration) + ": optional path parameter(s) " +
                               text::join(served.optional_path_params, ", ") + " kept in " + served.path);
        }
        out.push_back(std::move(served));
      }
    }
    for (int router : unmounted_) {
      const RouterInfo& info = program_.routers()[router];
      const bool has_routes =
          std::any_of(routes_.begin(), routes_.end(), [&](const RouteReg& r) { return r.router == router; });
      const bool has_mounts =
          std::any_of(mounts_.begin(), mounts_.end(), [&](const MountReg& m) { return m.parent == router; });
      if (!has_routes && !has_mounts) continue;
      const std::string& file = program_.modules()[info.module].file->path;
      if (!info.unresolved_name.empty()) {
        out_.notes.push_back(file + ": `" + info.unresolved_name +
                             "` could not be followed to express() or Router(); its routes are listed as registered");
      } else if (info.param_index >= 0) {
        out_.notes.push_back(file + ":" + std::to_string(line_of(info.node)) + ": parameter `" + info.param_name +
                             "` is never given an app or router the analysis could follow; its routes are listed "
                             "without a prefix");
      } else {
        out_.notes.push_back(file + ":" + std::to_string(line_of(info.node)) +
                             ": router is not mounted anywhere the analysis could follow; its routes are listed "
                             "without a prefix");
      }
    }
    auto& modules = program_.modules();
    std::stable_sort(out.begin(), out.end(), [&](const ExpressRoute& a, const ExpressRoute& b) {
      const std::string& fa = modules[a.module].file->path;
      const std::string& fb = modules[b.module].file->path;
      if (fa != fb) return fa < fb;
      if (a.line != b.line) return a.line < b.line;
      if (a.path != b.path) return a.path < b.path;
      return a.method < b.method;
    });
    return out;
  }

  Program& program_;
  CodeAnalysis& out_;
  std::vector<RouteReg> routes_;
  std::vector<MountReg> mounts_;
  std::vector<Guard> guards_;
  std::set<std::pair<int, int>> linked_;
  std::map<int, std::vector<Prefix>> prefix_cache_;
  std::set<int> visiting_;
  std::set<int> unmounted_;
  struct Caller {
    int module;
    int scope;
    TSNode call;
  };
  std::unordered_map<std::string, std::vector<Caller>> callers_;
  std::vector<BindingOverride> active_;  // overrides in force while registering
  std::unordered_set<std::string> seen_;
  std::set<std::pair<int, uint64_t>> setup_functions_;
};

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

}  // namespace

std::string openapi_path(std::string_view p, std::vector<std::string>& params, std::vector<std::string>& optional) {
  std::string out;
  bool in_optional_group = false;  // Express 5: /users{/:id}
  for (std::size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == ':' && i + 1 < p.size() && is_identifier_char(p[i + 1])) {
      std::size_t j = i + 1;
      while (j < p.size() && is_identifier_char(p[j])) ++j;
      const std::string name(p.substr(i + 1, j - i - 1));
      if (j < p.size() && p[j] == '(') {  // :id(\\d+): a constraint
        int depth = 0;
        for (; j < p.size(); ++j) {
          if (p[j] == '\\') {
            ++j;
            continue;
          }
          if (p[j] == '(') ++depth;
          if (p[j] == ')' && --depth == 0) {
            ++j;
            break;
          }
        }
      }
      bool is_optional = in_optional_group;
      if (j < p.size() && (p[j] == '?' || p[j] == '*')) {
        is_optional = true;
        ++j;
      } else if (j < p.size() && p[j] == '+') {
        ++j;
      }
      out += "{" + name + "}";
      if (std::find(params.begin(), params.end(), name) == params.end()) params.push_back(name);
      if (is_optional && std::find(optional.begin(), optional.end(), name) == optional.end()) optional.push_back(name);
      i = j;
      continue;
    }
    if (c == '*' && i + 1 < p.size() && is_identifier_char(p[i + 1])) {  // Express 5: /*splat
      out += '*';
      ++i;
      while (i < p.size() && is_identifier_char(p[i])) ++i;
      continue;
    }
    if (c == '{') {
      in_optional_group = true;
      ++i;
      continue;
    }
    if (c == '}') {
      in_optional_group = false;
      ++i;
      continue;
    }
    if (c == '/' && !out.empty() && out.back() == '/') {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty()) out = "/";
  return out;
}

// Words that name authentication or authorisation in middleware names (rules are data).
const std::initializer_list<std::string_view> kAuthWords = {
    "login",       "logged", "loggedin", "signin",       "signedin",      "role",    "roles",  "permission",
    "permissions", "admin",  "protect",  "protected",    "guard",         "bearer",  "apikey", "acl",
    "rbac",        "scopes", "restrict", "authenticate", "authenticated", "keycloak"};

bool is_auth_middleware_name(std::string_view text_in) {
  // The callee of a call (passport.authenticate('jwt')) or the whole expression; arguments are not names.
  const std::string_view name = text_in.substr(0, text_in.find('('));
  const auto words = text::split_words(name);
  auto has = [&](std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); };
  // auth.optional, optionalAuth: a user is read when there is one, never required
  if (has("optional")) return false;
  const std::string lower = text::to_lower(name);
  if (lower.find("jwt") != std::string::npos || lower.find("oauth") != std::string::npos) return true;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::string_view next = i + 1 < words.size() ? std::string_view(words[i + 1]) : std::string_view();
    if (text::starts_with(w, "auth") &&
        (!text::starts_with(w, "author") || text::starts_with(w, "authoriz") || text::starts_with(w, "authoris"))) {
      return true;
    }
    if (in(w, kAuthWords)) return true;
    if (w == "token" && !has("csrf") && !has("xsrf")) return true;
    if (w == "api" && next == "key") return true;
    if (w == "verify" && in(next, {"user", "session", "signature", "access"})) return true;
    if (w == "require" && in(next, {"user", "session", "login", "signin"})) return true;
  }
  return false;
}

ExpressRouting extract_express_routes(Program& program, CodeAnalysis& out) {
  return Extractor(program, out).run();
}

}  // namespace smeltsec::analyze::code::js
