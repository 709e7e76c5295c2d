// manifest/naming: tool and argument names that every MCP client accepts.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "manifest/naming.h"
#include "test_support.h"

using namespace smeltsec::manifest;
using smeltsec::test::Stopwatch;

namespace {

// ^[a-zA-Z0-9_-]{1,64}$ for tools; arguments also allow '.'.
bool is_valid_name(const std::string& s, bool allow_dot) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || (allow_dot && c == '.');
    if (!ok) return false;
  }
  return true;
}
bool is_valid_tool_name(const std::string& s) {
  return is_valid_name(s, false);
}
bool is_valid_argument_name(const std::string& s) {
  return is_valid_name(s, true);
}

// Readable snake_case: no leading, trailing or doubled underscores.
bool is_tidy(const std::string& s) {
  return !s.empty() && s.front() != '_' && s.back() != '_' && s.find("__") == std::string::npos;
}

// Inputs that have broken name generators elsewhere: empty, separators only, non-ASCII, very long, control
// characters, path templates.
const std::vector<std::string>& awkward_inputs() {
  static const std::vector<std::string> k = {
      "",
      "_",
      "---",
      "{}",
      "/",
      "\xE5\x88\x97\xE5\x87\xBA\xE5\xAE\xA0\xE7\x89\xA9",
      "caf\xC3\xA9Lookup",
      "a\tb\nc\x01"
      "d",
      std::string(300, 'x'),
      std::string(300, '_'),
      "get" + std::string(200, 'A'),
      "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/logs",
      "actions/get-github-actions-default-workflow-permissions-organization",
      "x.y.z",
      "filter[status][eq]",
      "$select",
      "@type",
      "123",
      "_private",
      "trailing_",
  };
  return k;
}

}  // namespace

