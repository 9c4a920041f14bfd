// `mreg review` and `mreg compare` as a reviewer reads them: a branch with a promotion request
// signed by its requester, approvals by real ssh-keygen keys, a rejected request and a changed
// version; versions registered from MLflow model folders whose signatures gain, lose and retype
// columns.
#include "support/approvals.h"

#include <set>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// An MLflow model folder with this signature (JSON lists of columns, as MLflow writes them).
std::string model_folder(const std::string& dir, const std::string& run_id, const std::string& inputs,
                         const std::string& outputs) {
  write_file(dir + "/MLmodel", "run_id: " + run_id +
                                   "\nflavors:\n  python_function: {}\n  sklearn: {}\nsignature:\n  inputs: '" +
                                   inputs + "'\n  outputs: '" + outputs + "'\n");
  write_file(dir + "/model.pkl", "weights of " + run_id + "\n");
  return dir;
}

const Json& find_by(const Json& list, const std::string& key, const std::string& value) {
  for (const auto& item : list)
    if (item[key] == value) return item;
  FAIL("no item with " << key << " = " << value << " in " << list.dump(2));
  static const Json none;
  return none;
}

std::set<std::string> keys_of(const Json& object) {
  std::set<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_CASE("mreg review shows a branch's requests, approvals, verdict, changed versions and the promotion beside "
          "what it replaces", "[review]") {
  ApprovalFixture fx(/*bare=*/false, Adoption::V1InProduction);
  const std::string main_branch = fx.branch();
  auto ok = [&](const std::string& who, const std::vector<std::string>& args) { REQUIRE_EXIT(fx.mreg_as(who, args), 0); };
  ok("test", {"version", "tag", "set", "m", "1", "val_mae", "0.41"});
  ok("test", {"version", "tag", "set", "m", "2", "val_mae", "0.5"});
  const std::string dir = model_folder(fx.reg.dir / "run-3", "run-3", R"([{"name": "temp", "type": "long"}])",
                                       R"([{"type": "double"}])");
  ok("test", {"register", "m", "--model-dir", dir, "--tag", "val_mae=0.37"});

  // On a branch: carol asks for v3 in Production, alice approves; v2 gets a new metric; carol
  // asks for v2 too, which alice rejects.
  fx.reg.git_ok({"checkout", "-q", "-b", "promote"});
  const std::string id = fx.request_change("carol", 3, {"--to", "Production", "--archive-existing", "--comment", "beats v1"});
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  ok("test", {"version", "tag", "set", "m", "2", "val_mae", "0.45"});
  const std::string rejected = fx.request("carol", 2);
  ok("alice", {"reject", "m", rejected, "-f", fx.key("alice"), "--comment", "v3 is better"});

  const std::vector<std::string> range{"review", main_branch + "..promote", "--trusted-root", fx.root};
  auto review = [&](const std::string& format) {
    std::vector<std::string> args{"-o", format};
    args.insert(args.end(), range.begin(), range.end());
    Result r = fx.reg.mreg(args);
    REQUIRE_EXIT(r, 0);  // whatever verify concludes: the review describes, verify gates
    return r;
  };

  // The text a reviewer reads in a terminal.
  const std::string text = review("table").out;
  CHECK_THAT(text, Contains("m v3 None -> Production (archiving the others)"));
  CHECK_THAT(text, Contains("proven: signed with " + fingerprint(fx.key("carol"))));
  CHECK_THAT(text, Contains(email("alice")) && Contains(fingerprint(fx.key("alice"))));
  CHECK_THAT(text, Contains("1 of 2 needed") && Contains("still to approve") && Contains("1 more of " + email("bob")));
  CHECK_THAT(text, Contains("FAIL") && Contains("E_THRESHOLD_NOT_MET"));
  CHECK_THAT(text, Contains("v1 (Production now)") && Contains("v3 (candidate)"));
  CHECK_THAT(text, Contains("tag val_mae *") && Contains("0.41") && Contains("0.37 (-0.04)"));
  CHECK_THAT(text, Contains("signature of v3 (candidate) against v1 (Production now): inputs: temp added (long)"));
  CHECK_THAT(text, Contains("m v2: changed") && Contains("0.45 (-0.05)"));
  CHECK_THAT(text, Contains("Request " + rejected + ": m v2 None -> Production") && Contains("rejected"));

  // JSON: every key there whatever the request's state.
  Json j = json(review("json"));
  CHECK(j["base"] == main_branch);
  CHECK(j["head"] == "promote");
  CHECK(j["commits"] == std::stoi(fx.reg.git_ok({"rev-list", "--count", main_branch + "..promote"})));
  CHECK(j["verify"]["ok"] == false);
  CHECK(j["verify"]["mode"] == "pull-request");
  REQUIRE(j["requests"].size() == 2);
  const Json promotion = find_by(j["requests"], "id", id);
  CHECK(promotion["state"] == "open");
  CHECK(promotion["on_branch"] == Json::array({"requested", "approved"}));
  CHECK(promotion["requester"]["proven"] == true);
  CHECK(promotion["requester"]["key"] == fingerprint(fx.key("carol")));
  CHECK(promotion["needed"] == 2);
  CHECK(promotion["approved"] == 1);
  CHECK(promotion["rules"][0]["approved_by"] == Json::array({email("alice")}));
  CHECK(promotion["rules"][0]["may_approve"] == Json::array({email("bob")}));
  CHECK(promotion["rules"][0]["missing"] == 1);
  CHECK(promotion["approvals"][0]["key"] == fingerprint(fx.key("alice")));
  CHECK(promotion["approvals"][0]["verdict"] == "OK");
  CHECK(promotion["justified"] == false);
  CHECK(promotion["promotion"]["current"]["version"] == "1");
  CHECK(promotion["promotion"]["candidate"]["version"] == "3");
  const Json& mae = find_by(promotion["promotion"]["comparison"]["tags"], "key", "val_mae");
  CHECK(mae["values"] == Json::array({"0.41", "0.37"}));
  CHECK(mae["differences"] == Json::parse("[null, -0.04]"));
  const Json closed = find_by(j["requests"], "id", rejected);
  CHECK(closed["state"] == "rejected");
  CHECK(closed["on_branch"] == Json::array({"requested", "rejected"}));
  CHECK(closed["closings"][0]["principal"] == email("alice"));
  CHECK(closed["closings"][0]["verdict"] == "OK");
  CHECK(keys_of(closed) == keys_of(promotion));
  const Json& v2 = find_by(j["versions"], "version", "2");
  CHECK(v2["change"] == "changed");
  const Json& metric = find_by(v2["fields"], "field", "tags.val_mae");
  CHECK(metric["old"] == "0.5");
  CHECK(metric["new"] == "0.45");
  CHECK(metric["difference"] == -0.05);
  CHECK(j["versions"].size() == 1);  // v3 came before the branch

  // Markdown for the pull request: tables that render, text that cannot become markup.
  const std::string md = review("markdown").out;
  CHECK_THAT(md, Contains("### mreg review of " + main_branch + "..promote"));
  CHECK_THAT(md, Contains("| FIELD | v1 (Production now) | v3 (candidate) |\n| --- | --- | --- |\n"));
  CHECK_THAT(md, Contains("| tag val\\_mae \\* | 0.41 | 0.37 (-0.04) |"));
  CHECK_THAT(md, Contains("| " + email("alice") + " | `" + fingerprint(fx.key("alice")) + "` | **OK** |"));
  CHECK_THAT(md, Contains("carol \\<carol@example.com>"));

  // bob approves: the request is justified and verify passes; the JSON keeps its shape.
  REQUIRE_EXIT(fx.approve("bob", id), 0);
  const Json after = json(review("json"));
  const Json approved = find_by(after["requests"], "id", id);
  CHECK(after["verify"]["ok"] == true);
  CHECK(approved["justified"] == true);
  CHECK(approved["rules"][0]["missing"] == 0);
  CHECK(approved["rules"][0]["may_approve"] == Json::array());
  CHECK(keys_of(approved) == keys_of(promotion));
  CHECK_THAT(review("table").out, Contains("OK: every protected move is justified"));

  // Without a range: the branch's upstream.
  fx.reg.git_ok({"branch", "-q", "--set-upstream-to=" + main_branch});
  Result by_default = fx.reg.mreg({"-o", "json", "review", "--trusted-root", fx.root});
  REQUIRE_EXIT(by_default, 0);
  CHECK(json(by_default)["base"] == main_branch);
  CHECK(json(by_default)["head_commit"] == fx.reg.head());

  // A base that does not exist, or that shares no history.
  CHECK_EXIT(fx.reg.mreg({"review", "no-such-branch..promote"}), 4);
  fx.reg.git_ok({"checkout", "-q", "--orphan", "unrelated"});
  fx.reg.git_ok({"commit", "-q", "-m", "unrelated"});
  Result unrelated = fx.reg.mreg({"review", "promote..unrelated"});
  CHECK_EXIT(unrelated, 3);
  CHECK_THAT(unrelated.err, Contains("share no history"));
}

TEST_CASE("mreg compare shows versions side by side: signature columns added, removed and retyped, metrics with "
          "their differences", "[compare]") {
  Registry reg;
  TempDir models;
  const std::string v1 = model_folder(models / "v1", "run-1", R"([{"name": "temp", "type": "long"}, {"name": "wind", "type": "double"}])",
                                      R"([{"type": "double"}])");
  const std::string v2 = model_folder(models / "v2", "run-2", R"([{"name": "temp", "type": "double"}, {"name": "humidity", "type": "double", "required": false}])",
                                      R"([{"type": "double"}])");
  reg.mreg_json({"register", "m", "--create-model", "--model-dir", v1, "--tag", "val_mae=412.7", "--tag", "team=energy"});
  reg.mreg_json({"register", "m", "--model-dir", v2, "--tag", "val_mae=398.25", "--tag", "team=grid"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/3", "--tag", "val_mae=0.4"});
  reg.mreg_json({"stage", "m", "1", "Production"});
  const std::string state = reg.state();

  Result table = reg.mreg({"compare", "m", "1", "2", "3"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Contains("v1 (Production)") && Contains("v2 (None)") && Contains("v3 (None)"));
  CHECK_THAT(table.out, Contains("run_id *") && Contains("run-1") && Contains("run-2"));
  CHECK_THAT(table.out, Contains("412.7") && Contains("398.25 (-14.45)") && Contains("0.4 (-412.3)"));
  CHECK_THAT(table.out, Contains("grid") && Contains("tag team *"));
  CHECK_THAT(table.out, Contains("signature of v2 (None) against v1 (Production): inputs: temp retyped long -> double, "
                                 "humidity added (double (optional)), wind removed (double)"));
  CHECK_THAT(table.out, Contains("signature of v3 (None) against v1 (Production): inputs: temp removed (long), wind "
                                 "removed (double); outputs: #1 removed (double)"));

  const Json j = reg.mreg_json({"compare", "m", "1", "2"});
  CHECK(j["model"] == "m");
  const Json& c = j["comparison"];
  CHECK(c["versions"][1]["version"] == "2");
  CHECK(find_by(c["fields"], "field", "digest")["differs"] == true);
  CHECK(find_by(c["fields"], "field", "flavors")["differs"] == false);
  CHECK(find_by(c["fields"], "field", "flavors")["values"][0] == "python_function, sklearn");
  CHECK(find_by(c["tags"], "key", "val_mae")["differences"] == Json::parse("[null, -14.45]"));
  CHECK(find_by(c["tags"], "key", "team")["differences"] == Json::parse("[null, null]"));
  const Json& changes = c["signature_changes"][0]["changes"];
  CHECK(c["signature_changes"][0]["against"] == "1");
  CHECK(find_by(changes, "column", "temp") ==
        Json{{"section", "inputs"}, {"column", "temp"}, {"change", "retyped"}, {"old_type", "long"}, {"new_type", "double"}});
  CHECK(find_by(changes, "column", "humidity")["change"] == "added");
  CHECK(find_by(changes, "column", "humidity")["old_type"] == nullptr);
  CHECK(find_by(changes, "column", "wind")["change"] == "removed");

  Result md = reg.mreg({"-o", "markdown", "compare", "m", "2", "1"});
  REQUIRE_EXIT(md, 0);
  CHECK_THAT(md.out, Contains("| FIELD | v2 (None) | v1 (Production) |\n| --- | --- | --- |\n"));
  CHECK_THAT(md.out, Contains("- signature of v1 (Production) against v2 (None): inputs: `temp` retyped double -> long"));

  // Bad input: a usage error, a version or model that does not exist, a version that is no number,
  // markdown for a command that does not make it. Nothing is written by any of them.
  CHECK_EXIT(reg.mreg({"compare", "m", "1"}), 2);
  CHECK_THAT(reg.mreg({"compare", "m", "1", "9"}).err, Contains("9"));
  CHECK_EXIT(reg.mreg({"compare", "m", "1", "9"}), 4);
  CHECK_EXIT(reg.mreg({"compare", "nosuch", "1", "2"}), 4);
  CHECK_EXIT(reg.mreg({"compare", "m", "1", "two"}), 3);
  Result not_here = reg.mreg({"-o", "markdown", "model", "list"});
  CHECK_EXIT(not_here, 3);
  CHECK_THAT(not_here.err, Contains("markdown is for 'mreg review' and 'mreg compare'"));
  CHECK(reg.state() == state);
}
