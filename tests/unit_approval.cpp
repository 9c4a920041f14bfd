// The two signed texts of the approval flow. An .approval payload is signed as it is, so only
// its one canonical form reads: any other bytes (CRLF, a missing final LF, an extra, missing or
// reordered line, spaces) are refused. A policy version is YAML that mreg renders canonically
// and that is trusted through the sha256 of its exact bytes.
#include <catch2/catch.hpp>

#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/error.h"
#include "mreg/policy.h"
#include "mreg/problem.h"
#include "mreg/sha256.h"
#include "mreg/timefmt.h"

using namespace mreg;
using Catch::Matchers::Contains;

namespace {

const char* kPayload =
    "mreg-approval/v1\n"
    "registry: acme/model-registry\n"
    "model: power-forecast\n"
    "version: 3\n"
    "from_stage: Staging\n"
    "to_stage: Production\n"
    "version_sha256: 9b2e8c1f4a0d7e3b6c5a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c\n"
    "request_id: 20261124T100211Z-7f3a\n"
    "request_sha256: 0f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a2918\n"
    "policy_version: 3\n"
    "approver: alice@example.com\n"
    "issued_at: 2026-11-24T12:00:00Z\n"
    "expires_at: 2026-12-08T12:00:00Z\n";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// The message parse_approval refuses `bytes` with (fails the test when it accepts them).
std::string refusal(const std::string& bytes) {
  try {
    parse_approval(bytes);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
    return e.what();
  }
  FAIL("accepted: " << bytes);
  return "";
}

const char* kAliceKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHEM4U1LRl0ixZGZxTV9iEkdYw2MQ6csyQeA35wEf95k";
const char* kBobKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDVGMPJ3CRzCt+jAdppb6UC4mbk2TVh/ViRSABTWB4uU";

Policy sample_policy() {
  Policy p;
  p.path = ".mreg/policy/2.yaml";
  p.registry = "acme/model-registry";
  p.version = 2;
  p.previous_sha256 = std::string(64, 'a');
  p.admins = {"alice@example.com"};
  p.admin_threshold = 1;
  p.principals.push_back({"alice@example.com", {PolicyKey{parse_public_key(kAliceKey), {}, parse_rfc3339("2027-01-01T00:00:00Z")}}});
  p.principals.push_back({"bob@example.com", {PolicyKey{parse_public_key(kBobKey), parse_rfc3339("2026-01-01T00:00:00Z"), {}}}});
  p.revoked_keys.push_back({parse_public_key(kBobKey), parse_rfc3339("2026-06-01T00:00:00Z"), "lost"});
  PolicyRule rule;
  rule.models = {"power-*"};
  rule.stages = {"Production"};
  rule.aliases = {"champion"};
  rule.approvers = {"alice@example.com", "bob@example.com"};
  rule.threshold = 2;
  rule.approval_valid_for = 7 * 86400;
  rule.approval_valid_for_text = "7d";
  p.rules.push_back(rule);
  return p;
}

std::vector<std::string> policy_problems(const std::string& text) {
  std::vector<std::string> out;
  try {
    parse_policy(text, ".mreg/policy/2.yaml");
  } catch (const ManifestError& e) {
    for (const auto& p : e.problems()) out.push_back(p.message);
  }
  return out;
}

}  // namespace

TEST_CASE("an approval payload reads back exactly as it is rendered", "[approval]") {
  const ApprovalPayload a = parse_approval(kPayload);
  CHECK(a.registry == "acme/model-registry");
  CHECK(a.model == "power-forecast");
  CHECK(a.version == 3);
  CHECK(a.from_stage == "Staging");
  CHECK(a.to_stage == "Production");
  CHECK(a.alias.empty());
  CHECK(a.request_id == "20261124T100211Z-7f3a");
  CHECK(a.policy_version == 3);
  CHECK(a.approver == "alice@example.com");
  CHECK(format_rfc3339(a.issued_at) == "2026-11-24T12:00:00Z");
  CHECK(format_rfc3339(a.expires_at) == "2026-12-08T12:00:00Z");
  CHECK(render_approval(a) == kPayload);

  SECTION("an alias instead of a stage") {
    const std::string text = replace(kPayload, "to_stage: Production\n", "alias: champion\n");
    const ApprovalPayload b = parse_approval(text);
    CHECK(b.alias == "champion");
    CHECK(b.to_stage.empty());
    CHECK(render_approval(b) == text);
  }
}

