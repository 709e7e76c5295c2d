#include "analyze/code/python_project.h"

#include <algorithm>

#include "common/text.h"

namespace smeltsec::analyze::code::py {
namespace {

constexpr int kMaxResolveDepth = 12;

std::vector<std::string> segments(std::string_view dotted) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    out.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string join_segments(const std::vector<std::string>& segs, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += '.';
    out += segs[i];
  }
  return out;
}

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

Project::Project(std::vector<Module> modules) : modules_(std::move(modules)) {
  names_.resize(modules_.size());
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    const Module& mod = modules_[m];
    by_name_.emplace(mod.name, static_cast<int>(m));
    const std::vector<std::string> segs = segments(mod.name);
    for (std::size_t end = 1; end <= segs.size(); ++end) {
      const std::string prefix = join_segments(segs, 0, end);
      if (!packages_.insert(prefix).second) continue;
      for (std::size_t begin = 1; begin < end; ++begin) by_suffix_[join_segments(segs, begin, end)].push_back(prefix);
    }
    // Later bindings win, as in Python; names bound only inside functions (app factories) come last in
    // priority.
    struct Binding {
      int line;
      std::string name;
      Entry entry;
    };
    std::vector<Binding> bindings;
    for (std::size_t i = 0; i < mod.functions.size(); ++i) {
      if (!mod.functions[i].nested) {
        bindings.push_back(
            {mod.functions[i].line, mod.functions[i].name, {Symbol::Kind::kFunction, static_cast<int>(i)}});
      }
    }
    for (std::size_t i = 0; i < mod.classes.size(); ++i) {
      bindings.push_back({mod.classes[i].line, mod.classes[i].name, {Symbol::Kind::kClass, static_cast<int>(i)}});
      classes_by_name_[mod.classes[i].name].emplace_back(static_cast<int>(m), static_cast<int>(i));
    }
    for (std::size_t i = 0; i < mod.assigns.size(); ++i) {
      if (!mod.assigns[i].in_function) {
        bindings.push_back({mod.assigns[i].line, mod.assigns[i].target, {Symbol::Kind::kAssign, static_cast<int>(i)}});
      }
    }
    std::stable_sort(bindings.begin(), bindings.end(),
                     [](const Binding& a, const Binding& b) { return a.line < b.line; });
    auto& names = names_[m];
    for (const auto& b : bindings) names[b.name] = b.entry;
    for (std::size_t i = 0; i < mod.assigns.size(); ++i) {
      if (mod.assigns[i].in_function)
        names.emplace(mod.assigns[i].target, Entry{Symbol::Kind::kAssign, static_cast<int>(i)});
    }
  }
  for (auto& kv : by_suffix_) {
    std::sort(kv.second.begin(), kv.second.end());
    kv.second.erase(std::unique(kv.second.begin(), kv.second.end()), kv.second.end());
  }
}

int Project::module_index(const std::string& full) const {
  auto it = by_name_.find(full);
  return it == by_name_.end() ? -1 : it->second;
}

std::string Project::absolute_module(const std::string& name, int from) const {
  if (name.empty()) return {};
  if (packages_.count(name) > 0) return name;
  auto it = by_suffix_.find(name);
  if (it == by_suffix_.end()) return {};
  // Several folders may end so (src/app, backend/app): the one sharing most with the importer wins.
  const std::string& here = from >= 0 ? modules_[static_cast<std::size_t>(from)].name : std::string();
  const std::string* best = nullptr;
  std::size_t best_score = 0;
  for (const auto& full : it->second) {
    const std::size_t score = common_prefix(full, here);
    if (best == nullptr || score > best_score) {
      best = &full;
      best_score = score;
    }
  }
  return best == nullptr ? std::string() : *best;
}

std::string Project::relative_base(int from, int level, const std::string& module) const {
  const Module& m = modules_[static_cast<std::size_t>(from)];
  std::vector<std::string> segs = m.name.empty() ? std::vector<std::string>{} : segments(m.name);
  if (!m.is_package && !segs.empty()) segs.pop_back();
  for (int i = 1; i < level && !segs.empty(); ++i) segs.pop_back();
  std::string base = join_segments(segs, 0, segs.size());
  if (!module.empty()) base = base.empty() ? module : base + "." + module;
  return base;
}

