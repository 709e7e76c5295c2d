// The JavaScript/TypeScript files of a bundle as one program: each module's scopes, bindings, imports and
// exports, and a small evaluator that follows them across files (what an identifier, a `require(...)`, a
// member or a call evaluates to). Express knowledge stops at "this call creates an app or a router".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/code/model.h"
#include "analyze/code/syntax.h"

namespace smeltsec::analyze::code::js {

// Null-safe node access: tree-sitter dereferences a null node (a missing field) in these calls.
inline uint32_t named_child_count(TSNode n) {
  return present(n) ? ts_node_named_child_count(n) : 0;
}
inline TSNode named_child(TSNode n, uint32_t i) {
  return i < named_child_count(n) ? ts_node_named_child(n, i) : TSNode{};
}
inline uint32_t child_count(TSNode n) {
  return present(n) ? ts_node_child_count(n) : 0;
}
inline TSNode child_at(TSNode n, uint32_t i) {
  return i < child_count(n) ? ts_node_child(n, i) : TSNode{};
}
inline bool is_named(TSNode n) {
  return present(n) && ts_node_is_named(n);
}
inline TSNode parent_of(TSNode n) {
  return present(n) ? ts_node_parent(n) : TSNode{};
}

// A key for a node of one tree: its byte range (nodes of the kinds we index never share one); 0 for null.
inline uint64_t node_key(TSNode n) {
  return present(n) ? (uint64_t{ts_node_start_byte(n)} << 32) | ts_node_end_byte(n) : 0;
}

// The child of `n` in field `name` (null when absent), like code::field, with the grammar's field ids cached:
// looking a field up by name scans the grammar's field names, and the analysis asks for fields very often.
// `name` must be a string literal (the cache is keyed by its address).
TSNode field(TSNode n, const char* name);

// Whitespace runs collapsed to one space, none next to `.`, `)` or `,` or after `(`: call text on one line.
std::string compact_text(std::string_view s);
std::string_view trim_space(std::string_view s);
// True when `n` has an unnamed child token of this type ("?", "static", "default", "get").
bool has_anonymous_child(TSNode n, std::string_view type);

bool is_function_node(std::string_view type);
// Parameter nodes of a function in call order (a TypeScript `this` parameter takes no position).
std::vector<TSNode> parameter_nodes(TSNode fn);
// The identifier a parameter binds (`a`, `a = 1`, `a: T`, `a?: T`), or a null node for destructuring patterns.
TSNode parameter_identifier(TSNode param);
// The text of a string literal (or of a template literal without substitutions), with simple escapes decoded.
bool string_literal(TSNode n, const SyntaxTree& tree, std::string& out);

struct Binding {
  enum class Kind { kValue, kParam, kImport };
  Kind kind = Kind::kValue;
  TSNode node{};                     // kValue: initialiser or declaration (null for `let x;`); kParam: the function
  int scope = 0;                     // the scope `node` is evaluated in
  std::vector<std::string> members;  // destructured path applied to the value: const { Router } = require('express')
  int param_index = -1;              // kParam
  std::string source;                // kImport: the module specifier
  std::string imported;              // kImport: "default", "*", "require" (import x = require()) or a name
};

// A binding evaluated as some other expression for a while: a loop variable as one element of the array it walks,
// a function's parameter as the argument one call passes.
struct BindingOverride {
  const Binding* binding = nullptr;
  int module = -1;
  TSNode value{};
  int scope = 0;
};

struct Scope {
  int parent = -1;
  TSNode owner{};  // the function or class method; null for the module scope
  std::unordered_map<std::string, Binding> bindings;
};

struct ExportEntry {
  TSNode node{};  // an expression or declaration to evaluate in `scope` ...
  int scope = 0;
  std::string local;   // ... or a local name ...
  std::string source;  // ... or a re-export of `imported` from another module
  std::string imported;
};

struct CallSite {
  TSNode call;
  int scope;
};

struct Module {
  const SourceFile* file = nullptr;
  std::unique_ptr<SyntaxTree> tree;
  std::vector<Scope> scopes;                          // 0 is the module scope
  std::unordered_map<uint64_t, int> function_scopes;  // function node -> its scope
  std::unordered_map<uint64_t, int> class_scopes;     // class node -> the scope it is declared in
  std::map<std::string, ExportEntry> exports;         // ES exports and `exports.x =` assignments
  std::vector<std::string> star_exports;              // export * from '...'
  TSNode cjs_exports{};                               // module.exports = <node> (or TS `export = x`)
  int cjs_scope = 0;
  std::unordered_map<std::string, TSNode> types;  // top-level interfaces, type aliases, enums, classes
  std::vector<CallSite> calls;                    // every call and `new`, in source order
  bool has_exports() const { return !exports.empty() || !star_exports.empty() || !ts_node_is_null(cjs_exports); }
};

struct Value {
  enum class Kind {
    kUnknown,
    kExternal,
    kRouter,
    kParam,
    kFunction,
    kClass,
    kInstance,
    kObject,
    kArray,
    kNamespace,
    kString
  };
  Kind kind = Kind::kUnknown;
  int module = -1;
  TSNode node{};        // kFunction / kClass / kInstance / kObject / kArray / kParam (the function)
  int scope = 0;        // where `node` is evaluated (kParam: the function's own scope)
  int index = -1;       // kRouter: router id; kParam: parameter position
  std::string text;     // kExternal: "package" or "package.member.path"; kString: the value
  std::string package;  // kExternal: the package or Node module ("express", "fs/promises", "child_process")
  // kFunction returned by a call (catchAsync(async (req, res) => ...)): that call, to unwrap handlers from
  TSNode origin{};
  int origin_module = -1;
  int origin_scope = 0;
  bool is(Kind k) const { return kind == k; }
};

// An Express app or router: created by a call, or a function parameter that receives one.
struct RouterInfo {
  int module = -1;
  TSNode node{};         // the creating call, or the function whose parameter it is
  bool is_app = false;   // express(): an app, a root unless mounted
  int param_index = -1;  // >= 0: the function's parameter
  std::string param_name;
  std::string unresolved_name;  // not empty: an object named like an app or router that could not be followed
};

class Program {
 public:
  // Parses and indexes the files (JS grammar for .js/.jsx, TS/TSX grammars for the others). Files over the parse
  // budget go to `out.skipped`; files with syntax errors are kept (what parsed is analysed) and noted.
  void load(const std::vector<SourceFile>& files, CodeAnalysis& out, double parse_budget_ms = 2000);

