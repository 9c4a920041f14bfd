// `mreg verify`: the tree, pull-request and history modes (verify.h).
#include "mreg/verify.h"
#include "mreg/names.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "manifest.h"
#include "mreg/history.h"
#include "mreg/model_dir.h"
#include "mreg/timefmt.h"
#include "registry_impl.h"
#include "signature_prefetch.h"
#include "step_changes.h"
#include "trailers.h"

namespace mreg {
namespace {

// What the commits reachable from a tip did with requests.
struct RequestUse {
  git::Oid commit;
  Timestamp time = 0;
};
struct History {
  std::map<std::string, std::vector<RequestUse>> applied;  // request -> commits that applied it, newest first
  std::map<std::string, std::string> closed;  // request -> rejected / cancelled (closed_requests)
  std::map<std::string, git::Oid> last_moved;  // "model|version", "model|@alias" -> newest commit that moved it
};

// One commit's part in a History: a commit reads newer than those added before it.
void add_to_history(History& h, const git::Oid& oid, Timestamp committer_time, const std::vector<Event>& events) {
  bool applied = false;
  for (const auto& e : events) {
    if (e.type == "transitioned" || e.type == "archived")
      h.last_moved.emplace(e.model + "|" + std::to_string(e.version), oid);
    else if (e.type == "alias_set" || e.type == "alias_deleted")
      h.last_moved.emplace(e.model + "|@" + e.alias, oid);
    if (e.request.empty()) continue;
    if (!applied && (e.type == "transitioned" || e.type == "alias_set" || e.type == "alias_deleted" ||
                     e.type == "version_deleted")) {
      h.applied[e.request].push_back({oid, committer_time});
      applied = true;
    }
  }
}

// From the events of each commit (the history index, made locally from the commits):
// the same trailers a walk of git would read.
History read_history(HistoryReader& reader, const git::Oid& tip) {
  History h;
  reader.for_each_commit_events(tip, [&](const git::Oid& oid, Timestamp time, const std::vector<Event>& events) {
    add_to_history(h, oid, time, events);
  });
  return h;
}

bool is_append_only(const std::string& path) {
  if (path.rfind(".mreg/policy/", 0) == 0) return true;
  if (path.rfind("models/", 0) != 0) return false;
  const auto slash = path.find('/', 7);
  if (slash == std::string::npos) return false;
  return path.compare(slash, 10, "/requests/") == 0 || path.compare(slash, 11, "/approvals/") == 0;
}

struct Change {
  std::string path;
  char kind;  // A added, M modified, D deleted
};

// The files that differ between two trees, descending only into folders that
// differ (and, below the top, only where append-only files can live).
void diff_trees(const git::Repository& repo, const std::optional<git::Oid>& a, const std::optional<git::Oid>& b,
                const std::string& prefix, std::vector<Change>& out) {
  std::map<std::string, git::TreeEntry> left, right;
  if (a)
    for (auto& e : repo.read_tree(*a)) left.emplace(e.name, e);
  if (b)
    for (auto& e : repo.read_tree(*b)) right.emplace(e.name, e);
  std::set<std::string> names;
  for (const auto& [n, e] : left) names.insert(n);
  for (const auto& [n, e] : right) names.insert(n);
  for (const auto& n : names) {
    auto l = left.find(n), r = right.find(n);
    const git::TreeEntry* le = l == left.end() ? nullptr : &l->second;
    const git::TreeEntry* re = r == right.end() ? nullptr : &r->second;
    if (le && re && le->oid == re->oid) continue;
    const std::string path = prefix + n;
    const bool ltree = le && le->type == git::ObjectType::Tree, rtree = re && re->type == git::ObjectType::Tree;
    if (ltree || rtree) {
      // Only models/<m>/{requests,approvals}/ and .mreg/ matter here.
      const auto depth = std::count(prefix.begin(), prefix.end(), '/');
      const bool descend = prefix.empty()                               ? n == "models" || n == ".mreg"
                           : prefix.rfind("models/", 0) == 0 && depth == 2 ? n == "requests" || n == "approvals"
                                                                          : true;
      if (!descend) continue;
      diff_trees(repo, ltree ? std::optional(le->oid) : std::nullopt, rtree ? std::optional(re->oid) : std::nullopt,
                 path + "/", out);
      if (le && !ltree) out.push_back({path, 'D'});
      if (re && !rtree) out.push_back({path, 'A'});
      continue;
    }
    out.push_back({path, !le ? 'A' : !re ? 'D' : 'M'});
  }
}

std::vector<Change> append_only_changes(const git::Repository& repo, const git::Oid& from_tree, const git::Oid& to_tree) {
  std::vector<Change> all, out;
  diff_trees(repo, from_tree, to_tree, "", all);
  for (auto& c : all)
    if (is_append_only(c.path)) out.push_back(std::move(c));
  return out;
}

class Verifier {
 public:
  Verifier(const Registry& registry, const VerifyOptions& o)
      : registry_(registry),
        repo_(*registry.impl().repo),
        history_reader_(repo_),
        options_(o),
        now_(o.now.value_or(now_seconds())),
        step_cache_(repo_) {}

  VerifyReport run() {
    head_oid_ = resolve_revision(repo_, options_.rev);
    const Snapshot head = registry_.impl().snapshot_at(head_oid_);
    report_.commit = head_oid_.hex();
    if (!options_.since.empty() && !options_.base.empty())
      throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "--base and --since are separate modes: give one");
    report_.mode = !options_.base.empty() ? "pull-request" : !options_.since.empty() ? "history" : "tree";

    std::optional<Snapshot> base;
    if (!options_.base.empty()) {
      base_oid_ = resolve_revision(repo_, options_.base);
      base = registry_.impl().snapshot_at(*base_oid_);
      report_.base_commit = base_oid_->hex();
    }
    chain_ = load_policy_chain(base ? *base : head, options_.trusted_root);
    report_.root_pinned = chain_.root_pinned;
    for (const auto& p : chain_.problems) report_.problems.push_back(p);
    if (options_.trusted_root.empty() && !chain_.empty())
      problem("E_POLICY_ROOT_NOT_PINNED", ".mreg/policy/1.yaml",
              "no trusted root: pass --trusted-root sha256:" + chain_.root_sha256 +
                  " (or set MREG_TRUSTED_ROOT or git config mreg.trustedRoot) after checking that this is your policy");
    if (!options_.trusted_root.empty() && chain_.empty())
      problem("E_POLICY_MISSING", ".mreg/policy/1.yaml", "a trusted root is given, but the tree has no policy");
    const Policy* policy = chain_.effective();
    if (policy) report_.policy_version = policy->version;
    std::optional<SignaturePrefetch> prefetch;
    if (policy) prefetch.emplace(repo_.git_dir(), head_oid_);

