// The CI files of examples/ci, run as GitHub Actions and GitLab CI run them: the jobs an event
// starts (by the files' triggers, `if:` and `rules:`), each `run:` step and `script:` line with
// bash in order, with the variables the files set and the CI variables they read set to test
// values, against the registry's repository on a git daemon on 127.0.0.1. Checkouts are clones
// made here the way each host makes them. The flow is a team's: a training job registers a
// version, a pull request asks to move it into Production, gets the review as a comment (posted to
// a local endpoint that stands for the host's API) and is verified (and fails when an approval is
// tampered with), the merge applies it and pushes the tags, and the tag deploys it.
#include <fnmatch.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "support/approvals.h"
#include "support/git_servers.h"
#include "support/harness.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Vars = std::map<std::string, std::string>;

namespace ci_examples {

const std::string kExamples = std::string(MREG_SOURCE_DIR) + "/examples/ci/";

// What starts a pipeline.
struct Event {
  enum class Kind { Dispatch, PullRequest, PushBranch, PushTag } kind;
  std::string ref;   // the branch pushed or proposed, or the tag pushed
  std::string base;  // a pull request's target branch
  Vars inputs;       // what a training job passes (model, source, run_id)
};

struct JobRun {
  std::string job;
  int status = 0;      // the failing step's exit status; 0 when every step passed
  std::string output;  // stdout and stderr of the steps, in order
};

std::vector<std::string> names(const std::vector<JobRun>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.job);
  return out;
}

// A comment posted on a pull request (GitHub's issue comments API) or a merge request (GitLab's
// notes API): where, with which credentials, and its Markdown.
struct Comment {
  std::string path, authorization, private_token, body;
};

// What the jobs post to over HTTP: the deployment service's webhook, which records the bodies
// POSTed to /deploy, and the host's API for comments, which records them.
class DeployHook {
 public:
  DeployHook() {
    server_.Post("/deploy", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      bodies_.push_back(req.body);
      res.set_content("{\"status\": \"deploying\"}\n", "application/json");
    });
    server_.Post(R"((/repos/[^/]+/[^/]+/issues/[0-9]+/comments|/api/v4/projects/[0-9]+/merge_requests/[0-9]+/notes))",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   const Json body = Json::parse(req.body, nullptr, false);
                   if (body.is_discarded() || !body.contains("body") || !body["body"].is_string() ||
                       req.get_header_value("Content-Type") != "application/json") {
                     res.status = 400;
                     return;
                   }
                   std::lock_guard<std::mutex> lock(mutex_);
                   comments_.push_back({req.path, req.get_header_value("Authorization"),
                                        req.get_header_value("PRIVATE-TOKEN"), body["body"].get<std::string>()});
                   res.status = 201;
                   res.set_content("{\"id\": " + std::to_string(comments_.size()) + "}\n", "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~DeployHook() {
    server_.stop();
    thread_.join();
  }
  DeployHook(const DeployHook&) = delete;
  DeployHook& operator=(const DeployHook&) = delete;
  std::string url() const { return api_url() + "/deploy"; }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Comment> comments() {
    std::lock_guard<std::mutex> lock(mutex_);
    return comments_;
  }
  std::vector<Json> deployments() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Json> out;
    for (const auto& b : bodies_) out.push_back(Json::parse(b));
    return out;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<Comment> comments_;
};

// The registry (model m with versions 1 and 2; alice and bob must both approve moves into
// Production) as a bare repository on a git daemon, with what its CI jobs reach.
struct World {
  ApprovalFixture fx{/*bare=*/true};
  TempDir dir;
  std::string origin = copy_to_server(fx, dir);
  GitDaemon daemon{dir / "srv"};
  DeployHook hook;

