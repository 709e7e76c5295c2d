// What a Python call does that matters for a tool (database, files, deletes, subprocesses, network), and
// which names suggest authentication. Pure functions over names and text: the tree walk lives in
// python_facts.cpp.
#pragma once

#include <string>
#include <string_view>

#include "analyze/code/python_facts.h"

namespace smeltsec::analyze::code::py {

// A call reduced to what classification reads.
struct CallShape {
  std::string canon;           // the callee as a dotted name with imports resolved ("os.remove", "subprocess.run",
                               // "db.session.add"); "" when the callee is not a plain dotted name (`Path(p).unlink`)
  std::string method;          // the last name ("remove", "unlink"); the function's name for bare calls
  std::string object;          // the callee's object as written ("db.session", "Path(p)"), "" for bare calls
  const Expr* call = nullptr;  // arguments (items, keywords)
  std::string sql;             // the first argument's SQL text when known (string literal, text("..."), select(...))
};

// "db_read" | "db_write" | "file_read" | "file_write" | "delete" | "subprocess" | "network", or "" when the
// call does none of these (as far as names tell).
std::string effect_kind(const CallShape& call);

// The effect of running SQL text: "db_read" (SELECT, WITH, SHOW...), "delete" (DELETE, DROP, TRUNCATE),
// "db_write" (anything else, unknown text included: writes are the safe guess).
std::string sql_effect(std::string_view sql);

// True when an identifier suggests authentication or authorisation: login_required, get_current_user,
// verify_token, oauth2_scheme, APIKeyHeader, roles_required, ... ("author", "get_db" are not).
bool auth_like_name(std::string_view name);

}  // namespace smeltsec::analyze::code::py
