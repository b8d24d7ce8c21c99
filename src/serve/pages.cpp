// pages.cpp - see pages.hpp.
#include "serve/pages.hpp"

#include <fmt/format.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "audit/profile.hpp"
#include "report/render.hpp"

namespace mc::serve {
namespace {

using report::html_escape;

std::string head(std::string_view title) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
      "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\n"
      "<script src=\"/static/app.js\" defer></script>\n</head>\n<body>\n"
      "<header class=\"site\"><a href=\"/\" class=\"brand\">MailCheck</a> "
      "<span class=\"meta\">mail transport and sender authentication, checked</span></header>\n"
      "<main>\n",
      html_escape(title));
}

constexpr std::string_view kFoot =
    "</main>\n<footer class=\"meta\">DNSSEC is validated by this checker, never taken on trust. "
    "JSON: <code>/api/v1/check?domain=…</code></footer>\n</body>\n</html>\n";

std::string form(std::string_view value, std::string_view profile = {}) {
  std::string options = "<option value=\"\">no compliance profile</option>\n";
  for (const auto name : audit::profile_names()) {
    options += fmt::format("<option value=\"{}\"{}>{}</option>\n", name,
                           profile == name ? " selected" : "", audit::profile_label(name));
  }
  return fmt::format(
      "<form class=\"check\" action=\"/check\" method=\"get\" role=\"search\">\n"
      "<label for=\"domain\">Mail domain</label>\n"
      "<input id=\"domain\" name=\"domain\" type=\"text\" required maxlength=\"253\" "
      "autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\" "
      "placeholder=\"example.co.nz\" value=\"{}\">\n"
      "<label for=\"profile\" class=\"visually-hidden\">Compliance profile</label>\n"
      "<select id=\"profile\" name=\"profile\">\n{}</select>\n"
      "<button type=\"submit\">Check</button>\n</form>\n",
      html_escape(value), options);
}

}  // namespace

// RFC 3986 §2.1 and §2.3: unreserved characters stay, every other octet is %HH (upper case).
std::string url_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string home_page(std::string_view value, std::string_view error) {
  std::string out = head("MailCheck: check a mail domain");
  out += "<h1>Check a mail domain</h1>\n";
  out +=
      "<p>MX, DNSSEC, DANE, STARTTLS, MTA-STS, TLS-RPT, SPF, DKIM, DMARC and BIMI: what senders "
      "see, and exactly what to publish to fix what is wrong.</p>\n";
  if (!error.empty()) {
    out += fmt::format("<p class=\"error\" role=\"alert\">{}</p>\n", html_escape(error));
  }
  out += form(value);
  out += kFoot;
  return out;
}

std::string result_page(const Report& report) {
  std::string out = head("MailCheck report for " + report.domain_unicode);
  out += form(report.domain_unicode, report.profile ? report.profile->name : "");
  out += fmt::format(
      "<article id=\"report\" data-state=\"done\" data-domain=\"{}\">\n"
      "<h1>MailCheck report for {}</h1>\n<div id=\"meta\">{}</div>\n",
      html_escape(report.domain), html_escape(report.domain_unicode),
      report::render_html_meta(report));
  out += fmt::format(
      "<p class=\"meta\" id=\"progress\">The same report as <a href=\"/api/v1/"
      "check?domain={}\">JSON</a>.</p>\n",
      url_encode(report.domain));
  out += "<div id=\"overview\">" + report::render_html_overview(report) + "</div>\n";
  for (const auto& a : report.areas) out += report::render_html_area(a);
  out += "</article>\n";
  out += kFoot;
  return out;
}

std::string pending_page(std::string_view domain, std::string_view domain_unicode,
                         std::string_view profile) {
  std::string out = head(fmt::format("MailCheck report for {}", domain_unicode));
  out += form(domain_unicode, profile);
  out += fmt::format(
      "<article id=\"report\" data-state=\"pending\" data-domain=\"{}\" data-profile=\"{}\" "
      "aria-busy=\"true\">\n"
      "<h1>MailCheck report for {}</h1>\n<div id=\"meta\"></div>\n"
      "<p class=\"meta\" id=\"progress\" role=\"status\" aria-live=\"polite\">Checking… "
      "(results appear as each check completes)</p>\n"
      "<noscript><p>JavaScript is off: <a href=\"/check?domain={}&amp;profile={}&amp;wait=1\">"
      "open the whole report</a> once it is ready.</p></noscript>\n"
      "<div id=\"overview\"></div>\n",
      html_escape(domain), html_escape(profile), html_escape(domain_unicode), url_encode(domain),
      url_encode(profile));
  for (std::size_t i = 0; i < kAreaCount; ++i) {
    const auto area = to_string(static_cast<Area>(i));
    out += fmt::format(
        "<section id=\"{0}\" class=\"pending\"><h2>{0} <span class=\"status "
        "checking\">checking</span></h2></section>\n",
        area);
  }
  out += "</article>\n";
  out += kFoot;
  return out;
}