    history_ = read_history(history_reader_, head_oid_);
    history_.closed = closed_requests();
    if (report_.mode == "pull-request") {
      verify_pull_request(*base, head, policy);
    } else {
      if (report_.mode == "history") verify_history();
      else if (policy) verify_removals_since_policy();
      verify_tree(head, policy);
    }
    // A pull request's head is not what lands after a squash or rebase merge: only a
    // verified commit of the branch itself is a checkpoint for the next --since.
    if (report_.ok() && report_.mode != "pull-request") report_.checkpoint = report_.commit;
    return std::move(report_);
  }

  DeployVerdict run_deployment(const DeployOptions& d) {
    DeployVerdict out;
    auto refuse = [&](const std::string& code, const std::string& path, const std::string& message) {
      out.problems.push_back({code, path, "", "", message});
    };
    if (d.branch.empty())
      throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "--branch: name the protected branch the deployment comes from");
    head_oid_ = resolve_revision(repo_, options_.rev);
    const git::Oid tip = resolve_revision(repo_, d.branch);
    out.commit = head_oid_.hex();
    out.branch_commit = tip.hex();
    const ModelUri uri = parse_model_uri(d.uri);
    // The model's steps since the policy's adoption are read before HEAD's own `models/` tree:
    // a pack stores older trees as deltas of newer ones, so reading them first leaves HEAD's tree
    // in libgit2's delta-base cache, and the step walk finds the model's folder at HEAD, which
    // the snapshot is given instead of reading that large tree once more. (When this fails, the
    // walk runs again after the checks below, which then say why.)
    std::optional<git::Oid> folder_at_head;
    only_model_ = uri.name;
    try {
      gate_steps();
      folder_at_head = gated_at_head_;
    } catch (const Error&) {
      forget_gate_steps();
    }
    const Snapshot head = gate_steps_ ? registry_.impl().snapshot_at(head_oid_, uri.name, folder_at_head)
                                      : registry_.impl().snapshot_at(head_oid_);
    out.version = head.resolve_model_uri(d.uri);
    const std::string& model = out.version.name;
    if (model != only_model_) forget_gate_steps();
    out.stage = uri.stage.empty() ? "" : head.canonical_stage(uri.stage);
    out.alias = uri.alias;

    bool on_branch = false;
    for (std::optional<git::Oid> c = tip; c && !on_branch;) {
      on_branch = *c == head_oid_;
      const auto parents = repo_.read_commit(*c).parents;
      c = parents.empty() ? std::nullopt : std::optional(parents[0]);
    }
    if (!on_branch)
      refuse("E_NOT_ON_BRANCH", "",
             "commit " + head_oid_.hex().substr(0, 12) + " is not on the first-parent history of " + d.branch + " (at " +
                 tip.hex().substr(0, 12) + "): only what was merged into it deploys");
    if (uri.version || uri.latest)
      refuse("E_NOT_PROTECTED", "",
             d.uri + " names a version by number, which no approval is about: deploy models:/NAME/STAGE or "
                     "models:/NAME@ALIAS of a protected stage or alias");

    chain_ = load_policy_chain(head, d.trusted_root);
    for (const auto& p : chain_.problems) out.problems.push_back(p);
    if (d.trusted_root.empty())
      refuse("E_POLICY_ROOT_NOT_PINNED", ".mreg/policy/1.yaml",
             "the deploy gate needs the trusted root: pass --trusted-root (or set MREG_TRUSTED_ROOT or git config "
             "mreg.trustedRoot)");
    else if (chain_.empty())
      refuse("E_POLICY_MISSING", ".mreg/policy/1.yaml", "a trusted root is given, but the tree has no policy");
    const Policy* policy = chain_.effective();
    if (policy) {
      out.policy_version = policy->version;
      if (!uri.version && !uri.latest && !policy->rule_for(model, out.stage, out.alias))
        refuse("E_NOT_PROTECTED", policy->path,
               "policy version " + std::to_string(policy->version) + " protects no " +
                   (out.alias.empty() ? "stage " + out.stage : "alias " + out.alias) + " of " + model +
                   ": nothing approved what it holds");
    }
    if (out.problems.empty() && head_oid_ != tip) {
      std::string now_there;
      try {
        const ModelVersion at_tip = registry_.impl().snapshot_at(tip).resolve_model_uri(d.uri);
        if (at_tip.version != out.version.version || version_identity_sha256(at_tip) != version_identity_sha256(out.version))
          now_there = "v" + std::to_string(at_tip.version);
      } catch (const Error& e) {
        now_there = "nothing (" + std::string(e.what()) + ")";
      }
      if (!now_there.empty())
        refuse("E_NOT_CURRENT", version_path(model, out.version.version),
               d.uri + " is v" + std::to_string(out.version.version) + " at commit " + head_oid_.hex().substr(0, 12) +
                   " but " + now_there + " at the tip of " + d.branch + ": a deployment follows the branch");
    }
    if (!out.problems.empty()) {
      out.verdict = out.problems.front().code;
      return out;
    }

    // The state, judged as tree mode judges it, alone.
    only_model_ = model;
    only_key_ = StateOf{model, out.version.version, out.stage, out.alias, "", ""}.key();
    history_ = gate_history();
    // Protected state of the model taken away by hand can change what the URI resolves to (a newer
    // version removed from the stage rolls it back to an older approved one), and a grandfathered
    // state is one unchanged since the policy's adoption: the model's steps since then are walked.
    verify_removals_since_policy();
    const auto states = states_of_model(head, *policy, model);
    for (const auto& st : states) {
      if (st.key() != only_key_) continue;
      // The request a rule governs is closed by a signed closing alone (no history needed).
      try {
        const TransitionRequest r = head.get_request(model, st.request);
        for (const auto& c : verify_closings(head, *policy, r, now_))
          if (c.ok()) {
            history_.closed.emplace(r.id, c.outcome);
            break;
          }
      } catch (const Error&) {
      }
    }
    verify_tree(head, policy);
    for (const auto& st : report_.states) {
      out.verdict = st.verdict;
      out.request = st.request;
    }
    out.problems = std::move(report_.problems);
    if (!out.problems.empty()) out.verdict = out.problems.front().code;
    return out;
  }

 private:
  void problem(const std::string& code, const std::string& path, const std::string& message) {
    report_.problems.push_back({code, path, "", "", message});
  }

