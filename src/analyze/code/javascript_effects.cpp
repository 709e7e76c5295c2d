#include "analyze/code/javascript_effects.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/text.h"

namespace smeltsec::analyze::code::js {
namespace {

constexpr std::size_t kMaxScanNodes = 60000;  // nodes of one function body scanned
constexpr std::size_t kMaxHelpers = 32;       // same-module functions followed one level
constexpr std::size_t kMaxDetail = 80;        // characters of an effect's call text

// ---- rules: what names and packages say about a call ----

using Names = std::initializer_list<std::string_view>;

// Tables of names, packed by hand (clang-format would put one name per line).
// clang-format off
const Names kFileWriteMethods = {"writeFile", "writeFileSync", "appendFile", "appendFileSync", "createWriteStream",
    "mkdir", "mkdirSync", "mkdtemp", "mkdtempSync", "copyFile", "copyFileSync", "rename", "renameSync", "cp",
    "cpSync", "outputFile", "outputFileSync", "outputJson", "outputJsonSync", "writeJson", "writeJsonSync",
    "writeJSON", "symlink", "symlinkSync", "truncate", "truncateSync", "chmod", "chmodSync", "ensureDir",
    "ensureDirSync", "ensureFile", "move", "moveSync", "copy", "copySync", "utimes", "writev", "write"};
const Names kFileDeleteMethods = {"unlink", "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "remove",
    "removeSync", "emptyDir", "emptyDirSync"};
const Names kFileReadMethods = {"readFile", "readFileSync", "createReadStream", "readdir", "readdirSync",
    "readJson", "readJsonSync", "readJSON", "stat", "statSync", "lstat", "lstatSync", "access", "accessSync",
    "exists", "existsSync", "pathExists", "pathExistsSync", "opendir", "opendirSync", "readlink", "realpath",
    "read", "readv"};
const Names kSubprocessMethods = {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"};
const Names kFsPackages = {"fs", "fs/promises", "fs-extra", "graceful-fs", "mz/fs", "original-fs"};
const Names kHttpClientPackages = {"axios", "got", "node-fetch", "cross-fetch", "isomorphic-fetch",
    "isomorphic-unfetch", "undici", "superagent", "request", "request-promise", "request-promise-native", "needle",
    "ky", "phin", "fetch", "ofetch", "node-fetch-native"};
// Packages whose objects are databases, ORMs and caches: their method names are read as queries.
const Names kDataPackages = {"mongoose", "mongodb", "sequelize", "typeorm", "@prisma/client", "knex", "pg",
    "pg-promise", "postgres", "mysql", "mysql2", "mysql2/promise", "sqlite3", "sqlite", "better-sqlite3", "redis",
    "ioredis", "@supabase/supabase-js", "firebase-admin", "firebase-admin/firestore", "dynamoose",
    "@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "objection", "bookshelf", "@mikro-orm/core", "drizzle-orm",
    "kysely", "nano", "cassandra-driver", "neo4j-driver", "@elastic/elasticsearch", "lowdb", "nedb",
    "@neondatabase/serverless", "@vercel/postgres", "@planetscale/database"};
// Objects whose methods never touch a database: the request and response, built-ins, the DOM.
const Names kInertRoots = {"req", "request", "res", "response", "reply", "ctx", "next", "app", "router", "express",
    "Object", "Reflect", "JSON", "Math", "Promise", "Array", "Number", "String", "Date", "document", "window",
    "console", "localStorage", "sessionStorage", "navigator", "URL", "URLSearchParams", "process", "Buffer",
    "Symbol", "Intl", "performance", "event", "err", "error", "headers", "searchParams", "classList", "path",
    "util", "crypto", "_", "lodash"};
// Request properties that are not documents (req.article.save() is one; req.body.save() is not).
const Names kRequestParts = {"query", "body", "params", "headers", "cookies", "signedCookies", "session", "app",
    "res", "socket", "connection", "files", "file", "route", "ip", "url"};
// Methods that take SQL text as their first argument.
const Names kSqlMethods = {"query", "execute", "exec", "run", "all", "get", "each", "raw", "prepare", "none", "one",
    "many", "any", "oneOrNone", "manyOrNone", "result", "unsafe", "sql", "$queryRaw", "$executeRaw",
    "$queryRawUnsafe", "$executeRawUnsafe", "queryRaw", "executeRaw", "queryObject", "queryArray"};
const Names kDeleteMethods = {"delete", "deleteOne", "deleteMany", "destroy", "remove", "del", "findByIdAndDelete",
    "findByIdAndRemove", "findOneAndDelete", "findOneAndRemove", "deleteById", "removeById", "truncate", "drop",
    "dropCollection", "deleteFrom"};
const Names kNotRemovals = {"removeListener", "removeEventListener", "removeAllListeners", "removeHeader",
    "removeItem", "removeChild", "removeAttribute"};
const Names kWriteMethods = {"save", "create", "createMany", "insert", "insertOne", "insertMany", "update",
    "updateOne", "updateMany", "upsert", "bulkCreate", "bulkWrite", "findByIdAndUpdate", "findOneAndUpdate",
    "findOneAndReplace", "replaceOne", "increment", "decrement", "persist", "persistAndFlush", "hset", "hmset",
    "lpush", "rpush", "sadd", "zadd", "incr", "incrby", "setex", "insertInto", "updateTable"};
// createX methods that build things rather than records.
const Names kNotCreations = {"createElement", "createServer", "createContext", "createRouter", "createClient",
    "createConnection", "createPool", "createTransport", "createLogger", "createHash", "createHmac",
    "createCipheriv", "createDecipheriv", "createSign", "createVerify", "createReadStream", "createWriteStream",
    "createInterface", "createStore", "createSlice", "createSelector", "createApp", "createRequire",
    "createTextNode", "createObjectURL", "createRef", "createPortal", "createError", "createTheme"};
const Names kReadMethods = {"select", "selectFrom", "aggregate", "count", "countDocuments",
    "estimatedDocumentCount", "distinct", "hget", "hgetall", "lrange", "smembers"};
const Names kNotFinds = {"findIndex", "findLast", "findLastIndex"};
// clang-format on

bool in(std::string_view s, Names list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// "deleteUser" starts with the word "delete"; "deleted" and "delete" do not.
bool starts_word(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix && s[prefix.size()] >= 'A' &&
         s[prefix.size()] <= 'Z';
}

std::string fs_kind(std::string_view m) {
  if (in(m, kFileWriteMethods)) return "file_write";
  if (in(m, kFileDeleteMethods)) return "delete";
  if (in(m, kFileReadMethods)) return "file_read";
  return {};
}

std::string sql_kind(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\n' || sql[i] == '\t' || sql[i] == '\r' || sql[i] == '(')) ++i;
  std::size_t j = i;
  while (j < sql.size() && ((sql[j] >= 'a' && sql[j] <= 'z') || (sql[j] >= 'A' && sql[j] <= 'Z'))) ++j;
  const std::string verb = text::to_lower(sql.substr(i, j - i));
  if (j >= sql.size() || (sql[j] != ' ' && sql[j] != '\n' && sql[j] != '\t' && sql[j] != '\r')) return {};
  if (verb == "select" || verb == "with" || verb == "show" || verb == "explain") return "db_read";
  if (in(verb, {"insert", "update", "upsert", "replace", "merge", "create", "alter"})) return "db_write";
  if (in(verb, {"delete", "drop", "truncate"})) return "delete";
  return {};
}

std::string call_detail(TSNode call, const SyntaxTree& tree) {
  const bool awaited = type_of(field(call, "function")) == "await_expression";  // `await f<T>(x)` in TS
  const std::string_view raw = tree.text(call);
  if (raw.size() <= 4 * kMaxDetail) {  // longer calls are never shown whole: do not compact them
    std::string full = compact_text(raw);
    if (awaited && text::starts_with(full, "await ")) full = full.substr(6);
    if (text::utf8_length(full) <= kMaxDetail) return full;
  }
  std::string callee = compact_text(tree.text(field(call, "function")).substr(0, 4 * kMaxDetail));
  if (text::starts_with(callee, "await ")) callee = callee.substr(6);
  if (text::utf8_length(callee) > kMaxDetail - 5) callee = text::truncate_words(callee, kMaxDetail - 5);
  return callee + "(…)";
}

TSNode unwrap_expression(TSNode n) {
  for (int i = 0; i < 16; ++i) {
    const std::string_view t = type_of(n);
    if (t != "await_expression" && t != "parenthesized_expression" && t != "as_expression" &&
        t != "non_null_expression" && t != "satisfies_expression") {
      break;
    }
    n = named_child(n, 0);
  }
  return n;
}

TSNode first_argument(TSNode args) {
  for (TSNode a : named_children(args)) {
    if (type_of(a) != "comment") return a;
  }
  return TSNode{};
}

std::string root_identifier(TSNode n, const SyntaxTree& tree) {
  for (int i = 0; i < 64 && present(n); ++i) {
    const std::string_view t = type_of(n);
    if (t == "identifier" || t == "this") return std::string(tree.text(n));
    if (t == "member_expression" || t == "subscript_expression") {
      n = field(n, "object");
    } else if (t == "call_expression") {
      n = field(n, "function");
    } else if (t == "parenthesized_expression" || t == "await_expression" || t == "non_null_expression") {
      n = named_child(n, 0);
    } else {
      return {};
    }
  }
  return {};
}

class Scanner {
 public:
  Scanner(Program& program, int module, TSNode fn) : program_(program), module_(module), fn_(fn) {
    tree_ = program.modules()[module].tree.get();
    scope_ = program.function_scope(module, fn);
  }

  BodyFacts run(int request_param) {
    if (request_param >= 0) {
      const auto params = parameter_nodes(fn_);
      if (request_param < static_cast<int>(params.size())) {
        TSNode p = params[request_param];
        if (type_of(p) == "required_parameter" || type_of(p) == "optional_parameter") p = field(p, "pattern");
        if (type_of(p) == "assignment_pattern") p = field(p, "left");
        if (type_of(p) == "identifier") {
          aliases_[std::string(tree_->text(p))] = "req";
        } else if (type_of(p) == "object_pattern") {
          destructure(p, "req");
        }
        reading_ = true;
      }
    }
    scan(field(fn_, "body"), true);
    reading_ = false;
    for (std::size_t i = 0; i < helpers_.size() && i < kMaxHelpers; ++i) scan(field(helpers_[i], "body"), false);
    std::stable_sort(facts_.effects.begin(), facts_.effects.end(),
                     [](const Effect& a, const Effect& b) { return a.line < b.line; });
    return std::move(facts_);
  }

 private:
  void scan(TSNode body, bool follow_calls) {
    if (!present(body)) return;
    struct Item {
      TSNode node, parent;
    };
    std::vector<Item> stack{{body, TSNode{}}};
    for (std::size_t seen = 0; !stack.empty() && seen < kMaxScanNodes; ++seen) {
      const Item item = stack.back();
      stack.pop_back();
      visit(item.node, item.parent, follow_calls);
      const uint32_t count = named_child_count(item.node);
      for (uint32_t i = count; i > 0; --i) stack.push_back({named_child(item.node, i - 1), item.node});
    }
  }

  void visit(TSNode n, TSNode parent, bool follow_calls) {
    const std::string_view t = type_of(n);
    if (t == "call_expression") {
      call(n, follow_calls);
    } else if (!reading_) {
      return;
    } else if (t == "variable_declarator") {
      const std::string source = source_of(unwrap_expression(field(n, "value")));
      if (source.empty()) return;
      const TSNode name = field(n, "name");
      if (type_of(name) == "identifier") {
        aliases_[std::string(tree_->text(name))] = source;
      } else if (type_of(name) == "object_pattern") {
        destructure(name, source);
      }
    } else if (t == "member_expression" || t == "subscript_expression") {
      const std::string source = source_of(field(n, "object"));
      if (source.empty() || source == "req") {
        // req.body used as a whole: passed on, spread, validated
        if (source == "req" && t == "member_expression" && tree_->text(field(n, "property")) == "body") {
          const std::string_view pt = type_of(parent);
          const bool accessed =
              (pt == "member_expression" || pt == "subscript_expression") && ts_node_eq(field(parent, "object"), n);
          if (!accessed && pt != "variable_declarator") facts_.whole_body = true;
        }
        return;
      }
      if (type_of(parent) == "call_expression" && ts_node_eq(field(parent, "function"), n)) return;  // a method
      std::string key;
      if (t == "member_expression") {
        key = std::string(tree_->text(field(n, "property")));
      } else if (!string_literal(field(n, "index"), *tree_, key)) {
        return;
      }
      read(source, key, {}, n);
    }
  }

  // "req" for the request, "query"/"body"/"params"/"headers"/"cookies" for its parts, "" otherwise.
  std::string source_of(TSNode n) const {
    n = unwrap_expression(n);
    const std::string_view t = type_of(n);
    if (t == "identifier") return alias(n);
    // req.query: one member of the request (not recursive: member chains can be thousands long)
    if (t == "member_expression" && alias(unwrap_expression(field(n, "object"))) == "req") {
      const std::string_view prop = tree_->text(field(n, "property"));
      if (in(prop, {"query", "body", "params", "headers", "cookies"})) return std::string(prop);
      if (prop == "signedCookies") return "cookies";
    }
    return {};
  }

  std::string alias(TSNode identifier) const {
    if (type_of(identifier) != "identifier") return {};
    auto it = aliases_.find(std::string(tree_->text(identifier)));
    return it == aliases_.end() ? std::string() : it->second;
  }

  void destructure(TSNode pattern, const std::string& source) {
    for (TSNode c : named_children(pattern)) {
      const std::string_view t = type_of(c);
      std::string key, default_text;
      TSNode value{};
      if (t == "shorthand_property_identifier_pattern") {
        key = std::string(tree_->text(c));
        value = c;
      } else if (t == "pair_pattern") {
        if (!string_literal(field(c, "key"), *tree_, key)) key = std::string(tree_->text(field(c, "key")));
        value = field(c, "value");
        if (type_of(value) == "assignment_pattern") {
          default_text = std::string(tree_->text(field(value, "right")));
          value = field(value, "left");
        }
      } else if (t == "object_assignment_pattern") {
        key = std::string(tree_->text(field(c, "left")));
        default_text = std::string(tree_->text(field(c, "right")));
        value = field(c, "left");
      } else {
        continue;
      }
      if (source == "req") {
        if (!in(key, {"query", "body", "params", "headers", "cookies"})) continue;
        if (type_of(value) == "object_pattern") {
          destructure(value, key);
        } else if (type_of(value) == "identifier" || type_of(value) == "shorthand_property_identifier_pattern") {
          aliases_[std::string(tree_->text(value))] = key;
        }
      } else {
        read(source, key, default_text, c);
      }
    }
  }

  void read(const std::string& source, const std::string& key, const std::string& default_text, TSNode at) {
    static const std::unordered_map<std::string, std::string> kIn = {
        {"query", "query"}, {"body", "body"}, {"params", "path"}, {"headers", "header"}, {"cookies", "cookie"}};
    auto it = kIn.find(source);
    if (it == kIn.end() || key.empty()) return;
    if (in(key, {"hasOwnProperty", "toString", "valueOf", "constructor", "length"})) return;
    for (auto& r : facts_.request) {
      if (r.in == it->second && r.name == key) {
        if (r.default_text.empty()) r.default_text = default_text;
        return;
      }
    }
    facts_.request.push_back({it->second, key, default_text, line_of(at)});
  }

  void call(TSNode n, bool follow_calls) {
    // The TS grammar reads `await api.get<T>(url)` as a call of `await api.get`.
    const TSNode callee = unwrap_expression(field(n, "function"));
    const TSNode args = field(n, "arguments");
    const std::string_view ct = type_of(callee);
    CallFacts f;
    if (ct == "member_expression") {
      f.method = std::string(tree_->text(field(callee, "property")));
      f.object = compact_text(tree_->text(field(callee, "object")).substr(0, 400));  // long chains: bounded work
      f.object_root = root_identifier(field(callee, "object"), *tree_);
      // req.get('X-Api-Key') / req.header('X-Api-Key')
      if (reading_ && (f.method == "get" || f.method == "header") && source_of(field(callee, "object")) == "req") {
        std::string key;
        if (string_literal(first_argument(args), *tree_, key)) read("headers", text::to_lower(key), {}, n);
        return;
      }
    } else if (ct == "identifier") {
      f.plain = true;
      f.method = std::string(tree_->text(callee));
    } else {
      return;
    }
    const Value target = program_.eval(module_, scope_, callee);
    if (target.is(Value::Kind::kExternal)) {
      f.package = target.package;
      f.package_path = target.text;
    }
    if (type_of(args) == "template_string") {
      f.sql = fragments(args);  // a tagged template: sql`SELECT ...`
    } else {
      const TSNode first = first_argument(args);
      const std::string_view ft = type_of(first);
      f.first_arg_function = ft == "arrow_function" || ft == "function_expression" || ft == "function";
      if (ft == "template_string") {
        f.sql = fragments(first);
      } else if (ft == "string" || ft == "identifier" || ft == "binary_expression") {
        program_.eval_string(module_, scope_, first, f.sql);
      }
    }
    const std::string kind = effect_kind(f);
    if (!kind.empty()) {
      Effect e{kind, call_detail(n, *tree_), line_of(n)};
      const bool seen = std::any_of(facts_.effects.begin(), facts_.effects.end(), [&](const Effect& x) {
        return x.kind == e.kind && x.detail == e.detail && x.line == e.line;
      });
      if (!seen) facts_.effects.push_back(std::move(e));
    }
    if (follow_calls && target.is(Value::Kind::kFunction) && target.module == module_ &&
        !ts_node_eq(target.node, fn_)) {
      const uint64_t key = node_key(target.node);
      if (followed_.insert(key).second) helpers_.push_back(target.node);
    }
  }

  std::string fragments(TSNode tmpl) const {
    std::string out;
    for (TSNode c : named_children(tmpl)) {
      if (type_of(c) == "string_fragment") out += tree_->text(c);
    }
    return out;
  }

  Program& program_;
  int module_;
  TSNode fn_;
  const SyntaxTree* tree_;
  int scope_ = 0;
  bool reading_ = false;
  std::unordered_map<std::string, std::string> aliases_;
  std::vector<TSNode> helpers_;
  std::unordered_set<uint64_t> followed_;
  BodyFacts facts_;
};

}  // namespace

std::string effect_kind(const CallFacts& c) {
  const std::string& m = c.method;
  const std::string& pkg = c.package;
  // What the import says
  if (pkg == "child_process" && in(m, kSubprocessMethods)) return "subprocess";
  if (in(pkg, {"execa", "cross-spawn", "shelljs"})) return pkg == "shelljs" && m != "exec" ? "" : "subprocess";
  if (in(pkg, kFsPackages)) return fs_kind(m);
  if (in(pkg, kHttpClientPackages)) {
    // The request is the call of the client (fetch(), axios.get(), api.post() for api = axios.create()); calls on
    // what it returned (response.json(), got(url).json()) read the same response.
    const std::size_t call = c.package_path.find("()");
    if (call != std::string::npos) {
      const std::string_view before = std::string_view(c.package_path).substr(0, call);
      const std::size_t dot = before.rfind('.');
      const std::string_view last = before.substr(dot == std::string_view::npos ? 0 : dot + 1);
      if (last != "create" && last != "extend" && last != "defaults") return {};
    }
    return in(m, {"create", "extend", "interceptors", "defaults", "use"}) ? "" : "network";
  }
  if ((pkg == "http" || pkg == "https") && (m == "request" || m == "get")) return "network";
  // What the name says, when no import does
  if (pkg.empty() && !c.plain) {
    if (in(c.object, {"fs", "fsp", "fse", "fsPromises", "fs.promises"})) return fs_kind(m);
    if (in(c.object, {"child_process", "childProcess", "cp"}) && in(m, kSubprocessMethods)) return "subprocess";
    if (c.object == "axios") return "network";
  }
  // SQL text
  if (!c.sql.empty() && in(m, kSqlMethods)) {
    if (std::string kind = sql_kind(c.sql); !kind.empty()) return kind;
  }
  if (c.plain) return {};
  // ORM, driver and store method names, on local objects and data packages only
  if (!pkg.empty() && !in(pkg, kDataPackages)) return {};
  if (in(c.object_root, kInertRoots)) {
    // req.article.save(): a document a param middleware hung on the request is still a document
    const bool on_request = c.object_root == "req" || c.object_root == "request";
    const std::string_view below = on_request && c.object.size() > c.object_root.size() + 1
                                       ? std::string_view(c.object).substr(c.object_root.size() + 1)
                                       : std::string_view();
    const std::string_view part = below.substr(0, below.find_first_of(".(["));
    if (part.empty() || in(part, kRequestParts)) return {};
  }
  for (std::string_view part : {"searchParams", "headers", "classList", "cookies", "params"}) {
    if (c.object.find(part) != std::string::npos) return {};
  }
  if (in(m, kDeleteMethods) || starts_word(m, "delete") || (starts_word(m, "remove") && !in(m, kNotRemovals))) {
    return "delete";
  }
  if (in(m, kWriteMethods) || starts_word(m, "insert") || starts_word(m, "update") || starts_word(m, "upsert") ||
      starts_word(m, "save") || (starts_word(m, "create") && pkg.empty() && !in(m, kNotCreations))) {
    return "db_write";
  }
  const bool finds = (m == "find" || starts_word(m, "find")) && !in(m, kNotFinds) && !c.first_arg_function;
  if (finds || in(m, kReadMethods)) return "db_read";
  return {};
}

BodyFacts scan_function(Program& program, int module, TSNode fn, int request_param) {
  if (module < 0 || !present(fn)) return {};
  return Scanner(program, module, fn).run(request_param);
}

}  // namespace smeltsec::analyze::code::js
