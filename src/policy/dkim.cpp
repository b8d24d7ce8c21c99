// dkim.cpp - see dkim.hpp. Section numbers are RFC 6376 unless marked.
#include "policy/dkim.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "policy/text.hpp"

namespace mc::policy::dkim {
namespace {

constexpr auto is_wsp = text::is_fws;
inline std::string_view trim(std::string_view s) { return text::trim_fws(s); }

std::vector<std::string> colon_list(std::string_view v) {
  std::vector<std::string> out;
  std::size_t s = 0;
  while (s <= v.size()) {
    std::size_t e = v.find(':', s);
    if (e == std::string_view::npos) e = v.size();
    const std::string_view item = trim(v.substr(s, e - s));
    if (!item.empty()) out.emplace_back(item);
    if (e == v.size()) break;
    s = e + 1;
  }
  return out;
}

// base64 - RFC 4648 §4 with whitespace removed (§3.6.1: FWS is allowed in p=); nullopt if bad.
std::optional<std::vector<unsigned char>> base64(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (!is_wsp(c)) clean += c;
  }
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  const std::size_t pad = clean.ends_with("==") ? 2 : clean.ends_with('=') ? 1 : 0;
  for (std::size_t i = 0; i < clean.size() - pad; ++i) {
    const char c = clean[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  std::vector<unsigned char> out(clean.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

void decode_key(const std::vector<unsigned char>& der, Key& key, std::vector<std::string>& errors) {
  if (key.k == "ed25519") {
    // RFC 8463 §4.2: p= is the bare 32-octet public key.
    if (der.size() != 32) {
      errors.push_back(fmt::format("an Ed25519 key is 32 octets, this one {}", der.size()));
      return;
    }
    PkeyPtr pk(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, der.data(), der.size()),
               &EVP_PKEY_free);
    if (!pk) {
      errors.push_back("p= is not a valid Ed25519 key");
      return;
    }
    key.type = KeyType::kEd25519;
    key.bits = 256;
    key.format = "Ed25519 raw";
    return;
  }
  const unsigned char* p = der.data();
  PkeyPtr pk(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())), &EVP_PKEY_free);
  if (pk && p == der.data() + der.size()) {
    if (EVP_PKEY_get_base_id(pk.get()) != EVP_PKEY_RSA) {
      errors.push_back("k=rsa, but p= holds a key of another type");
      return;
    }
    key.format = "SubjectPublicKeyInfo";
  } else {
    // §3.6.1 names RSAPublicKey (erratum 3017: real keys are SPKI). Accept both.
    p = der.data();
    pk.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
    if (!pk || p != der.data() + der.size()) {
      errors.push_back(
          "p= is not an RSA public key (neither SubjectPublicKeyInfo nor "
          "RSAPublicKey)");
      return;
    }
    key.format = "RSAPublicKey";
  }
  key.type = KeyType::kRsa;
  key.bits = EVP_PKEY_get_bits(pk.get());
}

}  // namespace

std::string_view to_string(KeyType t) {
  switch (t) {
    case KeyType::kRsa:
      return "rsa";
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kUnknown:
      return "unknown";
  }
  return "?";
}

bool Key::testing() const { return std::find(flags.begin(), flags.end(), "y") != flags.end(); }
bool Key::strict() const { return std::find(flags.begin(), flags.end(), "s") != flags.end(); }
bool Key::sha256_allowed() const {
  return hashes.empty() || std::find(hashes.begin(), hashes.end(), "sha256") != hashes.end();
}
bool Key::for_email() const {
  return services.empty() ||
         std::any_of(services.begin(), services.end(),
                     [](const std::string& s) { return s == "email" || s == "*"; });
}

ParseResult parse_dkim_key(std::string_view txt) {
  ParseResult out;
  Key& key = out.key;
  std::optional<std::string_view> p;
  std::size_t start = 0;
  bool first = true;
  while (start <= txt.size()) {
    std::size_t end = txt.find(';', start);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view part = trim(txt.substr(start, end - start));
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.errors.push_back(fmt::format("'{}' is not a tag=value pair", part));
      } else {
        const std::string name(trim(part.substr(0, eq)));
        const std::string_view value = trim(part.substr(eq + 1));
        if (std::find(key.tags.begin(), key.tags.end(), name) != key.tags.end()) {
          out.errors.push_back(fmt::format("tag '{}' appears more than once (§3.2)", name));
        }
        key.tags.push_back(name);
        if (name == "v") {
          key.has_version = true;
          if (!first) out.errors.push_back("v= must be the first tag (§3.6.1)");
          if (value != "DKIM1") out.errors.push_back(fmt::format("v={} is not DKIM1", value));
        } else if (name == "k") {
          key.k = std::string(value);
          if (key.k != "rsa" && key.k != "ed25519") {
            out.errors.push_back(fmt::format("unknown key type k={}", value));
          }
        } else if (name == "h") {
          key.hashes = colon_list(value);
        } else if (name == "s") {
          key.services = colon_list(value);
        } else if (name == "t") {
          key.flags = colon_list(value);
        } else if (name == "n") {
          key.notes = std::string(value);
        } else if (name == "p") {
          p = value;
        }
      }
      first = false;
    }
    if (end == txt.size()) break;
    start = end + 1;
  }
  if (!p) {
    out.errors.push_back("no p= tag: not a DKIM key record");
    return out;
  }
  out.is_key_record = true;
  if (trim(*p).empty()) {
    key.revoked = true;  // §3.6.1: an empty p= means the key has been revoked
    return out;
  }
  if (key.k != "rsa" && key.k != "ed25519") return out;
  auto der = base64(*p);
  if (!der) {
    out.errors.push_back("p= is not valid base64");
    return out;
  }
  decode_key(*der, key, out.errors);
  return out;
}

}  // namespace mc::policy::dkim
