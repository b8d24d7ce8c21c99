// html_render.cpp - the HTML report: one self-contained, accessible, printable file. Everything
// from the Report is escaped; no scripts, no external assets.
#include <fmt/format.h>

#include <algorithm>

#include "core/findings.hpp"
#include "report/render.hpp"

namespace mc::report {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string esc(std::string_view s) { return html_escape(s); }

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
.status{font-weight:700;text-transform:uppercase;padding:.1rem .45rem;border-radius:.3rem;font-size:.85rem}
.pass{background:#dff3e3;color:#0b5d1e}.warn{background:#fff1cc;color:#6b4e00}
.fail{background:#fde0e0;color:#8a1010}.none{background:#e2eef9;color:#0c4a7a}.error{background:#efe3f6;color:#5b1a7a}
.sev-critical{color:#8a1010}.sev-warning{color:#6b4e00}.sev-info{color:#0c4a7a}
.finding{border-left:4px solid #ccc;padding:.2rem .8rem;margin:.8rem 0}
.finding.critical{border-color:#c62828}
ol.fix-first li{margin:.3rem 0}.finding.warning{border-color:#e0a800}.finding.info{border-color:#1e6fb8}
pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
@media print{body{margin:0;max-width:none}.finding{break-inside:avoid}}
)";

}  // namespace

std::string_view html_style() { return kStyle; }

std::string render_html_overview(const Report& report) {
  std::string out;
  if (report.dns_failure) {
    out += fmt::format("<p class=\"grade\">Not graded: {}</p>\n<p>{}</p>\n",
                       esc(report.dns_failure->what), esc(report.dns_failure->advice));
  }
  if (report.grade) {
    const Grade& g = *report.grade;
    out += fmt::format("<p class=\"grade\">Grade <strong>{}</strong> ({}/100){}{}{}</p>\n",
                       esc(g.letter), g.score,
                       g.non_mail_domain ? " as a domain that sends no mail" : "",
                       g.incomplete ? ", incomplete" : "",
                       g.capped_by.empty() ? "" : "; capped: " + esc(g.capped_by));
  }
  out +=
      "<table>\n<caption class=\"meta\">Summary</caption>\n<thead><tr><th scope=\"col\">Check"
      "</th><th scope=\"col\">Status</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n";
  for (const auto& a : report.areas) {
    out += fmt::format(
        "<tr><th scope=\"row\"><a href=\"#{0}\">{0}</a></th><td><span class=\"status "
        "{1}\">{1}</span>"
        "</td><td>{2}</td></tr>\n",
        to_string(a.area), to_string(a.status), esc(a.summary));
    // Advice about the future (e.g. DANE rollover readiness): its own row, not the verdict.
    for (const auto& adv : a.advisories) {
      const char* cls = adv.status == "ready"       ? "pass"
                        : adv.status == "not_ready" ? "warn"
                                                    : "none";
      std::string label = adv.status;
      std::replace(label.begin(), label.end(), '_', ' ');
      out += fmt::format(
          "<tr class=\"advisory\"><th scope=\"row\">{} {}</th><td><span class=\"status {}\">{}"
          "</span></td><td>{}</td></tr>\n",
          to_string(a.area), esc(adv.name), cls, esc(label), esc(adv.summary));
    }
  }
  for (const auto& n : report.not_tested) {
    out += fmt::format(
        "<tr><th scope=\"row\">{}</th><td><span class=\"status none\">not tested</span></td>"
        "<td>{}</td></tr>\n",
        to_string(n.area), esc(n.reason));
  }
  out += "</tbody>\n</table>\n";
  if (report.profile) {
    const ProfileReport& p = *report.profile;
    out += fmt::format(
        "<h2 id=\"profile\">Profile {}: <span class=\"status {}\">{}</span></h2>\n"
        "<p class=\"meta\">{} requirements of {} met{} · <a href=\"{}\">{}</a></p>\n"
        "<table>\n<thead><tr><th scope=\"col\">Requirement</th><th scope=\"col\">Status</th>"
        "<th scope=\"col\">Observed</th></tr></thead>\n<tbody>\n",
        esc(p.name), p.compliant ? "pass" : "fail", p.compliant ? "compliant" : "not compliant",
        p.passed, p.mandatory,
        p.unknown ? fmt::format(", {} not determinable remotely", p.unknown) : "", esc(p.source),
        esc(p.title));
    for (const auto& r : p.requirements) {
      const char* cls = r.status == "pass" || r.status == "n/a" ? "pass"
                        : r.status == "unknown"                 ? "error"
                                                                : "fail";
      out += fmt::format(
          "<tr><td>{}{}<br><span class=\"meta\">{}</span></td><td><span class=\"status "
          "{}\">{}</span></td><td>{}</td></tr>\n",
          esc(r.requirement), r.mandatory ? "" : " (recommended)", esc(r.source), cls,
          esc(r.status), esc(r.detail));
    }
    out += "</tbody>\n</table>\n";
  }
  // What to fix first: the most important recommendations (in full in the sections below).
  if (const auto first = by_impact(report); !first.empty()) {
    out += "<h2 id=\"fix-first\">Fix first</h2>\n<ol class=\"fix-first\">\n";
    for (std::size_t i = 0; i < first.size() && i < 5; ++i) {
      const Finding& f = *first[i];
      const FindingDef& def = finding_def(f.id);
      out += fmt::format(
          "<li><strong class=\"sev-{0}\">{0}</strong> <a href=\"#{1}\"><code>{2}</code></a>: "
          "{3}</li>\n",
          to_string(def.severity), to_string(def.area), esc(f.id), esc(f.summary));
    }
    out += "</ol>\n";
    if (first.size() > 5) {
      out += fmt::format("<p class=\"meta\">... and {} more below.</p>\n", first.size() - 5);
    }
  }
  return out;
}

std::string render_html_area(const AreaReport& a) {
  std::string out;
  out += fmt::format(
      "<section id=\"{0}\" aria-labelledby=\"h-{0}\">\n<h2 id=\"h-{0}\">{0} "
      "<span class=\"status {1}\">{1}</span></h2>\n",
      to_string(a.area), to_string(a.status));
  if (!a.facts.empty()) {
    out += "<table>\n<tbody>\n";
    for (const auto& f : a.facts) {
      out += fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", esc(f.label),
                         esc(f.value));
    }
    out += "</tbody>\n</table>\n";
  }
  for (const auto& f : a.findings) {
    const FindingDef& def = finding_def(f.id);
    out += fmt::format(
        "<div class=\"finding {0}\">\n<p><strong class=\"sev-{0}\">{0}</strong> "
        "<code>{1}</code>: {2}</p>\n",
        to_string(def.severity), esc(f.id), esc(f.summary));
    out += fmt::format("<p>{}</p>\n", esc(def.explanation));
    if (!f.evidence.empty()) {
      out += "<details><summary>Evidence</summary>\n<pre>";
      for (const auto& e : f.evidence) out += esc(e) + "\n";
      out += "</pre></details>\n";
    }
    if (!f.recommendation.empty()) {
      out += fmt::format("<p>Fix:</p>\n<pre>{}</pre>\n", esc(f.recommendation));
    }
    out += fmt::format("<p class=\"meta\">{}</p>\n</div>\n", esc(def.reference));
  }
  out += "</section>\n";
  return out;
}

std::string render_html_meta(const Report& report) {
  std::string dns =
      report.resolver.mode == "forwarding"
          ? fmt::format("forwarding to {}", fmt::join(report.resolver.forwarders, ", "))
          : std::string("recursive from the root");
  return fmt::format(
      "<p class=\"meta\">{}{} · {} · DNS {}, DNSSEC validated locally · mailcheck {}</p>\n",
      esc(report.domain), report.domain != report.domain_unicode ? " (IDN)" : "",
      esc(report.generated_at), esc(dns), esc(report.tool_version));
}

std::string render_html(const Report& report) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>MailCheck report for {}</title>\n", esc(report.domain_unicode));
  out += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", kStyle);
  out += fmt::format("<h1>MailCheck report for {}</h1>\n", esc(report.domain_unicode));
  out += render_html_meta(report);
  out += render_html_overview(report);
  for (const auto& a : report.areas) out += render_html_area(a);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace mc::report
