#include "intake/documents.h"

#include <cctype>
#include <vector>

#include "common/text.h"
#include "intake/yaml.h"

namespace smeltsec::intake {

namespace {
// Appends the pointer of `t` to `out`: the root's prefix (or "#"), then each token, escaped, root first.
void append_pointer(const Trail* t, std::string& out) {
  if (t == nullptr || t->doc != nullptr) {
    out += t != nullptr && !t->prefix.empty() ? t->prefix : std::string_view("#");
    return;
  }
  append_pointer(t->parent, out);
  out += '/';
  text::append_json_pointer_escaped(t->token, out);
}
}  // namespace

std::string Trail::pointer() const {
  std::string out;
  out.reserve(64);
  append_pointer(this, out);
  return out;
}

std::string Trail::where() const {
  const Trail* t = this;
  while (t != nullptr && t->doc == nullptr) t = t->parent;
  return (t != nullptr ? t->doc->path : std::string()) + pointer();
}

Result<const Document*> DocumentStore::load(const std::string& path) {
  if (auto it = docs_.find(path); it != docs_.end()) return static_cast<const Document*>(it->second.get());
  const std::string* bytes = bundle_.find(path);
  if (bytes == nullptr) {
    Error e{"missing_file", "the bundle has no file '" + path + "'", path};
    e.needs.push_back(path);
    return e;
  }
  auto doc = std::make_unique<Document>(bytes->size());
  doc->path = path;
  std::string_view content(*bytes);
  if (text::starts_with(content, "\xEF\xBB\xBF")) content.remove_prefix(3);  // byte order mark
  std::size_t first = 0;
  while (first < content.size() && std::isspace(static_cast<unsigned char>(content[first]))) ++first;
  const bool is_json = first < content.size() && (content[first] == '{' || content[first] == '[');
  if (!is_json) {
    if (const std::size_t bad = text::invalid_utf8_offset(content); bad != std::string_view::npos) {
      auto [line, col] = text::line_col(content, bad);
      return Error{"encoding", "the file is not valid UTF-8 text",
                   path + ":" + std::to_string(line) + ":" + std::to_string(col)};
    }
  }
  Status parsed = is_json ? json::parse(content, path, bundle_.limits(), doc->buffer, doc->dom)
                          : yaml_to_json(content, path, bundle_.limits(), doc->dom);
  if (!parsed) return parsed.error();
  const Document* out = doc.get();
  docs_.emplace(path, std::move(doc));
  return out;
}

Result<const RefTarget*> DocumentStore::resolve(const json::Value& ref, const Document* from, const Trail& at) {
  // Keyed by a view of the value's text: no key string, neither to look up nor to keep.
  const RefKey key{from, json::str(&ref)};
  if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
  auto target = resolve_text(key.text, from, at);
  if (!target) return target.error();
  return &cache_.emplace(key, std::move(target.value())).first->second;
}

Result<RefTarget> DocumentStore::resolve_text(std::string_view ref, const Document* from, const Trail& at) {
  static const std::string kNoPath;
  const std::string& from_path = from != nullptr ? from->path : kNoPath;
  const std::size_t hash = ref.find('#');
  std::string_view file_part = ref.substr(0, hash);
  std::string_view fragment = hash == std::string_view::npos ? std::string_view() : ref.substr(hash);
  if (file_part.find("://") != std::string_view::npos || text::starts_with(file_part, "//")) {
    return Error{"remote_ref",
                 "remote $ref '" + std::string(ref) + "' is never fetched; download it into the bundle and refer to "
                 "it by a relative path",
                 at.where()};
  }
  std::string target_path = from_path;
  if (!file_part.empty()) {
    std::string decoded = text::percent_decode(file_part);
    const std::size_t slash = from_path.rfind('/');
    std::string joined = slash == std::string::npos ? decoded : from_path.substr(0, slash + 1) + decoded;
    if (!decoded.empty() && decoded[0] == '/') joined = decoded;
    target_path = normalize_bundle_path(joined);
    if (target_path.empty()) {
      return Error{"ref_outside_bundle",
                   "$ref '" + std::string(ref) + "' points outside the bundle (give the folder that holds every "
                   "referenced file as the bundle root)",
                   at.where()};
    }
  }
  auto doc = load(target_path);
  if (!doc) {
    Error e = doc.error();
    if (e.code == "missing_file") {
      e.message = "$ref '" + std::string(ref) + "' points to '" + target_path + "', which is not in the bundle";
      e.where = at.where();
    }
    return e;
  }
  const json::Value* v = &doc.value()->dom;
  // The usual fragment ("#/components/schemas/Pet") is split in place, without a string per token.
  std::vector<std::string> decoded;
  std::vector<std::string_view> tokens;
  tokens.reserve(8);
  if (!text::plain_json_pointer_tokens(fragment, tokens)) {
    decoded = text::json_pointer_tokens(fragment);
    tokens.assign(decoded.begin(), decoded.end());
  }
  for (const std::string_view token : tokens) {
    const json::Value* next = nullptr;
    if (v->IsObject()) {
      next = json::get(v, token);
    } else if (v->IsArray()) {
      const std::string digits(token);
      char* end = nullptr;
      unsigned long idx = std::strtoul(digits.c_str(), &end, 10);
      if (!digits.empty() && end != nullptr && *end == '\0' && idx < v->Size()) {
        next = &(*v)[static_cast<rapidjson::SizeType>(idx)];
      }
    }
    if (next == nullptr) {
      return Error{"ref_not_found",
                   "$ref '" + std::string(ref) + "' points to nothing ('" + std::string(token) + "' is missing)",
                   at.where()};
    }
    v = next;
  }
  return RefTarget{doc.value(), v, target_path + (fragment.empty() ? "#" : std::string(fragment))};
}

Result<Node> DocumentStore::deref(Node node, const Trail& at, int max_hops) {
  for (int hop = 0; hop <= max_hops; ++hop) {
    const json::Value* ref = json::get(node.value, "$ref");
    if (ref == nullptr || !ref->IsString()) return node;
    auto target = resolve(*ref, node.doc, at);
    if (!target) return target.error();
    node = Node{target.value()->doc, target.value()->value};
  }
  return Error{"ref_cycle", "a chain of $refs does not end (more than " + std::to_string(max_hops) + " hops)",
               at.where()};
}

}  // namespace smeltsec::intake
