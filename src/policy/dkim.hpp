// dkim.hpp - DKIM public key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463). PURE (no I/O; the
// key itself is decoded with OpenSSL to learn its type and size).
//
// parse_dkim_key(txt) - the tag list (§3.2: case-sensitive names, a repeated tag invalidates the
//   record, unknown tags ignored), v= (first, exactly DKIM1), k=, h=, s=, t=, n= and p=. The key
//   in p= is base64-decoded and parsed: RSA as SubjectPublicKeyInfo or, per erratum 3017,
//   RSAPublicKey; Ed25519 as the raw 32-octet key (RFC 8463 §4.2). Errors make the record unusable
//   for verifiers; an empty p= is a revoked key, not an error.
// Fuzzed by tests/fuzz/fuzz_dkim.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mc::policy::dkim {

enum class KeyType { kRsa, kEd25519, kUnknown };

struct Key {
  bool has_version = false;
  std::string k = "rsa";
  std::vector<std::string> hashes;    // h=; empty: all allowed
  std::vector<std::string> services;  // s=; default "*"
  std::vector<std::string> flags;     // t=
  std::string notes;                  // n=
  bool revoked = false;               // p= empty
  KeyType type = KeyType::kUnknown;
  int bits = 0;                   // RSA modulus size; 256 for Ed25519
  std::string format;             // "SubjectPublicKeyInfo", "RSAPublicKey", "Ed25519 raw"
  std::vector<std::string> tags;  // tag names in order

  bool testing() const;  // t=y
  bool strict() const;   // t=s
  bool sha256_allowed() const;
  bool for_email() const;  // s= includes "email" or "*"
};

struct ParseResult {
  Key key;
  std::vector<std::string> errors;  // the record cannot be used to verify
  bool is_key_record = false;       // has a p= tag (a TXT without one is some other text)
  bool ok() const { return errors.empty(); }
};

ParseResult parse_dkim_key(std::string_view txt);

std::string_view to_string(KeyType t);

}  // namespace mc::policy::dkim
