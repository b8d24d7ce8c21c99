// result.hpp - the project's result type for expected failures.
//
// Expected failures (bad user input, NXDOMAIN, a refused connection, a malformed record) are
// values, never exceptions. mc::Result<T> is the one alias every module uses, so moving to
// std::expected is a one-line change here. Exceptions are reserved for programmer errors and
// start-up configuration.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace mc {

enum class ErrorKind {
  kInvalidInput,  // the user gave something malformed (exit code 2)
  kNotFound,      // a file or resource the user named does not exist (exit code 2)
  kConfig,        // the tool could not be set up as asked (exit code 2)
  kMalformed,     // outside data (DNS, SMTP, HTTPS) could not be parsed
  kInternal,      // a library call failed unexpectedly
};

struct Error {
  ErrorKind kind;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

// make_error - build the unexpected value of a Result.
inline tl::unexpected<Error> make_error(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

}  // namespace mc
