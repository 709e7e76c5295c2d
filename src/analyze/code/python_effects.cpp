#include "analyze/code/python_effects.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/text.h"

namespace smeltsec::analyze::code::py {
namespace {

bool in(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool starts(std::string_view s, std::string_view p) {
  return text::starts_with(s, p);
}

std::string_view root_of(std::string_view dotted) {
  return dotted.substr(0, dotted.find('.'));
}

std::string_view last_segment(std::string_view dotted) {
  const std::size_t dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

// Objects that are, by their name, a database session, connection or cursor.
bool session_like(std::string_view object) {
  if (object.empty()) return false;
  const std::string last = text::to_lower(last_segment(object));
  if (in(last, {"session", "db", "db_session", "dbsession", "sess", "conn", "connection", "con", "cursor", "cur",
                "database", "tx", "transaction", "engine", "uow", "async_session"})) {
    return true;
  }
  return text::ends_with(last, "session") || text::ends_with(last, "_db") || text::ends_with(last, "cursor") ||
         text::ends_with(last, "_conn");
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Django managers (Model.objects) and Flask-SQLAlchemy queries (Model.query) in the object.
bool orm_object(std::string_view object) {
  // (A local named `query` is more often a statement being built than a Flask-SQLAlchemy query.)
  return contains(object, ".query") || contains(object, ".objects");
}

bool mongo_like(std::string_view object) {
  const std::string lower = text::to_lower(object);
  if (contains(lower, "collection") || contains(lower, "mongo") || contains(lower, "coll")) return true;
  // db.users, self.db.users, client.shop.orders
  const std::string_view root = root_of(lower);
  const std::size_t dots = static_cast<std::size_t>(std::count(lower.begin(), lower.end(), '.'));
  return dots >= 1 && (root == "db" || root == "database" || root == "self" || root == "client");
}

bool capitalised_last(std::string_view object) {
  const std::string_view last = last_segment(object);
  return !last.empty() && std::isupper(static_cast<unsigned char>(last[0])) != 0;
}

// The mode argument of open(): second positional for open()/io.open(), first for Path.open().
std::string open_mode(const CallShape& c, std::size_t positional) {
  if (c.call == nullptr) return "r";
  if (const Expr* m = c.call->keyword("mode")) return m->is(Expr::Kind::kString) ? m->value : "?";
  if (const Expr* m = c.call->arg(positional)) return m->is(Expr::Kind::kString) ? m->value : "?";
  return "r";
}

bool writes_mode(std::string_view mode) {
  return mode.find_first_of("wax+") != std::string_view::npos;
}

std::size_t positional_count(const CallShape& c) {
  return c.call == nullptr ? 0 : c.call->items.size();
}

}  // namespace

std::string sql_effect(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    const char ch = sql[i];
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '(' || ch == ';') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      const std::size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (sql.substr(i, 2) == "/*") {
      const std::size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  std::size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  const std::string word = text::to_lower(sql.substr(i, j - i));
  if (in(word, {"select", "with", "show", "explain", "pragma", "describe", "values"})) return "db_read";
  if (in(word, {"delete", "drop", "truncate"})) return "delete";
  return "db_write";
}

std::string effect_kind(const CallShape& c) {
  const std::string& canon = c.canon;
  const std::string& m = c.method;
  const std::string_view root = root_of(canon);

  // Subprocesses.
  if (root == "subprocess" ||
      in(canon, {"os.system", "os.popen", "os.startfile", "pty.spawn", "pexpect.spawn",
                 "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell"}) ||
      starts(canon, "os.exec") || starts(canon, "os.spawn") || starts(canon, "os.posix_spawn")) {
    return "subprocess";
  }
  // Outbound network.
  if (in(root, {"requests", "httpx", "aiohttp", "urllib3", "boto3", "smtplib", "ftplib", "paramiko"}) ||
      starts(canon, "urllib.request.") || starts(canon, "http.client.") ||
      in(canon, {"socket.create_connection", "urllib.urlopen", "urllib2.urlopen"})) {
    return "network";
  }
  // Deletes.
  if (in(canon, {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"}) ||
      (!c.object.empty() && in(m, {"unlink", "rmdir", "rmtree"}))) {
    return "delete";
  }
  if (in(m, {"delete_one", "delete_many", "find_one_and_delete", "bulk_delete"})) return "delete";
  if (m == "delete" && !c.object.empty()) {
    if (positional_count(c) == 0 && (c.call == nullptr || c.call->keywords.empty())) return "delete";
    if (session_like(c.object) || orm_object(c.object)) return "delete";
    return "";
  }
  // SQL through a session, connection or cursor.
  if (in(m, {"execute", "executemany", "executescript", "exec", "exec_driver_sql"}) && !c.object.empty()) {
    return sql_effect(c.sql);
  }
  // Writes through an ORM session or driver.
  if (in(m, {"add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings", "commit",
             "flush"}) &&
      session_like(c.object)) {
    return "db_write";
  }
  if (in(m, {"insert_one", "insert_many", "update_one", "update_many", "replace_one", "find_one_and_update",
             "find_one_and_replace", "bulk_write"})) {
    return "db_write";
  }
  if (m == "save" && !c.object.empty()) return positional_count(c) > 0 ? "file_write" : "db_write";
  if (in(m, {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}) &&
      (orm_object(c.object) || capitalised_last(c.object))) {
    return "db_write";
  }
  if (m == "update" && orm_object(c.object)) return "db_write";
  // Files.
  if (canon == "open" || in(canon, {"io.open", "codecs.open", "aiofiles.open", "gzip.open", "bz2.open", "lzma.open"})) {
    return writes_mode(open_mode(c, 1)) ? "file_write" : "file_read";
  }
  if (m == "open" && !c.object.empty() && canon.empty()) {  // Path(p).open("w")
    return writes_mode(open_mode(c, 0)) ? "file_write" : "file_read";
  }
  if (in(canon, {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
                 "shutil.copyfileobj", "os.rename", "os.replace", "os.renames", "os.mkdir", "os.makedirs", "os.symlink",
                 "os.link", "os.truncate"}) ||
      (!c.object.empty() && in(m, {"write_text", "write_bytes", "touch", "mkdir", "to_csv", "to_excel", "to_parquet",
                                   "to_pickle", "to_feather", "savetxt"}))) {
    return "file_write";
  }
  // json.dump(x, f) / json.load(f) are not listed: the open() that made `f` is.
  if ((!c.object.empty() && in(m, {"read_text", "read_bytes"})) ||
      in(canon, {"flask.send_file", "flask.send_from_directory", "send_file", "send_from_directory", "pandas.read_csv",
                 "pandas.read_excel", "pandas.read_parquet", "os.listdir", "os.scandir", "os.walk", "glob.glob"})) {
    return "file_read";
  }
  // Reads.
  if (m == "query" && !c.object.empty()) return "db_read";
  if (orm_object(c.object) && in(m, {"all", "first", "one", "one_or_none", "get", "get_or_404", "first_or_404",
                                     "filter", "filter_by", "order_by", "limit", "offset", "count", "paginate",
                                     "exclude", "values", "values_list", "exists", "scalar"})) {
    return "db_read";
  }
  // (cursor.fetchall() is not listed: the execute() before it carries the statement.)
  if (in(m, {"find_one", "count_documents", "estimated_document_count", "find_one_or_none"})) {
    return "db_read";
  }
  if (in(m, {"find", "aggregate", "distinct"}) && mongo_like(c.object)) return "db_read";
  if (in(m, {"get", "scalars", "scalar", "get_one", "filter", "filter_by"}) && session_like(c.object)) return "db_read";
  return "";
}

bool auth_like_name(std::string_view name) {
  const std::vector<std::string> words = text::split_words(name);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::string next = i + 1 < words.size() ? words[i + 1] : std::string();
    if (starts(w, "auth") && !in(w, {"author", "authors", "authored", "authorship"})) return true;
    if (starts(w, "oauth") || starts(w, "jwt") || starts(w, "apikey") || starts(w, "login") || starts(w, "logged")) {
      return true;
    }
    if (in(w, {"token", "tokens", "permission", "permissions", "role", "roles", "bearer", "credentials", "admin",
               "superuser", "scopes", "signin", "principal"})) {
      return true;
    }
    if ((w == "current" || w == "active" || w == "verified" || w == "logged") &&
        (next == "user" || next == "account" || next == "member")) {
      return true;
    }
    if (w == "api" && next == "key") return true;
    if ((w == "require" || w == "requires" || w == "verify") && (next == "user" || next == "login")) return true;
  }
  return false;
}

}  // namespace smeltsec::analyze::code::py
