// errors.hpp - how the network clients (SMTP probe, HTTPS fetch) name what went wrong: a short
// kind for the report model and a sentence for people.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>

namespace mc::net {

// describe_ec - a sentence ("connection refused", "the server reset the connection").
std::string describe_ec(const boost::system::error_code& ec);
// kind_of - "closed", "reset", "refused", "unreachable", "tls" or "error".
std::string kind_of(const boost::system::error_code& ec);
// openssl_errors - OpenSSL's error queue, emptied, as one line ("" when empty).
std::string openssl_errors();

}  // namespace mc::net
