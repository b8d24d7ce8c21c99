// text_render.cpp - the text report: a summary table, then each area's facts and findings.
// Fits 80 columns; colour only when asked (the CLI asks when stdout is a terminal).
#include <fmt/format.h>

#include <algorithm>

#include "core/findings.hpp"
#include "report/render.hpp"

namespace mc::report {
namespace {

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kDim = "\033[2m";

std::string_view status_colour(Status s) {
  switch (s) {
    case Status::kPass:
      return "\033[32m";  // green
    case Status::kWarn:
      return "\033[33m";  // yellow
    case Status::kFail:
      return "\033[31m";  // red
    case Status::kNone:
      return "\033[36m";  // cyan
    case Status::kError:
      return "\033[35m";  // magenta
  }
  return "";
}

std::string_view severity_colour(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "\033[36m";
    case Severity::kWarning:
      return "\033[33m";
    case Severity::kCritical:
      return "\033[31m";
  }
  return "";
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

class Painter {
 public:
  explicit Painter(bool on) : on_(on) {}
  std::string operator()(std::string_view code, std::string_view text) const {
    if (!on_) return std::string(text);
    return fmt::format("{}{}{}", code, text, kReset);
  }

 private:
  bool on_;
};

int severity_rank(Severity s) {
  return s == Severity::kCritical ? 0 : s == Severity::kWarning ? 1 : 2;
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view para = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    std::string line(indent);
    bool empty_line = true;
    std::size_t i = 0;
    while (i < para.size()) {
      while (i < para.size() && para[i] == ' ') ++i;
      std::size_t j = para.find(' ', i);
      if (j == std::string_view::npos) j = para.size();
      std::string_view word = para.substr(i, j - i);
      if (word.empty()) break;
      if (!empty_line && line.size() + 1 + word.size() > width) {
        out += line + "\n";
        line = std::string(indent);
        empty_line = true;
      }
      if (!empty_line) line += ' ';
      line += word;
      empty_line = false;
      i = j;
    }
    out += line + "\n";
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

std::string render_text(const Report& report, const TextOptions& options) {
  const Painter paint(options.color);
  const std::size_t width = std::max<std::size_t>(options.width, 40);
  std::string out;
  std::string title = report.domain_unicode != report.domain
                          ? fmt::format("{} ({})", report.domain_unicode, report.domain)
                          : report.domain;
  out += paint(kBold, fmt::format("MailCheck report for {}", title)) + "\n";
  std::string dns =
      report.resolver.mode == "forwarding"
          ? fmt::format("forwarding to {}", fmt::join(report.resolver.forwarders, ", "))
          : std::string("recursive from the root");
  out += paint(kDim, fmt::format("{} · {:.0f} ms\nDNS {}, DNSSEC validated locally",
                                 report.generated_at, report.elapsed_ms, dns)) +
         "\n\n";

  if (report.dns_failure) {
    out += paint(status_colour(Status::kError), "Not graded: " + report.dns_failure->what) + "\n" +
           wrap(report.dns_failure->advice, width, "") + "\n";
  }
  if (report.grade) {
    const Grade& g = *report.grade;
    const Status tone = g.letter <= "B"   ? Status::kPass
                        : g.letter == "C" ? Status::kWarn
                                          : Status::kFail;
    out += paint(status_colour(tone), fmt::format("Grade {} ({}/100)", g.letter, g.score));
    if (g.non_mail_domain) out += " as a domain that sends no mail";
    if (g.incomplete) {
      out += report.not_tested.empty() ? ", incomplete (a check could not be determined)"
                                       : ", incomplete (a check was not tested or determined)";
    }
    if (!g.capped_by.empty()) out += "; capped: " + g.capped_by;
    out += "\n\n";
  }
  // Summary table.
  out += fmt::format("  {:<9} {:<7} {}\n", "CHECK", "STATUS", "SUMMARY");
  for (const auto& a : report.areas) {
    const std::string status = upper(to_string(a.status));
    std::string summary = wrap(a.summary, width, std::string(20, ' '));
    summary = summary.substr(20);  // first line continues after the status column
    out += fmt::format("  {:<9} {} {}", to_string(a.area),
                       paint(status_colour(a.status), fmt::format("{:<7}", status)), summary);
    // Advice about the future (e.g. DANE rollover readiness): its own row, not the verdict.
    for (const auto& adv : a.advisories) {
      const bool ready = adv.status == "ready", todo = adv.status == "not_ready";
      const std::string label = ready ? "READY" : todo ? "NOT YET" : "N/A";
      std::string line = wrap(adv.summary, width, std::string(20, ' ')).substr(20);
      out += fmt::format("  {:<9} {} {}", " " + adv.name,
                         paint(ready  ? status_colour(Status::kPass)
                               : todo ? status_colour(Status::kWarn)
                                      : kDim,
                               fmt::format("{:<7}", label)),
                         line);
    }
  }

  for (const auto& n : report.not_tested) {
    out += fmt::format("  {:<9} {} {}", to_string(n.area),
                       paint(kDim, fmt::format("{:<7}", "SKIPPED")),
                       wrap("not tested: " + n.reason, width, std::string(20, ' ')).substr(20));
  }

  // A compliance profile: each requirement's verdict.
  if (report.profile) {
    const ProfileReport& p = *report.profile;
    const Status tone = p.compliant ? Status::kPass : Status::kFail;
    out += "\n" + paint(kBold, "Profile " + p.name) + ": " +
           paint(status_colour(tone), p.compliant ? "compliant" : "not compliant") +
           fmt::format(" ({} of {} requirements met{})\n", p.passed, p.mandatory,
                       p.unknown ? fmt::format(", {} not determinable remotely", p.unknown) : "");
    out += paint(kDim, wrap(p.title + " <" + p.source + ">", width, "  "));
    for (const auto& r : p.requirements) {
      const Status s = r.status == "pass" || r.status == "n/a" ? Status::kPass
                       : r.status == "unknown"                 ? Status::kError
                                                               : Status::kFail;
      // "  STATUS  requirement" (wrapped under itself), then what was seen and the source.
      std::string line =
          wrap(r.requirement + (r.mandatory ? "" : " (recommended)"), width, std::string(10, ' '));
      out += "  " + paint(status_colour(s), fmt::format("{:<7}", upper(r.status))) + " " +
             line.substr(10);
      out += wrap(r.detail, width, std::string(10, ' '));
      out += paint(kDim, wrap(r.source, width, std::string(10, ' ')));
    }
  }

  // What to fix first: the most important recommendations, in full in the area sections below.
  if (const auto first = by_impact(report); !first.empty()) {
    out += "\n" + paint(kBold, "Fix first") + "\n";
    for (std::size_t i = 0; i < first.size() && i < 5; ++i) {
      const Finding& f = *first[i];
      const FindingDef& def = finding_def(f.id);
      std::string line =
          fmt::format("{}. [{}] {}: {}", i + 1, to_string(def.severity), f.id, f.summary);
      std::string wrapped = wrap(line, width, "     ");  // continuation under the text
      out += wrapped.replace(0, 5, "  ");
    }
    if (first.size() > 5) out += fmt::format("  ... and {} more below\n", first.size() - 5);
  }

  std::size_t counts[3] = {0, 0, 0};
  for (const auto& a : report.areas) {
    out += "\n" + paint(kBold, fmt::format("{} ", to_string(a.area))) +
           paint(status_colour(a.status), upper(to_string(a.status))) + "\n";
    std::size_t label_width = 0;
    for (const auto& f : a.facts) label_width = std::max(label_width, f.label.size());
    label_width = std::min<std::size_t>(label_width, 34);
    for (const auto& f : a.facts) {
      std::string line = fmt::format("  {:<{}}  ", f.label, label_width);
      out += line + wrap(f.value, width, std::string(line.size(), ' ')).substr(line.size());
    }
    std::vector<const Finding*> sorted;
    for (const auto& f : a.findings) sorted.push_back(&f);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Finding* x, const Finding* y) {
      return severity_rank(finding_def(x->id).severity) <
             severity_rank(finding_def(y->id).severity);
    });
    for (const Finding* f : sorted) {
      const FindingDef& def = finding_def(f->id);
      ++counts[severity_rank(def.severity)];
      out += fmt::format(
          "  {} {}\n",
          paint(severity_colour(def.severity), fmt::format("[{}]", to_string(def.severity))),
          paint(kBold, f->id));
      out += wrap(f->summary, width, "      ");
      for (const auto& e : f->evidence) out += paint(kDim, wrap(e, width, "      | "));
      if (!f->recommendation.empty()) {
        out += "      fix:\n" + wrap(f->recommendation, width, "        ");
      }
    }
  }
  out += "\n" + fmt::format("{} critical, {} warning, {} info finding(s)\n", counts[0], counts[1],
                            counts[2]);
  return out;
}

}  // namespace mc::report