  // The requests rejected or cancelled at HEAD, as mreg status and mreg apply see them: one
  // that a rule governs only by a signed closing of someone entitled to it, never by a commit
  // that merely says so. (A tree whose requests do not read fails on them elsewhere.)
  // Closings that do not count are reported as warnings (E_CLOSING_IGNORED).
  std::map<std::string, std::string> closed_requests() {
    std::map<std::string, std::string> out;
    try {
      for (const auto& st : request_states(registry_, head_oid_.hex(), "", options_.trusted_root)) {
        if (st.outcome == "rejected" || st.outcome == "cancelled") out.emplace(st.request.id, st.outcome);
        for (const auto& ignored : st.ignored_closings) {
          // "PATH: CODE: why" for a closing file, "COMMIT: what" for a commit that claims one.
          const bool file = ignored.rfind("models/", 0) == 0;
          report_.warnings.push_back({"E_CLOSING_IGNORED",
                                      file ? ignored.substr(0, ignored.find(": ")) : request_path(st.request.model, st.request.id),
                                      "", "", "ignored: " + ignored + "; request " + st.request.id + " is " + st.outcome});
        }
      }
    } catch (const Error&) {
    }
    return out;
  }

  // Whether request `id` was applied at or before the commit of `s` (by a commit with its
  // Mreg-Request): a request acts once, so it accounts for nothing after that.
  bool applied_by(const std::string& id, const Snapshot& s) const {
    auto it = history_.applied.find(id);
    if (it == history_.applied.end() || s.commit_id().empty()) return false;
    const git::Oid at = git::Oid::from_hex(s.commit_id());
    for (const auto& use : it->second)
      if (repo_.is_ancestor(use.commit, at)) return true;
    return false;
  }

  static std::optional<ModelVersion> version_in(const Snapshot& s, const std::string& model, std::int64_t version) {
    try {
      return s.get_model_version(model, version);
    } catch (const Error&) {
      return std::nullopt;
    }
  }

  // The policy version in force at a commit: the newest trusted one in its tree.
  const Policy* policy_at(const git::Oid& commit) {
    const git::Oid tree = repo_.read_commit(commit).tree;
    std::int64_t n = 0;
    while (n < static_cast<std::int64_t>(chain_.trusted.size()) && repo_.tree_entry(tree, policy_path(n + 1))) ++n;
    return n == 0 ? nullptr : &chain_.trusted[n - 1];
  }

  // Adds the verdict on request `id` (justifying `what`) and returns whether it holds.
  bool justify(const Snapshot& tree, const Policy& policy, const std::string& model, const std::string& id,
               Timestamp at, const std::string& state, const std::string& applied_commit,
               const ModelVersion* acted_on = nullptr) {
    RequestVerdict v = verify_request(tree, policy, model, id, at, acted_on);
    v.state = state;
    v.applied_commit = applied_commit;
    const bool ok = v.justified();
    for (auto f : v.problems) report_.problems.push_back(std::move(f));
    report_.requests.push_back(std::move(v));
    return ok;
  }

  struct StateOf {
    std::string model;
    std::int64_t version;
    std::string stage, alias, request;
    std::string identity;  // version_identity_sha256 of the version
    // "model|version|stage" or "model|@alias|version": the state without the version's identity.
    std::string key() const {
      return model + "|" + (stage.empty() ? "@" + alias + "|" + std::to_string(version) : std::to_string(version) + "|" + stage);
    }
  };

  static std::vector<StateOf> states_of_model(const Snapshot& s, const Policy& policy, const std::string& name) {
    std::vector<StateOf> out;
    const RegisteredModel m = s.get_registered_model(name);
    std::map<std::int64_t, std::string> identity;
    for (const auto& v : s.get_model_versions(name)) {
      identity[v.version] = version_identity_sha256(v);
      if (policy.rule_for(name, v.stage, ""))
        out.push_back({name, v.version, v.stage, "", v.stage_request, identity[v.version]});
    }
    for (const auto& [alias, version] : m.aliases)
      if (policy.rule_for(name, "", alias)) {
        auto it = m.alias_requests.find(alias);
        out.push_back({name, version, "", alias, it == m.alias_requests.end() ? "" : it->second, identity[version]});
      }
    return out;
  }

  std::vector<StateOf> protected_states(const Snapshot& s, const Policy& policy, const std::set<std::string>* only) {
    std::vector<StateOf> out;
    if (!only_model_.empty()) {  // the deploy gate: one state
      for (auto& st : states_of_model(s, policy, only_model_))
        if (st.key() == only_key_) out.push_back(std::move(st));
      return out;
    }
    for (const auto& name : s.model_names()) {
      if (only && !only->count(name)) continue;
      for (auto& st : states_of_model(s, policy, name)) out.push_back(std::move(st));
    }
    return out;
  }

  // The protected states of `models` that `after` no longer has as `before` had them
  // (a version moved out, deleted or changed; an alias moved or removed; a model
  // deleted or renamed) must each be accounted for by an approved request in `after`
  // that asks for exactly that, judged under `policy` at `at`. A request justifies
  // the removals of one step only.
  void check_removals(const Snapshot& before, const Snapshot& after, const std::set<std::string>& models,
                      const Policy& policy, Timestamp at, const std::string& where,
                      const std::set<std::string>& used_elsewhere) {
    std::set<std::string> used_here;  // one request may account for several states of this step
    for (const auto& name : models) {
      std::vector<StateOf> was;
      try {
        if (!before.has_model(name)) continue;
        was = states_of_model(before, policy, name);
      } catch (const Error&) {
        continue;  // unreadable before: nothing to compare with
      }
      if (was.empty()) continue;
      std::map<std::string, std::string> now;  // key -> identity
      try {
        if (after.has_model(name))
          for (const auto& st : states_of_model(after, policy, name)) now[st.key()] = st.identity;
      } catch (const Error&) {
      }
      std::vector<TransitionRequest> candidates;
      try {
        if (after.has_model(name)) candidates = after.get_requests(name);
      } catch (const Error&) {
      }
      for (const auto& st : was) {
        auto it = now.find(st.key());
        if (it != now.end() && it->second == st.identity) continue;
        const std::string what = name + " v" + std::to_string(st.version) +
                                 (st.stage.empty() ? " @" + st.alias : " in " + st.stage);
        if (it != now.end()) {
          problem("E_DIGEST_MISMATCH", version_path(name, st.version),
                  what + " changed " + where + " (source, digest or run id) while protected");
          continue;
        }
        bool justified = false;
        for (const auto& r : candidates) {
          // What takes the state away: for this version, a move out of the stage, its delete or
          // the alias taken off it; for another version, the alias set on it or a promotion that
          // archives the stage. (The request that put the alias on this version takes nothing away.)
          const bool same = r.version == st.version;
          const bool accounts =
              st.stage.empty() ? (same ? r.remove_alias == st.alias || r.delete_version : r.alias == st.alias)
                               : (same ? (!r.to_stage.empty() && r.from_stage == st.stage) || r.delete_version
                                       : r.to_stage == st.stage && r.archive_existing);
          if (!accounts || used_elsewhere.count(r.id) || applied_by(r.id, before)) continue;
          std::optional<ModelVersion> acted_on;
          try {
            acted_on = before.get_model_version(name, r.version);
          } catch (const Error&) {
          }
          if (verify_request(after, policy, name, r.id, at, acted_on ? &*acted_on : nullptr).justified()) {
            justified = true;
            used_here.insert(r.id);
            break;
          }
        }
        removed_states_.insert(st.key());
        if (!justified)
          problem("E_REMOVAL_NOT_JUSTIFIED", st.stage.empty() ? model_path(name) : version_path(name, st.version),
                  what + " was removed " + where + " without an approved request for it");
      }
    }
    removal_requests_.insert(used_here.begin(), used_here.end());
  }

