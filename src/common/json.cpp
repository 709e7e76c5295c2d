#include "common/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/text.h"

namespace smeltsec::json {
namespace {

// One linear pass before parsing: bounds nesting (our own walks recurse) and the number of values
// (each costs 16 bytes in the DOM) before any memory is spent on the tree.
Status prescan(std::string_view text, const std::string& file, const Limits& limits) {
  int depth = 0;
  std::size_t values = 1;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > limits.max_nesting) {
          auto [line, col] = smeltsec::text::line_col(text, i);
          return Error{"nesting_limit",
                       "the document nests arrays/objects more than " + std::to_string(limits.max_nesting) +
                           " levels deep",
                       file + ":" + std::to_string(line) + ":" + std::to_string(col)};
        }
        ++values;
        break;
      case ']':
      case '}': --depth; break;
      case ',':
        if (++values > limits.max_values) {
          auto [line, col] = smeltsec::text::line_col(text, i);
          return Error{"value_limit", "the document has more than " + std::to_string(limits.max_values) + " values",
                       file + ":" + std::to_string(line) + ":" + std::to_string(col)};
        }
        break;
      default: break;
    }
  }
  return Ok{};
}

}  // namespace

Status parse(std::string_view text, const std::string& file, const Limits& limits, std::string& buffer,
             Document& out) {
  if (auto st = prescan(text, file, limits); !st) return st;
  buffer.assign(text.data(), text.size());
  constexpr unsigned kFlags =
      rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  out.ParseInsitu<kFlags>(buffer.data());
  if (out.HasParseError()) {
    auto [line, col] = smeltsec::text::line_col(text, out.GetErrorOffset());
    return Error{"json_syntax", std::string("invalid JSON: ") + rapidjson::GetParseError_En(out.GetParseError()),
                 file + ":" + std::to_string(line) + ":" + std::to_string(col)};
  }
  return Ok{};
}

std::string write(const Value& value, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    value.Accept(writer);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

const Value* get(const Value* v, std::string_view key) {
  if (v == nullptr || !v->IsObject()) return nullptr;
  auto it = v->FindMember(Value(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == v->MemberEnd() ? nullptr : &it->value;
}

std::string_view str(const Value* v, std::string_view fallback) {
  if (v == nullptr || !v->IsString()) return fallback;
  return {v->GetString(), v->GetStringLength()};
}

bool is_true(const Value* v) { return v != nullptr && v->IsBool() && v->GetBool(); }

}  // namespace smeltsec::json
