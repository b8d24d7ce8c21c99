// profile.hpp - compliance profiles: a published baseline's mail requirements judged from a
// finished Report. PURE: no lookups; what the audit did not observe is "unknown", never a pass.
//
// Profiles (requirements and their sources in docs/profiles.md):
//   nz-sge     New Zealand Secure Government Email (SGE) Common Implementation Framework (DIA)
//   bod-18-01  US CISA Binding Operational Directive 18-01, "Enhance Email and Web Security"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/report_model.hpp"

namespace mc::audit {

std::vector<std::string_view> profile_names();
bool is_profile(std::string_view name);
std::string_view profile_label(std::string_view name);  // short, for a menu; "" if unknown

// evaluate_profile - nullopt for an unknown name. dkim_selectors_given: whether the audit looked
// at selectors the user named (without them, a key not found is not proof of no DKIM).
std::optional<ProfileReport> evaluate_profile(std::string_view name, const Report& report,
                                              bool dkim_selectors_given);

// with_profile - a copy of report with the profile's verdict added (report unchanged when name
// is empty).
Report with_profile(const Report& report, std::string_view name, bool dkim_selectors_given);

}  // namespace mc::audit
