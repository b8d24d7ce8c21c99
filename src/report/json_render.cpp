// json_render.cpp - the JSON report, schema version 1; see render.hpp and docs/json-schema.md.
#include "core/findings.hpp"
#include "report/render.hpp"

namespace mc::report {

nlohmann::json to_json(const Report& report) {
  nlohmann::json j;
  j["schema"] = Report::kSchemaVersion;
  j["tool"] = {{"name", "mailcheck"}, {"version", report.tool_version}};
  j["domain"] = report.domain;
  j["domain_unicode"] = report.domain_unicode;
  j["generated_at"] = report.generated_at;
  j["elapsed_ms"] = report.elapsed_ms;
  j["resolver"] = {{"mode", report.resolver.mode},
                   {"forwarders", report.resolver.forwarders},
                   {"trust_anchor", report.resolver.trust_anchor},
                   {"validation", "local"}};
  j["checks"] = nlohmann::json::object();
  j["findings"] = nlohmann::json::array();
  for (const auto& area : report.areas) {
    nlohmann::json a = area.details.is_object() ? area.details : nlohmann::json::object();
    a["status"] = to_string(area.status);
    a["summary"] = area.summary;
    a["elapsed_ms"] = area.elapsed_ms;
    j["checks"][std::string(to_string(area.area))] = std::move(a);
    for (const auto& f : area.findings) {
      const FindingDef& def = finding_def(f.id);
      nlohmann::json fj{{"id", f.id},
                        {"check", to_string(def.area)},
                        {"severity", to_string(def.severity)},
                        {"title", def.title},
                        {"subject", f.subject},
                        {"summary", f.summary},
                        {"evidence", f.evidence},
                        {"recommendation", f.recommendation},
                        {"reference", def.reference}};
      if (!f.rule_set.empty()) fj["rule_set"] = f.rule_set;
      j["findings"].push_back(std::move(fj));
    }
  }
  j["recommendations"] = nlohmann::json::array();
  for (const Finding* f : by_impact(report)) {
    const FindingDef& def = finding_def(f->id);
    j["recommendations"].push_back({{"id", f->id},
                                    {"check", to_string(def.area)},
                                    {"severity", to_string(def.severity)},
                                    {"subject", f->subject},
                                    {"summary", f->summary},
                                    {"recommendation", f->recommendation}});
  }
  if (!report.not_tested.empty()) {
    j["not_tested"] = nlohmann::json::array();
    for (const auto& n : report.not_tested) {
      j["not_tested"].push_back({{"check", to_string(n.area)}, {"reason", n.reason}});
    }
  }
  if (report.dns_failure) {
    j["not_graded"] = {{"reason", report.dns_failure->what},
                       {"advice", report.dns_failure->advice}};
  }
  if (report.grade) {
    const Grade& g = *report.grade;
    nlohmann::json areas = nlohmann::json::object();
    for (const auto& a : g.areas) {
      if (a.weight > 0)
        areas[std::string(to_string(a.area))] = {{"weight", a.weight}, {"score", a.score}};
    }
    j["grade"] = {{"letter", g.letter},
                  {"score", g.score},
                  {"non_mail_domain", g.non_mail_domain},
                  {"incomplete", g.incomplete},
                  {"capped_by", g.capped_by},
                  {"areas", areas}};
  }
  if (report.profile) {
    const ProfileReport& p = *report.profile;
    nlohmann::json reqs = nlohmann::json::array();
    for (const auto& r : p.requirements) {
      reqs.push_back({{"id", r.id},
                      {"requirement", r.requirement},
                      {"source", r.source},
                      {"mandatory", r.mandatory},
                      {"status", r.status},
                      {"detail", r.detail}});
    }
    j["profile"] = {{"name", p.name},           {"title", p.title},    {"source", p.source},
                    {"compliant", p.compliant}, {"passed", p.passed},  {"mandatory", p.mandatory},
                    {"unknown", p.unknown},     {"requirements", reqs}};
  }
  return j;
}

// Outside text (TXT records, policy bodies, SMTP replies) may hold invalid UTF-8: replace it
// rather than throw.
std::string render_json(const Report& report) {
  return to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mc::report
