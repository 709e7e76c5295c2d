// JavaScript and TypeScript analysis: the files are loaded as one program (javascript_program), Express routes
// are extracted across modules (javascript_express), then each route's handler and each exported function
// becomes a candidate with its parameters (TS types, JSDoc, what the handler reads from the request), effects
// (javascript_effects) and markers.
#include "analyze/code/javascript.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "analyze/code/javascript_effects.h"
#include "analyze/code/javascript_express.h"
#include "analyze/code/javascript_jsdoc.h"
#include "analyze/code/javascript_program.h"
#include "analyze/code/javascript_types.h"
#include "common/text.h"

namespace smeltsec::analyze::code {
namespace {

using js::BodyFacts;
using js::child_at;
using js::child_count;
using js::compact_text;
using js::ExpressRoute;
using js::field;
using js::has_anonymous_child;
using js::is_named;
using js::JsDoc;
using js::Module;
using js::named_child;
using js::named_child_count;
using js::parent_of;
using js::Program;
using js::trim_space;
using js::TypeConverter;
using js::TypeProperty;
using js::TypeSite;
using js::Value;

constexpr int kMaxHandlerUnwrap = 6;  // asyncHandler(catchErrors(fn)) wrappers followed
constexpr std::size_t kMaxTypedBodyScan = 20000;

const char* const kStringSchema = R"({"type":"string"})";

bool is_function_literal(std::string_view t) {
  return t == "arrow_function" || t == "function_expression" || t == "function" || t == "generator_function";
}

// The type annotation's text without its colon.
std::string annotation_text(TSNode annotation, const SyntaxTree& tree) {
  std::string_view t = tree.text(annotation);
  if (!t.empty() && t.front() == ':') t.remove_prefix(1);
  return compact_text(trim_space(t));
}

// "users" for routes/users.js, "routes" for routes/index.ts.
std::string file_stem(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  base = base.substr(0, base.find('.'));
  if (base == "index") {
    const std::size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      const std::string dir = path.substr(0, slash);
      return dir.substr(dir.rfind('/') + 1);
    }
  }
  return base;
}

struct Handler {
  int module = -1;
  TSNode fn{};
  std::string name;
};

// The request parts' TypeScript types of a handler: Request<Params, ResBody, ReqBody, ReqQuery>.
struct RequestTypes {
  TypeSite params, body, query;
};

class Builder {
 public:
  Builder(Program& program, CodeAnalysis& out) : program_(program), types_(program), out_(out) {}

  void routes(const js::ExpressRouting& routing) {
    setup_functions_ = routing.setup_functions;
    for (const ExpressRoute& r : routing.routes) candidates_.push_back(route_candidate(r));
  }

  void functions() {
    auto& modules = program_.modules();
    for (int m = 0; m < static_cast<int>(modules.size()); ++m) {
      if (modules[m].has_exports()) module_functions(m);
    }
  }

