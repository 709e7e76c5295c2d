#include "manifest/naming.h"

#include <algorithm>
#include <map>
#include <vector>

#include "common/text.h"

namespace smeltsec::manifest {
namespace {

std::vector<std::string> split_snake(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '_') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::size_t joined_length(const std::vector<std::string>& words) {
  std::size_t n = words.empty() ? 0 : words.size() - 1;
  for (const auto& w : words) n += w.size();
  return n;
}

const std::map<std::string, std::string>& abbreviations() {
  static const std::map<std::string, std::string> k = {
      {"administrator", "admin"}, {"application", "app"},     {"applications", "apps"},
      {"attributes", "attrs"},    {"authentication", "auth"}, {"authorization", "authz"},
      {"configuration", "config"}, {"configurations", "configs"}, {"deployment", "deploy"},
      {"deployments", "deploys"}, {"description", "desc"},     {"environment", "env"},
      {"environments", "envs"},   {"identifier", "id"},       {"information", "info"},
      {"installation", "install"}, {"installations", "installs"}, {"notification", "notif"},
      {"notifications", "notifs"}, {"organization", "org"},   {"organizations", "orgs"},
      {"parameters", "params"},   {"permission", "perm"},     {"permissions", "perms"},
      {"repositories", "repos"},  {"repository", "repo"},     {"requirements", "reqs"},
      {"specification", "spec"},  {"statistics", "stats"},    {"subscription", "sub"},
      {"subscriptions", "subs"},  {"temporary", "temp"},      {"vulnerability", "vuln"},
      {"vulnerabilities", "vulns"}, {"workflow", "wf"},       {"workflows", "wfs"}};
  return k;
}

bool is_filler(const std::string& w) {
  static const char* kFiller[] = {"a", "an", "the", "of", "for", "to", "in", "on", "with", "and", "from", "by", "at"};
  return std::any_of(std::begin(kFiller), std::end(kFiller), [&](const char* f) { return w == f; });
}

std::string sanitize(std::string_view s, bool allow_dot) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || (allow_dot && c == '.');
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace

std::string shorten_name(const std::string& snake, std::size_t max) {
  if (snake.size() <= max) return snake;
  std::vector<std::string> words = split_snake(snake);
  // 1. repeated words ("actions_get_github_actions_..." -> the second "actions" goes)
  std::vector<std::string> unique;
  for (const auto& w : words) {
    if (std::find(unique.begin(), unique.end(), w) == unique.end()) unique.push_back(w);
  }
  words = std::move(unique);
  // 2. filler words, but never the first
  if (joined_length(words) > max) {
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (i == 0 || !is_filler(words[i])) kept.push_back(words[i]);
    }
    words = std::move(kept);
  }
  // 3. common abbreviations
  if (joined_length(words) > max) {
    for (auto& w : words) {
      auto it = abbreviations().find(w);
      if (it != abbreviations().end()) w = it->second;
    }
  }
  // 4. the first word (usually the verb) and as many trailing words as fit
  if (joined_length(words) > max && words.size() > 1) {
    std::vector<std::string> tail;
    std::size_t len = words.front().size();
    for (std::size_t i = words.size() - 1; i >= 1; --i) {
      if (len + 1 + words[i].size() > max) break;
      len += 1 + words[i].size();
      tail.insert(tail.begin(), words[i]);
    }
    std::vector<std::string> kept{words.front()};
    kept.insert(kept.end(), tail.begin(), tail.end());
    words = std::move(kept);
  }
  std::string out = text::join(words, "_");
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string name_from_operation_id(std::string_view operation_id) {
  return shorten_name(text::snake_case(operation_id));
}

std::string name_from_route(std::string_view method, std::string_view path) {
  std::vector<std::string> words{text::to_lower(method)};
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    start = end + 1;
    if (seg.empty()) continue;
    if (seg.front() == '{' && seg.back() == '}') {
      words.push_back("by");
      for (auto& w : text::split_words(seg.substr(1, seg.size() - 2))) words.push_back(w);
    } else {
      for (auto& w : text::split_words(seg)) words.push_back(w);
    }
  }
  if (words.size() == 1) words.push_back("root");
  return shorten_name(text::join(words, "_"));
}

namespace {

// base_n, with `base` cut so that the whole stays within 64 characters (and without "__" at the cut).
std::string with_suffix(const std::string& base, unsigned long n) {
  const std::string suffix = "_" + std::to_string(n);
  std::string stem = base.substr(0, std::min(base.size(), kMaxNameLength - suffix.size()));
  while (!stem.empty() && stem.back() == '_') stem.pop_back();
  return stem + suffix;
}

}  // namespace

std::string unique_name(const std::string& base_in, std::set<std::string>& taken) {
  std::string base = base_in.empty() ? "tool" : base_in;
  if (base.size() > kMaxNameLength) base = shorten_name(base);
  if (taken.insert(base).second) return base;
  auto is_free = [&](unsigned long n) { return taken.count(with_suffix(base, n)) == 0; };
  // The smallest free suffix from 2 up. Trying 2, 3, 4... in turn costs n^2/2 look-ups when n operations share
  // a base (10,000 operationIds "get"), so past the first few the step doubles until a free suffix, then a
  // bisection finds the first free one after the taken run. When suffixes are taken contiguously (the usual
  // case: this function made them) that is the smallest free one; otherwise it is still free.
  constexpr unsigned long kLinear = 16;
  unsigned long n = 2;
  while (n <= kLinear && !is_free(n)) ++n;
  if (n > kLinear) {
    unsigned long taken_n = kLinear, free_n = 2 * kLinear;
    while (!is_free(free_n)) {
      taken_n = free_n;
      free_n *= 2;
    }
    while (free_n - taken_n > 1) {
      const unsigned long mid = taken_n + (free_n - taken_n) / 2;
      if (is_free(mid)) {
        free_n = mid;
      } else {
        taken_n = mid;
      }
    }
    n = free_n;
  }
  std::string name = with_suffix(base, n);
  taken.insert(name);
  return name;
}

std::string argument_name(std::string_view raw, std::set<std::string>& taken) {
  std::string base = sanitize(raw, true);
  if (base.size() > kMaxNameLength) base = shorten_name(text::snake_case(base));
  if (base.empty()) base = "arg";
  return unique_name(base, taken);
}

std::string humanize(std::string_view snake) {
  std::string out;
  for (char c : snake) out += c == '_' ? ' ' : c;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace smeltsec::manifest
