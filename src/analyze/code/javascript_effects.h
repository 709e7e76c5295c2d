// What JavaScript/TypeScript function bodies do that matters for a tool: effects (database reads and writes,
// deletes, files, subprocesses, outbound network) and, for Express handlers, what they read from the request.
#pragma once

#include <string>
#include <vector>

#include "analyze/code/javascript_program.h"
#include "analyze/code/model.h"

namespace smeltsec::analyze::code::js {

// The facts about one call that decide its effect.
struct CallFacts {
  std::string method;        // the property called ("insertOne") or the identifier called ("fetch")
  std::string object;        // the callee's object as written ("db.collection('x')"); "" for plain calls
  std::string object_root;   // the first identifier of the object ("db"); "" when none
  std::string package;       // the package or Node module the callee comes from, when known ("fs", "axios")
  std::string package_path;  // the callee as a path from the package: "axios.create().get", "fetch().json"
  std::string sql;           // the first argument when it is a constant string or a tagged template
  bool first_arg_function = false;
  bool plain = false;  // `f(...)`, not `x.f(...)`
};

// The effect kind of a call ("db_read", "db_write", "delete", "file_read", "file_write", "subprocess",
// "network"), or "" when the call does none of those as far as names and imports tell.
std::string effect_kind(const CallFacts& call);

// A request value a handler reads.
struct RequestRead {
  std::string in;    // "query" | "body" | "header" | "cookie" | "path"
  std::string name;  // the key ("page", "x-api-key")
  std::string default_text;
  int line = 0;
};

struct BodyFacts {
  std::vector<Effect> effects;       // in source order, without duplicates
  std::vector<RequestRead> request;  // first read of each (in, name), in source order
  bool whole_body = false;           // req.body is used as a whole (passed on, spread, validated)
};

// Scans a function: its effects, and one level into the same-module functions it calls. With `request_param`
// >= 0, also what it reads from that parameter (an Express request: req.query.x, const {a} = req.body,
// req.get('X'), req.headers['x'], destructured parameters).
BodyFacts scan_function(Program& program, int module, TSNode fn, int request_param);

}  // namespace smeltsec::analyze::code::js
