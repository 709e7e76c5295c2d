// Python modules reduced to plain data. Each file is parsed once and what the analyzer needs (imports,
// definitions, decorators, assignments, registration calls, effects seen in function bodies) is copied out,
// so the syntax tree can be freed before modules are linked: trees take about 20x the source size, and a
// bundle may hold 64 MB of code.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/code/model.h"

namespace smeltsec::analyze::code::py {

// An expression as far as the analyzer reads it: names, literals, calls, subscripts, unions, lists. Anything
// else is kOther with its text. Depth and width are bounded at extraction.
struct Expr {
  enum class Kind {
    kOther,
    kName,
    kString,
    kNumber,
    kBool,
    kNone,
    kEllipsis,
    kList,
    kCall,
    kSubscript,
    kUnion,
    kConcat
  };
  Kind kind = Kind::kOther;
  std::string name;         // kName: dotted name ("app", "flask.Flask"); kCall: callee's dotted name ("" when not a
                            // plain dotted name); kSubscript: the subscripted value's dotted name ("Optional")
  std::string value;        // kString: the decoded text; kNumber and kBool: the literal ("42", "-1.5", "True")
  std::string text;         // as written, whitespace collapsed, bounded
  std::vector<Expr> items;  // kList: elements; kCall: positional arguments; kSubscript: subscripts;
                            // kUnion: members; kConcat: parts (f-string pieces, `+` operands, adjacent strings)
  std::vector<std::pair<std::string, Expr>> keywords;  // kCall: keyword arguments
  int line = 0;

  bool is(Kind k) const { return kind == k; }
  // The keyword argument `key`, or nullptr.
  const Expr* keyword(std::string_view key) const;
  // The i-th positional argument (or item), or nullptr.
  const Expr* arg(std::size_t i) const;
  // The last segment of `name` ("Flask" for "flask.Flask").
  std::string_view last_name() const;
};

// A condition on the request's method that code runs under: `if request.method == "POST":` (Flask handlers
// serving several methods), or its negation (an else branch, the code after `if ...: return`).
struct MethodGuard {
  std::vector<std::string> methods;  // upper case
  bool negated = false;
};
using Guards = std::vector<MethodGuard>;  // every guard must allow the method

// True when code under `guards` runs for requests with `method`.
bool allows(const Guards& guards, const std::string& method);

struct Param {
  std::string name;
  int star = 0;  // 1 for *args, 2 for **kwargs
  bool has_type = false;
  Expr type;
  bool has_default = false;
  Expr default_value;
};

// A value a Flask handler reads from the request: request.args / request.form / request.get_json().
struct RequestInput {
  std::string in;  // "query" | "form" (request.form and request.files) | "body" (a field of the JSON body)
  std::string name;
  bool required = false;
  bool is_list = false;      // request.args.getlist
  bool is_file = false;      // request.files (a multipart upload)
  std::string type;          // python type name from `type=` or the default's literal ("int", "str", ...)
  std::string default_text;  // the default as written ("1" of request.args.get("page", 1))
  Guards guards;
};

struct Function {
  std::string name;
  std::string class_name;  // methods: the class; "" for functions
  int line = 0;            // the `def` line
  bool nested = false;     // defined inside another function (e.g. routes inside an app factory)
  std::vector<Expr> decorators;
  std::vector<Param> params;
  bool has_return_type = false;
  Expr return_type;
  std::string docstring;              // cleaned (indentation removed), sections not yet parsed
  std::vector<Effect> effects;        // calls in the body (nested definitions excluded), in source order
  std::vector<Guards> effect_guards;  // for each effect, the request methods it runs under
  std::vector<std::string> calls;     // names called: "helper", "self.helper" (for one level of helpers)
  std::vector<Guards> call_guards;    // for each call
  std::vector<RequestInput> request_inputs;
  std::vector<Guards> json_reads;     // where the body reads request.get_json() / request.json
  bool warns_deprecated = false;      // warnings.warn(..., DeprecationWarning) among the body's statements
  bool rejects_unauthorized = false;  // abort(401/403), verify_jwt_in_request(), is_authenticated checks
};

// An annotated class attribute (Pydantic / dataclass / TypedDict field).
struct Field {
  std::string name;
  Expr type;
  bool has_default = false;
  Expr default_value;
  int line = 0;
};

struct Class {
  std::string name;
  int line = 0;
  std::vector<Expr> bases;
  std::vector<std::pair<std::string, Expr>> class_keywords;  // metaclass=..., total=False
  std::vector<Expr> decorators;
  std::string docstring;
  std::vector<Field> fields;
  std::vector<std::pair<std::string, Expr>> assigns;  // plain `name = value` in the body (enum members, decorators)
  std::vector<Function> methods;
};

// `name = value` at module level, or inside a function body (app factories create apps and blueprints there).
struct Assign {
  std::string target;
  Expr value;
  bool in_function = false;
  int line = 0;
};

// A call in statement position whose method may register something: register_blueprint, include_router,
// add_url_rule, add_api_route, mount, before_request. A `for x in (a, b):` around it is kept so that
// `app.register_blueprint(x)` can be expanded.
struct CallSite {
  Expr call;
  std::string loop_var;
  std::vector<Expr> loop_items;
};

// `import a.b as c` -> {local "c", module "a.b"}; `import a.b` -> {local "a", module "a"};
// `from ..m import x as y` -> {local "y", module "m", name "x", level 2}.
struct Import {
  std::string local;
  std::string module;
  std::string name;
  int level = 0;
};

struct Module {
  std::string path;
  std::string name;  // dotted module name from the path ("app.routes.users"; packages without "__init__")
  bool is_package = false;
  std::size_t bytes = 0;
  bool has_errors = false;
  std::vector<Import> imports;
  std::vector<Function> functions;  // module-level first-class functions, and nested ones flagged `nested`
  std::vector<Class> classes;       // module-level classes
  std::vector<Assign> assigns;
  std::vector<CallSite> calls;
  bool has_all = false;
  std::vector<std::string> all_names;  // __all__
};

// The dotted module name of a bundle path, and whether it is a package's __init__.py.
std::pair<std::string, bool> module_name_of(std::string_view path);

// Parses `file` and extracts its facts into `out`. Returns false when the parse ran over the time budget
// (nothing extracted); a tree with syntax errors is extracted as far as it goes (out.has_errors set).
bool extract_module(const SourceFile& file, Module& out, double budget_ms = 2000);

}  // namespace smeltsec::analyze::code::py
