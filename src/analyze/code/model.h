// Step 2 for code: what the analyzers find in a repository. Language analyzers fill a CodeAnalysis; the
// manifest step turns its candidates into tools exactly as it does OpenAPI operations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smeltsec/bundle.h"

namespace smeltsec::analyze::code {

// A source file of the bundle that an analyzer reads.
struct SourceFile {
  std::string path;      // bundle path, e.g. "app/routes/users.py"
  std::string_view text;  // UTF-8, owned by the SourceBundle
  std::string language;   // "python" | "javascript" | "typescript" | "tsx"
};

struct Param {
  std::string name;          // as the caller passes it (route parameter, query key, function argument)
  std::string in;            // "path" | "query" | "body" | "header" | "cookie" | "form" | "argument"
  bool required = true;
  std::string type_text;     // the annotation as written ("Optional[int]", "string | null"); may be empty
  std::string default_text;  // the default as written; empty when none
  std::string description;   // from the docstring's Args section / JSDoc @param
  // JSON Schema (2020-12, strict-clean as for OpenAPI: typed, no $ref, no format keyword) of the value,
  // serialised; "" when the type is unknown (the manifest then accepts any JSON value).
  std::string schema_json;
  // in == "body": the value is the whole request body (Flask's JSON body, FastAPI's only body parameter),
  // not one field of a JSON object body (Express's req.body.x, FastAPI's several body parameters).
  bool whole_body = false;
};

// Something the code does that matters for a tool's annotations and for Gate 2.
struct Effect {
  std::string kind;    // "db_read" | "db_write" | "file_read" | "file_write" | "delete" | "subprocess" | "network"
  std::string detail;  // the call as written, e.g. "session.commit()", "os.remove(path)", "fetch(url)"
  int line = 0;
};

struct Candidate {
  std::string kind;       // "route" | "function"
  std::string language;   // python | javascript | typescript | tsx
  std::string framework;  // "flask" | "fastapi" | "express" | "" for plain functions
  std::string method;     // routes: upper-case HTTP method; functions: ""
  std::string path;       // routes: the path as served, every prefix applied, parameters as {name}
  std::string name;       // handler / function name, qualified for methods ("UserService.create")
  std::string file;       // bundle path
  int line = 0;           // 1-based line of the definition (of the decorator/registration for routes)
  std::vector<Param> params;
  std::string return_type_text;
  std::string returns_schema_json;  // JSON Schema of the result when known (e.g. FastAPI response_model)
  std::string doc;                  // docstring / JSDoc: summary and description, without Args sections
  bool auth = false;
  std::string auth_detail;  // "@login_required", "Depends(get_current_user)", "requireAuth middleware"
  std::vector<Effect> effects;
  bool deprecated = false;
  bool internal = false;
  std::string internal_reason;  // "_private name", "@internal", "not in __all__", "not exported"
};

struct CodeAnalysis {
  std::vector<Candidate> candidates;  // kept and filtered ones: filtered ones have deprecated/internal set
  std::vector<SkippedFile> skipped;
  std::vector<std::string> notes;
  std::size_t files_parsed = 0;
  std::size_t bytes_parsed = 0;
};

}  // namespace smeltsec::analyze::code
