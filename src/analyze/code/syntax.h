// tree-sitter in the core: parse a file with a time budget and read nodes safely.
#pragma once

#include <tree_sitter/api.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace smeltsec::analyze::code {

// The grammar for a language name ("python", "javascript", "typescript", "tsx"), or nullptr.
const TSLanguage* grammar(std::string_view language);

// The language of a file from its extension (.py, .js/.mjs/.cjs/.jsx, .ts/.mts/.cts, .tsx), or "".
std::string language_for_path(std::string_view path);

class SyntaxTree {
 public:
  // Parses `text`; returns an empty tree (ok() false) when the language is unknown or parsing ran over
  // `budget_ms` milliseconds. A tree with syntax errors is still a tree (see has_errors()).
  SyntaxTree(std::string_view language, std::string_view text, double budget_ms = 2000);
  bool ok() const { return tree_ != nullptr; }
  bool has_errors() const;
  TSNode root() const;
  std::string_view text(TSNode node) const;  // "" for a null node
  std::string_view source() const { return text_; }

 private:
  struct Deleter {
    void operator()(TSTree* t) const { ts_tree_delete(t); }
  };
  std::string_view text_;
  std::unique_ptr<TSTree, Deleter> tree_;
};

// Helpers that treat a null node as "absent" (tree-sitter returns null nodes for missing fields).
inline bool present(TSNode n) { return !ts_node_is_null(n); }
inline int line_of(TSNode n) { return present(n) ? static_cast<int>(ts_node_start_point(n).row) + 1 : 0; }
inline std::string_view type_of(TSNode n) { return present(n) ? ts_node_type(n) : std::string_view(); }
TSNode field(TSNode n, const char* name);
std::vector<TSNode> named_children(TSNode n);

}  // namespace smeltsec::analyze::code
