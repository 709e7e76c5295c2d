// The documents of a spec bundle, parsed once each, and `$ref` resolution between them.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "smeltsec/bundle.h"

namespace smeltsec::intake {

struct Document {
  // `text_bytes`: the size of the text to parse. The DOM's arena grows in blocks of a quarter of it, between
  // RapidJSON's default 64 KB and 1 MB (64 KB blocks took hundreds of allocations for a large spec).
  explicit Document(std::size_t text_bytes)
      : arena(std::min<std::size_t>(std::max<std::size_t>(text_bytes / 4, 64 << 10), 1 << 20)), dom(&arena) {}
  std::string path;    // bundle path
  std::string buffer;  // parse buffer the DOM points into (JSON is parsed in place)
  json::Allocator arena;
  json::Document dom;
};

// A location inside a document, kept as a chain of stack-allocated tokens so that walking a tree costs
// nothing until a location is actually reported.
struct Trail {
  const Trail* parent = nullptr;
  std::string_view token;         // unescaped member name or index
  const Document* doc = nullptr;  // set on the root of a chain
  std::string_view prefix;        // root only: the escaped pointer it stands for, e.g. "#/paths/~1pets/get"
  std::string pointer() const;    // "#/a/b~1c"
  std::string where() const;      // "file#/a/b~1c"
  Trail child(std::string_view t) const { return Trail{this, t, nullptr, {}}; }
};

// A value together with the document it lives in (relative `$ref`s inside it resolve against that file).
struct Node {
  const Document* doc = nullptr;
  const json::Value* value = nullptr;
  explicit operator bool() const { return value != nullptr; }
};

struct RefTarget {
  const Document* doc = nullptr;
  const json::Value* value = nullptr;
  std::string key;  // "file#/pointer": identifies the target (cycle detection, notes)
};

class DocumentStore {
 public:
  explicit DocumentStore(const SourceBundle& bundle) : bundle_(bundle) {}

  // The parsed document at `path` (JSON when it starts with `{` or `[`, YAML otherwise). Fails on
  // syntax and limits, or with "missing_file" (error.needs = {path}) when the bundle lacks it.
  Result<const Document*> load(const std::string& path);

  // Resolves the `$ref` string `ref`, a value of document `from` (a document of this store: its text is kept by
  // reference), reported at `at`. Fails with "remote_ref" (never fetched), "ref_outside_bundle", "missing_file"
  // (error.needs lists the file) or "ref_not_found"; `where` names the `$ref`. The target lives as long as the
  // store; each `$ref` text is resolved once per document.
  Result<const RefTarget*> resolve(const json::Value& ref, const Document* from, const Trail& at);

  // Follows `node` through `$ref` chains (at most `max_hops`) to a value that is not a reference.
  Result<Node> deref(Node node, const Trail& at, int max_hops = 32);

  const SourceBundle& bundle() const { return bundle_; }

 private:
  const SourceBundle& bundle_;
  std::map<std::string, std::unique_ptr<Document>> docs_;
  Result<RefTarget> resolve_text(std::string_view ref, const Document* from, const Trail& at);

  // A `$ref` as written ("#/components/schemas/Pet", "other.yaml#/Pet") in a document (nullptr: none).
  struct RefKey {
    const Document* from;
    std::string_view text;
    bool operator==(const RefKey& o) const { return from == o.from && text == o.text; }
  };
  struct RefKeyHash {
    std::size_t operator()(const RefKey& k) const {
      return std::hash<std::string_view>()(k.text) ^ (std::hash<const void*>()(k.from) * 0x9E3779B97F4A7C15ull);
    }
  };
  std::unordered_map<RefKey, RefTarget, RefKeyHash> cache_;  // keys view the documents' `$ref` strings
};

}  // namespace smeltsec::intake
