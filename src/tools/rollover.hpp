// rollover.hpp - safe TLSA key rollover (RFC 7671 §8.1, RFC 7672 §3.1): which published records
// match which certificate, and when a new certificate may be deployed. PURE apart from the
// first-seen state file, which the caller names.
//
// classify_published(records, live_chain): each published record against the live chain:
//   current (matches it) or unmatched (stale, or a pre-published next key).
// deploy_verdict(records, new_chain, ttl, first_seen, now): safe only when a published record
//   matches the new certificate (or its issuer, for usage 2) and that record has been visible at
//   least one TTL, so every cache that holds the RRset already holds it.
// SeenState: first-seen times of records, kept across runs in a small JSON file.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "policy/tlsa.hpp"
#include "tools/tlsa_gen.hpp"

namespace mc::tools {

// record_matches - the record's association data equals that of the chain (usage 1/3: the leaf;
// usage 0/2: any CA certificate above it).
bool record_matches(const policy::TlsaRecord& record, const TlsaInput& chain);

struct DeployVerdict {
  bool safe = false;
  std::optional<policy::TlsaRecord> matching;  // the published record that covers NEW
  std::int64_t wait_seconds = 0;               // > 0: safe after this long
  std::string reason;
  std::vector<policy::TlsaRecord> to_publish;  // when nothing matches: publish these first
};

DeployVerdict deploy_verdict(const std::vector<policy::TlsaRecord>& published,
                             const TlsaInput& new_chain, std::uint32_t ttl,
                             const std::map<std::string, std::int64_t>& first_seen,
                             std::int64_t now);

// SeenState - {"host:port": {"3 1 1 <hex>": first_seen_epoch}}.
class SeenState {
 public:
  static Result<SeenState> load(const std::string& path);  // a missing file is an empty state
  // observe - record the records seen now; returns their first-seen times.
  std::map<std::string, std::int64_t> observe(const std::string& key,
                                              const std::vector<policy::TlsaRecord>& records,
                                              std::int64_t now);
  Result<void> save() const;  // atomically (temporary file, then rename)

 private:
  std::string path_;
  std::map<std::string, std::map<std::string, std::int64_t>> seen_;
};

std::string default_state_path();  // $XDG_STATE_HOME or ~/.local/state, /mailcheck/tlsa-seen.json

}  // namespace mc::tools
