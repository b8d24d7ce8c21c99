// pem.cpp - see pem.hpp.
#include "tls/pem.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace mc::tls {

Result<int> count_pem_certificates(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) {
    ERR_clear_error();
    return make_error(
        ErrorKind::kNotFound,
        fmt::format("cannot read CA file '{}'; give a file of PEM certificates", path));
  }
  int count = 0;
  while (true) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    X509_free(cert);
    ++count;
  }
  const unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  // Reaching the end of the file after at least one certificate is the normal way out.
  if (count == 0 || (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE)) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("CA file '{}' holds no readable PEM certificate", path));
  }
  return count;
}

}  // namespace mc::tls
