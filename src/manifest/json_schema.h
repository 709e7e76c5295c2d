// Step 3: OpenAPI 2.0/3.0/3.1 schemas to strict, fully inlined JSON Schema 2020-12 for MCP tools.
//
// The output compiles in Ajv 2020 strict mode: only 2020-12 keywords, every schema with type-specific
// keywords carries its `type`, no union `type` arrays (anyOf instead), `required` lists only defined
// properties, `pattern`s are valid ECMAScript (u flag), no `format` (Ajv rejects unknown formats; the format
// is stated in the description instead). oneOf becomes anyOf: upstream data often matches several branches.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <rapidjson/stringbuffer.h>

#include "intake/documents.h"

namespace smeltsec::manifest {

enum class Direction { kInput, kOutput };

struct SchemaOptions {
  Direction direction = Direction::kInput;
  bool openapi31 = false;  // 3.1: JSON Schema 2020-12 keywords (type arrays, const, examples)
  std::size_t max_nodes = 20000;  // schema objects emitted before the rest is cut to bare types
  int max_depth = 32;             // nested object/array levels before a subtree is cut
  int max_ref_depth = 32;         // $refs expanded inside each other
  int max_recursion = 160;        // nested schemas of any kind (allOf/anyOf/$ref included): bounds the stack
  std::size_t max_description = 1024;  // characters of each description
  bool note_cuts = true;  // report depth and size cuts (output schemas are cut by design: no notes)
};

// Converted `$ref` targets, shared by the tools of one manifest (a component such as GitHub's "repository"
// appears in hundreds of operations). Each target is converted once into a *fragment*: a tree whose own nested
// `$ref`s are fragments in turn. A converted schema holds a fragment as a *marker* value (a 9-byte string
// that points into this cache), so a use costs neither a copy of the tree nor, once its text exists, a second
// serialisation: write() splices the fragment's text. A conversion that cut nothing depends only on its target
// and depth; one that cut something (a cycle, the node budget) also on the walk's state, which its key then
// includes. One cache serves one input and one output SchemaOptions (the key tells the two directions apart).
class SchemaCache {
 public:
  static constexpr std::size_t kMarkerSize = 9;
  struct Fragment {
    json::Value tree;  // allocated from the cache's arena; may hold markers of earlier fragments
    std::size_t nodes = 0;  // schema nodes the conversion counted, nested fragments included
    std::size_t cuts = 0;   // cuts that depend on the walk's state (cycles, node budget)
    int height = 0;               // nesting levels below the target that the conversion reached
    std::size_t depth_cuts = 0;   // subtrees cut for depth
    std::size_t noted = 0;        // notes made converting it, nested fragments' included
    std::vector<std::string> notes;  // notes the conversion made, replayed on reuse
    mutable std::string text;  // compact JSON of the expanded tree, made on its first compact write
    char marker[kMarkerSize];
  };

  SchemaCache() = default;
  SchemaCache(const SchemaCache&) = delete;
  SchemaCache& operator=(const SchemaCache&) = delete;

  // The fragment `v` (or the string s, n) stands for, or nullptr when it is not a marker of this cache.
  const Fragment* fragment(const json::Value& v) const;
  const Fragment* fragment(const char* s, std::size_t n) const;
  // `v` itself, or the tree it stands for (followed through markers of markers).
  const json::Value& view(const json::Value& v) const;
  // A deep copy of `v` into `a`; markers stay markers (they stand for immutable trees).
  json::Value copy(const json::Value& v, json::Allocator& a) const;
  // Makes `v` mutable at its top level: a marker is replaced by a copy of its tree (whose nested markers stay).
  void own(json::Value& v, json::Allocator& a) const;
  // Serialises a value that may hold markers, as json::write would serialise it with every marker expanded.
  std::string write(const json::Value& v, bool pretty) const;
  // The same, compact, appended to `out`.
  void write_compact(const json::Value& v, json::TextBuffer& out) const;

  // What a conversion of a `$ref` target depends on: the target, the depth, the direction and, for one that
  // cut something, the walk's state (empty for the others).
  struct Key {
    const intake::RefTarget* target;
    int depth;
    bool input;
    std::string state;
    bool operator==(const Key& o) const {
      return target == o.target && depth == o.depth && input == o.input && state == o.state;
    }
  };
  const Fragment* find(const Key& key) const;
  // A conversion of `target` that cut nothing, made no note and fits in `levels` nesting levels: it is what a
  // conversion at any depth with that many levels left would make (depth only matters where it cuts).
  // Found, it is also kept under `key` for the next lookup.
  const Fragment* find_uncut(const Key& key, int levels);
  // Keeps `tree`, which must be allocated from arena(), under `key` and returns its marker (a value referring
  // to the cache). `uncut`: the conversion cut nothing and no note was made for it or for the fragments it
  // holds (find_uncut may return it).
  json::Value insert(const Key& key, json::Value&& tree, std::size_t nodes, int height, std::size_t depth_cuts,
                     std::size_t noted, bool uncut, std::size_t cuts = 0, std::vector<std::string> notes = {});
  // The arena fragments live in: a conversion meant for insert() builds its tree here.
  json::Allocator& arena() { return alloc_; }
  static json::Value marker_of(const Fragment& f);