  void finish() {
    std::stable_sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
      if (a.file != b.file) return a.file < b.file;
      if (a.line != b.line) return a.line < b.line;
      if (a.kind != b.kind) return a.kind > b.kind;  // routes first
      if (a.path != b.path) return a.path < b.path;
      if (a.method != b.method) return a.method < b.method;
      return a.name < b.name;
    });
    for (auto& c : candidates_) out_.candidates.push_back(std::move(c));
  }

 private:
  const SyntaxTree& tree(int module) { return *program_.modules()[module].tree; }
  const SourceFile& file(int module) { return *program_.modules()[module].file; }

  // ---- routes ----

  Handler resolve_handler(int module, int scope, TSNode h, int depth) {
    Handler out;
    if (depth > kMaxHandlerUnwrap || !present(h)) return out;
    const std::string_view t = type_of(h);
    if (is_function_literal(t)) {
      out.module = module;
      out.fn = h;
      if (present(field(h, "name"))) out.name = std::string(tree(module).text(field(h, "name")));
      return out;
    }
    if (t == "identifier" || t == "member_expression" || t == "subscript_expression") {
      std::string name = compact_text(tree(module).text(h));
      if (text::starts_with(name, "this.")) name = name.substr(5);
      out.name = name;
      const Value v = program_.eval(module, scope, h);
      if (v.is(Value::Kind::kFunction)) {
        out.module = v.module;
        out.fn = v.node;
        // export const list = catchAsync(async (req, res) => ...): the wrapped function responds
        if (present(v.origin)) {
          const Handler inner = resolve_handler(v.origin_module, v.origin_scope, v.origin, depth + 1);
          if (present(inner.fn)) {
            out.module = inner.module;
            out.fn = inner.fn;
          }
        }
      }
      return out;
    }
    if (t == "call_expression") {
      const TSNode callee = field(h, "function");
      if (type_of(callee) == "member_expression" && tree(module).text(field(callee, "property")) == "bind") {
        return resolve_handler(module, scope, field(callee, "object"), depth + 1);
      }
      // asyncHandler(async (req, res) => ...), catchAsync(controller.list): the wrapped function responds
      std::vector<TSNode> args;
      for (TSNode a : named_children(field(h, "arguments"))) {
        if (type_of(a) != "comment") args.push_back(a);
      }
      for (auto it = args.rbegin(); it != args.rend(); ++it) {
        const std::string_view at = type_of(*it);
        if (is_function_literal(at) || at == "call_expression" ||
            ((at == "identifier" || at == "member_expression") &&
             program_.eval(module, scope, *it).is(Value::Kind::kFunction))) {
          Handler inner = resolve_handler(module, scope, *it, depth + 1);
          if (present(inner.fn)) return inner;
        }
      }
      const Value v = program_.eval(module, scope, h);
      out.name = compact_text(tree(module).text(callee));
      if (v.is(Value::Kind::kFunction)) {
        out.module = v.module;
        out.fn = v.node;
      }
    }
    return out;
  }

  // The JSDoc of a function: above its declaration, its `const` / `exports.x =` / object pair / class member.
  JsDoc function_doc(int module, TSNode fn) {
    const SyntaxTree& t = tree(module);
    const std::string_view type = type_of(fn);
    if (type == "function_declaration" || type == "generator_function_declaration" || type == "method_definition") {
      return js::parse_jsdoc(js::jsdoc_before(fn, t));
    }
    TSNode cur = fn;
    for (int i = 0; i < 6; ++i) {
      const TSNode parent = parent_of(cur);
      const std::string_view pt = type_of(parent);
      if (pt == "variable_declarator" || pt == "pair" || pt == "public_field_definition" || pt == "field_definition") {
        return js::parse_jsdoc(js::jsdoc_before(parent, t));
      }
      if (pt == "assignment_expression") return js::parse_jsdoc(js::jsdoc_before(parent, t));
      if (pt == "export_statement") return js::parse_jsdoc(js::jsdoc_before(parent, t));
      if (pt != "arguments" && pt != "call_expression" && pt != "parenthesized_expression") break;
      cur = parent;
    }
    return {};
  }

  // Request<P, ResBody, ReqBody, ReqQuery> / RequestHandler<...> / an interface with body, query, params members.
  void request_types_from(const TypeSite& type, RequestTypes& out, int depth) {
    if (depth > 4 || type.tree == nullptr || !present(type.node)) return;
    TSNode n = type.node;
    if (type_of(n) == "type_annotation") n = named_child(n, 0);
    const std::string_view t = type_of(n);
    const SyntaxTree& tr = *type.tree;
    if (t == "generic_type") {
      std::string_view name = tr.text(field(n, "name"));
      name = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
      if (name == "Request" || name == "RequestHandler") {
        std::vector<TSNode> args;
        for (TSNode a : named_children(field(n, "type_arguments"))) {
          if (type_of(a) != "comment") args.push_back(a);
        }
        if (args.size() > 0) out.params = TypeSite{type.module, type.tree, args[0]};
        if (args.size() > 2) out.body = TypeSite{type.module, type.tree, args[2]};
        if (args.size() > 3) out.query = TypeSite{type.module, type.tree, args[3]};
        return;
      }
    }
    if (t == "type_identifier" || t == "generic_type" || t == "intersection_type") {
      if (t != "intersection_type") {
        const TypeSite decl = types_.find_type(type.module, tr.text(t == "generic_type" ? field(n, "name") : n));
        if (decl.tree != nullptr && type_of(decl.node) == "type_alias_declaration") {
          request_types_from(TypeSite{decl.module, decl.tree, field(decl.node, "value")}, out, depth + 1);
          return;
        }
      }
      const TypeSite site{type.module, type.tree, n};
      if (TypeSite s = types_.member_type(site, "body"); s.tree != nullptr) out.body = s;
      if (TypeSite s = types_.member_type(site, "query"); s.tree != nullptr) out.query = s;
      if (TypeSite s = types_.member_type(site, "params"); s.tree != nullptr) out.params = s;
    }
  }

  RequestTypes request_types(int module, TSNode fn) {
    RequestTypes out;
    const auto params = js::parameter_nodes(fn);
    if (!params.empty()) {
      const TSNode type = field(params[0], "type");
      if (present(type)) request_types_from(TypeSite{module, &tree(module), type}, out, 0);
    }
    const TSNode parent = parent_of(fn);
    if (out.body.tree == nullptr && type_of(parent) == "variable_declarator" && present(field(parent, "type"))) {
      request_types_from(TypeSite{module, &tree(module), field(parent, "type")}, out, 0);
    }
    // const body: CreateUser = req.body / req.body as CreateUser
    if (out.body.tree == nullptr && !params.empty()) {
      const TSNode req = js::parameter_identifier(params[0]);
      if (present(req)) out.body = typed_body(module, fn, std::string(tree(module).text(req)) + ".body");
    }
    return out;
  }

  TypeSite typed_body(int module, TSNode fn, const std::string& body_text) {
    const SyntaxTree& t = tree(module);
    std::vector<TSNode> stack{field(fn, "body")};
    for (std::size_t seen = 0; !stack.empty() && seen < kMaxTypedBodyScan; ++seen) {
      const TSNode n = stack.back();
      stack.pop_back();
      if (!present(n)) continue;
      const std::string_view nt = type_of(n);
      if (nt == "variable_declarator" && present(field(n, "type"))) {
        TSNode value = field(n, "value");
        if (type_of(value) == "await_expression") value = named_child(value, 0);
        if (compact_text(t.text(value)) == body_text) return TypeSite{module, &t, field(n, "type")};
      }
      if (nt == "as_expression" && named_child_count(n) == 2 && compact_text(t.text(named_child(n, 0))) == body_text) {
        return TypeSite{module, &t, named_child(n, 1)};
      }
      const uint32_t count = named_child_count(n);
      for (uint32_t i = count; i > 0; --i) stack.push_back(named_child(n, i - 1));
    }
    return {};
  }

  static Param* find(std::vector<Param>& params, const std::string& in, const std::string& name) {
    for (auto& p : params) {
      if (p.in == in && p.name == name) return &p;
    }
    return nullptr;
  }

  void typed_params(const TypeSite& site, const std::string& in, std::vector<Param>& params) {
    if (site.tree == nullptr) return;
    std::vector<TypeProperty> props;
    if (!types_.properties(site, props)) return;
    for (const TypeProperty& p : props) {
      if (Param* existing = find(params, in, p.name)) {
        if (!p.schema_json.empty()) existing->schema_json = p.schema_json;
        existing->type_text = p.type_text;
        if (!p.description.empty()) existing->description = p.description;
        continue;
      }
      Param param;
      param.name = p.name;
      param.in = in;
      param.required = p.required;
      param.type_text = p.type_text;
      param.schema_json = p.schema_json;
      param.description = p.description;
      params.push_back(std::move(param));
    }
  }

  Candidate route_candidate(const ExpressRoute& r) {
    Candidate c;
    c.kind = "route";
    c.language = file(r.module).language;
    c.framework = "express";
    c.method = r.method;
    c.path = r.path;
    c.file = file(r.module).path;
    c.line = r.line;
    c.auth = r.auth;
    c.auth_detail = r.auth_detail;
    // Read the handler as the registration saw it (loop variables, parameters of a specialised function).
    for (const auto& o : r.overrides) program_.override_binding(o);
    const Handler h = resolve_handler(r.module, r.scope, r.handlers.back(), 0);
    c.name = h.name;
    const JsDoc route_doc = js::parse_jsdoc(js::jsdoc_before(r.registration, tree(r.module)));
    JsDoc handler_doc;
    BodyFacts facts;
    RequestTypes typed;
    if (present(h.fn)) {
      handler_doc = function_doc(h.module, h.fn);
      facts = js::scan_function(program_, h.module, h.fn, 0);
      typed = request_types(h.module, h.fn);
    }
    for (const auto& o : r.overrides) program_.clear_override(o.binding);
    c.doc = !route_doc.description.empty() ? route_doc.description : handler_doc.description;
    c.deprecated = route_doc.deprecated || handler_doc.deprecated;
    if (!route_doc.internal_tag.empty()) {
      c.internal = true;
      c.internal_reason = route_doc.internal_tag;
    } else if (handler_doc.internal_tag == "@internal") {
      c.internal = true;
      c.internal_reason = "@internal";
    }
    c.effects = std::move(facts.effects);

    for (const std::string& name : r.path_params) {
      Param p;
      p.name = name;
      p.in = "path";
      p.required =
          std::find(r.optional_path_params.begin(), r.optional_path_params.end(), name) == r.optional_path_params.end();
      p.schema_json = kStringSchema;
      c.params.push_back(std::move(p));
    }
    if (typed.params.tree != nullptr) {
      std::vector<TypeProperty> props;
      types_.properties(typed.params, props);
      for (const TypeProperty& tp : props) {
        if (Param* p = find(c.params, "path", tp.name)) {
          if (!tp.schema_json.empty()) p->schema_json = tp.schema_json;
          p->type_text = tp.type_text;
          if (!tp.description.empty()) p->description = tp.description;
        }
      }
    }
    typed_params(typed.query, "query", c.params);
    typed_params(typed.body, "body", c.params);
    for (const js::RequestRead& read : facts.request) {
      if (read.in == "path") continue;  // the route's path says which exist
      if (Param* p = find(c.params, read.in, read.name)) {
        if (p->default_text.empty() && !read.default_text.empty()) {
          p->default_text = read.default_text;
          p->required = false;
        }
        continue;
      }
      Param p;
      p.name = read.name;
      p.in = read.in;
      p.required = false;  // nothing says the handler insists on it
      p.default_text = read.default_text;
      if (read.in != "body") p.schema_json = kStringSchema;
      c.params.push_back(std::move(p));
    }
    for (Param& p : c.params) {
      const js::JsDocParam* doc = js::find_param(route_doc, p.name, true);
      if (doc == nullptr) doc = js::find_param(handler_doc, p.name, true);
      if (doc == nullptr) continue;
      if (p.description.empty()) p.description = doc->description;
      if (p.type_text.empty() && !doc->type.empty()) {
        p.type_text = doc->type;
        if (std::string s = types_.jsdoc_schema(r.module, doc->type); !s.empty()) p.schema_json = s;
      }
    }
    return c;
  }

  // ---- exported functions ----

  // (req, res), (req, res, next) and (err, req, res, next): Express handlers and middleware.
  static bool is_request_handler(TSNode fn, const SyntaxTree& t) {
    auto params = js::parameter_nodes(fn);
    if (params.size() == 4) {
      const TSNode e = js::parameter_identifier(params[0]);
      if (present(e) && (t.text(e) == "err" || t.text(e) == "error")) params.erase(params.begin());
    }
    if (params.size() < 2) return false;
    const TSNode a = js::parameter_identifier(params[0]), b = js::parameter_identifier(params[1]);
    if (!present(a) || !present(b)) return false;
    const std::string_view an = t.text(a), bn = t.text(b);
    return (an == "req" || an == "request" || an == "_req" || an == "_request") &&
           (bn == "res" || bn == "response" || bn == "_res" || bn == "reply");
  }

  // requireRole('admin') and the like: functions that build a handler or middleware.
  bool builds_request_handler(int module, TSNode fn) {
    const Value result = program_.result_of(program_.eval(module, 0, fn));
    return result.is(Value::Kind::kFunction) && is_request_handler(result.node, tree(result.module));
  }

  // register(app) / makeRouter(): functions that set up routing; their routes are the tools.
  bool sets_up_routes(int module, TSNode fn) {
    if (setup_functions_.count({module, js::node_key(fn)}) > 0) return true;
    for (const js::RouterInfo& r : program_.routers()) {
      if (r.param_index >= 0 && r.module == module && ts_node_eq(r.node, fn)) return true;
    }
    return program_.result_of(program_.eval(module, 0, fn)).is(Value::Kind::kRouter);
  }

  // A React (or other JSX) component: it returns markup.
  static bool returns_jsx(TSNode fn) {
    const TSNode body = field(fn, "body");
    std::vector<TSNode> stack{body};
    for (std::size_t seen = 0; !stack.empty() && seen < kMaxTypedBodyScan; ++seen) {
      TSNode n = stack.back();
      stack.pop_back();
      const std::string_view t = type_of(n);
      if (t == "return_statement" || (ts_node_eq(n, body) && t != "statement_block")) {
        TSNode e = t == "return_statement" ? named_child(n, 0) : n;
        for (int i = 0; i < 8 && type_of(e) == "parenthesized_expression"; ++i) e = named_child(e, 0);
        if (text::starts_with(type_of(e), "jsx_")) return true;
        continue;
      }
      if (is_function_literal(t) || t == "function_declaration" || t == "class_declaration") continue;
      const uint32_t count = named_child_count(n);
      for (uint32_t i = count; i > 0; --i) stack.push_back(named_child(n, i - 1));
    }
    return false;
  }

  std::vector<Param> function_params(int module, TSNode fn, const JsDoc& doc) {
    const SyntaxTree& t = tree(module);
    std::vector<const js::JsDocParam*> top;  // JSDoc params without dots, in order: names for destructured ones
    for (const auto& p : doc.params) {
      if (p.name.find('.') == std::string::npos) top.push_back(&p);
    }
    std::vector<Param> out;
    const auto params = js::parameter_nodes(fn);
    for (std::size_t i = 0; i < params.size(); ++i) {
      TSNode pattern = params[i], type{}, value{};
      bool optional = false;
      const std::string_view pt = type_of(pattern);
      if (pt == "required_parameter" || pt == "optional_parameter") {
        type = field(pattern, "type");
        value = field(pattern, "value");
        optional = pt == "optional_parameter";
        pattern = field(pattern, "pattern");
      }
      if (type_of(pattern) == "assignment_pattern") {
        value = field(pattern, "right");
        pattern = field(pattern, "left");
      }
      const bool rest = type_of(pattern) == "rest_pattern";
      if (rest) pattern = named_child(pattern, 0);
      Param p;
      p.in = "argument";
      if (type_of(pattern) == "identifier") {
        p.name = std::string(t.text(pattern));
      } else {
        p.name = i < top.size() ? top[i]->name : (i == 0 ? "options" : "options" + std::to_string(i + 1));
      }
      if (present(value)) p.default_text = compact_text(t.text(value));
      p.required = !optional && !present(value) && !rest;
      if (present(type)) {
        p.type_text = annotation_text(type, t);
        p.schema_json = types_.schema(TypeSite{module, &t, type});
      }
      const js::JsDocParam* jp = js::find_param(doc, p.name);
      if (jp == nullptr && i < top.size() && type_of(pattern) != "identifier") jp = top[i];
      if (jp != nullptr) {
        p.description = jp->description;
        if (jp->optional) p.required = false;
        if (p.default_text.empty()) p.default_text = jp->default_text;
        if (p.type_text.empty() && !jp->type.empty()) {
          p.type_text = jp->type;
          bool jsdoc_optional = false;
          p.schema_json = types_.jsdoc_schema(module, jp->type, &jsdoc_optional);
          if (jsdoc_optional) p.required = false;
        }
      }
      if (p.schema_json.empty() && type_of(pattern) == "object_pattern") p.schema_json = R"({"type":"object"})";
      out.push_back(std::move(p));
    }
    return out;
  }

  Candidate function_candidate(int module, TSNode fn, const std::string& name, int line) {
    const SyntaxTree& t = tree(module);
    Candidate c;
    c.kind = "function";
    c.language = file(module).language;
    c.name = name;
    c.file = file(module).path;
    c.line = line;
    const JsDoc doc = function_doc(module, fn);
    c.doc = doc.description;
    c.params = function_params(module, fn, doc);
    const TSNode ret = field(fn, "return_type");
    if (present(ret)) {
      c.return_type_text = annotation_text(ret, t);
      c.returns_schema_json = types_.schema(TypeSite{module, &t, ret});
    } else if (!doc.returns_type.empty()) {
      c.return_type_text = doc.returns_type;
      c.returns_schema_json = types_.jsdoc_schema(module, doc.returns_type);
    }
    c.deprecated = doc.deprecated;
    if (!doc.internal_tag.empty()) {
      c.internal = true;
      c.internal_reason = doc.internal_tag;
    }
    c.effects = js::scan_function(program_, module, fn, -1).effects;
    return c;
  }

  void add_function(int module, TSNode fn, const std::string& name, int line, std::unordered_set<uint64_t>& seen) {
    if (!seen.insert(js::node_key(fn)).second) return;
    // Express handlers and middleware (and what builds them): their routes are the tools
    if (is_request_handler(fn, tree(module)) || builds_request_handler(module, fn) || sets_up_routes(module, fn))
      return;
    Candidate c = function_candidate(module, fn, name, line);
    if (!c.internal && returns_jsx(fn)) {
      c.internal = true;
      c.internal_reason = "UI component (returns JSX)";
    }
    const std::string_view last = std::string_view(name).substr(name.rfind('.') + 1);
    if (!c.internal && !last.empty() && last.front() == '_') {
      c.internal = true;
      c.internal_reason = "_private name";
    }
    candidates_.push_back(std::move(c));
  }

  void add_class(int module, TSNode cls, const std::string& fallback_name, std::unordered_set<uint64_t>& seen) {
    if (!seen.insert(js::node_key(cls)).second) return;
    const SyntaxTree& t = tree(module);
    const TSNode name_node = field(cls, "name");
    const std::string cls_name = present(name_node) ? std::string(t.text(name_node)) : fallback_name;
    for (TSNode member : named_children(field(cls, "body"))) {
      if (type_of(member) != "method_definition") continue;
      const TSNode name = field(member, "name");
      const std::string method(t.text(name));
      if (method == "constructor" || has_anonymous_child(member, "get") || has_anonymous_child(member, "set")) continue;
      if (!seen.insert(js::node_key(member)).second || is_request_handler(member, t) ||
          sets_up_routes(module, member)) {
        continue;
      }
      Candidate c = function_candidate(module, member, cls_name + "." + method, line_of(member));
      std::string reason;
      if (type_of(name) == "private_property_identifier") reason = "#private";
      for (TSNode m : named_children(member)) {
        if (type_of(m) == "accessibility_modifier" && t.text(m) != "public")
          reason = std::string(t.text(m)) + " method";
      }
      if (reason.empty() && !method.empty() && method.front() == '_') reason = "_private name";
      if (!reason.empty() && !c.internal) {
        c.internal = true;
        c.internal_reason = reason;
      }
      candidates_.push_back(std::move(c));
    }
  }

  // Functions, classes and objects of functions that a value exported as `name` holds.
  void add_exported(int module, const Value& v, const std::string& name, std::unordered_set<uint64_t>& seen) {
    if (v.module != module) return;  // re-exported: listed where it is defined
    const SyntaxTree& t = tree(module);
    if (v.is(Value::Kind::kFunction)) {
      std::string fn_name = name;
      if (name == "default") {
        const TSNode own = field(v.node, "name");
        fn_name = present(own) ? std::string(t.text(own)) : file_stem(file(module).path);
      }
      add_function(module, v.node, fn_name, line_of(declaration_of(v.node)), seen);
    } else if (v.is(Value::Kind::kClass)) {
      add_class(module, v.node, name == "default" ? file_stem(file(module).path) : name, seen);
    } else if (v.is(Value::Kind::kObject)) {
      if (!seen.insert(js::node_key(v.node)).second) return;
      for (TSNode c : named_children(v.node)) {
        const std::string_view ct = type_of(c);
        std::string key;
        if (ct == "pair") {
          if (!js::string_literal(field(c, "key"), t, key)) key = std::string(t.text(field(c, "key")));
        } else if (ct == "shorthand_property_identifier") {
          key = std::string(t.text(c));
        } else if (ct == "method_definition") {
          key = std::string(t.text(field(c, "name")));
        } else {
          continue;
        }
        const Value member = program_.member(v, key);
        if (member.is(Value::Kind::kFunction) || member.is(Value::Kind::kClass))
          add_exported(module, member, key, seen);
      }
    }
  }

  // The statement-level node of a function: its `const` declaration or the function itself.
  static TSNode declaration_of(TSNode fn) {
    const TSNode parent = parent_of(fn);
    const std::string_view pt = type_of(parent);
    if (pt == "variable_declarator" || pt == "assignment_expression" || pt == "pair") return parent;
    return fn;
  }

  void module_functions(int module) {
    Module& m = program_.modules()[module];
    std::unordered_set<uint64_t> seen;
    for (const auto& [name, entry] : m.exports) {
      add_exported(module, program_.export_value(module, name), name, seen);
    }
    if (!ts_node_is_null(m.cjs_exports)) {
      add_exported(module, program_.eval(module, m.cjs_scope, m.cjs_exports), "default", seen);
    }
    // Top-level functions the module does not export
    for (const auto& [name, binding] : m.scopes[0].bindings) {
      if (binding.kind != js::Binding::Kind::kValue || !binding.members.empty() || !present(binding.node)) continue;
      const std::string_view t = type_of(binding.node);
      if (t != "function_declaration" && t != "generator_function_declaration" && !is_function_literal(t)) continue;
      if (seen.count(js::node_key(binding.node)) > 0 || is_request_handler(binding.node, tree(module)) ||
          builds_request_handler(module, binding.node) || sets_up_routes(module, binding.node)) {
        continue;
      }
      seen.insert(js::node_key(binding.node));
      Candidate c = function_candidate(module, binding.node, name, line_of(declaration_of(binding.node)));
      c.internal = true;
      c.internal_reason = "not exported";
      candidates_.push_back(std::move(c));
    }
  }

  Program& program_;
  TypeConverter types_;
  CodeAnalysis& out_;
  std::vector<Candidate> candidates_;
  std::set<std::pair<int, uint64_t>> setup_functions_;
};

}  // namespace

void analyze_javascript(const std::vector<SourceFile>& files, CodeAnalysis& out) {
  Program program;
  program.load(files, out);
  Builder builder(program, out);
  builder.routes(js::extract_express_routes(program, out));
  builder.functions();
  builder.finish();
}

}  // namespace smeltsec::analyze::code