  // The commit that added a policy version; for the deploy gate, with the gated model's folder
  // as the walk since the policy's adoption found it (not reading the large `models/` tree again).
  Snapshot snapshot_at_adoption(const git::Oid& added) const {
    if (adoption_ && added == *adoption_) return registry_.impl().snapshot_at(added, only_model_, gated_at_adoption_);
    return registry_.impl().snapshot_at(added);
  }

  // The state existed before any policy protected it: the tree of the commit
  // that added the first policy version protecting it had it already.
  bool grandfathered(const StateOf& st) {
    if (removed_states_.count(st.key())) return false;  // it left, and came back without approval
    for (const auto& p : chain_.trusted) {
      if (!p.rule_for(st.model, st.stage, st.alias)) continue;
      const auto added = commit_adding(policy_path(p.version));
      if (!added) return false;
      const Snapshot then = snapshot_at_adoption(*added);
      try {
        // Pinned: the version must be exactly what it was then (the identity approvals bind).
        const ModelVersion was = then.get_model_version(st.model, st.version);
        if (version_identity_sha256(was) != st.identity) return false;
        if (!st.stage.empty()) return was.stage == st.stage;
        const auto aliases = then.get_registered_model(st.model).aliases;
        auto it = aliases.find(st.alias);
        return it != aliases.end() && it->second == st.version;
      } catch (const Error&) {
        return false;
      }
    }
    return false;
  }

  // The state was grandfathered once (the adopting commit had it), but is no longer what it was.
  bool grandfathered_changed(const StateOf& st) {
    for (const auto& p : chain_.trusted) {
      if (!p.rule_for(st.model, st.stage, st.alias)) continue;
      const auto added = commit_adding(policy_path(p.version));
      if (!added) return false;
      try {
        const Snapshot s = snapshot_at_adoption(*added);
        for (const auto& old : states_of_model(s, p, st.model))
          if (old.key() == st.key()) return true;
      } catch (const Error&) {
      }
      return false;
    }
    return false;
  }

  // The oldest commit on HEAD's first-parent line whose tree has `path` (an
  // append-only file stays once added, so a binary search finds it).
  std::optional<git::Oid> commit_adding(const std::string& path) {
    if (first_parents_.empty()) {
      if (only_model_.empty()) first_parents_ = history_reader_.first_parents(head_oid_);
      else first_parents_ = first_parents_to_adoption();
    }
    auto has = [&](size_t i) { return repo_.tree_entry(repo_.read_commit(first_parents_[i]).tree, path).has_value(); };
    if (!has(0)) return std::nullopt;
    if (first_parents_partial_ && has(first_parents_.size() - 1)) {  // older than the policy: the whole line
      first_parents_ = history_reader_.first_parents(head_oid_);
      first_parents_partial_ = false;
    }
    size_t lo = 0, hi = first_parents_.size() - 1;  // has(lo); find the largest index (oldest) that has it
    while (lo < hi) {
      size_t mid = (lo + hi + 1) / 2;
      if (has(mid)) lo = mid;
      else hi = mid - 1;
    }
    return first_parents_[lo];
  }

  // The deploy gate's history of its model, as read_history() gives it for the model: the
  // commits whose trailers name the model (events of commits made by hand are no moves or
  // applications). A request is applied in a commit that has it, so when the commit that
  // adopted the policy had no request of the model, the commits since the adoption hold every
  // application: those are read (the first-parent line, or a walk of git where a merge brought
  // more), without the history index, which a fresh clone would have to build from every commit.
  History gate_history() {
    History h;
    auto add = [&](const git::Oid& oid, Timestamp time, const std::vector<Event>& events) {
      if (std::any_of(events.begin(), events.end(), [&](const Event& e) { return e.model == only_model_; }))
        add_to_history(h, oid, time, events);
    };
    gate_steps();  // finds the adoption, and the model's folder there
    if (!adoption_ || (gated_at_adoption_ && repo_.tree_entry(*gated_at_adoption_, "requests"))) {
      history_reader_.for_each_commit_events(head_oid_, add, {only_model_});
      return h;
    }
    const git::CommitInfo adoption = repo_.read_commit(*adoption_);
    const std::size_t n = std::find(first_parents_.begin(), first_parents_.end(), *adoption_) - first_parents_.begin();
    std::vector<git::CommitInfo> commits;
    for (std::size_t i = 0; i <= n; ++i) {
      commits.push_back(repo_.read_commit(first_parents_[i]));
      if (commits.back().parents.size() > 1 || (i < n && commits.back().parents.empty())) {
        commits.clear();
        break;
      }
    }
    if (commits.empty()) {  // a merge since the adoption, or adopting: everything it brought, in walk order
      const auto hide = adoption.parents.empty() ? std::nullopt : std::optional(adoption.parents[0]);
      for (const auto& oid : repo_.walk(head_oid_, hide)) commits.push_back(repo_.read_commit(oid));
    }
    for (const auto& c : commits)
      if (!trailer_value(read_trailers(c.message), "Mreg-Op").empty())
        add(c.oid, c.committer.time, commit_events(repo_, c));
    return h;
  }

  // The deploy gate's part of HEAD's first-parent line: down to the first commit without the
  // policy's first version, read from git. The gate walks every step since the adoption anyway,
  // and loading the history index of every commit costs more than these.
  std::vector<git::Oid> first_parents_to_adoption() {
    std::vector<git::Oid> out;
    for (std::optional<git::Oid> c = head_oid_; c;) {
      out.push_back(*c);
      const git::CommitInfo info = repo_.read_commit(*c);
      if (!repo_.tree_entry(info.tree, policy_path(1))) break;
      c = info.parents.empty() ? std::nullopt : std::optional(info.parents[0]);
    }
    first_parents_partial_ = true;
    return out;
  }

