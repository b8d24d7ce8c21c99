// domain_list.cpp - see domain_list.hpp.
#include "survey/domain_list.hpp"

#include <unordered_set>

#include "core/domain_name.hpp"
#include "core/text.hpp"

namespace mc::survey {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\f\v");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\f\v") - first + 1);
}

}  // namespace

DomainList parse_domain_list(std::string_view text) {
  DomainList out;
  std::unordered_set<std::string> seen;
  std::size_t number = 0;
  for (std::size_t start = 0; start <= text.size(); ++number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const std::string_view name = trim(line.substr(0, line.find('#')));
    if (name.empty()) continue;
    auto domain = DomainName::parse(name);
    if (!domain) {
      out.rejected.push_back({number + 1, printable(name), domain.error().message});
    } else if (!seen.insert(domain->str()).second) {
      ++out.duplicates;
    } else {
      out.domains.push_back(domain->str());
    }
  }
  return out;
}

}  // namespace mc::survey
