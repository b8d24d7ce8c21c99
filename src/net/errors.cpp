// errors.cpp - see errors.hpp.
#include "net/errors.hpp"

#include <openssl/err.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace mc::net {

namespace asio = boost::asio;

std::string describe_ec(const boost::system::error_code& ec) {
  if (ec == asio::error::eof) return "the server closed the connection";
  if (ec == asio::error::connection_reset) return "the server reset the connection";
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return "address unreachable from here";
  }
  return ec.message();
}

std::string kind_of(const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return "closed";
  if (ec == asio::error::connection_reset) return "reset";
  if (ec == asio::error::connection_refused) return "refused";
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return "unreachable";
  }
  if (ec.category() == asio::error::get_ssl_category()) return "tls";
  return "error";
}

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace mc::net
