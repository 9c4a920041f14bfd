// The pages of `mreg serve` show each approval with its verdict, as `mreg verify` judges it.
#include "support/approvals.h"
#include "support/server.h"

using namespace e2e;
using Catch::Matchers::Contains;

TEST_CASE("serve pages: a request shows its approvals with their verdicts", "[serve][approvals]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  // mallory's signature over bob's name: a file verification refuses.
  const SignedApproval bob = fx.print_approval("bob", id);
  fx.commit_files({{approval_file(id, "bob"), bob.payload},
                   {approval_file(id, "bob") + ".sig", ssh_sign(fx.key("mallory"), bob.payload)}},
                  "approve as bob");
  Server server({"--repo", fx.reg.path()});
  auto page = server.get("/models/m");
  REQUIRE(page->status == 200);
  CHECK_THAT(page->body, Contains("1/2 approvals"));
  CHECK_THAT(page->body, Contains(email("alice") + ": OK"));
  CHECK_THAT(page->body, Contains(email("bob") + ": E_UNKNOWN_KEY"));
}
