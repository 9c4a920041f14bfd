#include "support/approvals.h"

#include <ctime>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace e2e {

std::string email(const std::string& who) { return who + "@example.com"; }

std::vector<std::string> as(const std::string& who) {
  return {"GIT_AUTHOR_NAME=" + who, "GIT_AUTHOR_EMAIL=" + email(who), "GIT_COMMITTER_NAME=" + who,
          "GIT_COMMITTER_EMAIL=" + email(who)};
}

std::string make_key(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  if (!fs::exists(path)) {
    Result r = run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email(name), "-f", path});
    REQUIRE_EXIT(r, 0);
  }
  return path;
}

std::string public_key_line(const std::string& key) {
  const std::string pub = key.size() > 4 && key.compare(key.size() - 4, 4, ".pub") == 0 ? key : key + ".pub";
  return trim(lines(read_file(pub)).at(0));
}

std::string fingerprint(const std::string& key) {
  Result r = run({"ssh-keygen", "-l", "-E", "sha256", "-f", key});
  REQUIRE_EXIT(r, 0);
  // "256 SHA256:abc... comment (ED25519)"
  const auto start = r.out.find("SHA256:");
  REQUIRE(start != std::string::npos);
  return r.out.substr(start, r.out.find(' ', start) - start);
}

std::string ssh_sign(const std::string& key, const std::string& data, const std::string& ns) {
  TempDir tmp;
  write_file(tmp / "data", data);
  Result r = run({"ssh-keygen", "-q", "-Y", "sign", "-n", ns, "-f", key, tmp / "data"});
  REQUIRE_EXIT(r, 0);
  return read_file(tmp / "data.sig");
}

bool ssh_verify(const std::string& allowed_signers, const std::string& principal, const std::string& signature,
                const std::string& data, const std::string& ns) {
  TempDir tmp;
  write_file(tmp / "allowed_signers", allowed_signers);
  write_file(tmp / "data.sig", signature);
  Result r = run({"ssh-keygen", "-Y", "verify", "-f", tmp / "allowed_signers", "-I", principal, "-n", ns, "-s",
                  tmp / "data.sig"},
                 "", {}, data);
  INFO(describe(r));
  REQUIRE(r.signal == 0);
  return r.status == 0;
}

SignedApproval split_printed(const std::string& printed) {
  const auto at = printed.find("-----BEGIN SSH SIGNATURE-----");
  REQUIRE(at != std::string::npos);
  return {printed.substr(0, at), printed.substr(at)};
}

std::string with_value(const std::string& payload, const std::string& key, const std::string& value) {
  return replace_line(payload, key + ": ", key + ": " + value);
}

