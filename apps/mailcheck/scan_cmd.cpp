// scan_cmd.cpp - see scan_cmd.hpp.
#include "scan_cmd.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checks/dkim.hpp"
#include "store/scan_store.hpp"
#include "survey/domain_list.hpp"
#include "survey/scan.hpp"

namespace cli {
namespace {

constexpr int kExitInterrupted = 130;
std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

// default_db - $XDG_DATA_HOME/mailcheck/scans.db, else ~/.local/share/mailcheck/scans.db.
std::string default_db() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::filesystem::path(home) / ".local" / "share";
  } else {
    base = ".";
  }
  return (base / "mailcheck" / "scans.db").string();
}

mc::Result<mc::store::ScanStore> open_store(const ScanCli& s) {
  const std::string path = s.db.empty() ? default_db() : s.db;
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  return mc::store::ScanStore::open(path);
}

int status(const ScanCli& s) {
  auto store = open_store(s);
  if (!store) return usage_error(store.error().message);
  auto runs = store->runs();
  if (!runs) return usage_error(runs.error().message);
  std::string out =
      fmt::format("{:>4}  {:<20}  {:>9}  {:>9}  {:>7}  {:>7}  {:>8}  {}\n", "run", "created",
                  "done", "total", "leased", "retried", "rejected", "source");
  for (const auto& r : *runs) {
    out += fmt::format("{:>4}  {:<20}  {:>9}  {:>9}  {:>7}  {:>7}  {:>8}  {}\n", r.id, r.created_at,
                       r.done, r.total, r.leased, r.retried, r.rejected, r.source);
  }
  if (runs->empty()) out += "no runs yet: mailcheck scan FILE --ehlo-name HOST\n";
  return write_all(out);
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int export_run(const ScanCli& s) {
  if (s.export_format != "ndjson" && s.export_format != "csv") {
    return usage_error("--format is ndjson or csv for scan export");
  }
  auto store = open_store(s);
  if (!store) return usage_error(store.error().message);
  auto run = store->run(s.export_run);
  if (!run) return usage_error(run.error().message);
  if (!*run) {
    return usage_error(
        fmt::format("there is no run {}; 'mailcheck scan status' lists them", s.export_run));
  }
  const bool csv = s.export_format == "csv";
  if (csv) {
    std::string header = "domain,finished_at,attempts,grade,score";
    for (const char* a : mc::store::kAreaColumns) header += fmt::format(",{}", a);
    header += ",retry_reason";
    std::cout << header << '\n';
  }
  auto r = store->results(s.export_run, [&](const mc::store::ResultRow& row) {
    if (!csv) {
      // One report per line: the stored JSON, compacted.
      std::cout << nlohmann::json::parse(row.report, nullptr, false).dump() << '\n';
      return;
    }
    std::string line =
        fmt::format("{},{},{},{},{}", csv_field(row.domain), row.finished_at, row.attempts,
                    row.grade, row.score ? std::to_string(*row.score) : std::string());
    for (const auto& st : row.statuses) line += "," + st;
    line += "," + csv_field(row.retry_reason);
    std::cout << line << '\n';
  });
  if (!r) return usage_error(r.error().message);
  std::cout.flush();
  if (!std::cout) return usage_error("cannot write the export to standard output");
  return 0;
}

mc::Result<std::string> read_list(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return mc::make_error(mc::ErrorKind::kNotFound,
                          fmt::format("cannot read the domain list {}; give a file with one "
                                      "domain per line, or - for standard input",
                                      path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The settings a run is made with, kept in its row so that --resume audits the rest the same way.
// Each entry: the option's name, and how to read it from and write it to the command.
struct Setting {
  const char* option;
  std::function<nlohmann::json(const ScanCli&)> get;
  std::function<void(ScanCli&, const nlohmann::json&)> set;
};

template <class T>
Setting setting(const char* option, T ScanCli::*field) {
  return {option, [field](const ScanCli& s) { return nlohmann::json(s.*field); },
          [field](ScanCli& s, const nlohmann::json& v) { s.*field = v.get<T>(); }};
}
template <class T>
Setting common(const char* option, T Common::*field) {
  return {option, [field](const ScanCli& s) { return nlohmann::json(s.common.*field); },
          [field](ScanCli& s, const nlohmann::json& v) { s.common.*field = v.get<T>(); }};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      common("--ehlo-name", &Common::ehlo_name),
      common("--resolver", &Common::resolvers),
      common("--trust-anchor", &Common::trust_anchor),
      common("--ca-file", &Common::ca_file),
      common("--timeout", &Common::timeout_s),
      common("--smtp-timeout", &Common::smtp_timeout_s),
      setting("--allow-private", &ScanCli::allow_private),
      setting("--dkim-selector", &ScanCli::selectors),
      setting("--retry-after", &ScanCli::retry_after_s),
      setting("--per-ip", &ScanCli::per_ip),
      setting("--ip-interval", &ScanCli::ip_interval_s),
  };
  return all;
}

std::string key_of(const Setting& st) { return std::string(st.option).substr(2); }  // no "--"

nlohmann::json run_settings(const ScanCli& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& st : settings()) j[key_of(st)] = st.get(s);
  return j;
}

// resume_settings - a resumed run is audited as it was started: every setting not given again
// on this command line comes from the run. A run whose settings cannot be read is an error.
mc::Result<void> resume_settings(ScanCli& s, const std::string& stored) {
  const auto j = nlohmann::json::parse(stored, nullptr, false);
  if (!j.is_object()) {
    return mc::make_error(mc::ErrorKind::kConfig,
                          "the run's settings in the database cannot be read; give the options "
                          "again or start a new run");
  }
  for (const auto& st : settings()) {
    const std::string key = key_of(st);
    if (s.cmd->count(st.option) > 0 || !j.contains(key)) continue;
    try {
      st.set(s, j[key]);
    } catch (const nlohmann::json::exception&) {
      return mc::make_error(mc::ErrorKind::kConfig,
                            fmt::format("the run's setting {} in the database cannot be read; "
                                        "give {} again",
                                        key, st.option));
    }
  }
  return {};
}

// new_run - the run of a domain list, with its rejected lines said on stderr.
mc::Result<std::int64_t> new_run(mc::store::ScanStore& store, const ScanCli& s) {
  auto text = read_list(s.list);
  if (!text) return tl::unexpected(text.error());
  const auto list = mc::survey::parse_domain_list(*text);
  for (const auto& r : list.rejected) {
    std::fprintf(stderr, "mailcheck: %s line %zu: '%s' skipped: %s\n", s.list.c_str(), r.line,
                 r.text.c_str(), r.why.c_str());
  }
  if (list.domains.empty()) {
    return mc::make_error(mc::ErrorKind::kInvalidInput,
                          fmt::format("{} holds no domain names to scan", s.list));
  }
  nlohmann::json options = run_settings(s);
  options["duplicates"] = list.duplicates;
  return store.create_run(s.list == "-" ? "(standard input)" : s.list, options.dump(), list.domains,
                          static_cast<std::int64_t>(list.rejected.size()));
}

void show_progress(const mc::survey::ScanProgress& p, bool tty) {
  const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
  const double eta = rate > 0 ? static_cast<double>(p.remaining) / rate : 0;
  const std::string line =
      fmt::format("{} done, {} to go, {:.1f} domains/s, ETA {:.0f} s, {} undetermined, {} retried",
                  p.done, p.remaining, rate, eta, p.undetermined, p.retried);
  if (tty) {
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  } else {
    std::fprintf(stderr, "mailcheck: scan: %s\n", line.c_str());
  }
}

}  // namespace

void add_scan(CLI::App& app, ScanCli& s) {
  s.cmd = app.add_subcommand("scan", "Audit a list of domains into a scan database (a survey)");
  s.cmd->add_option("list", s.list, "Domain list: one per line, # comments (or - for stdin)");
  s.cmd->add_option("--resume", s.resume, "Continue run RUN where it stopped");
  s.cmd->add_option("--db", s.db, "Scan database (default $XDG_DATA_HOME/mailcheck/scans.db)");
  s.cmd->add_option("--concurrency", s.concurrency, "Audits in flight at once")
      ->check(CLI::Range(1u, 4096u));
  s.cmd->add_flag("--allow-private", s.allow_private,
                  "Also connect to addresses that are not globally routable (a lab, an intranet)");
  s.cmd->add_flag("--quiet", s.quiet, "No progress lines");
  s.cmd
      ->add_option("--dkim-selector,--dkim-selectors", s.selectors,
                   "DKIM selectors to look up (repeatable or comma-separated); without, DKIM is "
                   "not tested (guessing costs 18 lookups a domain)")
      ->delimiter(',');
  s.cmd
      ->add_option("--retry-after", s.retry_after_s,
                   "Seconds before a result that may be transient (timeout, SERVFAIL, 4xx) is "
                   "asked again, once (default 60)")
      ->check(CLI::Range(0.0, 86400.0));
  s.cmd->add_option("--per-ip", s.per_ip, "SMTP connections at once to one address (default 1)")
      ->check(CLI::Range(1u, 64u));
  s.cmd
      ->add_option("--ip-interval", s.ip_interval_s,
                   "Seconds between the starts of two connections to one address (default 0.2)")
      ->check(CLI::Range(0.0, 3600.0));
  add_audit_options(s.cmd, s.common);
  s.status = s.cmd->add_subcommand("status", "List the runs of the scan database");
  s.status->add_option("--db", s.db, "Scan database");
  s.exporter = s.cmd->add_subcommand("export", "Write a run's results: NDJSON reports or CSV");
  s.exporter->add_option("run", s.export_run, "The run (see scan status)")->required();
  s.exporter->add_option("--format", s.export_format, "ndjson (one check report a line) or csv");
  s.exporter->add_option("--db", s.db, "Scan database");
}

int run_scan(ScanCli& s) {
  if (s.status->parsed()) return status(s);
  if (s.exporter->parsed()) return export_run(s);
  if (s.list.empty() == (s.resume == 0)) {
    return usage_error(
        "give a domain list to scan (FILE or -), or --resume RUN; "
        "'mailcheck scan status' lists the runs");
  }
  auto store = open_store(s);
  if (!store) return usage_error(store.error().message);
  if (s.resume != 0) {
    auto found = store->run(s.resume);
    if (!found) return usage_error(found.error().message);
    if (!*found) {
      return usage_error(
          fmt::format("there is no run {}; 'mailcheck scan status' lists them", s.resume));
    }
    if (auto ok = resume_settings(s, (*found)->options); !ok) {
      return usage_error(ok.error().message);
    }
  }
  if (s.common.ehlo_name == "mailcheck.invalid") {
    return usage_error(
        "scan connects to many mail servers: give --ehlo-name HOST, a real host name whose web "
        "page says who scans and how to opt out (see docs/scanning.md)");
  }
  if (std::string bad = validate_common(s.common); !bad.empty()) return usage_error(bad);
  for (const auto& sel : s.selectors) {
    if (!mc::checks::valid_selector(sel)) {
      return usage_error(fmt::format(
          "--dkim-selector '{}' is not a selector name (DNS labels of letters, digits, '-', '_')",
          sel));
    }
  }
  // From here on a signal stops the scan cleanly: nothing new is claimed, what is in flight
  // finishes, and the run stays resumable.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::int64_t run = s.resume;
  if (run == 0) {
    auto created = new_run(*store, s);
    if (!created) return usage_error(created.error().message);
    run = *created;
  } else {
    // A crashed or killed scanner on this host left leases: give them back at once.
    auto released = store->release(run, mc::survey::worker_is_dead);
    if (!released) return usage_error(released.error().message);
  }
  auto domain = mc::DomainName::parse("example.invalid");  // replaced per job
  mc::audit::AuditOptions audit(*domain);
  audit.ca_file = s.common.ca_file;
  audit.resolver = resolver_config(s.common);
  audit.timeout = ms(s.common.timeout_s);
  audit.smtp_timeouts = smtp_timeouts(s.common);
  audit.ehlo_name = s.common.ehlo_name;
  audit.public_only = !s.allow_private;
  audit.dkim_selectors = s.selectors;
  audit.guess_dkim_selectors = false;  // a survey looks up only the selectors it is given
  mc::survey::ScanOptions options(audit);
  options.retry_delay = std::chrono::seconds(static_cast<std::int64_t>(s.retry_after_s));
  options.politeness.per_ip = s.per_ip;
  options.politeness.interval = std::chrono::milliseconds(std::llround(s.ip_interval_s * 1000));
  options.concurrency = s.concurrency;
  options.worker = mc::survey::worker_id();
  options.stop = &g_stop;
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!s.quiet) {
    options.on_progress = [tty, last = std::chrono::steady_clock::time_point()](
                              const mc::survey::ScanProgress& p) mutable {
      const auto now = std::chrono::steady_clock::now();
      if (p.remaining > 0 && now - last < std::chrono::seconds(tty ? 0 : 10)) return;
      last = now;
      show_progress(p, tty);
    };
  }
  auto done = mc::survey::scan(*store, run, options);
  if (tty && !s.quiet) std::fputc('\n', stderr);
  if (!done) return usage_error(done.error().message);
  auto status = store->run(run);
  const std::string db = s.db.empty() ? default_db() : s.db;
  if (status && *status && (*status)->done < (*status)->total) {
    std::fprintf(stderr,
                 "mailcheck: run %lld stopped with %lld of %lld domains done; continue with: "
                 "mailcheck scan --resume %lld --db %s\n",
                 static_cast<long long>(run), static_cast<long long>((*status)->done),
                 static_cast<long long>((*status)->total), static_cast<long long>(run), db.c_str());
    return kExitInterrupted;
  }
  return write_all(fmt::format(
      "run {}: {} domains audited in {:.1f} s ({:.1f}/s), {} SMTP connections ({} probes "
      "shared); results: mailcheck scan export {} --db {}\n",
      run, done->done, done->elapsed_s,
      done->elapsed_s > 0 ? static_cast<double>(done->done) / done->elapsed_s : 0,
      done->connections, done->probes_reused, run, db));
}

}  // namespace cli
