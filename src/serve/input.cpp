// input.cpp - see input.hpp.
#include "serve/input.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

namespace mc::serve {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

std::string normalise_domain_input(std::string_view in) {
  in = trim(in);
  for (std::string_view scheme : {"https://", "http://", "mailto:"}) {
    if (starts_with_nocase(in, scheme)) {
      in.remove_prefix(scheme.size());
      break;
    }
  }
  if (auto end = in.find_first_of("/?#"); end != std::string_view::npos) in = in.substr(0, end);
  if (auto at = in.rfind('@'); at != std::string_view::npos) in.remove_prefix(at + 1);
  return std::string(in);
}

std::string canonical_address(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 64) return {};
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return {};
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a.to_string();
}

std::string client_key(std::string_view address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(address), ec);
  if (ec || !a.is_v6() || a.to_v6().is_v4_mapped()) return std::string(address);
  auto bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted) {
  std::string client = canonical_address(peer);
  if (client.empty()) client = std::string(peer);
  auto is_trusted = [&](const std::string& a) {
    return std::find(trusted.begin(), trusted.end(), a) != trusted.end();
  };
  if (!is_trusted(client)) return client;
  // Walk X-Forwarded-For from the right: skip our own proxies, take the first other hop.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const std::string_view entry =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    const std::string hop = canonical_address(entry);
    if (hop.empty()) return client;  // garbage: keep the last address we can vouch for
    if (!is_trusted(hop)) return hop;
    client = hop;
  }
  return client;
}

}  // namespace mc::serve
