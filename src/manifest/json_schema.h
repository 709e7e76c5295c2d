// Step 3: OpenAPI 2.0/3.0/3.1 schemas to strict, fully inlined JSON Schema 2020-12 for MCP tools.
//
// The output compiles in Ajv 2020 strict mode: only 2020-12 keywords, every schema with type-specific
// keywords carries its `type`, no union `type` arrays (anyOf instead), `required` lists only defined
// properties, `pattern`s are valid ECMAScript (u flag), no `format` (Ajv rejects unknown formats; the format
// is stated in the description instead). oneOf becomes anyOf: upstream data often matches several branches.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

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

// Converted `$ref` targets, reused across the tools of one manifest (shared components such as a "user"
// object appear in hundreds of operations). Only conversions that cut nothing are kept: the result of a
// cut depends on where the walk came from. One cache per SchemaOptions.
struct SchemaCache {
  struct Entry {
    json::Value value;  // allocated from `alloc`
    std::size_t nodes;
  };
  json::Allocator alloc;  // outlives the per-tool arenas the converted schemas are copied into
  std::unordered_map<std::string, Entry> entries;
};

class SchemaConverter {
 public:
  SchemaConverter(intake::DocumentStore& store, json::Allocator& out, SchemaOptions options,
                  SchemaCache* cache = nullptr)
      : store_(store), a_(out), opt_(options), cache_(cache) {}

  // Converts the schema at `schema` (reported at `at`). Fails only on unresolvable `$ref`s; cycles, depth and
  // size are cut with a typed placeholder and a note.
  Result<json::Value> convert(intake::Node schema, const intake::Trail& at);

  // A schema accepting any JSON value, typed branch by branch.
  json::Value any_value();

  const std::vector<std::string>& notes() const { return notes_; }
  std::size_t nodes() const { return nodes_; }

 private:
  Result<json::Value> walk(intake::Node node, const intake::Trail& at, int depth);
  Result<json::Value> walk_object_schema(intake::Node node, const intake::Trail& at, int depth);
  Result<json::Value> typed(intake::Node node, const intake::Trail& at, int depth, const std::string& type);
  Result<json::Value> merge_all_of(intake::Node node, const intake::Trail& at, int depth);
  std::string guess_type(intake::Node node);
  // `stable`: the cut depends only on the target and the depth (both in the cache key), not on the path
  // that led there (cycles) or on what was emitted before (the node budget).
  json::Value placeholder(const std::string& type, const std::string& why, bool stable = false);
  void note(std::string text);
  void set_description(json::Value& schema, std::string text);

  intake::DocumentStore& store_;
  json::Allocator& a_;
  SchemaOptions opt_;
  SchemaCache* cache_;
  std::vector<std::string> ref_stack_;
  std::vector<std::string> notes_;
  std::size_t nodes_ = 0;
  int recursion_ = 0;  // nested walk() calls: composition and $refs count too (the stack is finite)
  std::size_t unstable_cuts_ = 0;  // cycle/size cuts: results containing one are not cached
};

// The description text of a schema or parameter: description, else title; format appended as a sentence.
std::string describe(const json::Value* node, std::size_t max_chars = 1024);

}  // namespace smeltsec::manifest
