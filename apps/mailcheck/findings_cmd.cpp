// findings_cmd.cpp - see findings_cmd.hpp.
#include "findings_cmd.hpp"

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "core/findings.hpp"

namespace cli {

void add_findings(CLI::App& app, FindingsCli& f) {
  f.cmd = app.add_subcommand("findings", "Print the findings catalogue");
  f.cmd->add_option("--format", f.format, "Output format")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();
}

int run_findings(const FindingsCli& f) {
  if (f.format == "markdown") return write_all(mc::catalogue_markdown());
  nlohmann::json j = nlohmann::json::array();
  for (const auto& d : mc::finding_catalogue()) {
    j.push_back({{"id", d.id},
                 {"check", mc::to_string(d.area)},
                 {"severity", mc::to_string(d.severity)},
                 {"title", d.title},
                 {"explanation", d.explanation},
                 {"reference", d.reference}});
  }
  return write_all(j.dump(2) + "\n");
}

}  // namespace cli