Symbol Project::lookup(int from, const std::string& first, int depth) const {
  Symbol none;
  if (depth > kMaxResolveDepth || from < 0) return none;
  const auto& names = names_[static_cast<std::size_t>(from)];
  if (auto it = names.find(first); it != names.end()) {
    Symbol s;
    s.kind = it->second.kind;
    s.module = from;
    s.index = it->second.index;
    return s;
  }
  const Module& mod = modules_[static_cast<std::size_t>(from)];
  for (auto it = mod.imports.rbegin(); it != mod.imports.rend(); ++it) {
    if (it->local != first) continue;
    const Import& imp = *it;
    if (imp.name.empty()) {  // import a.b.c [as x]
      const std::string full = absolute_module(imp.module, from);
      if (full.empty()) return none;
      Symbol s;
      s.kind = Symbol::Kind::kModule;
      s.module_name = full;
      s.module = module_index(full);
      return s;
    }
    const std::string base =
        imp.level > 0 ? relative_base(from, imp.level, imp.module) : absolute_module(imp.module, from);
    if (base.empty() && imp.level == 0) return none;
    const std::string sub = base.empty() ? imp.name : base + "." + imp.name;
    if (packages_.count(sub) > 0) {  // from pkg import module
      Symbol s;
      s.kind = Symbol::Kind::kModule;
      s.module_name = sub;
      s.module = module_index(sub);
      return s;
    }
    const int target = module_index(base);
    if (target < 0 || target == from) return none;
    return resolve_at(target, imp.name, depth + 1);  // re-exports are followed
  }
  // from x import *
  for (const Import& imp : mod.imports) {
    if (imp.local != "*") continue;
    const std::string base =
        imp.level > 0 ? relative_base(from, imp.level, imp.module) : absolute_module(imp.module, from);
    const int target = module_index(base);
    if (target < 0 || target == from) continue;
    Symbol s = lookup(target, first, depth + 1);
    if (!s.is(Symbol::Kind::kNone)) return s;
  }
  return none;
}

Symbol Project::walk(Symbol s, std::string_view rest, int depth) const {
  std::size_t start = 0;
  while (start < rest.size()) {
    std::size_t dot = rest.find('.', start);
    if (dot == std::string_view::npos) dot = rest.size();
    const std::string seg(rest.substr(start, dot - start));
    if (s.is(Symbol::Kind::kModule)) {
      const std::string full = s.module_name + "." + seg;
      if (packages_.count(full) > 0) {
        s.module_name = full;
        s.module = module_index(full);
      } else if (s.module >= 0) {
        s = lookup(s.module, seg, depth + 1);
      } else {
        return Symbol{};
      }
      if (s.is(Symbol::Kind::kNone)) return s;
    } else if (!s.is(Symbol::Kind::kNone)) {
      s.rest = std::string(rest.substr(start));
      return s;
    }
    start = dot + 1;
  }
  return s;
}

Symbol Project::resolve_at(int from, std::string_view name, int depth) const {
  if (name.empty() || depth > kMaxResolveDepth) return Symbol{};
  const std::size_t dot = name.find('.');
  const std::string first(name.substr(0, dot));
  Symbol s = lookup(from, first, depth);
  if (dot == std::string_view::npos || s.is(Symbol::Kind::kNone)) return s;
  return walk(std::move(s), name.substr(dot + 1), depth);
}

Symbol Project::resolve(int from, std::string_view name) const {
  return resolve_at(from, name, 0);
}

std::string Project::canonical(int from, std::string_view name) const {
  const std::size_t dot = name.find('.');
  const std::string first(name.substr(0, dot));
  const std::string rest = dot == std::string_view::npos ? std::string() : std::string(name.substr(dot));
  if (from < 0) return std::string(name);
  if (names_[static_cast<std::size_t>(from)].count(first) > 0) return std::string(name);
  const Module& mod = modules_[static_cast<std::size_t>(from)];
  for (auto it = mod.imports.rbegin(); it != mod.imports.rend(); ++it) {
    if (it->local != first) continue;
    std::string base = it->level > 0 ? std::string(static_cast<std::size_t>(it->level), '.') + it->module : it->module;
    return (it->name.empty() ? base : base + "." + it->name) + rest;
  }
  return std::string(name);
}

const Function* Project::function(const Symbol& s) const {
  if (!s.is(Symbol::Kind::kFunction) || s.module < 0) return nullptr;
  return &modules_[static_cast<std::size_t>(s.module)].functions[static_cast<std::size_t>(s.index)];
}
const Class* Project::klass(const Symbol& s) const {
  if (!s.is(Symbol::Kind::kClass) || s.module < 0) return nullptr;
  return &modules_[static_cast<std::size_t>(s.module)].classes[static_cast<std::size_t>(s.index)];
}
const Assign* Project::assign(const Symbol& s) const {
  if (!s.is(Symbol::Kind::kAssign) || s.module < 0) return nullptr;
  return &modules_[static_cast<std::size_t>(s.module)].assigns[static_cast<std::size_t>(s.index)];
}

