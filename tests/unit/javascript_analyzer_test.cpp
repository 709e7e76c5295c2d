// JavaScript/TypeScript analysis: Express routes (mounts across modules, chains, settings lookups that are not
// routes), handler parameters and types, exported functions, auth middleware, effects, and robustness.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "analyze/code/javascript.h"
#include "analyze/code/javascript_effects.h"
#include "analyze/code/javascript_express.h"
#include "analyze/code/javascript_jsdoc.h"
#include "analyze/code/javascript_program.h"
#include "analyze/code/syntax.h"
#include "test_support.h"

using smeltsec::analyze::code::analyze_javascript;
using smeltsec::analyze::code::Candidate;
using smeltsec::analyze::code::CodeAnalysis;
using smeltsec::analyze::code::language_for_path;
using smeltsec::analyze::code::Param;
using smeltsec::analyze::code::SourceFile;
namespace js = smeltsec::analyze::code::js;

namespace {

struct JsFile {
  std::string path;
  std::string text;
};

CodeAnalysis analyze_files(const std::vector<JsFile>& files) {
  std::vector<SourceFile> sources;
  for (const JsFile& f : files) sources.push_back({f.path, f.text, language_for_path(f.path)});
  CodeAnalysis out;
  analyze_javascript(sources, out);
  return out;
}

CodeAnalysis analyze_one(const std::string& text, const std::string& path = "app.js") {
  return analyze_files({{path, text}});
}

// "GET /users/{id}" for every kept route, in output order.
std::vector<std::string> routes_of(const CodeAnalysis& a) {
  std::vector<std::string> out;
  for (const Candidate& c : a.candidates) {
    if (c.kind == "route" && !c.internal && !c.deprecated) out.push_back(c.method + " " + c.path);
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const Candidate* find_candidate(const CodeAnalysis& a, const std::string& key) {
  for (const Candidate& c : a.candidates) {
    if ((c.kind == "route" ? c.method + " " + c.path : c.name) == key) return &c;
  }
  return nullptr;
}

const Param* find_param(const Candidate& c, const std::string& in, const std::string& name) {
  for (const Param& p : c.params) {
    if (p.in == in && p.name == name) return &p;
  }
  return nullptr;
}

// "name" for kept functions, "name: reason" for filtered ones.
std::vector<std::string> functions_of(const CodeAnalysis& a) {
  std::vector<std::string> out;
  for (const Candidate& c : a.candidates) {
    if (c.kind != "function") continue;
    if (c.deprecated) {
      out.push_back(c.name + ": deprecated");
    } else if (c.internal) {
      out.push_back(c.name + ": " + c.internal_reason);
    } else {
      out.push_back(c.name);
    }
  }
  return out;
}

bool has_note(const CodeAnalysis& a, const std::string& part) {
  return std::any_of(a.notes.begin(), a.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

std::vector<std::string> effects_of(const Candidate& c) {
  std::vector<std::string> out;
  for (const auto& e : c.effects) out.push_back(e.kind + " " + e.detail);
  return out;
}

}  // namespace

TEST_CASE("javascript: Express routes from one file") {
  struct Case {
    const char* title;
    std::string code;
    std::vector<std::string> routes;
  };
  const std::string head = "const express = require('express');\nconst app = express();\n";
  const Case cases[] = {
      {"every method shortcut",
       head + "app.get('/a', h); app.post('/a', h); app.put('/a/:id', h); app.delete('/a/:id', h);\n"
              "app.patch('/a/:id', h); app.options('/a', h); app.head('/a', h);\n",
       {"GET /a", "POST /a", "PUT /a/{id}", "DELETE /a/{id}", "PATCH /a/{id}", "OPTIONS /a", "HEAD /a"}},
      {"settings lookups, settings and middleware are not routes",
       head +
           "app.set('port', 3000);\napp.get('port');\nconst env = app.get('env');\napp.enable('trust proxy');\n"
           "app.use(express.json());\napp.use((req, res, next) => next());\napp.use('/static', express.static('p'));\n"
           "app.listen(app.get('port'));\n",
       {}},
      {"HTTP clients and caches with route-like calls are not routes",
       head + "const axios = require('axios');\nasync function f() { await axios.get('/api/users', { params: {} }); }\n"
              "cache.get('/key', fallback);\n$.get('/api/items', function (data) {});\n",
       {}},
      {"Router() destructured from require",
       "const { Router } = require('express');\nconst r = Router();\nr.get('/x', h);\nmodule.exports = r;\n",
       {"GET /x"}},
      {"require('express').Router() in one expression",
       "const router = require('express').Router();\nrouter.post('/y', h);\n",
       {"POST /y"}},
      {"ES module imports: default and named",
       "import express, { Router } from 'express';\nconst app = express();\nconst r = Router();\n"
       "app.use('/r', r);\nr.get('/', h);\napp.get('/top', h);\n",
       {"GET /r", "GET /top"}},
      {"namespace import of express",
       "import * as express from 'express';\nconst app = express();\napp.get('/ns', h);\n",
       {"GET /ns"}},
      {"route() chains on the app",
       head + "app.route('/book').get(a).post(b).put(c);\n",
       {"GET /book", "POST /book", "PUT /book"}},
      {"arrays of paths", head + "app.get(['/one', '/two'], h);\n", {"GET /one", "GET /two"}},
      {"constant paths: consts, templates, concatenation, object members",
       head + "const BASE = '/api';\nconst ROUTES = { users: '/users' };\napp.get(`${BASE}/items`, h);\n"
              "app.get(BASE + '/things', h);\napp.get(ROUTES.users, h);\n",
       {"GET /api/items", "GET /api/things", "GET /users"}},
      {"parameters: optional, constrained, wildcard",
       head + "app.get('/a/:id?', h);\napp.get('/b/:id(\\\\d+)/c', h);\napp.get('/files/*', h);\n",
       {"GET /a/{id}", "GET /b/{id}/c", "GET /files/*"}},
      {"app.all is one ALL candidate; a catch-all 404 is not a route",
       head + "app.all('/legacy', h);\napp.all('*', (req, res) => res.status(404).end());\n",
       {"ALL /legacy"}},
      {"app.use(...) returns the app: chained registrations",
       head + "app.use(express.json()).get('/chained', h);\n",
       {"GET /chained"}},
      {"a router created and given its route in one expression, mounted",
       head + "app.use('/h', express.Router().get('/health', h));\n",
       {"GET /h/health"}},
      {"an app mounted in an app",
       head + "const admin = express();\nadmin.get('/stats', h);\napp.use('/admin', admin);\n",
       {"GET /admin/stats"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.title);
    const CodeAnalysis a = analyze_one(c.code);
    CHECK(sorted(routes_of(a)) == sorted(c.routes));
  }
}

TEST_CASE("javascript: Express notes for what cannot be listed") {
  const std::string head = "const express = require('express');\nconst app = express();\n";
  CodeAnalysis a = analyze_one(head + "app.get(/.*fly$/, h);\napp.get(pathFromConfig(), h);\n");
  CHECK(routes_of(a).empty());
  CHECK(has_note(a, "app.js:3: route with a regular-expression path skipped"));
  CHECK(has_note(a, "app.js:4: route path is not a constant"));

  a = analyze_one(head + "app.get('/a/:id?', h);\n");
  CHECK(has_note(a, "optional path parameter(s) id kept in /a/{id}"));
  const Candidate* r = find_candidate(a, "GET /a/{id}");
  REQUIRE(r != nullptr);
  REQUIRE(find_param(*r, "path", "id") != nullptr);
  CHECK_FALSE(find_param(*r, "path", "id")->required);

  // A router nobody mounts: listed under its own paths, with a note.
  a = analyze_files({{"routes/users.js",
                      "const router = require('express').Router();\nrouter.get('/', h);\n"
                      "module.exports = router;\n"}});
  CHECK(routes_of(a) == std::vector<std::string>{"GET /"});
  CHECK(has_note(a, "routes/users.js:1: router is not mounted"));

  // An object named like an app that cannot be followed (a path alias import) still registers routes.
  a = analyze_files(
      {{"src/server.ts", "import { app } from '#app/setup';\napp.get('/ping', (req, res) => res.send('pong'));\n"}});
  CHECK(routes_of(a) == std::vector<std::string>{"GET /ping"});
  CHECK(has_note(a, "`app` could not be followed"));
}

TEST_CASE("javascript: mounts across modules") {
  struct Case {
    const char* title;
    std::vector<JsFile> files;
    std::vector<std::string> routes;
  };
  const std::string router_cjs =
      "const router = require('express').Router();\nrouter.get('/', h);\nrouter.get('/:id', h);\n";
  const Case cases[] = {
      {"require without extension, module.exports = router",
       {{"app.js", "const app = require('express')();\napp.use('/users', require('./routes/users'));\n"},
        {"routes/users.js", router_cjs + "module.exports = router;\n"}},
       {"GET /users", "GET /users/{id}"}},
      {"require of a folder (index.js), nested mounts three levels deep",
       {{"app.js",
         "const express = require('express');\nconst app = express();\nconst api = require('./api');\n"
         "app.use('/api', api);\n"},
        {"api/index.js",
         "const { Router } = require('express');\nconst v1 = require('./v1.js');\n"
         "const r = Router();\nr.use('/v1', v1);\nmodule.exports = r;\n"},
        {"api/v1.js",
         "const r = require('express').Router();\nconst users = require('./users');\n"
         "r.use('/users', users);\nmodule.exports = r;\n"},
        {"api/users.js", router_cjs + "module.exports = router;\n"}},
       {"GET /api/v1/users", "GET /api/v1/users/{id}"}},
      {"exports.x = router, destructured require",
       {{"app.js",
         "const app = require('express')();\nconst { orders } = require('./orders');\napp.use('/orders', orders);\n"},
        {"orders.js", router_cjs + "exports.orders = router;\n"}},
       {"GET /orders", "GET /orders/{id}"}},
      {"export default router, import default",
       {{"app.mjs",
         "import express from 'express';\nimport users from './users.mjs';\nconst app = express();\n"
         "app.use('/u', users);\n"},
        {"users.mjs",
         "import { Router } from 'express';\nconst router = Router();\nrouter.get('/me', h);\n"
         "export default router;\n"}},
       {"GET /u/me"}},
      {"export const router, import { router }, TypeScript file imported as .js",
       {{"src/app.ts",
         "import express from 'express';\nimport { router } from './users.js';\nconst app = express();\n"
         "app.use('/users', router);\n"},
        {"src/users.ts",
         "import { Router } from 'express';\nexport const router = Router();\nrouter.delete('/:id', h);\n"}},
       {"DELETE /users/{id}"}},
      {"import * as m; m.router",
       {{"app.js",
         "import express from 'express';\nimport * as m from './m';\nconst app = express();\n"
         "app.use('/m', m.router);\n"},
        {"m.js", "import express from 'express';\nexport const router = express.Router();\nrouter.get('/x', h);\n"}},
       {"GET /m/x"}},
      {"re-export through an index: export { default as users } from './users'",
       {{"app.js",
         "import express from 'express';\nimport { users } from './routes';\nconst app = express();\n"
         "app.use('/users', users);\n"},
        {"routes/index.js", "export { default as users } from './users';\n"},
        {"routes/users.js",
         "import { Router } from 'express';\nconst r = Router();\nr.get('/', h);\nexport default r;\n"}},
       {"GET /users"}},
      {"one router mounted under two prefixes",
       {{"app.js",
         "const express = require('express');\nconst app = express();\nconst r = require('./r');\n"
         "app.use('/v1', r);\napp.use('/v2', r);\n"},
        {"r.js", "const r = require('express').Router();\nr.get('/ping', h);\nmodule.exports = r;\n"}},
       {"GET /v1/ping", "GET /v2/ping"}},
      {"route modules that receive the app: require('./routes')(app)",
       {{"server.js",
         "const express = require('express');\nconst app = express();\nrequire('./routes')(app);\n"
         "const billing = require('./billing');\nbilling(app);\n"},
        {"routes.js", "module.exports = (app) => {\n  app.get('/accounts', h);\n};\n"},
        {"billing.js",
         "const express = require('express');\nmodule.exports = function (server) {\n"
         "  const r = express.Router();\n  r.get('/invoices', h);\n  server.use('/billing', r);\n};\n"}},
       {"GET /accounts", "GET /billing/invoices"}},
      {"a parameter typed as a router, never given one the analysis can follow",
       {{"routes.ts",
         "import { Router } from 'express';\nexport function mountUsers(r: Router) {\n  r.get('/users', h);\n}\n"
         "export function helper(x: Thing) {\n  x.get('/not-a-route', h);\n}\n"}},
       {"GET /users"}},
      {"a factory function that builds and returns a router",
       {{"app.js",
         "const express = require('express');\nconst makeRouter = require('./make');\nconst app = express();\n"
         "app.use('/made', makeRouter({ db }));\n"},
        {"make.js",
         "const { Router } = require('express');\nmodule.exports = function makeRouter(deps) {\n"
         "  const router = Router();\n  router.get('/x', h);\n  return router;\n};\n"}},
       {"GET /made/x"}},
      {"class-based routers: this.router and new X().router",
       {{"server.ts",
         "import express from 'express';\nimport { ItemRoute } from './item.route';\nconst app = express();\n"
         "app.use('/api', new ItemRoute().router);\n"},
        {"item.route.ts",
         "import { Router } from 'express';\nexport class ItemRoute {\n  public path = '/items';\n"
         "  public router = Router();\n  constructor() {\n    this.router.get(`${this.path}/:id`, this.get);\n"
         "  }\n  private get = (req, res) => res.json({});\n}\n"}},
       {"GET /api/items/{id}"}},
      {"path aliases: @/ and ~/ to src/, @name/ to the one folder of that name",
       {{"src/server.ts",
         "import express from 'express';\nimport users from '@/routes/users';\n"
         "import items from '@routes/items';\nimport tags from '#routes/tags';\nconst app = express();\n"
         "app.use('/users', users);\napp.use('/items', items);\napp.use('/tags', tags);\n"},
        {"src/routes/users.ts",
         "import { Router } from 'express';\nconst r = Router();\nr.get('/', h);\nexport default r;\n"},
        {"src/routes/items.ts",
         "import { Router } from 'express';\nconst r = Router();\nr.get('/', h);\nexport default r;\n"},
        {"src/routes/tags.ts",
         "import { Router } from 'express';\nconst r = Router();\nr.get('/', h);\nexport default r;\n"}},
       {"GET /users", "GET /items", "GET /tags"}},
      {"mounts in loops over literal arrays: forEach callbacks and for..of",
       {{"app.js",
         "const express = require('express');\nconst app = express();\nconst api = express.Router();\n"
         "const routes = [{ path: '/a', route: require('./a') }, { path: '/b', route: require('./b') }];\n"
         "routes.forEach((r) => {\n  api.use(r.path, r.route);\n});\n"
         "for (const name of ['/x', '/y']) app.get(name, h);\napp.use('/api', api);\n"},
        {"a.js", "const r = require('express').Router();\nr.get('/one', h);\nmodule.exports = r;\n"},
        {"b.js", "const r = require('express').Router();\nr.get('/two', h);\nmodule.exports = r;\n"}},
       {"GET /api/a/one", "GET /api/b/two", "GET /x", "GET /y"}},
      {"registrations in functions the program calls: once per call, parameters as its arguments",
       {{"app.js",
         "const express = require('express');\nconst app = express();\n"
         "function crud(router, path, Model) {\n"
         "  router.get(path, async (req, res) => res.json(await Model.find()));\n"
         "  router.delete(`${path}/:id`, async (req, res) => Model.deleteOne({ _id: req.params.id }));\n"
         "}\nfunction mount(prefix, r) {\n  app.use(prefix, r);\n}\n"
         "const api = express.Router();\ncrud(api, '/users', User);\ncrud(api, '/posts', Post);\n"
         "mount('/api', api);\n"}},
       {"GET /api/users", "DELETE /api/users/{id}", "GET /api/posts", "DELETE /api/posts/{id}"}},
      {"requires in a cycle terminate",
       {{"a.js",
         "const express = require('express');\nconst b = require('./b');\nconst app = express();\n"
         "app.use('/b', b);\nmodule.exports = app;\n"},
        {"b.js",
         "const a = require('./a');\nconst r = require('express').Router();\nr.get('/x', h);\n"
         "r.use('/again', r);\nmodule.exports = r;\n"}},
       {"GET /b/x"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.title);
    const CodeAnalysis a = analyze_files(c.files);
    CHECK(sorted(routes_of(a)) == sorted(c.routes));
  }
}

TEST_CASE("javascript: handler names") {
  const CodeAnalysis a = analyze_files(
      {{"app.js",
        "const express = require('express');\nconst users = require('./users');\nconst app = express();\n"
        "function listThings(req, res) {}\nconst getThing = (req, res) => {};\n"
        "const asyncHandler = (fn) => (req, res, next) => fn(req, res).catch(next);\n"
        "app.get('/named', listThings);\napp.get('/const', getThing);\napp.get('/inline', (req, res) => {});\n"
        "app.get('/member', users.list);\napp.get('/wrapped', asyncHandler(getThing));\n"
        "app.get('/bound', users.list.bind(users));\napp.get('/fn-expr', function showThing(req, res) {});\n"},
       {"users.js", "exports.list = (req, res) => res.json([]);\n"}});
  const std::pair<const char*, const char*> expected[] = {{"GET /named", "listThings"}, {"GET /const", "getThing"},
                                                          {"GET /inline", ""},          {"GET /member", "users.list"},
                                                          {"GET /wrapped", "getThing"}, {"GET /bound", "users.list"},
                                                          {"GET /fn-expr", "showThing"}};
  for (const auto& e : expected) {
    CAPTURE(e.first);
    const Candidate* c = find_candidate(a, e.first);
    REQUIRE(c != nullptr);
    CHECK(c->name == e.second);
  }
  CHECK(find_candidate(a, "GET /named")->line == 7);  // the registration line

  // export const create = catchAsync(async (req, res) => ...): the wrapped function is what gets analysed
  const CodeAnalysis b =
      analyze_files({{"routes.js",
                      "const router = require('express').Router();\nconst ctrl = require('./ctrl');\n"
                      "router.post('/things', ctrl.create);\nmodule.exports = router;\n"},
                     {"ctrl.js",
                      "const catchAsync = (fn) => (req, res, next) => fn(req, res, next).catch(next);\n"
                      "exports.create = catchAsync(async (req, res) => {\n  const { title } = req.body;\n"
                      "  await Thing.create({ title });\n});\n"}});
  const Candidate* c = find_candidate(b, "POST /things");
  REQUIRE(c != nullptr);
  CHECK(c->name == "ctrl.create");
  CHECK(find_param(*c, "body", "title") != nullptr);
  CHECK(effects_of(*c) == std::vector<std::string>{"db_write Thing.create({ title })"});
}

TEST_CASE("javascript: what handlers read from the request") {
  const CodeAnalysis a = analyze_one(
      "const app = require('express')();\n"
      "app.get('/search/:kind', (req, res) => {\n"
      "  const { q, page = 1 } = req.query;\n"
      "  const sort = req.query.sort;\n"
      "  const key = req.get('X-Api-Key');\n"
      "  const trace = req.headers['x-trace-id'];\n"
      "  const session = req.cookies.session;\n"
      "  res.json({ kind: req.params.kind });\n"
      "});\n"
      "app.post('/items', ({ body: { name }, query }, res) => {\n"
      "  const data = req.body;\n"
      "  res.json({ name, dry: query.dryRun });\n"
      "});\n"
      "app.put('/items/:id', (request, res) => {\n"
      "  const b = request.body;\n"
      "  update(b.title, b['price']);\n"
      "});\n");
  const Candidate* search = find_candidate(a, "GET /search/{kind}");
  REQUIRE(search != nullptr);
  std::vector<std::string> got;
  for (const Param& p : search->params)
    got.push_back(p.in + ":" + p.name + (p.required ? "!" : "") + "=" + p.default_text);
  CHECK(got == std::vector<std::string>{"path:kind!=", "query:q=", "query:page=1",
                                        "query:sort=", "header:x-api-key=", "header:x-trace-id=", "cookie:session="});
  CHECK(find_param(*search, "query", "q")->schema_json == R"({"type":"string"})");

  const Candidate* post = find_candidate(a, "POST /items");
  REQUIRE(post != nullptr);
  CHECK(find_param(*post, "body", "name") != nullptr);
  CHECK(find_param(*post, "query", "dryRun") != nullptr);
  CHECK(find_param(*post, "body", "name")->schema_json.empty());  // untyped body fields accept any value

  const Candidate* put = find_candidate(a, "PUT /items/{id}");
  REQUIRE(put != nullptr);
  CHECK(find_param(*put, "body", "title") != nullptr);
  CHECK(find_param(*put, "body", "price") != nullptr);
}

TEST_CASE("javascript: TypeScript types of handlers become JSON Schema") {
  const CodeAnalysis a = analyze_files(
      {{"src/types.ts",
        "export interface Address { city: string; zip?: string }\n"
        "export type Role = 'admin' | 'member';\n"
        "export enum Level { Low = 1, High }\n"
        "/** A user to create. */\n"
        "export interface CreateUser {\n"
        "  /** Shown to others. */\n"
        "  name: string;\n"
        "  age?: number;\n"
        "  role: Role;\n"
        "  tags: string[];\n"
        "  aliases: Array<string>;\n"
        "  address: Address | null;\n"
        "  level: Level;\n"
        "  born: Date;\n"
        "  scores: Record<string, number>;\n"
        "  pair: [string, number];\n"
        "  nickname: string | undefined;\n"
        "  extra: any;\n"
        "}\n"
        "export interface TreeNode { label: string; children: TreeNode[] }\n"
        "export type Ping = { pong: Pong };\nexport type Pong = Ping | null;\n"},
       {"src/app.ts",
        "import express, { Request, Response } from 'express';\n"
        "import { CreateUser, TreeNode } from './types';\n"
        "const app = express();\n"
        "app.post('/users/:id', (req: Request<{ id: string }, unknown, CreateUser, { page?: number; q: string }>, res: "
        "Response) => {});\n"
        "app.post('/partial', (req: Request<{}, {}, Partial<Pick<CreateUser, 'name' | 'age'>>>, res) => {});\n"
        "app.post('/omit', (req: Request<{}, {}, Omit<CreateUser, 'extra' | 'pair' | 'scores' | 'born' | 'level' | "
        "'address' | 'aliases' | 'tags' | 'role' | 'nickname'>>, res) => {});\n"
        "app.post('/tree', (req: Request<{}, {}, TreeNode>, res) => {});\n"
        "app.post('/as', (req, res) => { const body = req.body as { flag: boolean }; });\n"
        "app.post('/cycle', (req: Request<{}, {}, Ping>, res) => {});\n"}});
  const Candidate* c = find_candidate(a, "POST /users/{id}");
  REQUIRE(c != nullptr);
  auto schema = [&](const Candidate& cand, const char* in, const char* name) {
    const Param* p = find_param(cand, in, name);
    return p == nullptr ? std::string("<missing>") : p->schema_json;
  };
  CHECK(schema(*c, "path", "id") == R"({"type":"string"})");
  CHECK(schema(*c, "query", "page") == R"({"type":"number"})");
  CHECK_FALSE(find_param(*c, "query", "page")->required);
  CHECK(find_param(*c, "query", "q")->required);
  REQUIRE(find_param(*c, "body", "name") != nullptr);
  CHECK(schema(*c, "body", "name") == R"({"type":"string"})");
  CHECK(find_param(*c, "body", "name")->description == "Shown to others.");
  CHECK(find_param(*c, "body", "name")->required);
  CHECK_FALSE(find_param(*c, "body", "age")->required);
  CHECK(schema(*c, "body", "role") == R"({"type":"string","enum":["admin","member"]})");
  CHECK(schema(*c, "body", "tags") == R"({"type":"array","items":{"type":"string"}})");
  CHECK(schema(*c, "body", "aliases") == R"({"type":"array","items":{"type":"string"}})");
  CHECK(schema(*c, "body", "address") ==
        R"({"anyOf":[{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},)"
        R"("required":["city"],"additionalProperties":false},{"type":"null"}]})");
  CHECK(schema(*c, "body", "level") == R"({"type":"number","enum":[1,2]})");
  CHECK(schema(*c, "body", "born") == R"({"type":"string","description":"Format: date-time."})");
  CHECK(schema(*c, "body", "scores") == R"({"type":"object","additionalProperties":{"type":"number"}})");
  CHECK(schema(*c, "body", "pair") ==
        R"({"type":"array","prefixItems":[{"type":"string"},{"type":"number"}],"minItems":2,"items":false})");
  CHECK_FALSE(find_param(*c, "body", "nickname")->required);
  CHECK(schema(*c, "body", "extra").empty());
  CHECK(find_param(*c, "body", "name")->type_text == "string");

  const Candidate* partial = find_candidate(a, "POST /partial");
  REQUIRE(partial != nullptr);
  CHECK(partial->params.size() == 2);
  REQUIRE(find_param(*partial, "body", "name") != nullptr);
  CHECK_FALSE(find_param(*partial, "body", "name")->required);
  const Candidate* omit = find_candidate(a, "POST /omit");
  REQUIRE(omit != nullptr);
  CHECK(omit->params.size() == 2);  // name, age

  // A recursive interface is inlined to a bound, not forever.
  const Candidate* tree = find_candidate(a, "POST /tree");
  REQUIRE(tree != nullptr);
  const std::string children = schema(*tree, "body", "children");
  CHECK(children.find(R"("type":"array")") != std::string::npos);
  CHECK(children.size() < 2000);

  const Candidate* cycle = find_candidate(a, "POST /cycle");
  REQUIRE(cycle != nullptr);
  CHECK(schema(*cycle, "body", "pong").size() < 2000);

  const Candidate* as = find_candidate(a, "POST /as");
  REQUIRE(as != nullptr);
  CHECK(schema(*as, "body", "flag") == R"({"type":"boolean"})");
}

TEST_CASE("javascript: JSDoc on routes and handlers") {
  const CodeAnalysis a = analyze_one(
      "const app = require('express')();\n"
      "/**\n * Lists widgets.\n *\n * Newest first.\n * @param {number} limit - How many.\n */\n"
      "app.get('/widgets', (req, res) => res.json(req.query.limit));\n"
      "/** @deprecated Use /widgets. */\n"
      "app.get('/old-widgets', h);\n"
      "/** @internal */\n"
      "app.get('/debug', h);\n"
      "/**\n * Creates a widget.\n * @param {string} req.body.name - Its name.\n */\n"
      "function createWidget(req, res) { res.json(req.body.name); }\n"
      "app.post('/widgets', createWidget);\n");
  const Candidate* list = find_candidate(a, "GET /widgets");
  REQUIRE(list != nullptr);
  CHECK(list->doc == "Lists widgets.\n\nNewest first.");
  REQUIRE(find_param(*list, "query", "limit") != nullptr);
  CHECK(find_param(*list, "query", "limit")->description == "How many.");
  CHECK(find_param(*list, "query", "limit")->schema_json == R"({"type":"number"})");
  CHECK(find_candidate(a, "GET /old-widgets")->deprecated);
  CHECK(find_candidate(a, "GET /debug")->internal_reason == "@internal");
  const Candidate* create = find_candidate(a, "POST /widgets");
  REQUIRE(create != nullptr);
  CHECK(create->doc == "Creates a widget.");
  CHECK(find_param(*create, "body", "name")->description == "Its name.");
  CHECK(routes_of(a) == std::vector<std::string>{"GET /widgets", "POST /widgets"});
}

TEST_CASE("javascript: parse_jsdoc") {
  const js::JsDoc d = js::parse_jsdoc(
      "/**\n"
      " * Sums {@link Numbers|numbers}.\n"
      " * @param {number[]} values - The numbers.\n"
      " * @param {string} [unit='m'] Unit\n"
      " *   of the result.\n"
      " * @param {?Object=} options\n"
      " * @returns {Promise<number>} The sum.\n"
      " * @deprecated\n"
      " * @access private\n"
      " */");
  CHECK(d.present);
  CHECK(d.description == "Sums numbers.");
  REQUIRE(d.params.size() == 3);
  CHECK(d.params[0].name == "values");
  CHECK(d.params[0].type == "number[]");
  CHECK(d.params[0].description == "The numbers.");
  CHECK(d.params[1].optional);
  CHECK(d.params[1].default_text == "'m'");
  CHECK(d.params[1].description == "Unit\n  of the result.");
  CHECK(d.params[2].optional);
  CHECK(d.params[2].type == "?Object");
  CHECK(d.returns_type == "Promise<number>");
  CHECK(d.deprecated);
  CHECK(d.internal_tag == "@private");
  CHECK_FALSE(js::parse_jsdoc("/* plain */").present);
  CHECK_FALSE(js::parse_jsdoc("// line").present);
  CHECK_FALSE(js::parse_jsdoc("/*******/").present);
}

TEST_CASE("javascript: exported functions") {
  const CodeAnalysis a = analyze_files(
      {{"lib/esm.js",
        "/**\n * Adds.\n * @param {number} a\n * @param {number} [b=2]\n * @returns {number}\n */\n"
        "export function add(a, b = 2) { return helper(a) + b; }\n"
        "export const twice = (x) => x * 2;\n"
        "export default function (input) { return input; }\n"
        "/** @deprecated */\nexport function old() {}\n"
        "/** @internal */\nexport function debug() {}\n"
        "export function _hidden() {}\n"
        "function helper(x) { return x; }\n"
        "export class Store {\n  get(key) {}\n  static open(path) {}\n  _flush() {}\n  #secret() {}\n"
        "  get size() { return 0; }\n  constructor() {}\n}\n"},
       {"lib/cjs.js",
        "const fs = require('fs');\nfunction read(p) { return fs.readFileSync(p); }\nfunction write(p, d) {}\n"
        "module.exports = { read, write, remove: (p) => fs.unlinkSync(p) };\n"},
       {"lib/exports.js", "exports.run = function (cmd) {};\nmodule.exports.stop = function stop() {};\n"},
       {"lib/typed.ts",
        "export interface Opts { verbose?: boolean }\n"
        "export async function fetchIt(url: string, retries?: number, opts: Opts = {}): Promise<{ ok: boolean }> {\n"
        "  return { ok: true };\n}\n"
        "export class Svc {\n  public go(id: number): void {}\n  private no(): void {}\n  protected nope(): void "
        "{}\n}\n"},
       {"scripts/once.js", "function main() {}\nmain();\n"},
       {"lib/handlers.js",
        "export function list(req, res) {}\nexport function onError(err, req, res, next) {}\n"
        "export const guard = (role) => (req, res, next) => next();\n"
        "export function register(app) { app.get('/x', list); }\n"},
       {"lib/Widget.jsx", "export function Widget({ title }) { return <h1>{title}</h1>; }\n"}});
  CHECK(functions_of(a) == std::vector<std::string>{"Widget: UI component (returns JSX)",  // Widget.jsx
                                                    "read",
                                                    "write",
                                                    "remove",  // cjs.js
                                                    "add",
                                                    "twice",
                                                    "esm",
                                                    "old: deprecated",
                                                    "debug: @internal",  // esm.js
                                                    "_hidden: _private name",
                                                    "helper: not exported",
                                                    "Store.get",
                                                    "Store.open",
                                                    "Store._flush: _private name",
                                                    "Store.#secret: #private",
                                                    "run",
                                                    "stop",  // exports.js
                                                    "fetchIt",
                                                    "Svc.go",
                                                    "Svc.no: private method",
                                                    "Svc.nope: protected method"});
  const Candidate* add = find_candidate(a, "add");
  REQUIRE(add != nullptr);
  REQUIRE(add->params.size() == 2);
  CHECK(add->params[0].schema_json == R"({"type":"number"})");
  CHECK(add->params[0].required);
  CHECK_FALSE(add->params[1].required);
  CHECK(add->params[1].default_text == "2");
  CHECK(add->return_type_text == "number");
  CHECK(add->doc == "Adds.");
  CHECK(add->line == 7);
  CHECK(add->params[0].in == "argument");

  const Candidate* fetch_it = find_candidate(a, "fetchIt");
  REQUIRE(fetch_it != nullptr);
  CHECK(fetch_it->params[0].type_text == "string");
  CHECK_FALSE(fetch_it->params[1].required);
  CHECK_FALSE(fetch_it->params[2].required);
  CHECK(fetch_it->params[2].schema_json ==
        R"({"type":"object","properties":{"verbose":{"type":"boolean"}},"additionalProperties":false})");
  CHECK(fetch_it->return_type_text == "Promise<{ ok: boolean }>");
  CHECK(fetch_it->returns_schema_json ==
        R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false})");

  CHECK(effects_of(*find_candidate(a, "remove")) == std::vector<std::string>{"delete fs.unlinkSync(p)"});
  CHECK(effects_of(*find_candidate(a, "read")) == std::vector<std::string>{"file_read fs.readFileSync(p)"});
}

TEST_CASE("javascript: auth middleware names") {
  const std::pair<const char*, bool> cases[] = {
      {"requireAuth", true},
      {"authenticate", true},
      {"isAuthenticated", true},
      {"ensureLoggedIn()", true},
      {"passport.authenticate('jwt', { session: false })", true},
      {"verifyToken", true},
      {"jwt({ secret })", true},
      {"checkJwt", true},
      {"expressjwt({ secret: s })", true},
      {"auth()", true},
      {"requireRole('admin')", true},
      {"authController.protect", true},
      {"restrictTo('admin')", true},
      {"isAdmin", true},
      {"validateApiKey", true},
      {"authorize('write')", true},
      {"oauth2.check", true},
      {"auth.required", true},
      {"auth.optional", false},
      {"optionalAuth", false},
      {"express.json()", false},
      {"cors()", false},
      {"rateLimit({ max: 5 })", false},
      {"validate(schema)", false},
      {"upload.single('file')", false},
      {"authorRouter", false},
      {"getAuthors", false},
      {"csrfToken", false},
      {"passport.initialize()", false},
      {"morgan('dev')", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    CHECK(js::is_auth_middleware_name(c.first) == c.second);
  }
}

TEST_CASE("javascript: auth from middleware, where it is registered") {
  const CodeAnalysis a = analyze_files(
      {{"app.js",
        "const express = require('express');\nconst { requireAuth, requireAdmin } = require('./auth');\n"
        "const admin = require('./admin');\nconst app = express();\n"
        "app.get('/open', h);\n"
        "app.get('/me', requireAuth, h);\n"
        "app.use('/admin', requireAuth, admin);\n"
        "app.use('/staff', requireAdmin);\n"
        "app.get('/staff/list', h);\n"
        "app.get('/public', h);\n"
        "app.use(passport.authenticate('jwt'));\n"
        "app.get('/after', h);\n"},
       {"admin.js",
        "const r = require('express').Router();\nr.get('/before', h);\nr.use(checkJwt);\nr.get('/after', h);\n"
        "module.exports = r;\n"}});
  const std::pair<const char*, const char*> expected[] = {
      {"GET /open", ""},
      {"GET /me", "requireAuth middleware"},
      {"GET /admin/before", "requireAuth middleware"},
      {"GET /admin/after", "requireAuth middleware; checkJwt middleware"},
      {"GET /staff/list", "requireAdmin middleware"},
      {"GET /public", ""},
      {"GET /after", "passport.authenticate('jwt') middleware"},
  };
  for (const auto& e : expected) {
    CAPTURE(e.first);
    const Candidate* c = find_candidate(a, e.first);
    REQUIRE(c != nullptr);
    CHECK(c->auth == (std::string(e.second) != ""));
    CHECK(c->auth_detail == e.second);
  }

  // app.all('*', requireAuth): middleware for what follows, not a route
  const CodeAnalysis b = analyze_one(
      "const app = require('express')();\napp.get('/before', h);\n"
      "app.all('*', requireAuth);\napp.get('/after', h);\n");
  CHECK(routes_of(b) == std::vector<std::string>{"GET /before", "GET /after"});
  CHECK_FALSE(find_candidate(b, "GET /before")->auth);
  CHECK(find_candidate(b, "GET /after")->auth);
}

TEST_CASE("javascript: effect kinds of calls") {
  struct Case {
    js::CallFacts call;
    const char* kind;
  };
  auto member = [](std::string object, std::string method, std::string package = {}, std::string path = {}) {
    js::CallFacts f;
    f.object = object;
    f.object_root = object.substr(0, object.find_first_of(".("));
    f.method = method;
    f.package = package;
    f.package_path = path.empty() ? (package.empty() ? "" : package + "." + method) : path;
    return f;
  };
  auto plain = [](std::string name, std::string package = {}, std::string sql = {}) {
    js::CallFacts f;
    f.plain = true;
    f.method = name;
    f.package = package;
    f.package_path = package;
    f.sql = sql;
    return f;
  };
  auto with_sql = [](js::CallFacts f, std::string sql) {
    f.sql = std::move(sql);
    return f;
  };
  auto with_fn_arg = [](js::CallFacts f) {
    f.first_arg_function = true;
    return f;
  };
  const Case cases[] = {
      {member("user", "save"), "db_write"},
      {member("User", "create"), "db_write"},
      {member("db.collection('u')", "insertOne"), "db_write"},
      {member("User", "findByIdAndUpdate"), "db_write"},
      {member("prisma.user", "upsert", "@prisma/client", "@prisma/client.PrismaClient().user.upsert"), "db_write"},
      {member("knex('users')", "insert"), "db_write"},
      {member("repo", "updateProfile"), "db_write"},
      {member("userService", "createUser"), "db_write"},
      {member("document", "createElement"), ""},
      {member("factory", "createServer"), ""},
      {member("User", "find"), "db_read"},
      {member("User", "findOne"), "db_read"},
      {member("prisma.post", "findMany"), "db_read"},
      {member("knex('users')", "select"), "db_read"},
      {member("User", "destroy"), "delete"},
      {member("doc", "remove"), "delete"},
      {member("knex('users').where({ id })", "del"), "delete"},
      {member("db", "query"), ""},
      {with_sql(member("db", "query"), "SELECT * FROM t"), "db_read"},
      {with_sql(member("pool", "execute"), "  insert into t values (1)"), "db_write"},
      {with_sql(member("db", "run"), "DELETE FROM t"), "delete"},
      {plain("sql", "", "UPDATE t SET a = 1"), "db_write"},
      {member("fs", "writeFile", "fs"), "file_write"},
      {member("fs", "appendFileSync", "fs"), "file_write"},
      {member("fs", "createWriteStream", "fs"), "file_write"},
      {member("fs", "readFile", "fs/promises"), "file_read"},
      {member("fs", "createReadStream"), "file_read"},
      {member("fs", "unlink", "fs"), "delete"},
      {member("fse", "rm"), "delete"},
      {member("child_process", "spawn", "child_process"), "subprocess"},
      {member("cp", "execFile"), "subprocess"},
      {plain("execa", "execa"), "subprocess"},
      {plain("fetch", "fetch"), "network"},
      {member("response", "json", "fetch", "fetch().json"), ""},
      {member("axios", "post", "axios"), "network"},
      {member("api", "get", "axios", "axios.create().get"), "network"},
      {member("axios", "create", "axios"), ""},
      {plain("got", "got"), "network"},
      {member("https", "request", "https"), "network"},
      {member("http", "createServer", "http"), ""},
      {with_fn_arg(member("users", "find")), ""},  // Array.prototype.find
      {member("list", "findIndex"), ""},
      {member("hash", "update", "crypto", "crypto.createHash().update"), ""},
      {member("_", "remove", "lodash"), ""},
      {member("url.searchParams", "delete"), ""},
      {member("res", "json"), ""},
      {member("Object", "create"), ""},
      {member("el", "removeEventListener"), ""},
      {plain("save"), ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.call.object);
    CAPTURE(c.call.method);
    CHECK(js::effect_kind(c.call) == std::string(c.kind));
  }
  CHECK(js::effect_kind(plain("exec", "child_process")) == "subprocess");  // const { exec } = require(...)
  CHECK(js::effect_kind(plain("exec")) == "");                             // some other exec
}

TEST_CASE("javascript: effects of handlers, one level into the module's own functions") {
  const CodeAnalysis a = analyze_files(
      {{"app.js",
        "const express = require('express');\nconst { exec } = require('child_process');\n"
        "const fs = require('fs/promises');\nconst axios = require('axios');\nconst svc = require('./svc');\n"
        "const app = express();\n"
        "async function persist(item) {\n  await fs.writeFile('items.json', JSON.stringify(item));\n"
        "  await deeper();\n}\n"
        "async function deeper() { await fs.unlink('x'); }\n"
        "app.post('/items', async (req, res) => {\n"
        "  await persist(req.body);\n"
        "  exec('make build');\n"
        "  await axios.post('https://hooks.example.com', req.body);\n"
        "  svc.notify();\n"
        "  res.json([1, 2].find((n) => n > 1));\n"
        "});\n"},
       {"svc.js", "const fs = require('fs');\nexports.notify = () => fs.writeFileSync('log', 'x');\n"}});
  const Candidate* c = find_candidate(a, "POST /items");
  REQUIRE(c != nullptr);
  CHECK(effects_of(*c) == std::vector<std::string>{"file_write fs.writeFile('items.json', JSON.stringify(item))",
                                                   "subprocess exec('make build')",
                                                   "network axios.post('https://hooks.example.com', req.body)"});
  CHECK(c->effects[0].line == 8);
}

TEST_CASE("javascript: openapi_path") {
  const struct {
    const char* express;
    const char* path;
    std::vector<std::string> params, optional;
  } cases[] = {
      {"/users/:id", "/users/{id}", {"id"}, {}},
      {"/users/:userId/posts/:postId", "/users/{userId}/posts/{postId}", {"userId", "postId"}, {}},
      {"/a/:id?", "/a/{id}", {"id"}, {"id"}},
      {"/a/:id(\\d+)", "/a/{id}", {"id"}, {}},
      {"/a/:id([0-9]{2}(x))/b", "/a/{id}/b", {"id"}, {}},
      {"/files/*", "/files/*", {}, {}},
      {"/files/*splat", "/files/*", {}, {}},
      {"/users{/:id}", "/users/{id}", {"id"}, {"id"}},
      {"/api//users/", "/api/users", {}, {}},
      {"", "/", {}, {}},
      {"/", "/", {}, {}},
      {"/a:b", "/a{b}", {"b"}, {}},
      {"/time/:from-:to", "/time/{from}-{to}", {"from", "to"}, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.express);
    std::vector<std::string> params, optional;
    CHECK(js::openapi_path(c.express, params, optional) == c.path);
    CHECK(params == c.params);
    CHECK(optional == c.optional);
  }
}

TEST_CASE("javascript: TypeScript, TSX and JSX files parse with their grammars") {
  const CodeAnalysis a =
      analyze_files({{"src/api.ts",
                      "import { Router } from 'express';\nexport const r = Router();\n"
                      "const n = <number>someValue;\nr.get('/typed', async (req, res) => { const x = await "
                      "api.get<Repo>('/x'); });\n"},
                     {"src/view.tsx", "export function View(): JSX.Element { return <div>{1}</div>; }\n"},
                     {"src/legacy.js", "export function Old() { return <span className=\"a\">x</span>; }\n"}});
  CHECK(routes_of(a) == std::vector<std::string>{"GET /typed"});
  CHECK(functions_of(a) ==
        std::vector<std::string>{"Old: UI component (returns JSX)", "View: UI component (returns JSX)"});
  CHECK(a.files_parsed == 3);
  CHECK_FALSE(has_note(a, "syntax errors"));
}

TEST_CASE("javascript: broken, deep and huge inputs") {
  // Syntax errors: what parses is still analysed, and noted.
  CodeAnalysis a = analyze_one(
      "const app = require('express')();\napp.get('/ok', h);\nfunction broken( {\n"
      "app.post('/also', h);\n");
  CHECK(std::find(routes_of(a).begin(), routes_of(a).end(), "GET /ok") != routes_of(a).end());
  CHECK(has_note(a, "app.js: syntax errors; analysed what parsed"));

  // Deep nesting: no recursion on the AST depth.
  const std::string deep = "const app = require('express')();\nconst x = " + smeltsec::test::repeat("[", 20000) +
                           smeltsec::test::repeat("]", 20000) + ";\nconst y = " + smeltsec::test::repeat("(", 5000) +
                           "1" + smeltsec::test::repeat(")", 5000) + ";\napp.get('/still', h);\n";
  smeltsec::test::Stopwatch clock;
  a = analyze_one(deep);
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  CHECK(a.files_parsed == 1);
  CHECK(routes_of(a) == std::vector<std::string>{"GET /still"});

  // Long chains of aliases and members: evaluation is bounded.
  std::string chain = "const express = require('express');\nconst a0 = express;\n";
  for (int i = 1; i < 3000; ++i) chain += "const a" + std::to_string(i) + " = a" + std::to_string(i - 1) + ";\n";
  chain += "const app = a2999();\napp.get('/far', h);\nconst m = x" + smeltsec::test::repeat(".y", 5000) + ";\n";
  chain += "const express2 = require('express')();\nexpress2.get('/deep', (req, res) => req" +
           smeltsec::test::repeat(".q", 5000) + "(" + smeltsec::test::repeat("f(", 3000) +
           smeltsec::test::repeat(")", 3000) + "));\n";
  a = analyze_one(chain);
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  CHECK(find_candidate(a, "GET /deep") != nullptr);

  // A file over the parse budget is skipped, with the reason.
  const std::string text = smeltsec::test::repeat("app.get('/x', (req, res) => res.json({ a: [1, 2, 3] }));\n", 500);
  std::vector<SourceFile> files{{"slow.js", text, "javascript"}};
  CodeAnalysis skipped;
  js::Program program;
  program.load(files, skipped, 0.0);
  REQUIRE(skipped.skipped.size() == 1);
  CHECK(skipped.skipped[0].path == "slow.js");
  CHECK(skipped.skipped[0].reason == "parse time budget exceeded");
  CHECK(skipped.files_parsed == 0);
}

TEST_CASE("javascript: stats and deterministic order") {
  const std::vector<JsFile> files = {
      {"b.js", "const r = require('express').Router();\nr.get('/b2', h);\nr.get('/b1', h);\nmodule.exports = r;\n"},
      {"a.js",
       "const express = require('express');\nconst app = express();\napp.use('/x', require('./b'));\n"
       "app.get('/a', h);\n"}};
  const CodeAnalysis first = analyze_files(files);
  CHECK(first.files_parsed == 2);
  CHECK(first.bytes_parsed == files[0].text.size() + files[1].text.size());
  CHECK(routes_of(first) == std::vector<std::string>{"GET /a", "GET /x/b2", "GET /x/b1"});
  for (int i = 0; i < 3; ++i) CHECK(routes_of(analyze_files(files)) == routes_of(first));
}

TEST_CASE("javascript: analyze_code runs the JavaScript analyzer on bundles") {
  const auto bundle = smeltsec::test::bundle_of(
      {{"server.js", "const app = require('express')();\napp.get('/hello', (req, res) => res.send('hi'));\n"},
       {"node_modules/express/index.js", "module.exports = function () {};\n"}});
  const auto result = smeltsec::analyze_code(bundle, {});
  REQUIRE(result.ok());
  CHECK(result.value().find(R"("path": "/hello")") != std::string::npos);
}

namespace {

// Every JS/TS file under a fixture folder, with paths relative to it.
std::vector<JsFile> read_fixture(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(SMELTSEC_SOURCE_DIR) / "tests/fixtures/code" / folder;
  std::vector<JsFile> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).generic_string();
    if (!e.is_regular_file() || language_for_path(rel).empty()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    files.push_back({rel, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())});
  }
  std::sort(files.begin(), files.end(), [](const JsFile& a, const JsFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace

// The expected routes of each fixture app, written from its source by hand: what Express would serve (filtered
// ones included), and which routes need authentication. Precision and recall are reported and must be 1.
TEST_CASE("javascript: fixture apps give their expected routes") {
  struct Fixture {
    const char* folder;
    std::vector<std::string> routes;  // "METHOD /path", " +auth" when guarded
  };
  const Fixture fixtures[] = {
      {"express-mounts-across-files",
       {"GET /", "GET /health", "GET /api/v1/users", "GET /api/v1/users/{id}", "POST /api/v1/users",
        "DELETE /api/v1/users/{id}", "GET /api/v1/users/{userId}/posts", "GET /api/v1/users/{userId}/posts/{postId}",
        "GET /api/v1/orders", "PATCH /api/v1/orders/{orderId}"}},
      {"express-router-route-chains",
       {"GET /status", "HEAD /status", "GET /books", "POST /books", "GET /books/{isbn}", "PUT /books/{isbn}",
        "DELETE /books/{isbn}", "GET /books/{isbn}/cover", "GET /books/{isbn}/image", "ALL /books/legacy",
        "GET /authors/{authorId}/books"}},
      {"express-auth-middleware",
       {"GET /public/info", "POST /login +auth", "GET /me +auth", "GET /admin/users +auth",
        "DELETE /admin/users/{id} +auth", "GET /reports/summary", "GET /reports/detailed +auth", "GET /orders +auth",
        "POST /orders +auth"}},
      {"express-settings-not-routes", {"GET /weather/{city}"}},
      {"express-app-passed-to-modules",
       {"GET /accounts", "POST /accounts/{accountId}/export", "GET /billing/invoices",
        "GET /billing/invoices/{invoiceId}"}},
      {"ts-express-typed",
       {"GET /users", "POST /users", "GET /users/{id}", "PATCH /users/{id}/status", "POST /users/{id}/disable",
        "POST /projects", "GET /projects/{projectId}", "GET /projects/search"}},
      {"ts-express-class-routers",
       {"GET /users", "GET /users/{id}", "POST /users", "DELETE /users/{id}", "GET /health", "GET /admin/users +auth",
        "GET /admin/users/{id} +auth", "POST /admin/users +auth", "DELETE /admin/users/{id} +auth"}},
      {"shared-api-express",
       {"GET /api/health", "GET /api/items", "POST /api/items +auth", "GET /api/items/{item_id}",
        "PUT /api/items/{item_id}", "DELETE /api/items/{item_id}"}},
      {"js-library-exports", {}},
  };
  std::size_t found_total = 0, expected_total = 0, matched_total = 0;
  for (const Fixture& f : fixtures) {
    const std::string folder = f.folder;
    CAPTURE(folder);
    const auto files = read_fixture(f.folder);
    REQUIRE_FALSE(files.empty());
    const CodeAnalysis a = analyze_files(files);
    std::vector<std::string> found;
    for (const Candidate& c : a.candidates) {
      if (c.kind == "route") found.push_back(c.method + " " + c.path + (c.auth ? " +auth" : ""));
    }
    std::size_t matched = 0;
    for (const auto& r : found) matched += std::count(f.routes.begin(), f.routes.end(), r) > 0;
    found_total += found.size();
    expected_total += f.routes.size();
    matched_total += matched;
    CHECK(sorted(found) == sorted(f.routes));
  }
  const double precision = found_total ? double(matched_total) / double(found_total) : 1.0;
  const double recall = expected_total ? double(matched_total) / double(expected_total) : 1.0;
  MESSAGE("Express fixture routes: " << matched_total << " of " << expected_total << " expected found, " << found_total
                                     << " reported; precision " << precision << ", recall " << recall);
  CHECK(precision == 1.0);
  CHECK(recall == 1.0);
}

TEST_CASE("javascript: functions that set up routing are not tools") {
  const CodeAnalysis a = analyze_files(
      {{"server.js", "const express = require('express');\nconst app = express();\nrequire('./routes')(app);\n"},
       {"routes.js",
        "const express = require('express');\n"
        "module.exports = function routes(app) {\n  app.use('/v1', makeRouter());\n};\n"
        "function makeRouter() {\n  const r = express.Router();\n  r.get('/ping', h);\n  return r;\n}\n"},
       {"item.route.ts",
        "import { Router } from 'express';\nexport class ItemRoute {\n  public router = Router();\n"
        "  constructor() { this.init(); }\n  public init() { this.router.get('/items', h); }\n"
        "  public describe(): string { return 'items'; }\n}\n"}});
  CHECK(sorted(routes_of(a)) == sorted({"GET /v1/ping", "GET /items"}));
  CHECK(functions_of(a) == std::vector<std::string>{"ItemRoute.describe"});
}