std::string message_page(std::string_view title, std::string_view message) {
  std::string out = head(title);
  out += fmt::format("<h1>{}</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n", html_escape(title),
                     html_escape(message));
  out += form("");
  out += kFoot;
  return out;
}

std::string_view app_js() {
  return R"JS("use strict";
// Fills a pending report from the server's event stream: each area replaces its placeholder as
// soon as the server has decided it; the overview (grade, summary, what to fix first) comes last.
// The HTML fragments are rendered and escaped by the server.
(function () {
  const report = document.getElementById("report");
  if (!report || report.dataset.state !== "pending") return;
  const progress = document.getElementById("progress");
  const total = report.querySelectorAll("section.pending").length;
  let decided = 0;
  const source = new EventSource("/api/v1/events?domain=" +
                                 encodeURIComponent(report.dataset.domain) +
                                 (report.dataset.profile ?
                                  "&profile=" + encodeURIComponent(report.dataset.profile) : ""));
  const finish = (state, text) => {
    report.dataset.state = state;
    report.removeAttribute("aria-busy");
    progress.textContent = text;
    source.close();
  };
  source.addEventListener("area", (event) => {
    const data = JSON.parse(event.data);
    const slot = document.getElementById(data.area);
    if (slot && slot.classList.contains("pending")) {
      slot.outerHTML = data.html;
      decided += 1;
      progress.textContent = "Checking… " + decided + " of " + total + " checks done";
    }
  });
  source.addEventListener("done", (event) => {
    const data = JSON.parse(event.data);
    document.getElementById("meta").innerHTML = data.meta;
    document.getElementById("overview").innerHTML = data.overview;
    finish("done", "Done in " + (data.elapsed_ms / 1000).toFixed(1) + " s.");
  });
  source.addEventListener("failed", (event) => {
    const data = JSON.parse(event.data);
    finish("failed", "The audit could not run: " + data.error);
  });
  // A dropped stream reconnects by itself and the server replays what is known (placeholders
  // already filled stay as they are); only a stream the browser gave up on is a failure.
  source.onerror = () => {
    if (report.dataset.state !== "pending") return;
    if (source.readyState === EventSource.CLOSED) {
      finish("failed", "The connection to the server was lost; reload the page to try again.");
    } else {
      progress.textContent = "Reconnecting…";
    }
  };
})();
)JS";
}

std::string_view icon_svg() {
  // An envelope with a tick: the checker's icon, so browsers do not ask for /favicon.ico.
  return R"SVG(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="7" width="28" height="19" rx="2" fill="#0c4a7a"/><path d="M3 9l13 9 13-9" fill="none" stroke="#fff" stroke-width="2"/><circle cx="25" cy="23" r="6" fill="#0b5d1e"/><path d="M22 23l2 2 4-4" fill="none" stroke="#fff" stroke-width="2"/></svg>
)SVG";
}

std::string app_css() {
  std::string css(report::html_style());
  css += R"CSS(
header.site{display:flex;gap:1rem;align-items:baseline;border-bottom:1px solid #ddd;padding-bottom:.5rem}
.brand{font-weight:700;font-size:1.2rem;color:#1b1b1b;text-decoration:none}
form.check{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1.2rem 0}
form.check label{font-weight:600}
form.check input{flex:1 1 16rem;font-size:1.05rem;padding:.45rem .6rem;border:1px solid #888;border-radius:.3rem}
form.check select{font-size:1rem;padding:.4rem;border:1px solid #888;border-radius:.3rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
form.check button{font-size:1.05rem;padding:.45rem 1.1rem;border:0;border-radius:.3rem;background:#0c4a7a;color:#fff;cursor:pointer}
form.check button:focus,form.check input:focus{outline:3px solid #e0a800;outline-offset:1px}
.error{background:#fde0e0;color:#8a1010;padding:.5rem .8rem;border-radius:.3rem}
section.pending{color:#777}
.status.checking{background:#eee;color:#555}
footer{margin-top:3rem;border-top:1px solid #ddd;padding-top:.5rem}
@media print{header.site,form.check,footer{display:none}}
)CSS";
  return css;
}

}  // namespace mc::serve
