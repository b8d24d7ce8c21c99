// verdicts_lab_test.cpp - every lab domain audited once through the real resolver stack and
// judged against two tables kept as data, not code:
//
//   lab/expect/<family>.tsv       hand-kept: one scenario family per file (mx-dnssec, transport,
//                                 spf, dmarc, dkim, mta-sts, reporting); per domain and area the
//                                 status and the sorted finding ids the behaviour must produce.
//   tests/lab/golden/verdicts.tsv generated: for every lab domain and every area, the status and
//                                 each finding's id and catalogue severity. A refactor must leave
//                                 it unchanged ("not a single verdict changed"); a deliberate
//                                 change of verdict regenerates it and the diff is reviewed.
//
// Regenerate the golden table (the lab makes new keys and certificates on every start, so it
// holds no raw JSON, only verdicts):
//   MAILCHECK_GOLDEN_OUT=/tmp/golden ctest --preset debug -R 'lab\.Verdicts'
//   (head -n 3 tests/lab/golden/verdicts.tsv; cat /tmp/golden/*.tsv) > new && mv new ...
// The domains are every lab zone (lab/zones/*.co.nz.zone) and every name either table lists.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/findings.hpp"
#include "lab_support.hpp"

namespace mc::lab {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = MAILCHECK_SOURCE_DIR;

struct Expectation {
  std::string file;  // where it is written, for the failure message
  int line = 0;
  std::string area;
  std::string status;
  std::string findings;  // "id,id" or "-"
};

struct Tables {
  std::map<std::string, std::vector<Expectation>> expect;  // by domain
  std::map<std::string, std::vector<std::string>> golden;  // by domain: "area\tstatus\tid:sev,..."
  std::set<std::string> domains;
  std::vector<std::string> errors;  // malformed lines
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) out.push_back(field);
  return out;
}

// read_rows - the non-comment lines of a tab-separated table with exactly `columns` fields.
void read_rows(const fs::path& path, std::size_t columns, Tables& t,
               const std::function<void(const std::vector<std::string>&, int)>& row) {
  std::ifstream in(path);
  if (!in) {
    t.errors.push_back("cannot read " + path.string());
    return;
  }
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto fields = split_tabs(line);
    if (fields.size() != columns) {
      t.errors.push_back(fmt::format("{}:{}: {} tab-separated fields, want {}", path.string(), n,
                                     fields.size(), columns));
      continue;
    }
    row(fields, n);
  }
}

const Tables& tables() {
  static const Tables all = [] {
    Tables t;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(kSource / "lab/expect")) {
      if (e.path().extension() == ".tsv") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      read_rows(f, 4, t, [&](const std::vector<std::string>& r, int line) {
        t.expect[r[0]].push_back({f.filename().string(), line, r[1], r[2], r[3]});
        t.domains.insert(r[0]);
      });
    }
    read_rows(kSource / "tests/lab/golden/verdicts.tsv", 4, t,
              [&](const std::vector<std::string>& r, int) {
                t.golden[r[0]].push_back(r[1] + "\t" + r[2] + "\t" + r[3]);
                t.domains.insert(r[0]);
              });
    for (const auto& e : fs::directory_iterator(kSource / "lab/zones")) {
      const std::string name = e.path().filename().string();
      const std::string suffix = ".co.nz.zone";
      if (name.size() > suffix.size() && name.ends_with(suffix)) {
        t.domains.insert(name.substr(0, name.size() - std::string_view(".zone").size()));
      }
    }
    return t;
  }();
  return all;
}

std::vector<std::string> all_domains() {
  const auto& d = tables().domains;
  return {d.begin(), d.end()};
}

// verdict_lines - the golden form of one report: per area "area\tstatus\tid:severity,...".
std::vector<std::string> verdict_lines(const Report& r) {
  std::vector<std::string> out;
  for (const auto& a : r.areas) {
    std::set<std::string> ids;
    for (const auto& f : a.findings) {
      ids.insert(f.id + ":" + std::string(to_string(finding_def(f.id).severity)));
    }
    out.push_back(fmt::format("{}\t{}\t{}", to_string(a.area), to_string(a.status),
                              ids.empty() ? "-" : fmt::format("{}", fmt::join(ids, ","))));
  }
  return out;
}

std::string ids_text(const Report& r, Area area) {
  auto ids = finding_ids(r, area);
  return ids.empty() ? "-" : fmt::format("{}", fmt::join(ids, ","));
}

class Verdicts : public ::testing::TestWithParam<std::string> {};

TEST_P(Verdicts, MatchTheTables) {
  const std::string& domain = GetParam();
  const Tables& t = tables();
  for (const auto& e : t.errors) ADD_FAILURE() << e;
  // Short per-query deadline so the black-holed zones answer "timeout" quickly.
  Report r = audit(domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));

  if (auto it = t.expect.find(domain); it != t.expect.end()) {
    for (const auto& e : it->second) {
      const auto area = area_from_string(e.area);
      ASSERT_TRUE(area) << e.file << ":" << e.line << ": unknown area " << e.area;
      const AreaReport* a = r.area(*area);
      ASSERT_NE(a, nullptr) << e.area;
      EXPECT_EQ(to_string(a->status), e.status)
          << e.file << ":" << e.line << " " << e.area << ": " << a->summary;
      EXPECT_EQ(ids_text(r, *area), e.findings) << e.file << ":" << e.line << " " << e.area;
    }
  }

  const auto lines = verdict_lines(r);
  if (const char* out = std::getenv("MAILCHECK_GOLDEN_OUT")) {
    fs::create_directories(out);
    std::ofstream f(fs::path(out) / (domain + ".tsv"));
    for (const auto& l : lines) f << domain << "\t" << l << "\n";
    return;
  }
  auto it = t.golden.find(domain);
  ASSERT_NE(it, t.golden.end()) << "no golden verdicts for " << domain
                                << "; regenerate tests/lab/golden/verdicts.tsv (see this file)";
  EXPECT_EQ(lines, it->second) << "a verdict changed for " << domain;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string n = param.param;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Lab, Verdicts, ::testing::ValuesIn(all_domains()), test_name);

}  // namespace
}  // namespace mc::lab