TEST_CASE("an approval payload in any other form is refused", "[approval]") {
  const std::string p = kPayload;
  SECTION("CRLF line ends") {
    std::string crlf;
    for (char c : p) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK_THAT(refusal(crlf), Contains("carriage return"));
    CHECK_THAT(refusal(replace(p, "version: 3\n", "version: 3\r\n")), Contains("carriage return"));
  }
  SECTION("no line feed at the end") { CHECK_THAT(refusal(p.substr(0, p.size() - 1)), Contains("line feed")); }
  SECTION("an extra line") {
    CHECK_THAT(refusal(p + "comment: lgtm\n"), Contains("14 lines"));
    CHECK_THAT(refusal(p + "\n"), Contains("14 lines"));
  }
  SECTION("a key twice, in place of another") {
    CHECK_THAT(refusal(replace(p, "model: power-forecast\n", "registry: acme/model-registry\n")), Contains("line 3"));
  }
  SECTION("a missing line") { CHECK_THAT(refusal(replace(p, "from_stage: Staging\n", "")), Contains("12 lines")); }
  SECTION("lines in another order") {
    CHECK_THAT(refusal(replace(replace(p, "model: power-forecast\n", "@@\n"), "registry: acme/model-registry\n",
                               "model: power-forecast\n")),
               Contains("line 2"));
  }
  SECTION("spaces") {
    CHECK_THAT(refusal(replace(p, "version: 3\n", "version:  3\n")), Contains("line 4"));
    CHECK_THAT(refusal(replace(p, "version: 3\n", "version: 3 \n")), Contains("line 4"));
    CHECK_THAT(refusal(replace(p, "version: 3\n", "version:3\n")), Contains("line 4"));
    CHECK_THAT(refusal(replace(p, "version: 3\n", " version: 3\n")), Contains("line 4"));
    CHECK_THAT(refusal(replace(p, "approver: alice@example.com\n", "approver: \n")), Contains("line 11"));
  }
  SECTION("another header") {
    CHECK_THAT(refusal(replace(p, "mreg-approval/v1\n", "mreg-approval/v2\n")), Contains("line 1"));
    CHECK_THAT(refusal("\xEF\xBB\xBF" + p), Contains("line 1"));  // a byte order mark
  }
  SECTION("numbers and times not in canonical form") {
    refusal(replace(p, "version: 3\n", "version: 03\n"));
    refusal(replace(p, "version: 3\n", "version: +3\n"));
    refusal(replace(p, "version: 3\n", "version: 0\n"));
    refusal(replace(p, "policy_version: 3\n", "policy_version: three\n"));
    refusal(replace(p, "2026-11-24T12:00:00Z", "2026-11-24T12:00:00+00:00"));
    refusal(replace(p, "2026-11-24T12:00:00Z", "2026-11-24T12:00:00.000Z"));
    refusal(replace(p, "2026-11-24T12:00:00Z", "2026-11-24 12:00:00Z"));
    refusal(replace(p, "2026-11-24T12:00:00Z", "yesterday"));
  }
  SECTION("NUL bytes and oversized input") {
    CHECK_THAT(refusal(replace(p, "alice@example.com", std::string("alice\0@example.com", 18))), Contains("NUL"));
    CHECK_THAT(refusal(replace(p, "acme/model-registry", std::string(5000, 'x'))), Contains("4096"));
    CHECK_THAT(refusal(""), Contains("line feed"));
  }
}

