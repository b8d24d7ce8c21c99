// findings_cmd.hpp - `mailcheck findings`: the findings catalogue (docs/findings.md is its
// markdown form), as markdown or JSON.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cli {

struct FindingsCli {
  CLI::App* cmd = nullptr;
  std::string format = "markdown";
};

void add_findings(CLI::App& app, FindingsCli& f);
int run_findings(const FindingsCli& f);

}  // namespace cli
