// Express routing: apps and routers, route registrations (app.get, router.route('/p').get().post()), mounts
// (app.use('/prefix', router)) at any depth and across modules, and the middleware that guards them.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analyze/code/javascript_program.h"
#include "analyze/code/model.h"

namespace smeltsec::analyze::code::js {

// A route as served: one per registration and mount chain, every prefix applied.
struct ExpressRoute {
  int module = -1;
  int scope = 0;  // where the registration's arguments are evaluated
  // Upper case. app.all('/p', h) is one candidate with method "ALL": the code registers one handler for every
  // method, and five candidates (GET, POST, PUT, PATCH, DELETE) would claim five operations where there is one.
  // app.all('*', ...) catch-alls and app.all(path, middleware) guards are not routes.
  std::string method;
  std::string path;                               // OpenAPI style: /users/{id}
  std::vector<std::string> path_params;           // in order
  std::vector<std::string> optional_path_params;  // ":id?" (kept as {id}, not required)
  int line = 0;                                   // the registration
  TSNode registration{};                          // the statement or chain to read JSDoc from
  std::vector<TSNode> handlers;  // the registration's handlers, arrays flattened; the last one responds
  bool auth = false;
  std::string auth_detail;
  // Loop variables and parameters as this registration saw them (re-apply them to read its handlers).
  std::vector<BindingOverride> overrides;
};

struct ExpressRouting {
  std::vector<ExpressRoute> routes;  // ordered by file and line
  // Functions that register routes or mount routers (module, node_key): routing set-up, not tools of their own.
  std::set<std::pair<int, uint64_t>> setup_functions;
};

// Every Express route of the program. Notes go to `out.notes`: routers whose mount could not be followed (listed
// without a prefix), regex and non-constant paths (skipped), optional parameters, catch-all handlers.
ExpressRouting extract_express_routes(Program& program, CodeAnalysis& out);

// Express path to OpenAPI path: ":id" -> "{id}", ":id(\\d+)" -> "{id}", ":id?" -> "{id}" (optional), "*" kept.
std::string openapi_path(std::string_view express_path, std::vector<std::string>& params,
                         std::vector<std::string>& optional_params);

// True when a middleware's text (identifier, member or call) names authentication or authorisation:
// requireAuth, passport.authenticate('jwt'), checkJwt, verifyToken, ensureLoggedIn, requireRole('admin')...
bool is_auth_middleware_name(std::string_view text);

}  // namespace smeltsec::analyze::code::js