  static std::string copy_to_server(const ApprovalFixture& fx, const TempDir& dir) {
    git_ok({"clone", "-q", "--bare", fx.reg.path(), dir / "srv/reg.git"}, "");
    return dir / "srv/reg.git";
  }
  std::string url() const { return daemon.url("reg.git"); }
  std::string clone(const std::string& name) const {
    git_ok({"clone", "-q", url(), dir / name}, "");
    return dir / name;
  }
  std::string git_origin(const std::vector<std::string>& args) const { return git_ok(args, origin); }
  Json version(int n) const {
    Result r = mreg({"--repo", origin, "-o", "json", "version", "show", "m", std::to_string(n)});
    REQUIRE_EXIT(r, 0);
    return json(r)["model_version"];
  }
  // mreg ARGS... in a clone, as who, with the trusted root as CI has it.
  Result mreg_as(const std::string& who, const std::string& repo, std::vector<std::string> args) const {
    args.insert(args.end(), {"--repo", repo, "--trusted-root", fx.root});
    return mreg(args, "", as(who));
  }
};

// The environment of a CI job: the files' variables, HOME a fresh folder, mreg on the PATH, and no
// git identity but what the files set.
std::vector<std::string> job_env(const Vars& vars, const std::string& home) {
  std::vector<std::string> env{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"};
  const char* path = std::getenv("PATH");
  env.push_back("PATH=" + std::filesystem::path(MREG_BINARY).parent_path().string() + ":" + (path ? path : "/usr/bin:/bin"));
  env.push_back("HOME=" + home);
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  return env;
}

// A full clone of url in dir, detached at `rev` (a commit, or a branch or tag of the remote).
void clone_detached(const std::string& url, const std::string& dir, const std::string& rev) {
  git_ok({"clone", "-q", "--no-checkout", url, dir}, "");
  git_ok({"checkout", "-q", "--detach", rev}, dir);
}

std::string scalar(const YAML::Node& node) { return node && node.IsScalar() ? node.as<std::string>() : ""; }

// Fails the test on a key the runner below does not know: a file that grows one needs the test
// to grow too.
void require_known_keys(const YAML::Node& map, const std::set<std::string>& known, const std::string& where) {
  REQUIRE(map.IsMap());
  for (const auto& kv : map) {
    INFO(where << " has the key '" << kv.first.as<std::string>() << "', which this test does not run");
    CHECK(known.count(kv.first.as<std::string>()) == 1);
  }
}

// A condition of `A == B`, `A != B` or `A =~ /RE/` terms joined by && and || (no parentheses);
// term(LEFT, OP, RIGHT) judges one.
template <class Term>
bool eval_condition(const std::string& condition, Term term) {
  static const std::regex or_split("\\s*\\|\\|\\s*"), and_split("\\s*&&\\s*");
  static const std::regex term_re("^\\s*(\\S+)\\s*(==|!=|=~)\\s*(.+?)\\s*$");
  for (std::sregex_token_iterator o(condition.begin(), condition.end(), or_split, -1), end; o != end; ++o) {
    const std::string any = *o;
    bool all = true;
    for (std::sregex_token_iterator a(any.begin(), any.end(), and_split, -1); a != end; ++a) {
      std::smatch m;
      const std::string t = *a;
      INFO("condition: " << condition);
      REQUIRE(std::regex_match(t, m, term_re));
      all = all && term(m[1].str(), m[2].str(), m[3].str());
    }
    if (all) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

class GitHubActions {
 public:
  explicit GitHubActions(const World& w) : w_(w), wf_(YAML::LoadFile(kExamples + "github-actions.yml")) {
    require_known_keys(wf_, {"name", "on", "permissions", "defaults", "env", "jobs"}, "the workflow");
    INFO("run steps are run with bash -eo pipefail, as `shell: bash` has it");
    REQUIRE(scalar(wf_["defaults"]["run"]["shell"]) == "bash");
  }

  std::set<std::string> jobs() const {
    std::set<std::string> out;
    for (const auto& j : wf_["jobs"]) out.insert(j.first.as<std::string>());
    return out;
  }

  // Where a pull request's comments go, and the credentials they carry.
  static std::string comment_path() { return "/repos/acme/model-registry/issues/1/comments"; }
  static bool authorized(const Comment& c) { return c.authorization == "Bearer test-github-token"; }

  std::vector<JobRun> run(const Event& e) {
    std::vector<JobRun> runs;
    if (!triggered(e)) return runs;
    const Vars ctx = context(e);
    for (const auto& j : wf_["jobs"]) {
      const std::string name = j.first.as<std::string>();
      const YAML::Node job = j.second;
      require_known_keys(job, {"if", "runs-on", "container", "env", "steps", "concurrency", "environment", "permissions"},
                         name);
      substitute(scalar(job["container"]), ctx);  // only known variables
      if (job["if"] && !eval_condition(scalar(job["if"]), [&](const std::string& l, const std::string& op,
                                                                const std::string& r) { return judge(ctx, l, op, r); }))
        continue;
      runs.push_back(run_job(name, job, e, ctx));
    }
    return runs;
  }

 private:
  const World& w_;
  YAML::Node wf_;

  bool triggered(const Event& e) const {
    const YAML::Node on = wf_["on"];
    auto any_glob = [](const YAML::Node& globs, const std::string& name) {
      for (const auto& g : globs)
        if (fnmatch(g.as<std::string>().c_str(), name.c_str(), FNM_PATHNAME) == 0) return true;
      return false;
    };
    switch (e.kind) {
      case Event::Kind::Dispatch: return bool(on["workflow_dispatch"]);
      case Event::Kind::PullRequest: return bool(on["pull_request"]);
      case Event::Kind::PushBranch: return any_glob(on["push"]["branches"], e.ref);
      case Event::Kind::PushTag: return any_glob(on["push"]["tags"], e.ref);
    }
    return false;
  }

  // The expression contexts the workflow reads, with the repository's variables and secrets.
  Vars context(const Event& e) const {
    Vars c{{"github.actor", "octo-trainer"},
           {"github.actor_id", "4242"},
           {"vars.MREG_TRUSTED_ROOT", w_.fx.root},
           {"vars.MREG_IMAGE", "registry.example.com/tools/mreg:0.1"},
           {"secrets.MREG_PUSH_TOKEN", "test-push-token"},
           {"secrets.GITHUB_TOKEN", "test-github-token"},
           {"secrets.DEPLOY_WEBHOOK_URL", w_.hook.url()}};
    const bool tag = e.kind == Event::Kind::PushTag;
    c["github.event_name"] = e.kind == Event::Kind::Dispatch      ? "workflow_dispatch"
                             : e.kind == Event::Kind::PullRequest ? "pull_request"
                                                                  : "push";
    c["github.ref_type"] = tag ? "tag" : "branch";
    c["github.ref_name"] = e.kind == Event::Kind::PullRequest ? "1/merge" : e.ref;
    c["github.base_ref"] = e.base;
    c["github.head_ref"] = e.kind == Event::Kind::PullRequest ? e.ref : "";
    c["github.event.pull_request.number"] = e.kind == Event::Kind::PullRequest ? "1" : "";
    for (const auto& [k, v] : e.inputs) c["inputs." + k] = v;
    return c;
  }

  static bool judge(const Vars& ctx, const std::string& left, const std::string& op, const std::string& right) {
    INFO("unknown context value " << left);
    REQUIRE(ctx.count(left) == 1);
    REQUIRE(right.size() >= 2);
    REQUIRE(right.front() == '\'');
    const std::string literal = right.substr(1, right.size() - 2);
    REQUIRE(op != "=~");
    return (ctx.at(left) == literal) == (op == "==");
  }

  // "${{ x }}" replaced by the value of x; an expression the test does not know fails it.
  static std::string substitute(const std::string& text, const Vars& ctx) {
    static const std::regex expr("\\$\\{\\{\\s*(.*?)\\s*\\}\\}");
    std::string out;
    auto last = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), expr), end; it != end; ++it) {
      out.append(last, (*it)[0].first);
      INFO("the workflow reads ${{ " << (*it)[1] << " }}, which the test does not set");
      REQUIRE(ctx.count((*it)[1]) == 1);
      out += ctx.at((*it)[1]);
      last = (*it)[0].second;
    }
    return out.append(last, text.cend());
  }

  static void add_env(Vars& env, const YAML::Node& node, const Vars& ctx) {
    for (const auto& kv : node) env[kv.first.as<std::string>()] = substitute(kv.second.as<std::string>(), ctx);
  }

  // actions/checkout: a full clone; a branch is checked out as itself, a pull request as the merge
  // of its branch into the base (refs/pull/N/merge), a tag detached at its commit.
  std::string checkout(const YAML::Node& step, const Event& e, const std::string& workspace) const {
    INFO("a checkout for mreg needs the whole history: fetch-depth: 0");
    REQUIRE(scalar(step["with"]["fetch-depth"]) == "0");
    if (e.kind == Event::Kind::PullRequest) {
      clone_detached(w_.url(), workspace, "origin/" + e.base);
      git_ok({"merge", "-q", "--no-ff", "--no-edit", "origin/" + e.ref}, workspace);
    } else if (e.kind == Event::Kind::PushTag) {
      clone_detached(w_.url(), workspace, "refs/tags/" + e.ref);
    } else {
      git_ok({"clone", "-q", "--branch", e.ref, w_.url(), workspace}, "");
    }
    return git_ok({"rev-parse", "HEAD"}, workspace);
  }

  JobRun run_job(const std::string& name, const YAML::Node& job, const Event& e, const Vars& ctx) const {
    TempDir runner;
    const std::string workspace = runner / "work";
    std::filesystem::create_directories(runner / "home");
    std::filesystem::create_directories(workspace);
    Vars env{{"CI", "true"},
             {"GITHUB_ACTIONS", "true"},
             {"GITHUB_WORKSPACE", workspace},
             {"GITHUB_EVENT_NAME", ctx.at("github.event_name")},
             {"GITHUB_REF_NAME", ctx.at("github.ref_name")},
             {"GITHUB_REF_TYPE", ctx.at("github.ref_type")},
             {"GITHUB_BASE_REF", ctx.at("github.base_ref")},
             {"GITHUB_HEAD_REF", ctx.at("github.head_ref")},
             {"GITHUB_REPOSITORY", "acme/model-registry"},
             {"GITHUB_API_URL", w_.hook.api_url()}};
    add_env(env, wf_["env"], ctx);
    add_env(env, job["env"], ctx);
    JobRun run{name, 0, ""};
    for (const auto& step : job["steps"]) {
      require_known_keys(step, {"name", "uses", "with", "env", "run"}, name + " step");
      if (step["uses"]) {
        INFO("the only action the test runs is actions/checkout");
        REQUIRE(scalar(step["uses"]).rfind("actions/checkout@", 0) == 0);
        env["GITHUB_SHA"] = checkout(step, e, workspace);
        continue;
      }
      Vars step_env = env;
      add_env(step_env, step["env"], ctx);
      Result r = e2e::run({"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", scalar(step["run"])}, workspace,
                          job_env(step_env, runner / "home"));
      run.output += "$ " + scalar(step["run"]) + "\n" + r.out + r.err;
      if (r.status != 0) {
        run.status = r.status;
        break;
      }
    }
    return run;
  }
};

// ---------------------------------------------------------------------------------------------
// GitLab CI

class GitLabCi {
 public:
  explicit GitLabCi(const World& w) : w_(w), ci_(YAML::LoadFile(kExamples + "gitlab-ci.yml")) {
    for (const auto& s : ci_["stages"]) stages_.push_back(s.as<std::string>());
  }

