#include "analyze/code/syntax.h"

#include <chrono>

#include "common/text.h"

extern "C" {
const TSLanguage* tree_sitter_python(void);
const TSLanguage* tree_sitter_javascript(void);
const TSLanguage* tree_sitter_typescript(void);
const TSLanguage* tree_sitter_tsx(void);
}

namespace smeltsec::analyze::code {

const TSLanguage* grammar(std::string_view language) {
  if (language == "python") return tree_sitter_python();
  if (language == "javascript") return tree_sitter_javascript();
  if (language == "typescript") return tree_sitter_typescript();
  if (language == "tsx") return tree_sitter_tsx();
  return nullptr;
}

std::string language_for_path(std::string_view path) {
  const std::string lower = text::to_lower(path);
  if (text::ends_with(lower, ".py")) return "python";
  if (text::ends_with(lower, ".d.ts")) return "";  // declarations only: no code to expose
  for (const char* ext : {".js", ".mjs", ".cjs", ".jsx"}) {
    if (text::ends_with(lower, ext)) return "javascript";
  }
  for (const char* ext : {".ts", ".mts", ".cts"}) {
    if (text::ends_with(lower, ext)) return "typescript";
  }
  if (text::ends_with(lower, ".tsx")) return "tsx";
  return "";
}

namespace {
struct Deadline {
  std::chrono::steady_clock::time_point end;
};
bool over_budget(TSParseState* state) {
  const auto* d = static_cast<const Deadline*>(state->payload);
  return std::chrono::steady_clock::now() > d->end;  // true cancels the parse
}
}  // namespace

SyntaxTree::SyntaxTree(std::string_view language, std::string_view text, double budget_ms) : text_(text) {
  const TSLanguage* lang = grammar(language);
  if (lang == nullptr) return;
  TSParser* parser = ts_parser_new();
  if (!ts_parser_set_language(parser, lang)) {
    ts_parser_delete(parser);
    return;
  }
  Deadline deadline{std::chrono::steady_clock::now() +
                    std::chrono::microseconds(static_cast<long long>(budget_ms * 1000))};
  TSParseOptions options{};
  options.payload = &deadline;
  options.progress_callback = over_budget;
  TSInput input{};
  struct Source {
    std::string_view text;
  } source{text};
  input.payload = &source;
  input.encoding = TSInputEncodingUTF8;
  input.read = [](void* payload, uint32_t byte, TSPoint, uint32_t* read) -> const char* {
    const auto* s = static_cast<const Source*>(payload);
    if (byte >= s->text.size()) {
      *read = 0;
      return "";
    }
    *read = static_cast<uint32_t>(s->text.size() - byte);
    return s->text.data() + byte;
  };
  tree_.reset(ts_parser_parse_with_options(parser, nullptr, input, options));
  ts_parser_delete(parser);
}

bool SyntaxTree::has_errors() const { return tree_ && ts_node_has_error(ts_tree_root_node(tree_.get())); }

TSNode SyntaxTree::root() const { return ts_tree_root_node(tree_.get()); }

std::string_view SyntaxTree::text(TSNode node) const {
  if (ts_node_is_null(node)) return {};
  const uint32_t start = ts_node_start_byte(node), end = ts_node_end_byte(node);
  if (end > text_.size() || start > end) return {};
  return text_.substr(start, end - start);
}

TSNode field(TSNode n, const char* name) {
  if (ts_node_is_null(n)) return n;
  return ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::char_traits<char>::length(name)));
}

std::vector<TSNode> named_children(TSNode n) {
  std::vector<TSNode> out;
  if (ts_node_is_null(n)) return out;
  const uint32_t count = ts_node_named_child_count(n);
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) out.push_back(ts_node_named_child(n, i));
  return out;
}

}  // namespace smeltsec::analyze::code
