// dkim_check_test.cpp - the dkim check's pure evaluation and view (checks/dkim.cpp; the key
// record parser has dkim_test.cpp), from constructed answers: every dkim finding id and every DNS
// state. The keys are the lab's (public halves, lab/zones/dkim-*.zone) or made here.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <fstream>
#include <regex>

#include "checks/dkim.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;
using V = std::vector<std::string>;

// lab_key - the p= value of a lab zone's key record at selector.
std::string lab_key(const std::string& zone, const std::string& selector) {
  std::ifstream in(std::string(MAILCHECK_SOURCE_DIR) + "/lab/zones/" + zone + ".co.nz.zone");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(selector + "._domainkey", 0) != 0) continue;
    std::string text;
    const std::regex quoted("\"([^\"]*)\"");
    for (std::sregex_iterator it(line.begin(), line.end(), quoted), end; it != end; ++it) {
      text += (*it)[1];
    }
    return text.substr(text.find("p=") + 2);
  }
  ADD_FAILURE() << "no key at " << selector << " in " << zone;
  return {};
}

// huge_rsa_key - an RSA public key with a 4200-bit modulus (not a real key pair: verifiers only
// read its size here), base64 SubjectPublicKeyInfo.
std::string huge_rsa_key() {
  BIGNUM* n = BN_new();
  BIGNUM* e = BN_new();
  BN_rand(n, 4200, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
  BN_set_word(e, 65537);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  std::string b64(4 * ((len + 2) / 3) + 1, '\0');
  b64.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der, len));
  OPENSSL_free(der);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return b64;
}

const std::string kRsa2048 = lab_key("dkim-ok", "s1");
const std::string kEd25519 = lab_key("dkim-ok", "s2");
const std::string kRsa1024 = lab_key("dkim-weak", "default");
const std::string kRsa512 = lab_key("dkim-short", "mail");

std::string rsa(const std::string& p, const std::string& extra = "") {
  return "v=DKIM1; k=rsa; " + extra + "p=" + p;
}

struct Selector {
  std::string name;
  dns::Answer txt;
};

DkimData data(std::vector<Selector> selectors, bool given = true) {
  DkimData d;
  d.domain = "example.co.nz";
  d.selectors_given = given;
  for (auto& s : selectors) {
    DkimSelectorData sd;
    sd.selector = s.name;
    sd.name = s.name + "._domainkey.example.co.nz";
    sd.txt = std::move(s.txt);
    d.selectors.push_back(std::move(sd));
  }
  return d;
}

dns::Answer keys(const std::string& selector, std::vector<std::string> texts) {
  return test::txt(selector + "._domainkey.example.co.nz", std::move(texts));
}

AreaReport one(const std::string& record) {
  return dkim_report(data({{"s1", keys("s1", {record})}}));
}

TEST(DkimCheck, RsaAndEd25519KeysPass) {
  AreaReport r = dkim_report(data({{"s1", keys("s1", {rsa(kRsa2048)})},
                                   {"s2", keys("s2", {"v=DKIM1; k=ed25519; p=" + kEd25519})}}));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{});
  EXPECT_EQ(r.summary, "2 usable DKIM key(s)");
  ASSERT_EQ(r.details["keys"].size(), 2u);
  EXPECT_EQ(r.details["keys"][0]["bits"], 2048);
  EXPECT_EQ(r.details["keys"][1]["type"], "ed25519");
  ASSERT_EQ(r.facts.size(), 3u);
  EXPECT_EQ(r.facts[0].value, "s1, s2");
  EXPECT_EQ(r.facts[1].value, "RSA 2048 bits (SubjectPublicKeyInfo)");
}

TEST(DkimCheck, KeySizes) {
  EXPECT_EQ(ids(one(rsa(kRsa1024))), V{"dkim.rsa_weak"});
  EXPECT_EQ(one(rsa(kRsa1024)).status, Status::kWarn);
  EXPECT_EQ(ids(one(rsa(kRsa512))), V{"dkim.rsa_too_short"});
  EXPECT_EQ(one(rsa(kRsa512)).status, Status::kFail);
  EXPECT_EQ(one(rsa(kRsa512)).summary, "a DKIM key is unusable");
  AreaReport huge = one(rsa(huge_rsa_key()));
  EXPECT_EQ(ids(huge), V{"dkim.rsa_huge"});
  EXPECT_EQ(huge.status, Status::kWarn);
}

