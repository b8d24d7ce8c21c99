// pages.hpp - the web checker's pages and static assets. PURE: strings in, HTML out; everything
// taken from a request or a report is escaped. No inline script or style anywhere, so the
// Content-Security-Policy can forbid both (see kContentSecurityPolicy).
#pragma once

#include <string>
#include <string_view>

#include "core/report_model.hpp"

namespace mc::serve {

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// home_page - the form; value pre-fills it, error (if any) is shown above it.
std::string home_page(std::string_view value = {}, std::string_view error = {});

// result_page - a finished report, whole (the same for every reader: it is rendered once).
std::string result_page(const Report& report);

// pending_page - the report's frame with a placeholder per area; /static/app.js fills it from
// the event stream (/api/v1/events?domain=...). Without JavaScript, a link waits for the whole.
std::string pending_page(std::string_view domain, std::string_view domain_unicode,
                         std::string_view profile = {});

// message_page - an error or a "try later" page (429, 503) with the form.
std::string message_page(std::string_view title, std::string_view message);

std::string_view app_js();
std::string_view icon_svg();
std::string app_css();

// url_encode - percent-encode a query value (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view s);

}  // namespace mc::serve
