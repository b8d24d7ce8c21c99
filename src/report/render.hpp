// render.hpp - renderers of the Report model: JSON (schema 1), text (80 columns, colour-aware),
// HTML (one self-contained file). Renderers only read the Report: they never look anything up.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/report_model.hpp"

namespace mc::report {

// to_json - the documented report (docs/json-schema.md, docs/report.schema.json).
nlohmann::json to_json(const Report& report);
std::string render_json(const Report& report);

struct TextOptions {
  bool color = false;
  std::size_t width = 80;
};
std::string render_text(const Report& report, const TextOptions& options);

std::string render_html(const Report& report);

// The parts of the HTML report, for pages that assemble them (the web checker streams areas as
// they are decided). All text from the Report is escaped.
std::string html_escape(std::string_view text);
std::string_view html_style();                           // the report's CSS
std::string render_html_meta(const Report& report);      // domain, time, resolver, version
std::string render_html_overview(const Report& report);  // grade, summary table, "Fix first"
std::string render_html_area(const AreaReport& area);    // one <section id="AREA">

// by_impact - the findings that carry a recommendation, most important first: by severity
// (critical, warning, info), then by how much the area protects the domain's mail (mx, starttls,
// dane, mta_sts, dmarc, spf, dnssec, dkim, tls_rpt, bimi), then in report order.
std::vector<const Finding*> by_impact(const Report& report);

// wrap - break text into lines of at most width columns (words longer than width stay whole),
// each prefixed by indent; existing newlines are kept.
std::string wrap(std::string_view text, std::size_t width, std::string_view indent);

}  // namespace mc::report