TEST_CASE("a policy version reads back as mreg renders it", "[approval][policy]") {
  const Policy p = sample_policy();
  const std::string text = render_policy(p);
  const Policy q = parse_policy(text, p.path);
  CHECK(render_policy(q) == text);  // canonical: a second rendering is the same bytes
  CHECK(q.sha256 == sha256_hex(text));
  CHECK(q.registry == p.registry);
  CHECK(q.version == 2);
  CHECK(q.previous_sha256 == p.previous_sha256);
  CHECK(q.admins == p.admins);
  REQUIRE(q.principals.size() == 2);
  CHECK(q.principals[0].first == "alice@example.com");
  CHECK(q.principals[0].second.at(0).key == parse_public_key(kAliceKey));
  CHECK(format_rfc3339(*q.principals[0].second.at(0).valid_before) == "2027-01-01T00:00:00Z");
  CHECK_FALSE(q.principals[0].second.at(0).valid_after);
  CHECK(format_rfc3339(*q.principals[1].second.at(0).valid_after) == "2026-01-01T00:00:00Z");
  REQUIRE(q.revoked_keys.size() == 1);
  CHECK(q.revoked(parse_public_key(kBobKey)) != nullptr);
  CHECK(q.revoked(parse_public_key(kAliceKey)) == nullptr);
  CHECK(q.revoked_keys[0].reason == "lost");
  REQUIRE(q.rules.size() == 1);
  CHECK(q.rules[0].threshold == 2);
  CHECK(q.rules[0].approval_valid_for == 7 * 86400);
  CHECK_FALSE(q.rules[0].allow_self_approval);
  CHECK(q.rule_for("power-forecast", "production", "") == &q.rules[0]);  // stages ignore case
  CHECK(q.rule_for("power-forecast", "", "champion") == &q.rules[0]);
  CHECK(q.rule_for("power-forecast", "Staging", "") == nullptr);
  CHECK(q.rule_for("other", "Production", "") == nullptr);
  // Model and alias patterns ignore case, as names are unique ignoring case.
  CHECK(q.rule_for("Power-Forecast", "Production", "") == &q.rules[0]);
  CHECK(q.rule_for("POWER-FORECAST", "", "Champion") == &q.rules[0]);
  // A move out of Production into Archived is governed by the rule that protects Production.
  CHECK(q.rules_governing("power-forecast", {"Production", "Archived"}, {}).size() == 1);
  CHECK(q.rules_governing("power-forecast", {"None", "Staging"}, {}).empty());
  CHECK(q.owners_of(parse_public_key(kBobKey)) == std::vector<std::string>{"bob@example.com"});

  // The allowed_signers export leaves the revoked key out and keeps the validity window.
  const std::string signers = allowed_signers_text(q);
  CHECK_THAT(signers, Contains("alice@example.com"));
  CHECK_THAT(signers, Contains("valid-before=\"20270101000000Z\""));
  CHECK_THAT(signers, Contains("mreg-approval-v1"));
  CHECK_THAT(signers, !Contains("bob@example.com"));
}

TEST_CASE("a policy version is trusted by its exact bytes", "[approval][policy]") {
  const std::string text = render_policy(sample_policy());
  const std::string sha = sha256_hex(text);
  // Other bytes that mean the same are another version: the chain names sha256 of the bytes.
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& other : {crlf, text.substr(0, text.size() - 1), text + "\n", "# note\n" + text,
                                   replace(text, "version: 2\n", "version:  2\n")}) {
    INFO(other);
    try {
      CHECK(parse_policy(other, ".mreg/policy/2.yaml").sha256 != sha);
    } catch (const ManifestError&) {
      // refused outright: as good
    }
  }
}

TEST_CASE("a policy version that cannot work is refused with its line", "[approval][policy]") {
  const std::string text = render_policy(sample_policy());
  auto first = [&](const std::string& bad) {
    auto problems = policy_problems(bad);
    REQUIRE_FALSE(problems.empty());
    return problems.front();
  };
  CHECK(policy_problems(text).empty());
  CHECK_THAT(first(replace(text, "    threshold: 2\n", "    threshold: 3\n")), Contains("more than the number of approvers"));
  CHECK_THAT(first(replace(text, "  threshold: 1\n", "  threshold: 2\n")), Contains("more than the number of admins"));
  CHECK_THAT(first(replace(text, "\"bob@example.com\"]", "\"carol@example.com\"]")),
             Contains("'carol@example.com' has no keys"));
  CHECK_THAT(first(replace(text, "    stages: [Production]\n    aliases: [champion]\n", "")),
             Contains("a rule names stages, aliases or both"));
  CHECK_FALSE(policy_problems(replace(text, "approval_valid_for: 7d", "approval_valid_for: 7 days")).empty());
  CHECK_FALSE(policy_problems(replace(text, "version: 2\n", "version: 2\nowner: me\n")).empty());  // unknown key
  CHECK_FALSE(policy_problems(replace(text, "version: 2\n", "version: 2\nversion: 3\n")).empty());  // twice
  CHECK_FALSE(policy_problems(replace(text, "previous_sha256: ", "previous_sha256: x")).empty());
  CHECK_FALSE(policy_problems(replace(text, "registry: acme/model-registry\n", "")).empty());
  CHECK_FALSE(policy_problems(replace(text, "ssh-ed25519 AAAAC3", "ssh-ed25519 !!!AAAAC3")).empty());
  CHECK(policy_problems(replace(text, "version: 2\n", "version: 2\nx-team: ml\n")).empty());  // extensions are kept
}

TEST_CASE("durations", "[approval][policy]") {
  CHECK(parse_duration("14d") == 14 * 86400);
  CHECK(parse_duration("12h") == 12 * 3600);
  CHECK(parse_duration("90m") == 90 * 60);
  for (const char* bad : {"", "d", "14", "14s", "-1d", "1.5d", "14 d", "99999999999d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad));
  }
}