 private:
  const std::string& text_of(const Fragment& f) const;

  json::Allocator alloc_;
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<const void*>()(k.target) ^ (static_cast<std::size_t>(k.depth) * 0x9E3779B97F4A7C15ull) ^
             (k.input ? 0x5bd1e995u : 0u) ^ std::hash<std::string>()(k.state);
    }
  };
  std::unordered_map<Key, std::size_t, KeyHash> index_;
  struct TargetHash {
    std::size_t operator()(const std::pair<const intake::RefTarget*, bool>& t) const {
      return std::hash<const void*>()(t.first) ^ (t.second ? 0x5bd1e995u : 0u);
    }
  };
  // Per target and direction, the fragments find_uncut may return.
  std::unordered_map<std::pair<const intake::RefTarget*, bool>, std::vector<std::size_t>, TargetHash> uncut_;
  std::deque<Fragment> fragments_;  // stable addresses: markers point at their Fragment's bytes
  mutable std::vector<std::unique_ptr<json::TextBuffer>> scratch_;  // text_of's buffers, one per nesting
  mutable std::size_t scratch_depth_ = 0;
};

class SchemaKeywords;  // the keywords of one schema, found in one pass (json_schema.cpp)

class SchemaConverter {
 public:
  SchemaConverter(intake::DocumentStore& store, json::Allocator& out, SchemaOptions options,
                  SchemaCache* cache = nullptr)
      : store_(store), a_(&out), opt_(options), cache_(cache) {}

  // Converts the schema at `schema` (reported at `at`). Fails only on unresolvable `$ref`s; cycles, depth and
  // size are cut with a typed placeholder and a note. With a cache, the result (and any part of it) may be a
  // marker: read it through cache.view(), make it mutable with cache.own(), write it with cache.write().
  Result<json::Value> convert(intake::Node schema, const intake::Trail& at);

  // A schema accepting any JSON value, typed branch by branch.
  json::Value any_value();

  const std::vector<std::string>& notes() const { return notes_; }
  std::size_t nodes() const { return nodes_; }

  // Starts again as a new converter would (no nodes counted, no notes), keeping the room its buffers have:
  // one converter serves every tool of a manifest, one tool after the other.
  void reset();

 private:
  // `known`: the keywords of `node`, when the caller has already read them.
  Result<json::Value> walk(intake::Node node, const intake::Trail& at, int depth,
                           const SchemaKeywords* known = nullptr);
  Result<json::Value> walk_object_schema(intake::Node node, const SchemaKeywords& kw, const intake::Trail& at,
                                         int depth);
  Result<json::Value> typed(intake::Node node, const SchemaKeywords& kw, const intake::Trail& at, int depth,
                            std::string_view type);
  Result<json::Value> merge_all_of(intake::Node node, const SchemaKeywords& kw, const intake::Trail& at, int depth);
  std::string guess_type(intake::Node node);
  // `stable`: the cut depends only on the target and the depth (both in the cache key), not on the path
  // that led there (cycles) or on what was emitted before (the node budget).
  json::Value placeholder(const std::string& type, const std::string& why, bool stable = false);
  void note(std::string text);
  void set_description(json::Value& schema, std::string_view text);
  // Markers (see SchemaCache) in converted trees: read through view(), mutate only after owned(), copy with copy().
  const json::Value& view(const json::Value& v) const { return cache_ != nullptr ? cache_->view(v) : v; }
  void owned(json::Value& v) {
    if (cache_ != nullptr) cache_->own(v, *a_);
  }
  json::Value copy(const json::Value& v) { return cache_ != nullptr ? cache_->copy(v, *a_) : json::clone(v, *a_); }

  intake::DocumentStore& store_;
  json::Allocator* a_;  // where converted trees are allocated: the caller's arena, or the cache's while a
                        // `$ref` target is converted (its tree then becomes a fragment without a copy)
  SchemaOptions opt_;
  SchemaCache* cache_;
  std::vector<const std::string*> ref_stack_;  // keys of the $ref targets being expanded (owned by the store)
  std::vector<std::string> notes_;
  std::string description_;  // describe_keywords' text when it is not the document's (read right after each call)
  struct KeptName {
    std::string_view name;
    bool listed;  // already in the converted `required`
  };
  std::vector<KeptName> kept_;  // property names kept by the object schemas being converted, innermost last
  std::vector<std::string> journal_;  // every note() call, duplicates included (what a cached walk replays)
  std::size_t nodes_ = 0;
  int recursion_ = 0;  // nested walk() calls: composition and $refs count too (the stack is finite)
  std::size_t unstable_cuts_ = 0;  // cycle/size cuts: results containing one are cached under the walk's state
  std::size_t depth_cuts_ = 0;     // subtrees cut for depth (stable: they depend on the depth alone)
  std::size_t noted_ = 0;          // notes made, and made by the conversions of fragments reused
  int deepest_ = 0;                // the deepest walk of the current $ref target's conversion
};

// The description text of a schema or parameter: its description (whitespace normalised, at most `max_chars`
// code points), with its format stated as a sentence. A view of the document's text when that needs no
// change, else of `scratch`, which the text is then written into.
std::string_view describe(const json::Value* node, std::size_t max_chars, std::string& scratch);

}  // namespace smeltsec::manifest