  // A rejected or cancelled request justifies nothing, however many approvals it had
  // before it was closed (mreg apply refuses it; a state that names it by hand fails).
  void closed_request_named(const std::string& model, const std::string& id, const std::string& what,
                            ProtectedState& ps) {
    auto closed = history_.closed.find(id);
    if (closed == history_.closed.end()) return;
    ps.verdict = "E_REQUEST_CLOSED";
    ps.message = what + " names request " + id + ", which was " + closed->second + ": it justifies nothing";
    problem(ps.verdict, request_path(model, id), ps.message);
  }

  void verify_tree(const Snapshot& head, const Policy* policy) {
    if (!policy) return;
    std::set<std::string> seen;
    for (const auto& st : protected_states(head, *policy, nullptr)) {
      ProtectedState ps{st.model, st.version, st.stage, st.alias, st.request, "justified", ""};
      const std::string what = st.model + " v" + std::to_string(st.version) + " in " +
                               (st.stage.empty() ? "alias " + st.alias : st.stage);
      if (st.request.empty()) {
        if (grandfathered(st)) {
          ps.verdict = "grandfathered";
          ps.message = what + " was there before the policy protected it";
        } else if (grandfathered_changed(st)) {
          ps.verdict = "E_GRANDFATHERED_CHANGED";
          ps.message = what + " was there before the policy protected it, but has changed since";
          problem(ps.verdict, version_path(st.model, st.version), ps.message);
        } else {
          ps.verdict = "E_STAGE_NOT_JUSTIFIED";
          ps.message = what + " names no approved request";
          problem(ps.verdict, st.stage.empty() ? model_path(st.model) : version_path(st.model, st.version), ps.message);
        }
        report_.states.push_back(ps);
        continue;
      }
      seen.insert(st.request);
      if (verified_in_history_.count(st.request)) {
        report_.states.push_back(ps);  // judged above, as of the commit that applied it
        continue;
      }
      auto uses = history_.applied.find(st.request);
      if (uses == history_.applied.end()) closed_request_named(st.model, st.request, what, ps);
      const Policy* in_force = policy;
      Timestamp at = now_;
      std::string applied;
      if (uses != history_.applied.end()) {
        if (uses->second.size() > 1) {
          ps.verdict = "E_REPLAY";
          ps.message = "request " + st.request + " was applied " + std::to_string(uses->second.size()) +
                       " times (commits " + uses->second.back().commit.hex().substr(0, 12) + " and " +
                       uses->second.front().commit.hex().substr(0, 12) + ")";
          problem(ps.verdict, request_path(st.model, st.request), ps.message);
        }
        // A version moved again after the request put it there cannot be put back by the same request.
        auto moved = history_.last_moved.find(st.model + "|" +
                                              (st.stage.empty() ? "@" + st.alias : std::to_string(st.version)));
        if (ps.verdict == "justified" && moved != history_.last_moved.end() &&
            moved->second != uses->second.front().commit) {
          ps.verdict = "E_REPLAY";
          ps.message = "request " + st.request + " moved " + what + " in commit " +
                       uses->second.front().commit.hex().substr(0, 12) + ", but the version was moved again in commit " +
                       moved->second.hex().substr(0, 12) + "; the request cannot justify it again";
          problem(ps.verdict, request_path(st.model, st.request), ps.message);
        }
        // Judged as of the commit that applied it, under the policy then in force.
        const RequestUse& use = uses->second.front();
        at = use.time;
        applied = use.commit.hex();
        if (const Policy* then = policy_at(use.commit)) in_force = then;
      }
      const auto before = report_.problems.size();
      const bool ok = justify(head, *in_force, st.model, st.request, at, uses == history_.applied.end() ? "open" : "applied", applied);
      const RequestVerdict& v = report_.requests.back();
      const bool matches = v.request.version == st.version &&
                           (st.stage.empty() ? v.request.alias == st.alias : v.request.to_stage == st.stage);
      if (!matches && v.request.version != 0) {
        problem("E_PAYLOAD_MISMATCH", request_path(st.model, st.request),
                what + " names request " + st.request + ", which asks for v" + std::to_string(v.request.version) +
                    " -> " + v.request.target());
      }
      if (!ok || !matches || ps.verdict != "justified") {
        if (ps.verdict == "justified") {
          ps.verdict = report_.problems.size() > before ? report_.problems[before].code : "E_STAGE_NOT_JUSTIFIED";
          ps.message = report_.problems.size() > before ? report_.problems[before].message : what;
        }
      }
      report_.states.push_back(ps);
    }
    // Open requests are listed with their approvals; they do not fail a tree.
    if (!only_model_.empty()) return;
    for (const auto& name : head.model_names())
      for (const auto& r : head.get_requests(name)) {
        if (seen.count(r.id) || history_.applied.count(r.id)) continue;
        RequestVerdict v = verify_request(head, *policy, name, r.id, now_);
        auto closed = history_.closed.find(r.id);
        v.state = closed == history_.closed.end() ? "open" : closed->second;
        report_.requests.push_back(std::move(v));
      }
  }

