// psl.cpp - see psl.hpp.
#include "core/psl.hpp"

#include <fmt/format.h>
#include <libpsl.h>

#include <ctime>
#include <memory>

namespace mc {
namespace {

// context - loaded once; psl_latest picks the newer of the built-in and the distribution list.
const psl_ctx_t* context() {
  static std::unique_ptr<psl_ctx_t, void (*)(psl_ctx_t*)> ctx(psl_latest(nullptr), &psl_free);
  return ctx ? ctx.get() : psl_builtin();
}

}  // namespace

std::string organizational_domain(std::string_view name) {
  std::string n(name);
  while (!n.empty() && n.back() == '.') n.pop_back();
  const char* reg = psl_registrable_domain(context(), n.c_str());
  return reg != nullptr ? std::string(reg) : n;
}

std::string psl_source() {
  const std::time_t t = psl_builtin_file_time();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return fmt::format("Public Suffix List (libpsl {}, built-in list of {})", psl_get_version(),
                     date);
}

}  // namespace mc