  std::set<std::string> jobs() const {
    std::set<std::string> out;
    for (const auto& kv : ci_)
      if (kv.second.IsMap() && kv.second["script"]) out.insert(kv.first.as<std::string>());
    return out;
  }

  // Where a merge request's notes go, and the credentials they carry.
  static std::string comment_path() { return "/api/v4/projects/7/merge_requests/1/notes"; }
  static bool authorized(const Comment& c) { return c.private_token == "test-review-token"; }

  // A pipeline: the jobs whose rules match, stage by stage; a failed job ends it.
  std::vector<JobRun> run(const Event& e) {
    std::vector<JobRun> runs;
    const Vars predefined = predefined_for(e);
    for (const auto& stage : stages_) {
      for (const auto& kv : ci_) {
        const std::string name = kv.first.as<std::string>();
        if (name == "image" || name == "stages" || name == "variables") continue;
        const YAML::Node job = kv.second;
        require_known_keys(job, {"stage", "rules", "variables", "script", "resource_group", "environment"}, name);
        if (scalar(job["stage"]) != stage || !rules_match(job["rules"], predefined)) continue;
        runs.push_back(run_job(name, job, e, predefined));
        if (runs.back().status != 0) return runs;
      }
    }
    return runs;
  }

 private:
  const World& w_;
  YAML::Node ci_;
  std::vector<std::string> stages_;

