// domain_list.hpp - a survey's list of domains, one per line: PURE (text in, list out).
//
// `#` starts a comment; blank lines are skipped; a name may be an IDN (stored in A-label form);
// a name given twice is kept once (and counted); a line that is not a domain name is kept with
// its number and the reason, and the rest of the list goes on.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mc::survey {

struct RejectedLine {
  std::size_t line = 0;  // from 1
  std::string text;      // as written (printable form)
  std::string why;
};

struct DomainList {
  std::vector<std::string> domains;  // A-label form, in first-seen order
  std::vector<RejectedLine> rejected;
  std::size_t duplicates = 0;
};

DomainList parse_domain_list(std::string_view text);

}  // namespace mc::survey