TEST_CASE("operationId to snake_case") {
  struct Case {
    std::string input, expected;
  };
  const Case cases[] = {
      {"listPets", "list_pets"},
      {"ListPets", "list_pets"},
      {"list_pets", "list_pets"},
      {"repos/get-content", "repos_get_content"},
      {"getHTTPResponse", "get_http_response"},
      {"getV2Items", "get_v2_items"},
      {"pets.list", "pets_list"},
      {"List all pets", "list_all_pets"},
      {"  spaced  ", "spaced"},
      {"create-user_v2", "create_user_v2"},
      {"listAPIs", "list_apis"},
      {"getUserIDs", "get_user_ids"},
      {"", ""},  // the caller falls back to the route
      {"\xE5\x88\x97\xE5\x87\xBA", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(name_from_operation_id(c.input) == c.expected);
  }
}

TEST_CASE("route names") {
  struct Case {
    std::string method, path, expected;
  };
  const Case cases[] = {
      {"GET", "/pets/{petId}", "get_pets_by_pet_id"},
      {"GET", "/pets", "get_pets"},
      {"POST", "/pets", "post_pets"},
      {"DELETE", "/users/{id}/keys/{keyId}", "delete_users_by_id_keys_by_key_id"},
      {"GET", "/", "get_root"},
      {"GET", "", "get_root"},
      {"PUT", "/v1/repos/{owner}/{repo}", "put_v1_repos_by_owner_by_repo"},
      {"GET", "/files/{file_path}.json", "get_files_file_path_json"},
      {"GET", "/api//double//slash/", "get_api_double_slash"},
      {"PATCH", "/user-settings/{setting-name}", "patch_user_settings_by_setting_name"},
      {"GET", "/\xC3\xA9t\xC3\xA9", "get_t"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    CHECK(name_from_route(c.method, c.path) == c.expected);
  }
}

TEST_CASE("shorten_name: at most 64 characters, first word kept") {
  struct Case {
    std::string input, expected;
  };
  const Case cases[] = {
      {"list_pets", "list_pets"},
      {std::string(64, 'a'), std::string(64, 'a')},
      // repeated words go first
      {"actions_get_github_actions_default_workflow_permissions_organization",
       "actions_get_github_default_workflow_permissions_organization"},
      // then filler words
      {"get_the_list_of_all_the_repositories_for_the_authenticated_user_in_an_organization",
       "get_list_all_repositories_authenticated_user_organization"},
      // then abbreviations
      {"get_organization_repository_configuration_information_and_permissions_for_deployment",
       "get_org_repo_config_info_perms_deploy"},
      // then the first word and as many trailing words as fit
      {"create_aaaaaaaaaa_bbbbbbbbbb_cccccccccc_dddddddddd_eeeeeeeeee_ffffffffff_gggggggggg",
       "create_cccccccccc_dddddddddd_eeeeeeeeee_ffffffffff_gggggggggg"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    const std::string out = shorten_name(c.input);
    CHECK(out == c.expected);
    CHECK(out.size() <= kMaxNameLength);
  }
  CHECK(shorten_name(std::string(100, 'z')) == std::string(64, 'z'));  // one word: cut
  CHECK(shorten_name("abc_def_ghi", 7) == "abc_ghi");
}

TEST_CASE("every generated name is valid and tidy, whatever the input") {
  std::set<std::string> taken;
  for (const std::string& raw : awkward_inputs()) {
    CAPTURE(raw);
    const std::string from_id = name_from_operation_id(raw);
    CHECK(from_id.size() <= kMaxNameLength);
    if (!from_id.empty()) {
      CHECK(is_valid_tool_name(from_id));
      CHECK(is_tidy(from_id));
    }
    const std::string from_route = name_from_route("GET", raw);
    CHECK(is_valid_tool_name(from_route));
    CHECK(is_tidy(from_route));
    const std::string unique = unique_name(from_id, taken);
    CHECK(is_valid_tool_name(unique));
    const std::string short_name = shorten_name(std::string(raw));
    CHECK(short_name.size() <= kMaxNameLength);
  }
}

TEST_CASE("unique_name: suffixes within 64 characters") {
  std::set<std::string> taken;
  CHECK(unique_name("list_pets", taken) == "list_pets");
  CHECK(unique_name("list_pets", taken) == "list_pets_2");
  CHECK(unique_name("list_pets", taken) == "list_pets_3");
  CHECK(unique_name("list_pets_2", taken) == "list_pets_2_2");
  CHECK(unique_name("", taken) == "tool");
  CHECK(unique_name("", taken) == "tool_2");

  const std::string long_name(64, 'a');
  CHECK(unique_name(long_name, taken) == long_name);
  CHECK(unique_name(long_name, taken) == std::string(62, 'a') + "_2");
  for (int i = 3; i <= 10; ++i) unique_name(long_name, taken);
  CHECK(unique_name(long_name, taken) == std::string(61, 'a') + "_11");
  for (const auto& name : taken) {
    CAPTURE(name);
    CHECK(is_valid_tool_name(name));
  }
}

// Regression: cutting a 64-character base for its suffix could leave a trailing '_' before the suffix's own,
// giving names like "..._a__2".
TEST_CASE("unique_name_suffix_never_doubles_the_underscore") {
  std::set<std::string> taken;
  const std::string base = std::string(61, 'a') + "_bc";  // 64: the cut for "_2" ends at the '_'
  REQUIRE(unique_name(base, taken) == base);
  const std::string second = unique_name(base, taken);
  CHECK(second == std::string(61, 'a') + "_2");
  CHECK(is_tidy(second));
}

// Regression: every collision tried base_2, base_3, ... in turn, so n operations sharing a name cost n^2/2 set
// look-ups: 10,000 operationIds "get" took seconds, 100,000 (a 5 MB spec) hours.
TEST_CASE("unique_name_many_collisions_stay_fast") {
  std::set<std::string> taken;
  Stopwatch clock;
  const int n = 100000;
  std::string last;
  for (int i = 0; i < n; ++i) last = unique_name("get", taken);
  const double seconds = clock.seconds();
  MESSAGE(n, " colliding names in ", seconds, " s");
  CHECK(taken.size() == static_cast<std::size_t>(n));
  CHECK(last == "get_" + std::to_string(n));  // still the smallest free suffix when suffixes are contiguous
  CHECK(seconds < smeltsec::test::kHangGuardSeconds);
}

TEST_CASE("unique_name with an explicit base_N already taken still returns a free name") {
  std::set<std::string> taken = {"x", "x_2", "x_4", "x_5"};
  const std::string a = unique_name("x", taken);
  const std::string b = unique_name("x", taken);
  CHECK(a == "x_3");
  CHECK(b != a);
  CHECK(b.rfind("x_", 0) == 0);
  CHECK(taken.size() == 6);
}

TEST_CASE("argument names") {
  struct Case {
    std::string raw, expected;
  };
  const Case cases[] = {
      {"petId", "petId"},
      {"filter[status]", "filter_status"},
      {"filter[status][eq]", "filter_status_eq"},
      {"page[size]", "page_size"},
      {"X-Rate-Limit", "X-Rate-Limit"},
      {"user.name", "user.name"},
      {"$select", "select"},
      {"@type", "type"},
      {"a b", "a_b"},
      {"ids[]", "ids"},
      {"", "arg"},
      {"[]", "arg"},
      {"\xE5\x90\x8D\xE5\x89\x8D", "arg"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.raw);
    std::set<std::string> taken;
    const std::string out = argument_name(c.raw, taken);
    CHECK(out == c.expected);
    CHECK(is_valid_argument_name(out));
  }
}

TEST_CASE("argument names are unique within a tool and at most 64 characters") {
  std::set<std::string> taken;
  CHECK(argument_name("id", taken) == "id");
  CHECK(argument_name("id", taken) == "id_2");
  CHECK(argument_name("page[size]", taken) == "page_size");
  CHECK(argument_name("page_size", taken) == "page_size_2");
  for (const std::string& raw : awkward_inputs()) {
    CAPTURE(raw);
    const std::string out = argument_name(raw, taken);
    CHECK(is_valid_argument_name(out));
  }
  const std::string long_raw = "the_" + std::string(100, 'q') + "_parameter";
  CHECK(argument_name(long_raw, taken).size() <= kMaxNameLength);
}

TEST_CASE("humanize") {
  CHECK(humanize("list_pets") == "List pets");
  CHECK(humanize("get_pets_by_pet_id") == "Get pets by pet id");
  CHECK(humanize("x") == "X");
  CHECK(humanize("") == "");
  CHECK(humanize("9lives") == "9lives");
}