  // GitLab's predefined variables for the pipeline, the project's CI/CD variables, and the
  // variables a training pipeline passes.
  Vars predefined_for(const Event& e) const {
    const std::string host_port = "127.0.0.1:" + std::to_string(w_.daemon.port());
    Vars v{{"CI", "true"},
           {"GITLAB_CI", "true"},
           {"CI_SERVER_URL", "git://" + host_port},
           {"CI_SERVER_HOST", "127.0.0.1"},
           {"CI_PROJECT_PATH", "reg"},
           {"CI_PROJECT_ID", "7"},
           {"CI_API_V4_URL", w_.hook.api_url() + "/api/v4"},
           {"CI_DEFAULT_BRANCH", "main"},
           {"GITLAB_USER_NAME", "Tess Trainer"},
           {"GITLAB_USER_EMAIL", "tess@example.com"},
           {"MREG_IMAGE", "registry.example.com/tools/mreg:0.1"},
           {"MREG_TRUSTED_ROOT", w_.fx.root},
           {"MREG_GIT_TOKEN", "test-push-token"},
           {"MREG_REVIEW_TOKEN", "test-review-token"},
           {"DEPLOY_WEBHOOK_URL", w_.hook.url()}};
    switch (e.kind) {
      case Event::Kind::Dispatch:
        v["CI_PIPELINE_SOURCE"] = "pipeline";
        v["CI_COMMIT_BRANCH"] = v["CI_COMMIT_REF_NAME"] = e.ref;
        for (const auto& [k, val] : e.inputs) {
          std::string upper = k;
          for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          v[upper] = val;
        }
        break;
      case Event::Kind::PullRequest:
        v["CI_PIPELINE_SOURCE"] = "merge_request_event";
        v["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"] = v["CI_COMMIT_REF_NAME"] = e.ref;
        v["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] = e.base;
        v["CI_MERGE_REQUEST_IID"] = "1";
        break;
      case Event::Kind::PushBranch:
        v["CI_PIPELINE_SOURCE"] = "push";
        v["CI_COMMIT_BRANCH"] = v["CI_COMMIT_REF_NAME"] = e.ref;
        break;
      case Event::Kind::PushTag:
        v["CI_PIPELINE_SOURCE"] = "push";
        v["CI_COMMIT_TAG"] = v["CI_COMMIT_REF_NAME"] = e.ref;
        break;
    }
    v["CI_COMMIT_SHA"] = w_.git_origin({"rev-parse", (e.kind == Event::Kind::PushTag ? "refs/tags/" : "refs/heads/") + e.ref + "^{commit}"});
    return v;
  }

  // $NAME and ${NAME} replaced, as GitLab expands the values of `variables:`.
  static std::string expand(const std::string& text, const Vars& vars) {
    static const std::regex ref("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))");
    std::string out;
    auto last = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), ref), end; it != end; ++it) {
      const std::string name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      out.append(last, (*it)[0].first);
      INFO("the file reads $" << name << ", which the test does not set");
      REQUIRE(vars.count(name) == 1);
      out += vars.at(name);
      last = (*it)[0].second;
    }
    return out.append(last, text.cend());
  }

  static bool rules_match(const YAML::Node& rules, const Vars& vars) {
    REQUIRE(rules.IsSequence());
    for (const auto& rule : rules) {
      require_known_keys(rule, {"if"}, "a rule");
      const bool match = eval_condition(scalar(rule["if"]), [&](const std::string& l, const std::string& op,
                                                                const std::string& r) {
        REQUIRE(l.front() == '$');
        const auto it = vars.find(l.substr(1));
        if (it == vars.end()) return op == "!=";  // an undefined variable matches nothing
        if (op == "=~") {
          REQUIRE(r.size() >= 2);
          REQUIRE(r.front() == '/');
          REQUIRE(r.back() == '/');
          return std::regex_search(it->second, std::regex(r.substr(1, r.size() - 2)));
        }
        std::string value = r;
        if (r.front() == '"') value = r.substr(1, r.size() - 2);
        else if (r.front() == '$') value = vars.count(r.substr(1)) ? vars.at(r.substr(1)) : "";
        return (it->second == value) == (op == "==");
      });
      if (match) return true;
    }
    return false;
  }

  JobRun run_job(const std::string& name, const YAML::Node& job, const Event& e, const Vars& predefined) const {
    TempDir runner;
    const std::string project_dir = runner / "project";
    std::filesystem::create_directories(runner / "home");
    Vars vars = predefined;
    vars["CI_PROJECT_DIR"] = project_dir;
    for (const YAML::Node& scope : {ci_["variables"], job["variables"]})
      for (const auto& kv : scope) vars[kv.first.as<std::string>()] = expand(kv.second.as<std::string>(), vars);
    if (vars["GIT_STRATEGY"] == "none") {
      std::filesystem::create_directories(project_dir);
    } else {
      // The runner fetches the pipeline's own ref and checks its commit out, detached: no other
      // branch is there.
      INFO("a checkout for mreg needs the whole history: GIT_DEPTH: 0");
      REQUIRE(vars["GIT_DEPTH"] == "0");
      clone_detached(w_.url(), project_dir, vars.at("CI_COMMIT_SHA"));
      for (const auto& ref :
           lines(git_ok({"for-each-ref", "--format=%(refname)", "refs/remotes/origin", "refs/heads"}, project_dir)))
        if (ref != "refs/remotes/origin/" + e.ref) git_ok({"update-ref", "-d", ref}, project_dir);
    }
    std::string script;
    for (const auto& line : job["script"]) script += line.as<std::string>() + "\n";
    Result r = e2e::run({"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script}, project_dir,
                        job_env(vars, runner / "home"));
    return JobRun{name, r.status, script + r.out + r.err};
  }
};