  void verify_pull_request(const Snapshot& base, const Snapshot& head, const Policy* policy) {
    const auto merge_base = repo_.merge_base(*base_oid_, head_oid_);
    if (!merge_base) {
      problem("E_HISTORY_REWRITTEN", "", "the branch shares no history with " + options_.base);
      return;
    }
    // Append-only files of the merge base must be in the branch as they were.
    const git::Oid mb_tree = repo_.read_commit(*merge_base).tree;
    const git::Oid head_tree = repo_.read_commit(head_oid_).tree;
    std::set<std::pair<std::string, std::string>> touched;  // (model, request id)
    std::set<std::pair<std::string, std::string>> touched_beyond_signature;  // more than its requests/<id>.yaml.sig
    std::set<std::string> touched_models;
    for (const auto& c : append_only_changes(repo_, mb_tree, head_tree)) {
      if (c.kind != 'A') {
        problem("E_APPEND_ONLY_VIOLATION", c.path,
                c.path + (c.kind == 'M' ? " was changed" : " was removed") + " on the branch; it may only be added");
        continue;
      }
      if (c.path.rfind("models/", 0) == 0) {
        // models/<m>/requests/<id>.yaml or models/<m>/approvals/<id>/...
        const auto s1 = c.path.find('/', 7), s2 = c.path.find('/', s1 + 1), s3 = c.path.find_first_of("/.", s2 + 1);
        const std::string folder = c.path.substr(7, s1 - 7);
        const std::string model = model_name_of_folder(folder).value_or(folder);
        const std::string id = c.path.substr(s2 + 1, (s3 == std::string::npos ? c.path.size() : s3) - s2 - 1);
        touched.emplace(model, id);
        if (c.path != request_path(model, id) + ".sig") touched_beyond_signature.emplace(model, id);
      }
    }
    // New policy versions on the branch must be valid continuations, though
    // they do not count for this pull request.
    const PolicyChain head_chain = load_policy_chain(head, options_.trusted_root);
    for (const auto& p : head_chain.problems)
      if (head_chain.newest_present > chain_.newest_present) report_.problems.push_back(p);
    if (!policy) return;

    History base_history = read_history(history_reader_, *base_oid_);
    // Protected states the branch changes.
    diff_trees_models(repo_, repo_.read_commit(*merge_base).tree, head_tree, touched_models);
    const auto head_states = protected_states(head, *policy, &touched_models);
    std::set<std::string> base_keys;
    for (const auto& st : protected_states(base, *policy, &touched_models)) base_keys.insert(st.key() + "|" + st.identity);
    // What the branch takes away, against the merge base (what it changes of the base's state).
    std::set<std::string> applied_on_base;
    for (const auto& [id, uses] : base_history.applied) applied_on_base.insert(id);
    const Snapshot at_merge_base = registry_.impl().snapshot_at(*merge_base);
    check_removals(at_merge_base, head, touched_models, *policy, now_, "on the branch", applied_on_base);
    std::set<std::pair<std::string, std::string>> named;  // (model, request) that a state the branch adds names
    for (const auto& st : head_states) {
      if (base_keys.count(st.key() + "|" + st.identity)) continue;
      ProtectedState ps{st.model, st.version, st.stage, st.alias, st.request, "justified", ""};
      if (st.request.empty()) {
        ps.verdict = "E_STAGE_NOT_JUSTIFIED";
        ps.message = st.model + " v" + std::to_string(st.version) + " moves into " +
                     (st.stage.empty() ? "alias " + st.alias : st.stage) + " without an approved request";
        problem(ps.verdict, version_path(st.model, st.version), ps.message);
      } else {
        touched.emplace(st.model, st.request);
        touched_beyond_signature.emplace(st.model, st.request);
        named.emplace(st.model, st.request);
      }
      report_.states.push_back(ps);
    }
    for (const auto& [model, id] : touched) {
      auto closed = history_.closed.find(id);
      // A closed request is only listed, unless a state the branch adds names it: then it is judged.
      if (closed != history_.closed.end() && !named.count({model, id})) {
        RequestVerdict v = verify_request(head, *policy, model, id, now_);
        v.state = closed->second;
        report_.requests.push_back(std::move(v));
        continue;
      }
      if (base_history.applied.count(id) && !touched_beyond_signature.count({model, id})) {
        // The requester signing a request applied before requests were signed: only that is judged.
        for (const auto& f : verify_request(head, *policy, model, id, now_).problems)
          if (f.code == "E_REQUESTER_UNPROVEN") report_.problems.push_back(f);
        continue;
      }
      if (base_history.applied.count(id)) {
        problem("E_REPLAY", request_path(model, id),
                "request " + id + " was applied on " + options_.base + " already (commit " +
                    base_history.applied[id].front().commit.hex().substr(0, 12) + "); it cannot be used again");
        continue;
      }
      // A delete applied on the branch is judged on the version as the merge base had it.
      std::optional<ModelVersion> deleted;
      try {
        const TransitionRequest r = head.get_request(model, id);
        if (r.delete_version && !version_in(head, model, r.version)) deleted = version_in(at_merge_base, model, r.version);
      } catch (const Error&) {
      }
      if (closed != history_.closed.end()) {
        ProtectedState ignored;
        closed_request_named(model, id, "a state on the branch", ignored);
      }
      const std::string state = closed != history_.closed.end() ? closed->second
                                : history_.applied.count(id)    ? "applied"
                                                                : "open";
      justify(head, *policy, model, id, now_, state, "", deleted ? &*deleted : nullptr);
    }
  }

  // The model folders that differ between two commits' trees (added, changed, deleted or renamed).
  static void diff_trees_models(const git::Repository& repo, const git::Oid& a, const git::Oid& b,
                                std::set<std::string>& models) {
    for (const auto& change : model_folder_changes(repo, models_tree(repo, a), models_tree(repo, b)))
      models.insert(change.name);
  }

  // The protected states that first-parent step `commit` (from its first parent)
  // took away must each be accounted for by an approved request, judged under the
  // policy in force before the step, at the step's time.
  void check_step_removals(const git::Oid& commit, const git::CommitInfo& info, const git::CommitInfo& parent) {
    check_step_removals(commit, info,
                        models_that_may_lose_state(repo_, model_folder_changes(repo_, models_tree(repo_, parent.tree),
                                                                               models_tree(repo_, info.tree))));
  }
  // `gated`: the gated model's folder change in this step, so that its snapshots need not
  // read the large `models/` trees to find the folder.
  void check_step_removals(const git::Oid& commit, const git::CommitInfo& info, const std::set<std::string>& models,
                           const git::Repository::EntryChange* gated = nullptr) {
    if (models.empty()) return;
    const Policy* before = policy_at(info.parents[0]);
    if (!before) return;
    auto snapshot = [&](const git::Oid& at, const std::optional<git::TreeEntry>& folder) {
      if (!gated) return registry_.impl().snapshot_at(at);
      return registry_.impl().snapshot_at(at, gated->name, folder_of(folder));
    };
    check_removals(snapshot(info.parents[0], gated ? gated->before : std::nullopt),
                   snapshot(commit, gated ? gated->after : std::nullopt), models, *before, info.committer.time,
                   "in commit " + commit.hex().substr(0, 12), removal_requests_);
  }
  static std::optional<git::Oid> folder_of(const std::optional<git::TreeEntry>& e) {
    return e && e->type == git::ObjectType::Tree ? std::optional(e->oid) : std::nullopt;
  }

  // Could a step have taken protected state from a model? Not when it only added the
  // model, or files under requests/, approvals/ or new version files: those hold no
  // state. Most steps are such (requests, approvals, registrations), and telling so
  // costs two small tree comparisons instead of reading the model twice.
  static bool may_take_state(const git::Repository& repo, const git::Repository::EntryChange& folder) {
    if (!folder.before) return false;  // new: nothing to take
    const auto& a = *folder.before;
    if (!folder.after || a.type != git::ObjectType::Tree || folder.after->type != git::ObjectType::Tree) return true;
    for (const auto& change : repo.changed_entries(a.oid, folder.after->oid)) {
      if (change.name == "requests" || change.name == "approvals") continue;
      if (change.name != "versions" || !change.before || !change.after ||
          change.before->type != git::ObjectType::Tree || change.after->type != git::ObjectType::Tree)
        return true;  // model.yaml (aliases), versions/ added or removed, or anything unexpected
      for (const auto& file : repo.changed_entries(change.before->oid, change.after->oid))
        if (file.before) return true;  // a version file changed or removed
    }
    return false;
  }

