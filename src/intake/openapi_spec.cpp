#include "intake/openapi_spec.h"

#include <algorithm>

#include "common/text.h"

namespace smeltsec::intake {
namespace {

std::string scalar_text(const json::Value* v) {
  if (v == nullptr) return {};
  if (v->IsString()) return std::string(json::str(v));
  if (v->IsNumber() || v->IsBool()) return json::write(*v);
  return {};
}

bool has_spec_marker(const json::Value& dom) {
  return dom.IsObject() && (json::get(dom, "openapi") != nullptr || json::get(dom, "swagger") != nullptr);
}

std::string detect_entry(const SourceBundle& bundle, DocumentStore& store) {
  if (bundle.files().size() == 1) return bundle.files().begin()->first;
  std::vector<std::string> paths;
  for (const auto& [path, bytes] : bundle.files()) {
    const std::string lower = text::to_lower(path);
    if (text::ends_with(lower, ".json") || text::ends_with(lower, ".yaml") || text::ends_with(lower, ".yml")) {
      paths.push_back(path);
    }
  }
  auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  auto base = [](const std::string& p) {
    std::string b = text::to_lower(p.substr(p.rfind('/') + 1));
    return b.substr(0, b.rfind('.'));
  };
  std::stable_sort(paths.begin(), paths.end(), [&](const std::string& a, const std::string& b) {
    const bool na = base(a) == "openapi" || base(a) == "swagger";
    const bool nb = base(b) == "openapi" || base(b) == "swagger";
    if (na != nb) return na;
    return depth(a) < depth(b);
  });
  for (const auto& p : paths) {
    auto doc = store.load(p);
    if (doc && has_spec_marker(doc.value()->dom)) return p;
  }
  return {};
}

}  // namespace

std::string server_url(const json::Value* servers) {
  if (servers == nullptr || !servers->IsArray() || servers->Empty()) return {};
  const json::Value& first = (*servers)[0];
  std::string url(json::str(json::get(first, "url")));
  const json::Value* vars = json::get(first, "variables");
  std::string out;
  for (std::size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '{') {
      const std::size_t close = url.find('}', i);
      if (close != std::string::npos) {
        const std::string name = url.substr(i + 1, close - i - 1);
        out += scalar_text(json::get(json::get(vars, name), "default"));
        i = close;
        continue;
      }
    }
    out += url[i];
  }
  return out;
}

Result<OpenApiSpec> load_openapi(const SourceBundle& bundle, const std::string& entry) {
  OpenApiSpec spec;
  spec.store = std::make_unique<DocumentStore>(bundle);
  if (bundle.files().empty()) return Error{"empty_input", "no files were given", ""};
  std::string path = entry.empty() ? detect_entry(bundle, *spec.store) : normalize_bundle_path(entry);
  if (path.empty()) {
    return Error{"not_openapi", "no file of the bundle is an OpenAPI or Swagger document (none has an `openapi` "
                 "or `swagger` field)", ""};
  }
  auto doc = spec.store->load(path);
  if (!doc) return doc.error();
  spec.root = doc.value();
  const json::Value& dom = spec.root->dom;
  if (!dom.IsObject()) return Error{"not_openapi", "the document is not a JSON/YAML object", path};
  if (const json::Value* v = json::get(dom, "openapi")) {
    spec.spec_version = scalar_text(v);
    if (!text::starts_with(spec.spec_version, "3.")) {
      return Error{"unsupported_version",
                   "OpenAPI version '" + spec.spec_version + "' is not supported (3.0, 3.1 and Swagger 2.0 are)",
                   path + "#/openapi"};
    }
    spec.major = 3;
    spec.is_31 = !text::starts_with(spec.spec_version, "3.0");
  } else if (const json::Value* v2 = json::get(dom, "swagger")) {
    spec.spec_version = scalar_text(v2);
    if (!text::starts_with(spec.spec_version, "2")) {
      return Error{"unsupported_version", "Swagger version '" + spec.spec_version + "' is not supported",
                   path + "#/swagger"};
    }
    spec.major = 2;
  } else {
    return Error{"not_openapi", "the document has neither an `openapi` nor a `swagger` field", path};
  }
  const json::Value* paths = json::get(dom, "paths");
  if (paths != nullptr && !paths->IsObject()) return Error{"not_openapi", "`paths` must be an object", path + "#/paths"};
  const json::Value* info = json::get(dom, "info");
  spec.title = std::string(json::str(json::get(info, "title")));
  spec.api_version = scalar_text(json::get(info, "version"));
  if (spec.major == 3) {
    spec.base_url = server_url(json::get(dom, "servers"));
    spec.security_schemes = json::get(json::get(dom, "components"), "securitySchemes");
  } else {
    const std::string host(json::str(json::get(dom, "host")));
    const std::string base_path(json::str(json::get(dom, "basePath")));
    std::string scheme = "https";
    if (const json::Value* schemes = json::get(dom, "schemes"); schemes && schemes->IsArray() && !schemes->Empty()) {
      scheme = std::string(json::str(&(*schemes)[0], "https"));
      for (const auto& s : schemes->GetArray()) {
        if (json::str(&s) == "https") scheme = "https";
      }
    }
    spec.base_url = host.empty() ? base_path : scheme + "://" + host + base_path;
    spec.security_schemes = json::get(dom, "securityDefinitions");
  }
  if (spec.base_url.empty() || spec.base_url[0] == '/') {
    spec.notes.push_back("the spec gives no absolute server URL; the generated server needs its base URL at run time");
  }
  spec.security = json::get(dom, "security");
  return spec;
}

}  // namespace smeltsec::intake
