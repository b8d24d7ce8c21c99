// pem.hpp - reading certificates that the user names (e.g. --ca-file).
#pragma once

#include <string>

#include "core/result.hpp"

namespace mc::tls {

// count_pem_certificates - the number of PEM certificates in path; an error says what is wrong
// (missing file, not PEM, no certificate at all).
Result<int> count_pem_certificates(const std::string& path);

}  // namespace mc::tls