  // The models (of those verified) whose folder change may have taken state from them.
  std::set<std::string> models_that_may_lose_state(const git::Repository& repo, const FolderChanges& changes) const {
    std::set<std::string> models;
    for (const auto& change : changes)
      if ((only_model_.empty() || change.name == only_model_) && may_take_state(repo, change)) models.insert(change.name);
    return models;
  }

  // First-parent step i: from first_parents_[i + 1] to first_parents_[i].
  struct Step {
    FolderChanges changes;
    std::optional<git::Oid> models_before, models_after;  // the `models/` trees
    bool from_git = false;  // not from the step cache
  };

  // Steps 0..n-1, from the step cache where it has them, else from git. Reading
  // both `models/` trees of each step is most of a long walk, and each step is read alone:
  // a second thread, with its own handle on the repository, takes the older half.
  std::vector<Step> read_steps(std::size_t n) const {
    std::vector<Step> out(n);
    auto scan = [&](const git::Repository& repo, std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) {
        Step& s = out[i];
        s.models_after = models_tree(repo, repo.read_commit(first_parents_[i]).tree);
        s.models_before = models_tree(repo, repo.read_commit(first_parents_[i + 1]).tree);
        if (auto known = step_cache_.find(first_parents_[i], s.models_before, s.models_after)) {
          s.changes = std::move(*known);
          continue;
        }
        s.changes = model_folder_changes(repo, s.models_before, s.models_after);
        s.from_git = true;
      }
    };
    constexpr std::size_t kStepsWorthAThread = 256;
    const std::size_t half = n >= kStepsWorthAThread && std::thread::hardware_concurrency() > 1 ? n / 2 : n;
    std::exception_ptr older_failed;
    std::thread older;
    if (half < n)
      older = std::thread([&] {
        try {
          scan(git::Repository::open(repo_.git_dir()), half, n);
        } catch (...) {
          older_failed = std::current_exception();
        }
      });
    try {
      scan(repo_, 0, half);
    } catch (...) {
      if (older.joinable()) older.join();
      throw;
    }
    if (older.joinable()) older.join();
    if (older_failed) std::rethrow_exception(older_failed);
    return out;
  }

  // The deploy gate's steps: its model's folder entry in each commit of the first-parent line
  // down to the policy's adoption (one name looked up in each `models/` tree, not a comparison
  // of two whole trees), with a change wherever two neighbours differ. Sets gated_at_adoption_.
  // Made once (the history and the walk both need them); sets adoption_ when the line reaches it.
  const std::vector<Step>& gate_steps() {
    if (gate_steps_) return *gate_steps_;
    forget_gate_steps();
    const auto adopted = commit_adding(policy_path(1));
    std::size_t n = 0;
    while (adopted && n + 1 < first_parents_.size() && first_parents_[n] != *adopted) ++n;
    gate_steps_ = gated_steps(n);
    if (adopted && first_parents_[n] == *adopted) adoption_ = *adopted;
    return *gate_steps_;
  }
  std::vector<Step> gated_steps(std::size_t n) {
    const std::string folder = model_folder_name(only_model_);
    // Most steps change `models/`, but not all (a new policy version): the same tree is looked up once.
    std::optional<git::Oid> last_models;
    std::optional<git::TreeEntry> last_entry;
    auto entry_at = [&](std::size_t i) {
      const auto models = models_tree(repo_, repo_.read_commit(first_parents_[i]).tree);
      if (!models) return std::optional<git::TreeEntry>();
      if (models != last_models) {
        last_entry = repo_.tree_entry(*models, folder);
        last_models = models;
      }
      return last_entry;
    };
    auto same = [](const std::optional<git::TreeEntry>& a, const std::optional<git::TreeEntry>& b) {
      return a ? b && a->oid == b->oid && a->mode == b->mode : !b;
    };
    // Oldest first: see run_deployment.
    std::vector<std::optional<git::TreeEntry>> entries(n + 1);
    {
      git::UncachedTrees uncached;
      for (std::size_t i = n + 1; i-- > 0;) entries[i] = entry_at(i);
    }
    std::vector<Step> out(n);
    for (std::size_t i = 0; i < n; ++i)
      if (!same(entries[i + 1], entries[i])) out[i].changes.push_back({only_model_, entries[i + 1], entries[i]});
    gated_at_adoption_ = folder_of(entries[n]);
    gated_at_head_ = folder_of(entries[0]);
    return out;
  }
  void forget_gate_steps() {
    gate_steps_.reset();
    adoption_.reset();
    gated_at_adoption_.reset();
    gated_at_head_.reset();
  }

  // Tree mode: every first-parent step since the commit that adopted the policy.
  // (History mode checks the steps since its checkpoint; earlier ones were checked
  // when the checkpoint was.) The steps already found clean under the same trusted
  // root are remembered in the git directory (mreg/verified-steps-v1): a later run
  // checks only the steps after them. The file is local, like the history index,
  // and losing it costs time only. What each step changed comes from the step cache
  // (step_changes.h), which the walk extends.
  void verify_removals_since_policy() {
    const auto adopted = commit_adding(policy_path(1));
    if (!adopted) return;
    const bool whole_walk = only_model_.empty();
    std::optional<git::Oid> clean;
    if (whole_walk) {
      if (auto saved = load_clean_steps()) {
        clean = saved->commit;
        removal_requests_.insert(saved->used.begin(), saved->used.end());
        removed_states_.insert(saved->removed.begin(), saved->removed.end());
      }
    }
    const auto problems_before = report_.problems.size();
    std::size_t n = 0;
    while (n + 1 < first_parents_.size() && first_parents_[n] != *adopted && !(clean && first_parents_[n] == *clean))
      ++n;
    std::vector<Step> steps;
    if (whole_walk) {
      steps = read_steps(n);
      for (std::size_t i = 0; i < n; ++i)
        if (steps[i].from_git) step_cache_.add(first_parents_[i], steps[i].models_before, steps[i].models_after, steps[i].changes);
      step_cache_.save();
    } else {
      steps = gate_steps();
    }
    for (std::size_t i = 0; i < n; ++i) {  // newest first, as the requests that account for removals are counted
      const auto candidates = models_that_may_lose_state(repo_, steps[i].changes);
      if (candidates.empty()) continue;
      const git::Repository::EntryChange* gated = nullptr;
      if (!whole_walk)
        for (const auto& change : steps[i].changes)
          if (change.name == only_model_) gated = &change;
      check_step_removals(first_parents_[i], repo_.read_commit(first_parents_[i]), candidates, gated);
    }
    if (whole_walk && report_.problems.size() == problems_before && (!clean || *clean != head_oid_))
      save_clean_steps({head_oid_, removal_requests_, removed_states_});
  }

  struct CleanSteps {
    git::Oid commit;  // every first-parent step down to it since the policy's adoption is clean
    std::set<std::string> used, removed;  // removal_requests_, removed_states_ of those steps
  };
  std::string clean_steps_path() const { return repo_.git_dir() + "mreg/verified-steps-v1"; }
  static constexpr const char* kCleanStepsMagic = "mreg verified steps v1";

  // The saved record, when it is for this trusted root and its commit is on HEAD's first-parent line.
  std::optional<CleanSteps> load_clean_steps() {
    if (!chain_.root_pinned) return std::nullopt;
    std::ifstream f(clean_steps_path(), std::ios::binary);
    std::string magic, root, hex, line;
    if (!std::getline(f, magic) || magic != kCleanStepsMagic || !std::getline(f, root) ||
        root != "root " + chain_.root_sha256 || !std::getline(f, hex) || hex.rfind("commit ", 0) != 0)
      return std::nullopt;
    CleanSteps out;
    try {
      out.commit = git::Oid::from_hex(hex.substr(7));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (std::find(first_parents_.begin(), first_parents_.end(), out.commit) == first_parents_.end()) return std::nullopt;
    bool complete = false;
    while (std::getline(f, line)) {
      if (line == "end") complete = true;
      else if (line.rfind("used ", 0) == 0) out.used.insert(line.substr(5));
      else if (line.rfind("removed ", 0) == 0) out.removed.insert(line.substr(8));
    }
    if (!complete) return std::nullopt;  // cut short
    return out;
  }

  void save_clean_steps(const CleanSteps& steps) {
    if (!chain_.root_pinned) return;  // only what a pinned root vouches for
    std::string text = std::string(kCleanStepsMagic) + "\nroot " + chain_.root_sha256 + "\ncommit " + steps.commit.hex() + "\n";
    for (const auto& id : steps.used) text += "used " + id + "\n";
    for (const auto& key : steps.removed) text += "removed " + key + "\n";
    text += "end\n";
    std::error_code ec;
    std::filesystem::create_directories(repo_.git_dir() + "mreg", ec);
    const std::string path = clean_steps_path(), temp = path + "." + std::to_string(::getpid()) + ".tmp";
    {
      std::ofstream f(temp, std::ios::binary | std::ios::trunc);
      if (!(f << text)) return;
    }
    std::filesystem::rename(temp, path, ec);  // a failure costs time next run, nothing else
    if (ec) std::filesystem::remove(temp, ec);
  }


  void verify_history() {
    const git::Oid checkpoint = resolve_revision(repo_, options_.since);
    if (!repo_.is_ancestor(checkpoint, head_oid_)) {
      problem("E_HISTORY_REWRITTEN", "",
              "checkpoint " + checkpoint.hex().substr(0, 12) + " is not an ancestor of " + head_oid_.hex().substr(0, 12) +
                  ": history was rewritten behind it");
      return;
    }
    for (const auto& [id, uses] : history_.applied)
      if (uses.size() > 1)
        problem("E_REPLAY", "", "request " + id + " was applied " + std::to_string(uses.size()) + " times (commits " +
                                    uses.back().commit.hex().substr(0, 12) + " and " +
                                    uses.front().commit.hex().substr(0, 12) + ")");
    // Every first-parent step after the checkpoint only adds append-only files
    // and does not go back in time.
    std::optional<git::Oid> c = head_oid_;
    while (c && *c != checkpoint) {
      const git::CommitInfo info = repo_.read_commit(*c);
      if (info.parents.empty()) break;
      const git::CommitInfo parent = repo_.read_commit(info.parents[0]);
      for (const auto& ch : append_only_changes(repo_, parent.tree, info.tree))
        if (ch.kind != 'A')
          problem("E_APPEND_ONLY_VIOLATION", ch.path,
                  ch.path + (ch.kind == 'M' ? " was changed" : " was removed") + " in commit " + c->hex().substr(0, 12));
      // A move applied after the checkpoint is judged as of its own commit:
      // its tree, the policy in force before it, its time.
      if (info.message.find("Mreg-Request:") != std::string::npos) {
        const auto trailers = read_trailers(info.message);
        const std::string id = trailer_value(trailers, "Mreg-Request"), op = trailer_value(trailers, "Mreg-Op");
        const std::string model = trailer_value(trailers, "Mreg-Model");
        if ((op == "transition" || op == "set-alias") && !model.empty() && !verified_in_history_.count(id)) {
          verified_in_history_.insert(id);
          if (const Policy* then = policy_at(info.parents[0]))
            justify(registry_.impl().snapshot_at(*c), *then, model, id, info.committer.time, "applied", c->hex());
        }
      }
      check_step_removals(*c, info, parent);
      if (info.committer.time < parent.committer.time)
        problem("E_BACKDATED_COMMIT", "",
                "commit " + c->hex().substr(0, 12) + " is dated " + format_rfc3339(info.committer.time) +
                    ", before its parent (" + format_rfc3339(parent.committer.time) + ")");
      if (repo_.is_ancestor(info.parents[0], checkpoint) && info.parents[0] != checkpoint) break;
      c = info.parents[0];
    }
  }

  const Registry& registry_;
  const git::Repository& repo_;
  HistoryReader history_reader_;
  VerifyOptions options_;
  Timestamp now_;
  git::Oid head_oid_;
  std::optional<git::Oid> base_oid_;
  PolicyChain chain_;
  History history_;
  std::vector<git::Oid> first_parents_;
  bool first_parents_partial_ = false;  // only down to the policy's adoption (the deploy gate)
  std::set<std::string> verified_in_history_;
  std::set<std::string> removed_states_;    // StateOf::key() of states removed in the steps checked
  std::set<std::string> removal_requests_;  // requests that justified a removal
  std::string only_model_, only_key_;       // the deploy gate judges one state
  StepChanges step_cache_;
  // The deploy gate: the commit that adopted the policy, and the gated model's folder there
  // (as the steps since say), once the walk has run.
  std::optional<git::Oid> adoption_, gated_at_adoption_, gated_at_head_;
  std::optional<std::vector<Step>> gate_steps_;
  VerifyReport report_;
};

}  // namespace

VerifyReport verify_registry(const Registry& registry, const VerifyOptions& options) {
  return Verifier(registry, options).run();
}

DeployVerdict verify_deployment(const Registry& registry, const DeployOptions& options) {
  VerifyOptions o;
  o.rev = options.rev;
  o.trusted_root = options.trusted_root;
  o.now = options.now;
  return Verifier(registry, o).run_deployment(options);
}

}  // namespace mreg
