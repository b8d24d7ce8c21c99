// rollover.cpp - see rollover.hpp.
#include "tools/rollover.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace mc::tools {

bool record_matches(const policy::TlsaRecord& record, const TlsaInput& chain) {
  const TlsaParams params{record.usage, record.selector, record.matching_type};
  const bool ca_usage = record.usage == 0 || record.usage == 2;
  const int positions = ca_usage ? static_cast<int>(chain.chain_der.size()) : 1;
  for (int pos = ca_usage ? 1 : 0; pos < std::max(positions, 1); ++pos) {
    auto made = make_tlsa(chain, params, pos);
    if (made && made->data == record.data) return true;
  }
  return false;
}

DeployVerdict deploy_verdict(const std::vector<policy::TlsaRecord>& published,
                             const TlsaInput& new_chain, std::uint32_t ttl,
                             const std::map<std::string, std::int64_t>& first_seen,
                             std::int64_t now) {
  DeployVerdict v;
  for (const auto& r : published) {
    if (policy::smtp_usability(r) != policy::TlsaUsability::kUsable) continue;
    if (!record_matches(r, new_chain)) continue;
    v.matching = r;
    auto seen = first_seen.find(r.text());
    const std::int64_t since = seen == first_seen.end() ? now : seen->second;
    const std::int64_t visible = now - since;
    if (visible >= static_cast<std::int64_t>(ttl)) {
      v.safe = true;
      v.reason = fmt::format(
          "published record {} matches the new certificate and has been "
          "visible for {} s (TTL {} s)",
          r.text(), visible, ttl);
      return v;
    }
    v.wait_seconds = static_cast<std::int64_t>(ttl) - visible;
    v.reason = fmt::format(
        "published record {} matches the new certificate, but caches may "
        "still hold the RRset without it for {} s more (TTL {} s, first seen "
        "{} s ago)",
        r.text(), v.wait_seconds, ttl, visible);
  }
  if (!v.matching) {
    v.reason =
        "no published TLSA record matches the new certificate: deploying it would make "
        "DANE senders defer mail";
    v.to_publish = recommended_tlsa(new_chain);
  }
  return v;
}

Result<SeenState> SeenState::load(const std::string& path) {
  SeenState s;
  s.path_ = path;
  std::ifstream in(path);
  if (!in) return s;  // first run
  try {
    const auto j = nlohmann::json::parse(in);
    s.seen_ = j.get<std::map<std::string, std::map<std::string, std::int64_t>>>();
  } catch (const std::exception&) {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("state file '{}' is not valid; move it away to start afresh", path));
  }
  return s;
}

std::map<std::string, std::int64_t> SeenState::observe(
    const std::string& key, const std::vector<policy::TlsaRecord>& records, std::int64_t now) {
  auto& host = seen_[key];
  std::map<std::string, std::int64_t> out;
  for (const auto& r : records) {
    auto [it, inserted] = host.emplace(r.text(), now);
    out[r.text()] = it->second;
  }
  return out;
}

Result<void> SeenState::save() const {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json(seen_).dump(2) << "\n";
    if (!out) {
      return make_error(ErrorKind::kConfig, fmt::format("cannot write state file '{}'", tmp));
    }
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error(ErrorKind::kConfig, fmt::format("cannot replace state file '{}'", path_));
  }
  return {};
}

std::string default_state_path() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/mailcheck/tlsa-seen.json";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/state/mailcheck/tlsa-seen.json";
}

}  // namespace mc::tools
