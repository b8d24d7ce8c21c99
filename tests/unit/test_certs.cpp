// test_certs.cpp - see test_certs.hpp.
#include "test_certs.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mc::test {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key new_key() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert new_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
              std::time_t not_before, std::time_t not_after, long serial) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_time_adj(X509_getm_notBefore(cert.get()), 0, &not_before);
  X509_time_adj(X509_getm_notAfter(cert.get()), 0, &not_after);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (issuer == nullptr) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), signer, NID_subject_alt_name, ("DNS:" + cn).c_str());
    add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key, EVP_sha256()), 0);
  return cert;
}

std::string der(X509* cert) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  std::string s(reinterpret_cast<char*>(out), static_cast<std::size_t>(n > 0 ? n : 0));
  OPENSSL_free(out);
  return s;
}

std::string pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Chain make_chain(const std::string& host, std::time_t not_before, std::time_t not_after,
                 unsigned rsa_bits) {
  static long serial = 1;
  Key ca_key = new_key();
  Key leaf_key = rsa_bits ? Key(EVP_RSA_gen(rsa_bits), EVP_PKEY_free) : new_key();
  // A CA of its own name (several share one trust store) that outlives the leaf, so that an
  // expired leaf is the only thing expired.
  const std::string ca_name = "MailCheck Test CA " + std::to_string(serial) + " for " + host;
  Cert ca = new_cert(ca_name, ca_key.get(), nullptr, ca_key.get(), not_before - 86400,
                     not_after + 365 * 86400, serial);
  ++serial;
  Cert leaf =
      new_cert(host, leaf_key.get(), ca.get(), ca_key.get(), not_before, not_after, serial++);
  return {{der(leaf.get()), der(ca.get())}, pem(ca.get())};
}

}  // namespace mc::test
