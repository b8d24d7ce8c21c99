// input.hpp - what the web checker reads from a request before anything else. PURE.
//
// normalise_domain_input(text): what people paste into a domain field, reduced to the candidate
//   domain: surrounding blanks go, a scheme ("https://", "http://", "mailto:") and anything from
//   the first '/', '?' or '#' go, and an address's local part ("user@") goes. The result still
//   has to pass DomainName::parse.
// client_address(peer, forwarded_for, trusted): the client a request is counted against. The
//   peer's own address unless the peer is a trusted proxy; then the X-Forwarded-For entry just
//   before the trusted proxies at its end (proxies append, so entries further left are whatever
//   the client claimed). An entry that is not an IP address is not believed: the last trusted
//   hop's view wins. IPv4-mapped IPv6 addresses are reported as IPv4.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mc::serve {

std::string normalise_domain_input(std::string_view text);

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

// client_key - what per-client limits count by: an IPv4 address as it is, an IPv6 address by its
// /64 (one subscriber usually holds a whole /64, so counting addresses would count nothing).
// Anything else is returned unchanged.
std::string client_key(std::string_view address);

// canonical_address - an IP address in its canonical text form (IPv4-mapped shown as IPv4), or
// "" when text is not an IP address.
std::string canonical_address(std::string_view text);

}  // namespace mc::serve
