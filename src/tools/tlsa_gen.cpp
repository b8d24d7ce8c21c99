// tlsa_gen.cpp - see tlsa_gen.hpp.
#include "tools/tlsa_gen.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

namespace mc::tools {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
void bio_free(BIO* b) { BIO_free(b); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, bio_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

X509Ptr parse_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

int no_passphrase(char*, int, int, void*) { return -1; }  // never prompt

std::vector<std::uint8_t> digest(const std::string& data, std::uint8_t mtype) {
  if (mtype == 0) return {data.begin(), data.end()};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, mtype == 1 ? EVP_sha256() : EVP_sha512(), nullptr);
  return {md, md + len};
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

Result<TlsaInput> load_tlsa_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::kNotFound,
                      fmt::format("cannot read '{}'; give a certificate, chain or key file", path));
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TlsaInput out;
  const bool pem = bytes.find("-----BEGIN ") != std::string::npos;
  if (pem) {
    if (bytes.find("ENCRYPTED") != std::string::npos) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' is an encrypted private key; give the certificate or the "
                                    "public key instead (openssl pkey -pubout)",
                                    path));
    }
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
      out.chain_der.push_back(der_of(c));
      X509_free(c);
    }
    ERR_clear_error();
    if (out.chain_der.empty()) {
      BioPtr kbio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
      PkeyPtr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, no_passphrase, nullptr));
      if (!key) {
        BioPtr pbio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        key.reset(PEM_read_bio_PUBKEY(pbio.get(), nullptr, no_passphrase, nullptr));
      }
      ERR_clear_error();
      if (key) out.key_spki_der = spki_of(key.get());
    }
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    if (X509Ptr c{d2i_X509(nullptr, &p, static_cast<long>(bytes.size()))}) {
      out.chain_der.push_back(der_of(c.get()));
    } else {
      p = reinterpret_cast<const unsigned char*>(bytes.data());
      PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
      if (!key) {
        p = reinterpret_cast<const unsigned char*>(bytes.data());
        key.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes.size())));
      }
      if (key) out.key_spki_der = spki_of(key.get());
    }
    ERR_clear_error();
  }
  if (out.chain_der.empty() && out.key_spki_der.empty()) {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("'{}' holds no certificate and no key (PEM or DER expected)", path));
  }
  return out;
}

Result<TlsaParams> parse_tlsa_params(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words((std::istream_iterator<std::string>(in)),
                                 std::istream_iterator<std::string>());
  if (words.size() != 3) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("TLSA parameters '{}' need three parts: usage selector matching "
                                  "type, e.g. '3 1 1' or 'DANE-EE SPKI SHA2-256'",
                                  text));
  }
  auto pick = [&](const std::string& w, std::initializer_list<const char*> names,
                  std::string_view what) -> Result<std::uint8_t> {
    std::uint8_t i = 0;
    for (const char* n : names) {
      if (upper(w) == n || w == std::to_string(i)) return i;
      ++i;
    }
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("'{}' is not a TLSA {} (use a number or its RFC 7218 name)", w, what));
  };
  auto u = pick(words[0], {"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"}, "usage");
  if (!u) return tl::unexpected(u.error());
  auto s = pick(words[1], {"CERT", "SPKI"}, "selector");
  if (!s) return tl::unexpected(s.error());
  auto m = pick(words[2], {"FULL", "SHA2-256", "SHA2-512"}, "matching type");
  if (!m) return tl::unexpected(m.error());
  return TlsaParams{*u, *s, *m};
}

Result<policy::TlsaRecord> make_tlsa(const TlsaInput& input, const TlsaParams& p,
                                     int chain_position) {
  const bool ca_usage = p.usage == 0 || p.usage == 2;
  std::string data;
  if (input.chain_der.empty()) {
    // A bare key: only the SubjectPublicKeyInfo is known.
    if (p.selector != 1) {
      return make_error(ErrorKind::kInvalidInput,
                        "a key has no certificate: use selector 1 (SPKI), or give the certificate");
    }
    if (ca_usage) {
      return make_error(ErrorKind::kInvalidInput,
                        "usage 0/2 needs the CA certificate; give the chain, not a key");
    }
    data = input.key_spki_der;
  } else {
    int pos = chain_position >= 0 ? chain_position : (ca_usage ? 1 : 0);
    if (ca_usage && pos == 0) {
      return make_error(ErrorKind::kInvalidInput,
                        "usage 0/2 names a CA certificate; chain position 0 is the leaf");
    }
    if (pos >= static_cast<int>(input.chain_der.size())) {
      X509Ptr leaf = parse_der(input.chain_der[0]);
      // Issuer equal to subject: self-issued (its key usage need not allow certificate signing).
      const bool self_signed = leaf && X509_NAME_cmp(X509_get_subject_name(leaf.get()),
                                                     X509_get_issuer_name(leaf.get())) == 0;
      ERR_clear_error();
      return make_error(
          ErrorKind::kInvalidInput,
          self_signed ? std::string("usage 0/2 on a self-signed certificate: there is no issuer; "
                                    "use usage 3 (DANE-EE)")
                      : fmt::format("the chain has {} certificate(s), so there is no position "
                                    "{}; give the full chain (leaf first)",
                                    input.chain_der.size(), pos));
    }
    const std::string& cert = input.chain_der[static_cast<std::size_t>(pos)];
    if (p.selector == 0) {
      data = cert;
    } else {
      X509Ptr c = parse_der(cert);
      if (!c) return make_error(ErrorKind::kInvalidInput, "a certificate in the chain is invalid");
      EVP_PKEY* key = X509_get0_pubkey(c.get());
      if (key == nullptr) {
        ERR_clear_error();
        return make_error(ErrorKind::kInvalidInput, "a certificate has an unreadable key");
      }
      data = spki_of(key);
    }
  }
  policy::TlsaRecord r;
  r.usage = p.usage;
  r.selector = p.selector;
  r.matching_type = p.matching_type;
  r.data = digest(data, p.matching_type);
  return r;
}

std::vector<policy::TlsaRecord> recommended_tlsa(const TlsaInput& input) {
  std::vector<policy::TlsaRecord> out;
  if (auto ee = make_tlsa(input, {3, 1, 1})) out.push_back(*ee);
  if (input.chain_der.size() > 1) {
    if (auto ta = make_tlsa(input, {2, 1, 1})) out.push_back(*ta);
  }
  return out;
}

std::string tlsa_owner(const std::string& host, std::uint16_t port, const std::string& proto) {
  return fmt::format("_{}._{}.{}.", port, proto, host);
}

}  // namespace mc::tools