bool Project::find_class(int from, std::string_view name, int& module, int& index) const {
  const Symbol s = resolve(from, name);
  if (s.is(Symbol::Kind::kClass) && s.rest.empty()) {
    module = s.module;
    index = s.index;
    return true;
  }
  if (!s.is(Symbol::Kind::kNone)) return false;
  // Not followed (a star import from outside the bundle, a dynamic import): the bundle's only class of that
  // name, unless the name was imported from a library.
  const std::size_t first_dot = name.find('.');
  const std::string_view first = name.substr(0, first_dot);
  if (canonical(from, first) != first) return false;
  const std::size_t dot = name.rfind('.');
  const std::string last(dot == std::string_view::npos ? name : name.substr(dot + 1));
  auto it = classes_by_name_.find(last);
  if (it == classes_by_name_.end() || it->second.size() != 1) return false;
  module = it->second[0].first;
  index = it->second[0].second;
  return true;
}

bool Project::imports(int m, std::string_view package) const {
  auto check = [&](const Module& mod) {
    for (const Import& imp : mod.imports) {
      if (imp.level > 0) continue;
      if (imp.module == package || text::starts_with(imp.module, std::string(package) + ".")) return true;
    }
    return false;
  };
  if (m >= 0) return check(modules_[static_cast<std::size_t>(m)]);
  return std::any_of(modules_.begin(), modules_.end(), check);
}

std::optional<std::string> Project::attribute_string(const Symbol& s, int depth) const {
  // settings.API_V1_STR: settings = Settings(); class Settings: API_V1_STR: str = "/api/v1"
  const Class* k = nullptr;
  int kmod = -1;
  if (const Assign* a = assign(s); a != nullptr && a->value.is(Expr::Kind::kCall)) {
    int m = -1, i = -1;
    if (find_class(s.module, a->value.name, m, i)) {
      k = &modules_[static_cast<std::size_t>(m)].classes[static_cast<std::size_t>(i)];
      kmod = m;
    }
  } else if (const Class* c = klass(s)) {
    k = c;
    kmod = s.module;
  }
  if (k == nullptr || s.rest.find('.') != std::string::npos) return std::nullopt;
  for (const Field& f : k->fields) {
    if (f.name == s.rest && f.has_default) return string_value(kmod, f.default_value, depth + 1);
  }
  for (const auto& a : k->assigns) {
    if (a.first == s.rest) return string_value(kmod, a.second, depth + 1);
  }
  return std::nullopt;
}

std::optional<std::string> Project::string_value(int from, const Expr& e, int depth) const {
  if (depth > kMaxResolveDepth) return std::nullopt;
  switch (e.kind) {
    case Expr::Kind::kString:
      return e.value;
    case Expr::Kind::kConcat: {
      std::string out;
      for (const Expr& part : e.items) {
        auto v = string_value(from, part, depth + 1);
        if (!v) return std::nullopt;
        out += *v;
      }
      return out;
    }
    case Expr::Kind::kName: {
      const Symbol s = resolve(from, e.name);
      if (const Assign* a = assign(s); a != nullptr && s.rest.empty())
        return string_value(s.module, a->value, depth + 1);
      if (!s.rest.empty()) return attribute_string(s, depth);
      return std::nullopt;
    }
    case Expr::Kind::kCall: {
      const std::string callee = canonical(from, e.name);
      if ((callee == "os.getenv" || callee == "os.environ.get" || callee == "getenv") && e.arg(1) != nullptr) {
        return string_value(from, *e.arg(1), depth + 1);
      }
      if (callee == "str" && e.arg(0) != nullptr) return string_value(from, *e.arg(0), depth + 1);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

const std::vector<Expr>* Project::list_value(int from, const Expr& e, int& list_module) const {
  if (e.is(Expr::Kind::kList)) {
    list_module = from;
    return &e.items;
  }
  if (!e.is(Expr::Kind::kName)) return nullptr;
  const Symbol s = resolve(from, e.name);
  const Assign* a = assign(s);
  if (a == nullptr || !s.rest.empty() || !a->value.is(Expr::Kind::kList)) return nullptr;
  list_module = s.module;
  return &a->value.items;
}

}  // namespace smeltsec::analyze::code::py
