// certificate.cpp - see certificate.hpp.
#include "tls/certificate.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "policy/tlsa.hpp"

namespace mc::tls {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
void bio_free(BIO* b) { BIO_free(b); }
void x509_stack_free(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, bio_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), x509_stack_free>>;

X509Ptr from_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string sha256_hex(const unsigned char* data, std::size_t len) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(data, len, md, &md_len, EVP_sha256(), nullptr);
  return policy::hex(std::vector<std::uint8_t>(md, md + md_len));
}

std::pair<std::string, std::int64_t> asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {"", 0};
  const std::time_t when = timegm(&tm);
  return {rfc3339(when), static_cast<std::int64_t>(when)};
}

}  // namespace

Result<CertificateInfo> inspect_certificate(const std::string& der) {
  X509Ptr cert = from_der(der);
  if (!cert) {
    ERR_clear_error();
    return make_error(ErrorKind::kMalformed, "the certificate is not valid DER");
  }
  CertificateInfo info;
  info.subject = name_text(X509_get_subject_name(cert.get()));
  info.issuer = name_text(X509_get_issuer_name(cert.get()));
  std::tie(info.not_before, info.not_before_epoch) = asn1_time(X509_get0_notBefore(cert.get()));
  std::tie(info.not_after, info.not_after_epoch) = asn1_time(X509_get0_notAfter(cert.get()));
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(sans);
  if (EVP_PKEY* key = X509_get0_pubkey(cert.get())) {
    info.key_type = EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
    info.key_bits = EVP_PKEY_get_bits(key);
    char curve[64];
    size_t curve_len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &curve_len) == 1) {
      info.curve = std::string(curve, curve_len);
    }
  }
  info.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(cert.get()));
  info.sha256 = sha256_hex(reinterpret_cast<const unsigned char*>(der.data()), der.size());
  unsigned char* spki = nullptr;
  int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (spki_len > 0) {
    info.spki_sha256 = sha256_hex(spki, static_cast<std::size_t>(spki_len));
    OPENSSL_free(spki);
  }
  info.self_signed = X509_check_issued(cert.get(), cert.get()) == X509_V_OK;
  ERR_clear_error();
  return info;
}

std::string der_to_pem(const std::string& der) {
  X509Ptr cert = from_der(der);
  if (!cert) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// trust_store - the system CAs plus extra_ca_file, loaded once and shared: parsing the system
// bundle costs far more than a verification, and an audit verifies every MX address's chain and
// the MTA-STS policy host's. A changed extra file (by modification time) is loaded afresh.
static std::shared_ptr<X509_STORE> trust_store(const std::string& extra_ca_file) {
  struct Entry {
    std::shared_ptr<X509_STORE> store;
    std::filesystem::file_time_type mtime;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  std::error_code ec;
  const auto mtime = extra_ca_file.empty() ? std::filesystem::file_time_type{}
                                           : std::filesystem::last_write_time(extra_ca_file, ec);
  std::lock_guard lock(mutex);
  if (auto it = cache.find(extra_ca_file); it != cache.end() && it->second.mtime == mtime) {
    return it->second.store;
  }
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_set_default_paths(store.get());
  if (!extra_ca_file.empty()) X509_STORE_load_file(store.get(), extra_ca_file.c_str());
  ERR_clear_error();
  cache[extra_ca_file] = Entry{store, mtime};
  return store;
}

void preload_trust_store(const std::string& extra_ca_file) { (void)trust_store(extra_ca_file); }

PkixVerdict verify_pkix(const std::vector<std::string>& chain_der, const std::string& host,
                        const std::string& extra_ca_file, std::time_t now) {
  PkixVerdict v;
  if (chain_der.empty()) {
    v.error = "the server sent no certificate";
    return v;
  }
  X509Ptr leaf = from_der(chain_der[0]);
  if (!leaf) {
    v.error = "the server's certificate is not valid DER";
    ERR_clear_error();
    return v;
  }
  X509StackPtr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain_der.size(); ++i) {
    if (X509Ptr c = from_der(chain_der[i])) sk_X509_push(untrusted.get(), c.release());
  }
  std::shared_ptr<X509_STORE> store = trust_store(extra_ca_file);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, now);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  v.error_code = X509_STORE_CTX_get_error(ctx.get());
  v.chain_trusted = ok;
  if (!ok) v.error = X509_verify_cert_error_string(v.error_code);
  // RFC 6125 DNS-ID match on SANs only (no CN fallback).
  v.name_matches = X509_check_host(leaf.get(), host.data(), host.size(),
                                   X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
  if (ok && !v.name_matches) v.error = fmt::format("the certificate is not valid for {}", host);
  v.valid = ok && v.name_matches;
  ERR_clear_error();
  return v;
}

}  // namespace mc::tls
