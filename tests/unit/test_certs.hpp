// test_certs.hpp - certificate chains made in memory for the checkers' unit tests (DANE matching,
// rollover readiness), so that record data is computed from real DER, never written by hand.
#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace mc::test {

struct Chain {
  std::vector<std::string> der;  // leaf first, then its issuing CA
  std::string ca_pem;            // the CA, for a trust store
};

// make_chain - a P-256 CA (of its own name, so that several fit one trust store) and a leaf for
// host (subjectAltName DNS:host) issued by it, valid from not_before to not_after; with rsa_bits
// the leaf key is RSA of that size instead. Each call makes new keys.
Chain make_chain(const std::string& host, std::time_t not_before, std::time_t not_after,
                 unsigned rsa_bits = 0);

}  // namespace mc::test