std::string time_from_now(long long seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> Report::codes() const {
  std::vector<std::string> out;
  for (const auto& p : json["problems"]) out.push_back(p["code"]);
  return out;
}

bool Report::has(const std::string& code) const {
  for (const auto& c : codes())
    if (c == code) return true;
  return false;
}

nlohmann::json Report::problem(const std::string& code) const {
  for (const auto& p : json["problems"])
    if (p["code"] == code) return p;
  FAIL("no problem " << code << " in " << json.dump(2));
  return {};
}

std::vector<std::string> Report::paths(const std::string& code) const {
  std::vector<std::string> out;
  for (const auto& p : json["problems"])
    if (p["code"] == code) out.push_back(p.value("path", ""));
  return out;
}

nlohmann::json Report::approval(const std::string& path) const {
  for (const auto& r : json["requests"])
    for (const auto& a : r["approvals"])
      if (a["path"] == path) return a;
  FAIL("no verdict on " << path << " in " << json.dump(2));
  return {};
}

nlohmann::json Report::request(const std::string& id) const {
  for (const auto& r : json["requests"])
    if (r["id"] == id) return r;
  FAIL("no request " << id << " in " << json.dump(2));
  return {};
}

namespace {

const ApprovalFixture& built_once(bool bare, Adoption adoption) {
  static std::unique_ptr<ApprovalFixture> made[2][2];
  auto& slot = made[bare][static_cast<int>(adoption)];
  if (!slot) slot = std::make_unique<ApprovalFixture>(bare, adoption, ApprovalFixture::Build{});
  return *slot;
}

}  // namespace

ApprovalFixture::ApprovalFixture(bool bare, Adoption adoption)
    : reg(Registry::CopyOf{built_once(bare, adoption).reg}), keys(reg.dir / "keys"), root(built_once(bare, adoption).root) {}

ApprovalFixture::ApprovalFixture(bool bare, Adoption adoption, Build) : reg(bare), keys(reg.dir / "keys") {
  fs::create_directories(keys);
  for (const char* who : {"admin1", "admin2", "alice", "bob", "carol", "mallory"}) make_key(keys, who);
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://bucket/m/1"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/2"});
  if (adoption == Adoption::V1InProduction) reg.mreg_json({"stage", "m", "1", "Production"});
  nlohmann::json init = reg.mreg_json({"policy", "init", "--admin", email("admin1"), "--key", key("admin1") + ".pub",
                                       "--admin", email("admin2"), "--key", key("admin2") + ".pub", "--approver",
                                       email("alice"), "--approver-key", key("alice") + ".pub", "--approver",
                                       email("bob"), "--approver-key", key("bob") + ".pub", "--approvals", "2",
                                       "--admin-threshold", "2"});
  root = init["trusted_root"];
  REQUIRE(propose_policy(with_principal(policy_text(1), "carol", public_key_line(key("carol"))),
                         {"admin1", "admin2"}) == 2);
  reg.git_ok({"branch", "base"});
}

Result ApprovalFixture::mreg_as(const std::string& who, const std::vector<std::string>& args,
                                const std::vector<std::string>& env) const {
  std::vector<std::string> all = as(who);
  all.insert(all.end(), env.begin(), env.end());
  return reg.mreg(args, all);
}

std::string ApprovalFixture::branch() const { return reg.git_ok({"symbolic-ref", "--short", "HEAD"}); }

std::string ApprovalFixture::request(const std::string& who, int version, const std::string& to,
                                     const std::string& model) const {
  return request_change(who, version, {"--to", to, "--comment", "validated"}, model);
}

std::string ApprovalFixture::request_change(const std::string& who, int version, const std::vector<std::string>& change,
                                            const std::string& model) const {
  std::vector<std::string> args{"-o", "json", "request", model, std::to_string(version), "-f", key(who)};
  args.insert(args.end(), change.begin(), change.end());
  Result r = mreg_as(who, args);
  REQUIRE_EXIT(r, 0);
  return json(r)["request"]["id"];
}

void ApprovalFixture::approve_by_reviewers(const std::string& id, const std::string& model) const {
  REQUIRE_EXIT(approve("alice", id, {}, model), 0);
  REQUIRE_EXIT(approve("bob", id, {}, model), 0);
}

std::string ApprovalFixture::approved_request(int version, const std::vector<std::string>& change,
                                              const std::string& model) const {
  const std::string id = request_change("carol", version, change, model);
  approve_by_reviewers(id, model);
  return id;
}

Result ApprovalFixture::approve(const std::string& who, const std::string& id, const std::vector<std::string>& extra,
                                const std::string& model) const {
  std::vector<std::string> args{"approve", model, id, "-f", key(who), "--yes"};
  args.insert(args.end(), extra.begin(), extra.end());
  return mreg_as(who, args);
}

SignedApproval ApprovalFixture::print_approval(const std::string& who, const std::string& id,
                                               const std::string& model) const {
  Result r = approve(who, id, {"--print"}, model);
  REQUIRE_EXIT(r, 0);
  return split_printed(r.out);
}

void ApprovalFixture::commit_files(const std::vector<std::pair<std::string, std::string>>& files,
                                   const std::string& message, const std::vector<std::string>& env) const {
  for (const auto& [path, content] : files) write_file(reg.path() + "/" + path, content);
  reg.git_ok({"add", "-A"});
  reg.git_ok({"commit", "-q", "-m", message}, env);
}

Report ApprovalFixture::verify(const std::vector<std::string>& args) const {
  std::vector<std::string> all{"verify"};
  all.insert(all.end(), args.begin(), args.end());
  all.insert(all.end(), {"-o", "json"});
  Report rep{reg.mreg(all), {}};
  INFO(describe(rep.result));
  REQUIRE(rep.result.signal == 0);
  REQUIRE((rep.result.status == 0 || rep.result.status == 7));
  rep.json = json(rep.result);
  CHECK(rep.ok() == (rep.result.status == 0));
  return rep;
}

int ApprovalFixture::propose_policy(const std::string& text, const std::vector<std::string>& signers) const {
  const std::string file = reg.dir / "proposed-policy.yaml";
  write_file(file, text);
  nlohmann::json proposed = reg.mreg_json({"policy", "edit", "--file", file});
  const int n = proposed["version"];
  for (const auto& who : signers) {
    Result r = mreg_as(who, {"policy", "sign", std::to_string(n), "-f", key(who)});
    REQUIRE_EXIT(r, 0);
  }
  return n;
}

std::string ApprovalFixture::policy_text(int version) const {
  return reg.show(".mreg/policy/" + std::to_string(version) + ".yaml");
}

std::string approval_file(const std::string& id, const std::string& who, const std::string& model) {
  return "models/" + model + "/approvals/" + id + "/" + email(who) + ".approval";
}

std::string with_principal(const std::string& policy, const std::string& who, const std::string& key_line) {
  const auto at = policy.find("\nprincipals:\n");
  REQUIRE(at != std::string::npos);
  const auto after = at + std::string("\nprincipals:\n").size();
  return policy.substr(0, after) + "  " + email(who) + ":\n    keys:\n      - key: \"" + key_line + "\"\n" +
         policy.substr(after);
}

std::string with_key_field(const std::string& policy, const std::string& who, const std::string& field_line) {
  const auto at = policy.find("  " + email(who) + ":\n    keys:\n      - key: ");
  REQUIRE(at != std::string::npos);
  const auto end = policy.find('\n', policy.find("- key: ", at)) + 1;
  return policy.substr(0, end) + "        " + field_line + "\n" + policy.substr(end);
}

std::string with_revoked_key(const std::string& policy, const std::string& key_line, const std::string& reason) {
  const auto at = policy.find("\nrules:");
  REQUIRE(at != std::string::npos);
  return policy.substr(0, at + 1) + "revoked_keys:\n  - key: \"" + key_line + "\"\n    reason: " + reason + "\n" +
         policy.substr(at + 1);
}

std::string with_rule_line(const std::string& policy, const std::string& key, const std::string& value) {
  const auto rules = policy.find("\nrules:\n");
  REQUIRE(rules != std::string::npos);
  for (const std::string lead : {"  - ", "    "})  // the rule's first line, or one of the others
    if (policy.find("\n" + lead + key + ":", rules) != std::string::npos)
      return replace_line(policy, lead + key + ":", lead + key + ": " + value);
  const std::string line = "    " + key + ": " + value;
  const auto models = policy.find("  - models:", rules);
  REQUIRE(models != std::string::npos);
  const auto end = policy.find('\n', models) + 1;
  return policy.substr(0, end) + line + "\n" + policy.substr(end);
}

void merge_branch(const std::string& repo, const std::string& into, const std::string& branch, Merge how,
                  const std::vector<std::string>& env) {
  switch (how) {
    case Merge::Commit:
      git_ok({"checkout", "-q", into}, repo, env);
      git_ok({"merge", "-q", "--no-ff", "-m", "Merge branch '" + branch + "'", branch}, repo, env);
      break;
    case Merge::Squash:
      git_ok({"checkout", "-q", into}, repo, env);
      git_ok({"merge", "-q", "--squash", branch}, repo, env);
      git_ok({"commit", "-q", "-m", branch + " (squashed)"}, repo, env);
      break;
    case Merge::Rebase:
      git_ok({"checkout", "-q", "-B", "rebased-" + into, branch}, repo, env);
      git_ok({"rebase", "-q", into}, repo, env);
      git_ok({"checkout", "-q", into}, repo, env);
      git_ok({"merge", "-q", "--ff-only", "rebased-" + into}, repo, env);
      git_ok({"branch", "-q", "-D", "rebased-" + into}, repo, env);
      break;
  }
}

}  // namespace e2e
