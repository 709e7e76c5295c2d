// What both emitters share: the checked manifest view, the environment a server reads, its README.
#include "codegen/project.h"

#include <algorithm>
#include <map>
#include <set>

#include "codegen/literals.h"
#include "codegen/runtime_files.h"
#include "common/text.h"

namespace smeltsec::codegen {
namespace {

bool valid_tool_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Error bad(const std::string& message, const std::string& where) { return Error{"bad_manifest", message, where}; }

const json::Value* meta(const json::Value& tool, const char* key) { return json::get(json::get(tool, "_meta"), key); }

// Checks one tool object; `where` is its JSON pointer.
Status check_tool(const json::Value& tool, const std::string& where, std::set<std::string>& names) {
  if (!tool.IsObject()) return bad("a tool is not an object", where);
  const json::Value* name = json::get(tool, "name");
  if (name == nullptr || !name->IsString() || !valid_tool_name(json::str(name))) {
    return bad("a tool name must match ^[a-zA-Z0-9_-]{1,64}$", where + "/name");
  }
  if (!names.insert(std::string(json::str(name))).second) {
    return bad("the tool name \"" + std::string(json::str(name)) + "\" is used twice", where + "/name");
  }
  const json::Value* input = json::get(tool, "inputSchema");
  if (input == nullptr || !input->IsObject() || json::str(json::get(input, "type")) != "object") {
    return bad("a tool's inputSchema must be a JSON Schema of type \"object\"", where + "/inputSchema");
  }
  if (const json::Value* out = json::get(tool, "outputSchema"); out && !out->IsObject()) {
    return bad("a tool's outputSchema must be an object", where + "/outputSchema");
  }
  if (const json::Value* m = json::get(tool, "_meta"); m && !m->IsObject()) {
    return bad("a tool's _meta must be an object", where + "/_meta");
  }
  if (const json::Value* http = meta(tool, "smeltsec.dev/http")) {
    if (!http->IsObject() || !json::get(http, "method") || !json::get(http, "path") ||
        !json::get(http, "arguments") || !json::get(http, "arguments")->IsArray()) {
      return bad("smeltsec.dev/http needs method, path and arguments", where + "/_meta");
    }
  }
  if (const json::Value* code = meta(tool, "smeltsec.dev/code")) {
    if (!code->IsObject() || !json::get(code, "file") || !json::get(code, "function")) {
      return bad("smeltsec.dev/code needs file and function", where + "/_meta");
    }
  }
  return Ok{};
}

void note_tool(const json::Value& tool, ManifestView& view, std::set<std::string>& bases,
               std::map<std::string, const json::Value*>& schemes) {
  const json::Value* http = meta(tool, "smeltsec.dev/http");
  const json::Value* code = meta(tool, "smeltsec.dev/code");
  if (http) {
    view.has_http = true;
    bases.insert(std::string(json::str(json::get(http, "baseUrl"))));
    if (const json::Value* s = json::get(http, "securitySchemes"); s && s->IsObject()) {
      for (const auto& m : s->GetObject()) schemes.emplace(std::string(json::str(&m.name)), &m.value);
    }
  } else if (code) {
    view.has_code = true;
    const std::string_view lang = json::str(json::get(code, "language"));
    if (lang == "python") view.has_python_code = true;
    else view.has_js_code = true;
  }
}

void add_scheme_env(const std::string& scheme, const json::Value& def, std::vector<EnvVar>& out) {
  const std::string stem = env_stem(scheme);
  const std::string type = text::to_lower(json::str(json::get(def, "type")));
  const std::string of = " for the \"" + scheme + "\" security scheme";
  if (type == "apikey") {
    out.push_back({stem + "_API_KEY", "", "API key" + of});
  } else if (type == "http" && text::to_lower(json::str(json::get(def, "scheme"))) == "basic") {
    out.push_back({stem + "_USERNAME", "", "user name" + of});
    out.push_back({stem + "_PASSWORD", "", "password" + of});
  } else if (type == "http") {
    out.push_back({stem + "_TOKEN", "", "bearer token" + of});
  } else if (type == "oauth2") {
    out.push_back({stem + "_ACCESS_TOKEN", "", "OAuth 2 access token" + of});
    const json::Value* flows = json::get(def, "flows");
    const bool client = json::get(flows, "clientCredentials") != nullptr ||
                        json::str(json::get(def, "flow")) == "application";
    if (client) {
      out.push_back({stem + "_CLIENT_ID", "", "OAuth 2 client id (client credentials)" + of});
      out.push_back({stem + "_CLIENT_SECRET", "", "OAuth 2 client secret" + of});
      out.push_back({stem + "_TOKEN_URL", "the spec's token URL", "OAuth 2 token endpoint" + of});
      out.push_back({stem + "_SCOPES", "", "space-separated scopes to request" + of});
    }
  } else if (type == "openidconnect") {
    out.push_back({stem + "_ACCESS_TOKEN", "", "OpenID Connect access token" + of});
  } else {
    out.push_back({stem + "_TOKEN", "", "credential" + of});
  }
}

}  // namespace

std::string_view runtime_file(std::string_view name) {
  for (const auto& f : runtime_files()) {
    if (f.name == name) return f.bytes;
  }
  return {};
}

Result<ManifestView> view_manifest(const json::Value& manifest, std::string_view manifest_text) {
  ManifestView view;
  view.manifest_text = manifest_text;
  if (!manifest.IsObject()) return bad("a manifest is a JSON object {\"tools\": [...]}", "");
  view.tools = json::get(manifest, "tools");
  if (view.tools == nullptr || !view.tools->IsArray()) return bad("the manifest has no \"tools\" array", "/tools");
  std::set<std::string> names, operation_names;
  std::set<std::string> bases;
  std::map<std::string, const json::Value*> schemes;
  rapidjson::SizeType i = 0;
  for (const auto& tool : view.tools->GetArray()) {
    const std::string where = "/tools/" + std::to_string(i++);
    if (auto ok = check_tool(tool, where, names); !ok) return ok.error();
    note_tool(tool, view, bases, schemes);
    if (const json::Value* g = meta(tool, "smeltsec.dev/grouped"); g && !g->IsObject()) {
      return bad("smeltsec.dev/grouped must be an object {\"role\": ...}", where + "/_meta");
    }
  }
  if (const json::Value* catalog = json::get(json::get(manifest, "_meta"), "smeltsec.dev/catalog")) {
    view.operations = json::get(catalog, "operations");
    if (view.operations == nullptr || !view.operations->IsArray()) {
      return bad("the catalogue has no \"operations\" array", "/_meta/smeltsec.dev~1catalog");
    }
    i = 0;
    for (const auto& op : view.operations->GetArray()) {
      const std::string where = "/_meta/smeltsec.dev~1catalog/operations/" + std::to_string(i++);
      if (auto ok = check_tool(op, where, operation_names); !ok) return ok.error();
      note_tool(op, view, bases, schemes);
    }
  }
  if (bases.size() == 1) view.base_url = *bases.begin();
  std::set<std::string> seen;
  for (const auto& [scheme, def] : schemes) {
    std::vector<EnvVar> vars;
    add_scheme_env(scheme, *def, vars);
    for (auto& v : vars) {
      if (seen.insert(v.name).second) view.credentials.push_back(std::move(v));
    }
  }
  return view;
}

std::vector<EnvVar> environment(const ManifestView& view) {
  std::vector<EnvVar> env;
  if (view.has_http) {
    env.push_back({"API_BASE_URL", view.base_url.empty() ? "" : view.base_url,
                   "base URL of the upstream API" + std::string(view.base_url.empty() ? " (required)" : "")});
    env.push_back({"SMELTSEC_RETRIES", "2", "extra attempts for idempotent calls"});
    env.push_back({"SMELTSEC_RETRY_BASE_MS", "200", "first backoff delay (exponential, full jitter)"});
    env.push_back({"SMELTSEC_RETRY_MAX_MS", "5000", "longest backoff delay"});
    env.push_back({"SMELTSEC_RETRY_AFTER_MAX_MS", "30000", "longest Retry-After the server waits for"});
    env.push_back({"SMELTSEC_BREAKER_FAILURES", "5", "failures within the window that open the circuit"});
    env.push_back({"SMELTSEC_BREAKER_WINDOW_MS", "30000", "failure-counting window"});
    env.push_back({"SMELTSEC_BREAKER_COOLDOWN_MS", "15000", "time open before one probe call"});
    env.push_back({"SMELTSEC_MAX_RESPONSE_BYTES", "10485760", "largest upstream response read"});
    env.push_back({"SMELTSEC_URL_ARGUMENTS", "public",
                   "URL-valued arguments: deny, public (no private, loopback or metadata hosts), any"});
    env.push_back({"SMELTSEC_PASSTHROUGH_HEADERS", "",
                   "comma-separated headers forwarded from the MCP HTTP request to the upstream"});
  }
  env.push_back({"SMELTSEC_TIMEOUT_MS", "10000",
                 view.has_code && !view.has_http ? "timeout of each code-tool call"
                 : view.has_code                 ? "timeout of each upstream attempt or code-tool call"
                                                 : "timeout of each upstream attempt"});
  env.push_back({"SMELTSEC_MAX_STRING_BYTES", "65536", "longest string argument accepted"});
  if (view.has_code) {
    env.push_back({"SMELTSEC_CODE_ROOT", "the current directory", "root folder of the code the tools call"});
    env.push_back({"SMELTSEC_ALLOWED_ROOT", "SMELTSEC_CODE_ROOT", "file-path arguments must stay inside it"});
    if (view.has_python_code) env.push_back({"SMELTSEC_PYTHON", "python3", "Python interpreter for code tools"});
    if (view.has_js_code) env.push_back({"SMELTSEC_NODE", "node", "Node.js for code tools"});
  }
  env.push_back({"SMELTSEC_ALLOWED_HOSTS", "127.0.0.1:PORT,localhost:PORT",
                 "Host headers accepted by the HTTP transport (DNS rebinding protection)"});
  env.push_back({"SMELTSEC_LOG_LEVEL", "info", "debug, info, warn, error or off (JSON lines on stderr)"});
  for (const auto& c : view.credentials) env.push_back(c);
  return env;
}

std::string env_example(const ManifestView& view) {
  std::string out =
      "# Environment of this MCP server (generated by SmeltSec). Copy to .env or set in your MCP client's\n"
      "# configuration. Credentials come only from here: never put them in manifest.json or the code.\n";
  for (const auto& v : environment(view)) {
    out += "\n# " + v.meaning + (v.default_value.empty() ? "" : " (default: " + v.default_value + ")") + "\n";
    out += (v.default_value.empty() || v.name == "API_BASE_URL" ? "" : "# ") + v.name + "=";
    if (v.name == "API_BASE_URL") out += v.default_value;
    out += "\n";
  }
  return out;
}

std::string readme(const ManifestView& view, const ServerOptions& options, bool python) {
  const std::string title = markdown_text(options.name, 120);
  std::string out = "# " + title + " — MCP server\n\n";
  const std::size_t tools = view.tools->Size();
  out += "Generated by [SmeltSec](https://smeltsec.dev) from `manifest.json`: " + std::to_string(tools) +
         (tools == 1 ? " tool" : " tools");
  if (view.operations) out += " over " + std::to_string(view.operations->Size()) + " operations (grouped)";
  out += python ? ", served with FastMCP (Python 3.11).\n" : ", served with the official MCP TypeScript SDK.\n";
  out += "The server lists the tools exactly as `manifest.json` defines them and checks every call against their\n"
         "schemas before anything runs. Regenerate rather than edit: the manifest is the source of truth.\n\n";
  out += "## Run\n\n```sh\n";
  if (python) {
    out += "python3 -m venv .venv && . .venv/bin/activate\npip install -r requirements.txt\n"
           "python server.py                # stdio\npython server.py --http 3000    # streamable HTTP on "
           "http://127.0.0.1:3000/mcp\n";
  } else {
    out += "npm install && npm run build\nnpm start                  # stdio\nnpm start -- --http 3000   # "
           "streamable HTTP on http://127.0.0.1:3000/mcp\n";
  }
  out += "```\n\n";
  out += "## Add it to a client\n\nClaude Desktop (`claude_desktop_config.json`), Cursor (`.cursor/mcp.json`) and "
         "most clients take:\n\n```json\n{\n  \"mcpServers\": {\n    " +
         js_string(npm_package_name(options.name)) + ": {\n";
  if (python) {
    out += "      \"command\": \"python3\",\n      \"args\": [\"/absolute/path/to/server/server.py\"],\n";
  } else {
    out += "      \"command\": \"node\",\n      \"args\": [\"/absolute/path/to/server/dist/index.js\"],\n";
  }
  out += "      \"env\": {";
  bool first = true;
  if (view.has_code) {
    out += "\n        \"SMELTSEC_CODE_ROOT\": \"/absolute/path/to/your/code\"";
    first = false;
  }
  for (const auto& c : view.credentials) {
    out += std::string(first ? "\n" : ",\n") + "        " + js_string(c.name) + ": \"…\"";
    first = false;
  }
  out += first ? "}\n" : "\n      }\n";
  out += "    }\n  }\n}\n```\n\n";
  out += "## Environment\n\n| variable | default | meaning |\n|---|---|---|\n";
  for (const auto& v : environment(view)) {
    out += "| `" + v.name + "` | " + (v.default_value.empty() ? "—" : markdown_text(v.default_value, 200)) + " | " +
           markdown_text(v.meaning, 300) + " |\n";
  }
  out += "\n## Behaviour\n\n"
         "- Every upstream call has a timeout. Idempotent calls (and operations the spec marks retryable) are "
         "retried with exponential backoff and jitter, honouring `Retry-After` on 429/503; other calls are never "
         "retried.\n"
         "- A circuit breaker per upstream opens after repeated failures, answers at once while open, and probes "
         "again after the cool-down.\n"
         "- Arguments are validated against the tool's schema first. Path parameters cannot contain `/`, `..` or "
         "control characters; header values cannot contain CR/LF; requests only go to the configured base URL; "
         "URL arguments pointing at private or metadata addresses are refused; file paths must stay inside the "
         "allowed root.\n"
         "- Failures come back as MCP tool errors (`isError: true`) with a message, never as a crash.\n"
         "- Logs are JSON lines on stderr (stdout carries only the protocol).\n\n";
  out += "## Tools\n\n| tool | effect | description |\n|---|---|---|\n";
  auto list = [&](const json::Value& arr) {
    for (const auto& t : arr.GetArray()) {
      const json::Value* ann = json::get(t, "annotations");
      const char* effect = json::is_true(json::get(ann, "readOnlyHint"))      ? "read-only"
                           : json::is_true(json::get(ann, "destructiveHint")) ? "destructive"
                                                                                : "writes";
      std::string desc(json::str(json::get(t, "description")));
      if (desc.empty()) desc = std::string(json::str(json::get(t, "title")));
      out += "| `" + std::string(json::str(json::get(t, "name"))) + "` | " + effect + " | " +
             markdown_text(desc, 160) + " |\n";
    }
  };
  list(*view.tools);
  if (view.operations && view.operations->Size() <= 2000) {
    out += "\nOperations reachable through `call_operation`:\n\n| operation | effect | description |\n|---|---|---|\n";
    list(*view.operations);
  }
  return out;
}

std::vector<GeneratedFile> shared_files(const ManifestView& view, const ServerOptions& options, bool python) {
  std::vector<GeneratedFile> files;
  files.push_back({".env.example", env_example(view)});
  files.push_back({"README.md", readme(view, options, python)});
  files.push_back({"bridge/bridge.mjs", std::string(runtime_file("bridge/bridge.mjs"))});
  files.push_back({"bridge/bridge.py", std::string(runtime_file("bridge/bridge.py"))});
  files.push_back({"manifest.json", std::string(view.manifest_text)});
  return files;
}

}  // namespace smeltsec::codegen
