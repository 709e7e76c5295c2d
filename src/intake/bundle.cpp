#include "smeltsec/bundle.h"

#include <algorithm>
#include <vector>

namespace smeltsec {

std::string normalize_bundle_path(std::string_view path) {
  if (path.empty() || path.find('\0') != std::string_view::npos) return {};
  std::string p(path);
  for (char& c : p) {
    if (c == '\\') c = '/';
  }
  if (p[0] == '/' || (p.size() > 1 && p[1] == ':')) return {};  // absolute, or a drive letter
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string part = p.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return {};
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Status SourceBundle::check_file(std::string_view path, std::size_t size) const {
  // Long paths are shown shortened, at a code point boundary so that the message stays valid UTF-8.
  std::size_t shown = std::min<std::size_t>(path.size(), 200);
  while (shown > 0 && shown < path.size() && (static_cast<unsigned char>(path[shown]) & 0xC0) == 0x80) --shown;
  const std::string where(path.substr(0, shown));
  if (path.size() > limits_.max_path_bytes) {
    return Error{"path_limit", "the path is longer than " + std::to_string(limits_.max_path_bytes) + " bytes", where};
  }
  std::string norm = normalize_bundle_path(path);
  if (norm.empty()) return Error{"bad_path", "the path is empty, absolute or leaves the bundle root", where};
  if (files_.size() >= limits_.max_files) {
    return Error{"file_limit", "the bundle already holds " + std::to_string(limits_.max_files) + " files", where};
  }
  if (size > limits_.max_document_bytes) {
    return Error{"size_limit",
                 "the file is " + std::to_string(size) + " bytes; the limit is " +
                     std::to_string(limits_.max_document_bytes),
                 where};
  }
  if (total_bytes_ + size > limits_.max_bundle_bytes) {
    return Error{"size_limit", "the bundle would exceed " + std::to_string(limits_.max_bundle_bytes) + " bytes", where};
  }
  if (files_.count(norm)) return Error{"duplicate_path", "the bundle already has this file", norm};
  return Ok{};
}

Status SourceBundle::add_file(std::string_view path, std::string bytes) {
  if (auto ok = check_file(path, bytes.size()); !ok) return ok;
  total_bytes_ += bytes.size();
  files_.emplace(normalize_bundle_path(path), std::move(bytes));
  return Ok{};
}

const std::string* SourceBundle::find(std::string_view path) const {
  auto it = files_.find(std::string(path));
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace smeltsec