  std::vector<Module>& modules() { return modules_; }
  const std::vector<RouterInfo>& routers() const { return routers_; }

  // What `expr` (evaluated in `scope` of `module`) is. Bounded: deep or cyclic chains give kUnknown.
  Value eval(int module, int scope, TSNode expr);
  Value lookup(int module, int scope, std::string_view name);
  Value member(const Value& v, std::string_view name);
  // What module `module` exports as `name` ("default" included; CommonJS objects and re-exports followed).
  Value export_value(int module, std::string_view name);
  // An app or router known only by its name (`app`, `router`) because what it is could not be followed.
  int named_router(int module, std::string name);
  // What calling a function value returns (its `return`s / expression body), kUnknown when unknown.
  Value result_of(const Value& fn);
  // The value `require(spec)` / `import x from spec` gives in `module`; kUnknown when it cannot be followed.
  Value import_value(int module, std::string_view spec, std::string_view imported);
  // The constant string `expr` evaluates to (literals, constants, concatenations, templates).
  bool eval_string(int module, int scope, TSNode expr, std::string& out);

  // The module at a bundle path resolved from `from` (relative paths, extension and index probing, "@/" and
  // "~/" aliases to src/, "@routes/x" / "~lib/x" / "#db/x" aliases to the one folder of that name), or -1 when
  // the specifier names a package or nothing in the bundle.
  int resolve(int from, std::string_view spec) const;
  int function_scope(int module, TSNode fn) const;
  // The binding `name` resolves to from `scope`, or nullptr.
  const Binding* find_binding(int module, int scope, std::string_view name) const;
  // While set, the binding evaluates to the override's value instead of its own.
  void override_binding(const BindingOverride& o);
  void clear_override(const Binding* binding);
  // The router id of a parameter router (created on first use).
  int param_router(int module, TSNode fn, int index, std::string name);
  // The enclosing class of `node`, or a null node.
  static TSNode enclosing_class(TSNode node);

 private:
  Value eval_at(int module, int scope, TSNode expr, int depth);
  Value lookup_at(int module, int scope, std::string_view name, int depth);
  Value member_at(const Value& v, std::string_view name, int depth);
  Value export_at(int module, std::string_view name, int depth);
  Value module_object(int module, int depth);
  Value binding_value(int module, const Binding& b, int depth);
  Value call_result(int module, int scope, TSNode call, const Value& callee, int depth);
  Value function_result(const Value& fn, int depth);
  Value class_member(const Value& cls, std::string_view name, bool instance, int depth);
  int router_for(int module, TSNode node, bool is_app);
  void index_module(int m);

  std::vector<Module> modules_;
  std::unordered_map<std::string, int> by_path_;
  std::unordered_map<std::string, std::vector<std::string>> dirs_by_name_;  // "routes" -> {"src/routes", ...}
  std::vector<RouterInfo> routers_;
  std::unordered_map<const Binding*, BindingOverride> overrides_;
  std::unordered_map<std::string, int> router_ids_;
  int steps_ = 0;  // evaluation steps of the current top-level eval
};

}  // namespace smeltsec::analyze::code::js