TEST(DkimCheck, TagsThatMakeAKeyUnusableOrWeak) {
  EXPECT_EQ(ids(one(rsa(kRsa2048, "h=sha1; "))), V{"dkim.sha1_only"});
  EXPECT_EQ(ids(one(rsa(kRsa2048, "s=other; "))), V{"dkim.not_for_email"});
  EXPECT_EQ(one(rsa(kRsa2048, "s=other; ")).status, Status::kFail);
  AreaReport testing = one(rsa(kRsa2048, "t=y; "));
  EXPECT_EQ(ids(testing), V{"dkim.testing"});
  EXPECT_EQ(testing.status, Status::kWarn);
  EXPECT_EQ(testing.summary, "1 usable DKIM key(s), with weaknesses");
  EXPECT_EQ(ids(one(rsa("bm90IGEga2V5"))), V{"dkim.malformed"});
}

TEST(DkimCheck, FormatAndAlgorithmAdvice) {
  AreaReport bare = one(rsa(lab_key("dkim-rsapk", "s1")));
  EXPECT_EQ(ids(bare), V{"dkim.rsapublickey_format"});
  EXPECT_EQ(bare.status, Status::kPass);
  AreaReport ed = one("v=DKIM1; k=ed25519; p=" + kEd25519);
  EXPECT_EQ(ids(ed), V{"dkim.ed25519_only"});
  EXPECT_EQ(ed.status, Status::kPass);
}

TEST(DkimCheck, RevokedKeysAloneAreNotDeployed) {
  AreaReport r = one("v=DKIM1; k=rsa; p=");
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"dkim.key_revoked"});
  EXPECT_EQ(r.summary, "only revoked DKIM keys found");
}

TEST(DkimCheck, SeveralRecordsAtOneSelector) {
  AreaReport r = dkim_report(data({{"s1", keys("s1", {rsa(kRsa2048), rsa(kRsa1024)})}}));
  EXPECT_EQ(ids(r), (V{"dkim.multiple_records", "dkim.rsa_weak"}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(r.details["keys"].size(), 2u);  // both judged
}

TEST(DkimCheck, OtherTextIsAKeyOnlyAtAGivenSelector) {
  // A wildcard's text at a guessed selector is no key; at a selector the user named, a TXT that
  // is not a key is a broken key record.
  AreaReport guessed = dkim_report(data({{"default", keys("default", {"hello"})}}, false));
  EXPECT_EQ(guessed.status, Status::kNone);
  EXPECT_EQ(ids(guessed), V{"dkim.none_found"});
  AreaReport given = dkim_report(data({{"s1", keys("s1", {"hello"})}}));
  EXPECT_EQ(given.status, Status::kFail);
  EXPECT_EQ(ids(given), V{"dkim.malformed"});
}

TEST(DkimCheck, NoKeyAtTheNamesTried) {
  AreaReport r =
      dkim_report(data({{"s1", test::nodata("s1._domainkey.example.co.nz", dns::rrtype::kTxt)}}));
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"dkim.none_found"});
  EXPECT_EQ(r.summary, "no DKIM key among 1 given selector(s)");
  // A null MX: no key expected, no finding.
  AreaReport null_mx = dkim_report(
      data({{"s1", test::nodata("s1._domainkey.example.co.nz", dns::rrtype::kTxt)}}), true);
  EXPECT_EQ(null_mx.status, Status::kNone);
  EXPECT_EQ(ids(null_mx), V{});
}

TEST(DkimCheck, FailedLookups) {
  const std::string name = "s2._domainkey.example.co.nz";
  for (const auto& failed :
       {test::failed(name, dns::rrtype::kTxt, dns::Outcome::kServFail, dns::Security::kBogus),
        test::failed(name, dns::rrtype::kTxt, dns::Outcome::kTimeout)}) {
    // One selector failed beside a good key: the key counts, the failure warns.
    AreaReport some = dkim_report(data({{"s1", keys("s1", {rsa(kRsa2048)})}, {"s2", failed}}));
    EXPECT_EQ(some.status, Status::kWarn);
    EXPECT_EQ(ids(some), V{"dkim.lookup_failed"});
    // Every lookup failed: undetermined, never "no DKIM".
    AreaReport all = dkim_report(data({{"s2", failed}}));
    EXPECT_EQ(all.status, Status::kError);
    EXPECT_EQ(ids(all), V{"dkim.lookup_failed"});
    EXPECT_EQ(all.summary, "every DKIM key lookup failed");
  }
  // An insecure answer is an answer: DKIM asks for no DNSSEC (RFC 6376 §3.6.2.1).
  AreaReport insecure =
      dkim_report(data({{"s1", test::txt("s1._domainkey.example.co.nz", {rsa(kRsa2048)},
                                         dns::Security::kInsecure)}}));
  EXPECT_EQ(insecure.status, Status::kPass);
}

}  // namespace
}  // namespace mc::checks
