// The pages of `mreg serve` show each approval with its signer and verdict, as `mreg verify`
// judges it: on the model page, on the request's own page and in the activity.
#include <filesystem>
#include <fstream>

#include "support/approvals.h"
#include "support/server.h"

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

std::string page_of(const Server& s, const std::string& path, int status = 200) {
  auto r = s.get(path);
  INFO(path << " -> " << r->status << "\n" << r->body);
  CHECK(r->status == status);
  return r->body;
}

// The part of a page under an <h2>, up to the next one (as HTML).
std::string section(const std::string& html, const std::string& heading) {
  const auto start = html.find("<h2>" + heading + "</h2>");
  REQUIRE(start != std::string::npos);
  const auto end = html.find("<h2>", start + 4);
  return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TEST_CASE("serve pages: a request's page and the activity show who approved, with which key, and the verdicts",
          "[serve][approvals]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  // mallory's signature over bob's name, committed by someone else: a file verification refuses.
  const SignedApproval bob = fx.print_approval("bob", id);
  fx.commit_files({{approval_file(id, "bob"), bob.payload},
                   {approval_file(id, "bob") + ".sig", ssh_sign(fx.key("mallory"), bob.payload)}},
                  "approve as bob", as("mallory"));
  // v2: requested, approved by both, applied.
  const std::string applied = fx.approved_request(2);
  REQUIRE_EXIT(fx.mreg_as("alice", {"apply", "m", applied}), 0);
  // An unprotected move, asked for with hostile Markdown in its comment.
  const std::string staging = fx.request_change(
      "carol", 1, {"--to", "Staging", "--comment", "[a](/\\evil.example) [b](JavaScript:alert(1)) [<i>c</i>](https://ok.example)"});
  Server server({"--repo", fx.reg.path(), "--base-path", "/r"});

  // The model page: the open request, linked, with each approval's verdict and reason in view.
  const std::string model = page_of(server, "/r/models/m");
  CHECK_THAT(model, Contains("<a href=\"/r/models/m/requests/" + id + "\"><code>" + id + "</code></a>"));
  CHECK_THAT(model, Contains("1/2 approvals"));
  CHECK_THAT(model, Contains(email("alice") + ": <span class=\"verdict ok\">OK</span>"));
  CHECK_THAT(model, Contains(email("bob") + ": <span class=\"verdict bad\">E_UNKNOWN_KEY</span><span class=\"reason\">"));

  // The request's page.
  const std::string html = page_of(server, "/r/models/m/requests/" + id);
  CHECK_THAT(html, Contains("<h1>Request <code>" + id + "</code></h1>"));
  CHECK_THAT(html, Contains("Move: <a href=\"/r/models/m/versions/1\">version 1</a> from "));
  CHECK_THAT(html, Contains(">Production</span>"));
  // The requester proven by the request's signature, with the key.
  CHECK_THAT(html, Contains(email("carol") + "</span> <span class=\"verdict ok\">proven</span>"));
  CHECK_THAT(html, Contains(fingerprint(fx.key("carol"))));
  CHECK_THAT(html, Contains("<span class=\"outcome outcome-open\">open</span>"));
  CHECK_THAT(html, Contains("<p>validated</p>"));  // the request's comment
  // Each approval: principal, key fingerprint, verdict and why.
  const std::string approvals = section(html, "Approvals");
  CHECK_THAT(approvals, Contains("1/2 approvals count"));
  CHECK_THAT(approvals, Contains("<tr class=\"ok\"><td>" + email("alice") + "</td><td><code>" +
                                 fingerprint(fx.key("alice")) + "</code></td><td><span class=\"verdict ok\">OK</span>"));
  CHECK_THAT(approvals, Contains("<tr class=\"bad\"><td>" + email("bob") + "</td>"));
  CHECK_THAT(approvals, Contains("<span class=\"verdict bad\">E_UNKNOWN_KEY</span><span class=\"reason\">"));
  CHECK_THAT(approvals, Contains(fingerprint(fx.key("mallory"))));  // the key that really signed
  // What is missing, and from whom.
  const std::string needed = section(html, "Still needed");
  CHECK_THAT(needed, Contains("1 of 2; needs 1 more from " + email("bob")));
  // The commands, for this request.
  const std::string commands = section(html, "Commands");
  CHECK_THAT(commands, Contains("mreg approve m " + id + "\n"));
  CHECK_THAT(commands, Contains("mreg reject m " + id + " --comment"));
  CHECK_THAT(commands, Contains("mreg cancel m " + id + "</code>"));
  CHECK_THAT(commands, !Contains("mreg apply"));  // not approved yet
  // The commits: the request and both approvals, each approval under its signer's name.
  const std::string commits = section(html, "Commits");
  CHECK_THAT(commits, Contains("requested <a href=\"/r/models/m\">m</a> <a href=\"/r/models/m/versions/1\">v1</a>"));
  CHECK_THAT(commits, Contains("as <span class=\"approver ok\">" + email("alice") + "</span> <span class=\"verdict ok\">OK</span>"));
  CHECK_THAT(commits, Contains("as <span class=\"approver bad\">" + email("bob") +
                               "</span> <span class=\"verdict bad\">E_UNKNOWN_KEY</span><span class=\"reason\">"));
  CHECK_THAT(commits, Contains(email("bob") + "<span class=\"committer muted\">committed by mallory"));
  for (const std::string rev : {"HEAD~5", "HEAD~6", "HEAD~7"}) {  // those before v2's request, 2 approvals and apply
    const std::string sha = fx.reg.git_ok({"rev-parse", rev});
    CHECK_THAT(commits, Contains("<code>" + sha.substr(0, 12) + "</code>"));
  }

  // The activity names the signers and their verdicts as `mreg log` does.
  const std::string activity = page_of(server, "/r/activity");
  CHECK_THAT(activity, Contains("(request <a href=\"/r/models/m/requests/" + id + "\"><code>" + id + "</code></a>) as "
                                "<span class=\"approver ok\">" + email("alice") + "</span>"));
  CHECK_THAT(activity, Contains("<span class=\"approver bad\">" + email("bob") + "</span>"));
  CHECK_THAT(activity, Contains("(approved request <a href=\"/r/models/m/requests/" + applied + "\">"));

  // The applied request: judged as when it was applied, nothing left to do, linked from its version.
  const std::string done = page_of(server, "/r/models/m/requests/" + applied);
  CHECK_THAT(done, Contains("<span class=\"outcome outcome-applied\">applied</span>"));
  CHECK_THAT(section(done, "Approvals"), Contains("2/2 approvals count"));
  CHECK_THAT(section(done, "Still needed"), Contains("Nothing: the request is applied."));
  CHECK_THAT(section(done, "Commands"), !Contains("mreg approve"));
  CHECK_THAT(section(done, "Commits"), Contains("moved <a href=\"/r/models/m\">m</a>"));
  CHECK_THAT(page_of(server, "/r/models/m/versions/2"),
             Contains("<dt>Stage request</dt><dd><a href=\"/r/models/m/requests/" + applied + "\">"));

  // A request no rule protects needs nothing; its comment's links are safe.
  const std::string free = page_of(server, "/r/models/m/requests/" + staging);
  CHECK_THAT(section(free, "Still needed"), Contains("No rule of the policy protects this change: it needs no approval."));
  CHECK_THAT(section(free, "Commands"), Contains("mreg apply m " + staging));
  CHECK_THAT(free, Contains("<a href=\"https://ok.example\" rel=\"nofollow noopener\">&lt;i&gt;c&lt;/i&gt;</a>"));
  CHECK_THAT(free, !Contains("evil.example"));
  CHECK_THAT(free, !Contains("href=\"JavaScript"));

  // Unknown requests and models: 404 pages that say what was not found.
  CHECK_THAT(page_of(server, "/r/models/m/requests/20260101T000000Z-0000", 404),
             Contains("Request &#39;20260101T000000Z-0000&#39; of model m not found"));
  CHECK_THAT(page_of(server, "/r/models/m/requests/%3Cb%3E", 404), Contains("&lt;b&gt;"));
  CHECK_THAT(page_of(server, "/r/models/nope/requests/" + id, 404), Contains("nope not found"));
}

TEST_CASE("serve pages: an approval that cannot be judged shows an error verdict, styled apart from a bad one",
          "[serve][approvals]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  const SignedApproval alice = fx.print_approval("alice", id);
  // The same approval committed by hand into a registry that has no policy: nothing to judge it by.
  Registry reg;
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/1"});
  const std::filesystem::path file = std::filesystem::path(reg.path()) / approval_file(id, "alice");
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << alice.payload;
  reg.hand_commit("an approval without a policy");
  Server server({"--repo", reg.path()});
  const std::string activity = page_of(server, "/activity");
  CHECK_THAT(activity, Contains("<span class=\"approver error\">" + email("alice") + "</span> "
                                "<span class=\"verdict error\">E_NO_POLICY</span><span class=\"reason\">no trusted policy"));
  // The stylesheet gives each verdict its own colours.
  CHECK_THAT(activity, Contains(".verdict.error{"));
  CHECK_THAT(activity, Contains(".verdict.bad{"));
}
