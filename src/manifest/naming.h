// Tool and argument names that every major MCP client accepts: ^[a-zA-Z0-9_-]{1,64}$ for tools,
// ^[a-zA-Z0-9_.-]{1,64}$ for argument names; readable snake_case, deterministic, unique.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace smeltsec::manifest {

constexpr std::size_t kMaxNameLength = 64;

// snake_case words of an operationId, shortened to 64 characters.
std::string name_from_operation_id(std::string_view operation_id);
// "get_pets_by_pet_id" for GET /pets/{petId}, shortened to 64 characters.
std::string name_from_route(std::string_view method, std::string_view path);
// Shortens snake_case words to at most `max` characters: drops repeated and filler words, abbreviates
// long common words, then keeps the first word and as many trailing words as fit.
std::string shorten_name(const std::string& snake, std::size_t max = kMaxNameLength);
// `base`, or base_2, base_3... (still within 64 characters) so that it is not in `taken`; adds it to `taken`.
std::string unique_name(const std::string& base, std::set<std::string>& taken);
// A valid argument (property) name for `raw`, unique within `taken`.
std::string argument_name(std::string_view raw, std::set<std::string>& taken);
// "List pets" from "list_pets".
std::string humanize(std::string_view snake);

}  // namespace smeltsec::manifest
