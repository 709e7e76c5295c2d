// Errors are values: every public call returns a Result, and nothing throws across the API.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace smeltsec {

// A structured error. `code` is a stable machine-readable identifier (snake_case), `message` a sentence
// for people, `where` the location (file, file:line:col, or file#/json/pointer), empty when none applies.
struct Error {
  std::string code;
  std::string message;
  std::string where;
  // Bundle paths the host should add before calling again (e.g. files that `$ref`s point to).
  std::vector<std::string> needs;
};

template <class T>
class Result {
 public:
  Result(T value) : ok_(true), value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : ok_(false), error_(std::move(error)) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const T& value() const& { return value_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  const Error& error() const { return error_; }

 private:
  bool ok_;
  T value_{};
  Error error_;
};

// A Result without a value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace smeltsec