// ---------------------------------------------------------------------------------------------
// The flow, the same on both hosts.

// What the jobs printed, for failure messages.
std::string outputs(const std::vector<JobRun>& runs) {
  std::string out;
  for (const auto& r : runs) out += "--- job " + r.job + " (exit " + std::to_string(r.status) + ")\n" + r.output;
  return out;
}

// The one job the event started, which must be `name` and end with `status`.
JobRun the_job(const std::vector<JobRun>& runs, const std::string& name, int status = 0) {
  INFO(outputs(runs));
  REQUIRE(names(runs) == std::vector<std::string>{name});
  CHECK(runs.front().status == status);
  return runs.front();
}

template <class Host>
void run_the_registry_flow(World& w, Host& host, const std::string& registered_by, const std::string& applied_by) {
  std::set<std::string> ran;
  auto run = [&](const Event& e) {
    auto runs = host.run(e);
    for (const auto& r : runs) ran.insert(r.job);
    return runs;
  };

  // 1. A training job registers version 3 of m.
  the_job(run({Event::Kind::Dispatch, "main", "", {{"model", "m"}, {"source", "s3://bucket/m/3"}, {"run_id", "run-3"}}}),
          "register");
  const Json v3 = w.version(3);
  CHECK(v3["source"] == "s3://bucket/m/3");
  CHECK(v3["run_id"] == "run-3");
  CHECK(v3["current_stage"] == "None");
  CHECK(w.git_origin({"tag", "-l", "m@v3"}) == "m@v3");
  CHECK(w.git_origin({"log", "-1", "--format=%an <%ae>", "m@v3"}) == registered_by);

  // 2. carol asks for Production on a branch; alice and bob approve there; CI verifies it.
  const std::string work = w.clone("carol");
  git_ok({"checkout", "-q", "-b", "promote"}, work);
  Result req = w.mreg_as("carol", work, {"-o", "json", "request", "m", "3", "--to", "Production", "-f", w.fx.key("carol"), "--comment", "beats v2"});
  REQUIRE_EXIT(req, 0);
  const std::string id = json(req)["request"]["id"];
  REQUIRE_EXIT(w.mreg_as("alice", work, {"approve", "m", id, "-f", w.fx.key("alice"), "--yes"}), 0);
  REQUIRE_EXIT(w.mreg_as("bob", work, {"approve", "m", id, "-f", w.fx.key("bob"), "--yes"}), 0);
  git_ok({"push", "-q", "origin", "promote"}, work);
  const JobRun verified = the_job(run({Event::Kind::PullRequest, "promote", "main", {}}), "verify");
  CHECK_THAT(verified.output, Contains("2/2 approvals") && Contains("OK: every protected move is justified"));
  // Before verify, the job commented the review on the pull request, as Markdown.
  auto comments = w.hook.comments();
  REQUIRE(comments.size() == 1);
  CHECK(comments[0].path == host.comment_path());
  CHECK(host.authorized(comments[0]));
  CHECK_THAT(comments[0].body, Contains("### mreg review of origin/main..HEAD") && Contains("Request `" + id + "`: m v3 None -> Production"));
  CHECK_THAT(comments[0].body, Contains("**approvals**: 2 of 2 needed") && Contains("**OK**: every protected move is justified"));
  CHECK_THAT(comments[0].body, Contains("| FIELD | v3 (candidate) |"));

  // The same request with bob's approval changed after he signed it fails the check.
  git_ok({"checkout", "-q", "-b", "promote-tampered"}, work);
  const std::string bobs = work + "/" + approval_file(id, "bob");
  write_file(bobs, with_value(read_file(bobs), "expires_at", time_from_now(365 * 24 * 3600)));
  git_ok({"commit", "-q", "-am", "Extend bob's approval"}, work);
  git_ok({"push", "-q", "origin", "promote-tampered"}, work);
  const JobRun refused = the_job(run({Event::Kind::PullRequest, "promote-tampered", "main", {}}), "verify", 7);
  CHECK_THAT(refused.output, Contains("E_BAD_SIGNATURE") && Contains(email("bob")));
  comments = w.hook.comments();
  REQUIRE(comments.size() == 2);
  CHECK_THAT(comments[1].body, Contains("**FAIL**") && Contains("**E\\_BAD\\_SIGNATURE**") && Contains("still to approve"));

  // 3. Meanwhile a version is registered without its tag; then the pull request is squash-merged.
  const std::string other = w.clone("other");
  REQUIRE_EXIT(w.mreg_as("dave", other, {"--push", "register", "m", "--source", "s3://bucket/m/4", "--no-tags"}), 0);
  git_ok({"checkout", "-q", "main"}, work);
  git_ok({"pull", "-q", "--ff-only", "origin", "main"}, work);
  git_ok({"merge", "-q", "--squash", "promote"}, work);
  git_ok({"commit", "-q", "-m", "Promote m v3 to Production (#1)"}, work);
  git_ok({"push", "-q", "origin", "main"}, work);
  the_job(run({Event::Kind::PushBranch, "main", "", {}}), "apply");
  CHECK(w.version(3)["current_stage"] == "Production");
  CHECK(trailer(w.origin, "main", "Mreg-Request") == id);
  CHECK(w.git_origin({"log", "-1", "--format=%an <%ae>", "main"}) == applied_by);
  // The move's tag, and the tag the registration lacked, are on the remote.
  CHECK(w.git_origin({"tag", "-l", "m#production#*"}) == "m#production#1");
  CHECK(w.git_origin({"tag", "-l", "m@v4"}) == "m@v4");

  // 4. The tag push deploys version 3; other tags deploy nothing.
  CHECK(run({Event::Kind::PushTag, "m@v4", "", {}}).empty());
  the_job(run({Event::Kind::PushTag, "m#production#1", "", {}}), "deploy");
  const auto deployed = w.hook.deployments();
  REQUIRE(deployed.size() == 1);
  CHECK(deployed[0]["model_version"]["name"] == "m");
  CHECK(deployed[0]["model_version"]["version"] == "3");
  CHECK(deployed[0]["model_version"]["source"] == "s3://bucket/m/3");

  // 5. Someone who may push moves v4 into Production by hand on a branch of her own and pushes
  // a tag for it: the tag starts the deploy job, whose gate refuses a commit that is not on main.
  const std::string evil = w.clone("mallory");
  git_ok({"checkout", "-q", "-b", "hotfix"}, evil);
  const std::string v4 = evil + "/models/m/versions/4.yaml";
  write_file(v4, replace_line(read_file(v4), "stage: ", "stage: Production"));
  git_ok({"commit", "-q", "-am", "Hotfix: serve v4"}, evil);
  git_ok({"tag", "-a", "-m", "m moved to Production", "m#production#2"}, evil);
  git_ok({"push", "-q", "origin", "m#production#2"}, evil);
  const JobRun attack = the_job(run({Event::Kind::PushTag, "m#production#2", "", {}}), "deploy", 7);
  CHECK_THAT(attack.output, Contains("E_NOT_ON_BRANCH"));
  CHECK(w.hook.deployments().size() == 1);  // nothing posted

  // Pushed to main as well, the hand move is still refused: no approval justifies v4 there.
  git_ok({"push", "-q", "origin", "hotfix:main"}, evil);
  run({Event::Kind::PushBranch, "main", "", {}});  // apply: nothing approved to apply
  git_ok({"tag", "-a", "-f", "-m", "m moved to Production", "m#production#3", "hotfix"}, evil);
  git_ok({"push", "-q", "origin", "m#production#3"}, evil);
  const JobRun on_main = the_job(run({Event::Kind::PushTag, "m#production#3", "", {}}), "deploy", 7);
  CHECK_THAT(on_main.output, Contains("E_STAGE_NOT_JUSTIFIED"));
  CHECK(w.hook.deployments().size() == 1);

  // Every job of the file ran.
  CHECK(ran == host.jobs());
}

}  // namespace ci_examples

using namespace ci_examples;

TEST_CASE("The GitHub Actions example registers, verifies, applies and deploys against a local remote", "[ci]") {
  World w;
  GitHubActions github(w);
  run_the_registry_flow(w, github, "octo-trainer <4242+octo-trainer@users.noreply.github.com>",
                        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>");
}

TEST_CASE("The GitLab CI example registers, verifies, applies and deploys against a local remote", "[ci]") {
  World w;
  GitLabCi gitlab(w);
  run_the_registry_flow(w, gitlab, "Tess Trainer <tess@example.com>", "Registry CI <registry-ci@127.0.0.1>");
}
