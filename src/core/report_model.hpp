// report_model.hpp - what an audit found, independent of how it is shown.
//
// Checkers fill AreaReports; the audit assembles a Report; renderers (text, JSON, HTML) read it and
// never perform a lookup. Statuses and severities are the product's contract (docs/json-schema.md).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

namespace audit {
struct AuditData;  // audit/audit_data.hpp
}

// The areas of an audit, in report order. Each later check adds its own.
// bimi is information only: its status never counts as a failure (see Report::any_failed).
enum class Area { kMx, kDnssec, kDane, kStarttls, kMtaSts, kTlsRpt, kSpf, kDkim, kDmarc, kBimi };
inline constexpr std::size_t kAreaCount = 10;

// pass: deployed and correct; warn: deployed and working but weak; fail: broken or dangerous;
// none: not deployed; error: could not be determined (the findings say why).
enum class Status { kPass, kWarn, kFail, kNone, kError };

// info: worth knowing; warning: weakens protection; critical: mail or its protection fails.
enum class Severity { kInfo, kWarning, kCritical };

std::string_view to_string(Area area);
std::string_view to_string(Status status);
std::string_view to_string(Severity severity);
std::optional<Area> area_from_string(std::string_view text);

// A finding: one catalogued observation (id from findings.cpp) about one subject.
struct Finding {
  std::string id;                     // stable catalogue id, e.g. "dnssec.bogus"
  std::string subject;                // what it is about: the domain, an MX host, an RRset
  std::string summary;                // one line, specific to this subject
  std::vector<std::string> evidence;  // records or answers seen, as DNS presentation text
  std::string recommendation;         // exactly what to change; record text where one can be given
  // The rule set the conclusion rests on where receivers follow more than one (DMARC: "rfc9989",
  // "rfc7489", "rfc9990", "both"); empty elsewhere.
  std::string rule_set;
};

// A human-readable key/value line for text and HTML renderers.
struct Fact {
  std::string label;
  std::string value;
};

// Advisory - advice about the future beside an area's verdict (e.g. DANE rollover readiness):
// its own row in every format, never part of the area's status.
struct Advisory {
  std::string name;    // "rollover"
  std::string status;  // "ready", "not_ready", "not_applicable"
  std::string summary;
};

struct AreaReport {
  Area area = Area::kMx;
  Status status = Status::kError;
  std::string summary;      // one line for the summary table
  std::vector<Fact> facts;  // what was observed, for people
  nlohmann::json details;   // what was observed, for machines (documented per area)
  std::vector<Finding> findings;
  std::vector<Advisory> advisories;
  double elapsed_ms = 0;  // wall time from audit start until this area was decided
};

struct ResolverSummary {
  std::string mode;  // "recursive" or "forwarding"
  std::vector<std::string> forwarders;
  std::string trust_anchor;  // file the DNSSEC trust anchor came from
};

// The overall grade (docs/scoring.md): a weighted score of the areas, 0-100, and a letter.
struct AreaScore {
  Area area = Area::kMx;
  int weight = 0;  // 0: not scored for this domain
  int score = 0;   // 0-100
};
struct Grade {
  std::string letter;            // "A" .. "F"
  int score = 0;                 // 0-100
  bool non_mail_domain = false;  // null MX: judged as a domain that sends and receives no mail
  bool incomplete = false;  // an area could not be determined, or was not tested, and was left out
  std::string capped_by;    // why the letter is lower than the score alone gives
  std::vector<AreaScore> areas;
};

// A compliance profile's verdict (audit/profile.hpp): each requirement of a published baseline,
// judged from what the audit observed.
struct RequirementResult {
  std::string id;           // e.g. "bod-18-01.starttls"
  std::string requirement;  // what the baseline asks, in a sentence
  std::string source;       // where it says so (document and section)
  bool mandatory = true;    // false: recommended by the baseline
  std::string status;       // "pass", "fail", "unknown" (not determinable remotely), "n/a"
  std::string detail;       // what was observed
};
struct ProfileReport {
  std::string name;    // "nz-sge", "bod-18-01"
  std::string title;   // the baseline's name
  std::string source;  // its URL
  std::vector<RequirementResult> requirements;
  bool compliant = false;  // every mandatory requirement passes (or does not apply)
  int passed = 0;          // mandatory requirements that pass or do not apply
  int mandatory = 0;
  int unknown = 0;  // mandatory requirements that could not be judged remotely
};

// DnsFailure - DNS failed entirely (no name server answered, not even for the root zone): the
// audit measured the network, not the domain, so it is not graded.
struct DnsFailure {
  std::string what;    // what happened, in a sentence
  std::string advice;  // what to try
};

// NotTested - an area the audit was told not to test (e.g. DKIM selector guessing off in a
// survey): it has no status at all, rather than one that would read as a verdict.
struct NotTested {
  Area area = Area::kDkim;
  std::string reason;
};

struct Report {
  static constexpr int kSchemaVersion = 1;
  std::string domain;          // A-label form
  std::string domain_unicode;  // U-label form (equal to domain when not an IDN)
  std::string generated_at;    // RFC 3339 UTC
  std::string tool_version;
  ResolverSummary resolver;
  std::vector<AreaReport> areas;
  std::vector<NotTested> not_tested;      // areas left out on purpose, with why
  std::optional<Grade> grade;             // domain audits only, unless DNS failed entirely
  std::optional<DnsFailure> dns_failure;  // set: not graded (exit code 3)
  std::optional<ProfileReport> profile;   // with --profile
  double elapsed_ms = 0;
  // The typed data the areas were judged from (domain audits); the profiles and the grade read
  // it. Null for reports not made by an audit (host audits, hand-made reports in tests).
  std::shared_ptr<const audit::AuditData> data;

  const AreaReport* area(Area a) const;
  // worst - the exit-code view: true when any area failed or could not be determined.
  bool any_failed() const;
};

}  // namespace mc
