// psl.hpp - organizational domains from the Public Suffix List (libpsl), for DMARC (RFC 7489 §3.2).
//
// organizational_domain(name): the registrable domain (public suffix plus one label), e.g.
//   "mail.shop.example.co.nz" -> "example.co.nz". A name that is itself a public suffix (or not
//   under any rule) is returned unchanged. The list is the newest of libpsl's built-in copy and the
//   system's publicsuffix package; psl_source() says which one and how old.
#pragma once

#include <string>
#include <string_view>

namespace mc {

std::string organizational_domain(std::string_view name);
std::string psl_source();

}  // namespace mc
