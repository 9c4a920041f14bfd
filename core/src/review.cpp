// `mreg review` (review.h).
#include "mreg/review.h"
#include "mreg/names.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "manifest.h"
#include "mreg/history.h"
#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {
namespace {

// The branch a review compares against when none is named: the upstream of the branch
// HEAD names, else main, else origin/main (a CI checkout has only the remote's branches).
std::string default_base(const git::Repository& repo) {
  if (const auto branch = repo.head_branch(); branch && branch->rfind("refs/heads/", 0) == 0) {
    const std::string name = branch->substr(11);
    const auto remote = repo.config_string("branch." + name + ".remote");
    const auto merge = repo.config_string("branch." + name + ".merge");
    if (remote && merge && merge->rfind("refs/heads/", 0) == 0) {
      const std::string upstream = *remote == "." ? merge->substr(11) : *remote + "/" + merge->substr(11);
      if (repo.resolve_commit(upstream)) return upstream;
    }
  }
  for (const char* candidate : {"main", "origin/main"})
    if (repo.resolve_commit(candidate)) return candidate;
  throw_not_found("no base to review against: the branch has no upstream and there is no main; name it: "
                  "mreg review BASE..HEAD");
}

// BASE..HEAD, BASE...HEAD, BASE.., ..HEAD or BASE.
std::pair<std::string, std::string> split_range(const git::Repository& repo, const std::string& range) {
  std::string base = range, head;
  if (const auto dots = range.find(".."); dots != std::string::npos) {
    base = range.substr(0, dots);
    head = range.substr(range.compare(dots, 3, "...") == 0 ? dots + 3 : dots + 2);
  }
  if (base.empty()) base = default_base(repo);
  if (head.empty()) head = "HEAD";
  return {base, head};
}

// models/<model>/... -> model; "" for other paths.
std::string model_of(const std::string& path) {
  if (path.rfind("models/", 0) != 0) return "";
  const auto slash = path.find('/', 7);
  if (slash == std::string::npos) return "";
  const std::string folder = path.substr(7, slash - 7);
  return model_name_of_folder(folder).value_or(folder);
}

// What a file the branch adds under models/<m>/requests/ or approvals/ does to a request:
// (request id, "requested" | "approved" | "rejected" | "cancelled"); nullopt for other files.
std::optional<std::pair<std::string, std::string>> request_file_kind(const std::string& path, const std::string& model) {
  const std::string prefix = model_dir(model) + "/";
  const std::string rest = path.substr(prefix.size());
  auto ends_with = [&](const char* suffix) {
    const std::string s = suffix;
    return rest.size() > s.size() && rest.compare(rest.size() - s.size(), s.size(), s) == 0;
  };
  if (rest.rfind("requests/", 0) == 0) {
    std::string file = rest.substr(9);
    const auto dot = file.find('.');
    if (dot == std::string::npos || file.find('/') != std::string::npos) return std::nullopt;
    return std::make_pair(file.substr(0, dot), std::string("requested"));
  }
  if (rest.rfind("approvals/", 0) == 0) {
    const auto slash = rest.find('/', 10);
    if (slash == std::string::npos) return std::nullopt;
    const std::string id = rest.substr(10, slash - 10);
    if (ends_with(".approval") || ends_with(".approval.sig")) return std::make_pair(id, std::string("approved"));
    if (ends_with(".rejection") || ends_with(".rejection.sig")) return std::make_pair(id, std::string("rejected"));
    if (ends_with(".cancellation") || ends_with(".cancellation.sig")) return std::make_pair(id, std::string("cancelled"));
  }
  return std::nullopt;
}

std::map<std::int64_t, ModelVersion> versions_of(const Snapshot& s, const std::string& model) {
  std::map<std::int64_t, ModelVersion> out;
  if (!s.has_model(model)) return out;
  for (auto& v : s.get_model_versions(model)) out.emplace(v.version, std::move(v));
  return out;
}

std::vector<FieldChange> field_changes(const std::optional<ModelVersion>& before, const std::optional<ModelVersion>& after) {
  std::vector<std::pair<std::string, std::string>> a, b;
  if (before) a = version_field_values(*before);
  if (after) b = version_field_values(*after);
  std::map<std::string, std::string> old_values(a.begin(), a.end()), new_values(b.begin(), b.end());
  // Fields in manifest order: the new version's, then those only the old one had (tags).
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const auto* list : {&b, &a})
    for (const auto& [field, value] : *list)
      if (seen.insert(field).second) order.push_back(field);
  auto value_of = [](const std::map<std::string, std::string>& m, const std::string& f) -> std::optional<std::string> {
    auto it = m.find(f);
    // An empty field is no value, but an empty tag is one.
    if (it == m.end() || (it->second.empty() && f.rfind("tags.", 0) != 0)) return std::nullopt;
    return it->second;
  };
  std::vector<FieldChange> out;
  for (const auto& f : order) {
    FieldChange c{f, value_of(old_values, f), value_of(new_values, f), std::nullopt};
    if (c.before == c.after) continue;
    if (c.before && c.after) c.difference = numeric_difference(*c.before, *c.after);
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<ModelVersion> holder_of(const Snapshot& base, const TransitionRequest& r) {
  if (!base.has_model(r.model)) return std::nullopt;
  try {
    if (!r.alias.empty()) return base.get_model_version_by_alias(r.model, r.alias);
    const auto latest = base.get_latest_versions(r.model, {r.to_stage});
    if (!latest.empty()) return latest.front();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::RESOURCE_DOES_NOT_EXIST && e.code() != ErrorCode::INVALID_PARAMETER_VALUE) throw;
  }
  return std::nullopt;
}

std::map<std::string, RequestState> states_by_id(const Registry& registry, const std::string& rev,
                                                 const Snapshot& at, const std::string& model,
                                                 const std::string& trusted_root) {
  std::map<std::string, RequestState> out;
  if (!at.has_model(model)) return out;
  for (auto& st : request_states(registry, rev, model, trusted_root)) out.emplace(st.request.id, std::move(st));
  return out;
}

}  // namespace

BranchReview review_branch(const Registry& registry, const ReviewOptions& options) {
  const git::Repository& repo = *registry.impl().repo;
  BranchReview out;
  std::tie(out.base, out.head) = split_range(repo, options.range);
  const git::Oid base_oid = resolve_revision(repo, out.base), head_oid = resolve_revision(repo, out.head);
  const auto merge_base = repo.merge_base(base_oid, head_oid);
  if (!merge_base) throw_invalid(out.base + " and " + out.head + " share no history: nothing to review");
  out.base_commit = base_oid.hex();
  out.head_commit = head_oid.hex();
  out.merge_base = merge_base->hex();
  out.commits = repo.walk(head_oid, *merge_base).size();
  const Timestamp now = options.now.value_or(now_seconds());

  VerifyOptions vo;
  vo.rev = out.head_commit;
  vo.base = out.base_commit;
  vo.trusted_root = options.trusted_root;
  vo.now = now;
  out.verify = verify_registry(registry, vo);

  const Snapshot base = registry.impl().snapshot_at(base_oid), head = registry.impl().snapshot_at(head_oid),
                 before = registry.impl().snapshot_at(*merge_base);
  const PolicyChain chain = load_policy_chain(base, options.trusted_root);
  out.policy = chain.effective() != nullptr;
  const Policy policy = out.policy ? *chain.effective() : Policy{};

  // What changed under models/, model by model.
  std::map<std::string, std::vector<std::string>> paths_by_model;
  for (const auto& path : repo.changed_paths(repo.read_commit(*merge_base).tree, repo.read_commit(head_oid).tree))
    if (const std::string m = model_of(path); !m.empty()) paths_by_model[m].push_back(path);

  for (const auto& [model, paths] : paths_by_model) {
    // Versions added, changed (their files, or their aliases in model.yaml) or deleted.
    const auto old_versions = versions_of(before, model), new_versions = versions_of(head, model);
    std::set<std::int64_t> numbers;
    for (const auto* m : {&old_versions, &new_versions})
      for (const auto& [n, v] : *m) numbers.insert(n);
    for (const auto n : numbers) {
      const auto o = old_versions.find(n), h = new_versions.find(n);
      std::optional<ModelVersion> a, b;
      if (o != old_versions.end()) a = o->second;
      if (h != new_versions.end()) b = h->second;
      VersionChange c{model, n, !a ? "added" : !b ? "deleted" : "changed", field_changes(a, b)};
      if (c.change == "changed" && c.fields.empty()) continue;
      out.versions.push_back(std::move(c));
    }

    // Requests the branch adds, approves or closes with files, or applies or closes with commits.
    std::map<std::string, std::vector<std::string>> touched;  // id -> what the branch did
    auto did = [&](const std::string& id, const std::string& what) {
      auto& list = touched[id];
      if (std::find(list.begin(), list.end(), what) == list.end()) list.push_back(what);
    };
    for (const auto& path : paths)
      if (const auto kind = request_file_kind(path, model)) did(kind->first, kind->second);
    const auto states_before = states_by_id(registry, out.merge_base, before, model, options.trusted_root);
    const auto states_after = states_by_id(registry, out.head_commit, head, model, options.trusted_root);
    for (const auto& [id, st] : states_after) {
      const auto was = states_before.find(id);
      const std::string old_outcome = was == states_before.end() ? "open" : was->second.outcome;
      if (st.outcome != old_outcome) did(id, st.outcome);
    }
    for (auto& [id, what] : touched) {
      static const std::vector<std::string> kOrder{"requested", "approved", "rejected", "cancelled", "applied"};
      std::sort(what.begin(), what.end(), [&](const std::string& x, const std::string& y) {
        return std::find(kOrder.begin(), kOrder.end(), x) < std::find(kOrder.begin(), kOrder.end(), y);
      });
      RequestReview rr;
      rr.on_branch = what;
      const auto st = states_after.find(id);
      rr.state = st != states_after.end() ? st->second.outcome : "removed";
      // A delete applied on the branch is judged on the version as the merge base had it, as verify does.
      std::optional<ModelVersion> acted_on;
      if (const auto bytes = head.read_file(request_path(model, id))) try {
          const TransitionRequest r = parse_request(*bytes, request_path(model, id));
          const auto h = new_versions.find(r.version), o = old_versions.find(r.version);
          if (r.delete_version && h == new_versions.end() && o != old_versions.end()) acted_on = o->second;
        } catch (const Error&) {
        }
      rr.verdict = verify_request(head, policy, model, id, now, acted_on ? &*acted_on : nullptr);
      const TransitionRequest& r = rr.verdict.request;
      if (!r.id.empty()) {
        rr.closings = verify_closings(head, policy, r, now);
        const auto candidate = new_versions.find(r.version);
        if ((!r.to_stage.empty() || !r.alias.empty()) && candidate != new_versions.end()) {
          Promotion p;
          p.target = r.to_stage.empty() ? "@" + r.alias : r.to_stage;
          p.current = holder_of(base, r);
          p.candidate = candidate->second;
          std::vector<ModelVersion> side_by_side;
          if (p.current) side_by_side.push_back(*p.current);
          side_by_side.push_back(p.candidate);
          p.comparison = compare_versions(std::move(side_by_side));
          rr.promotion = std::move(p);
        }
      } else {
        rr.verdict.request.id = id;
        rr.verdict.request.model = model;
      }
      out.requests.push_back(std::move(rr));
    }
  }
  return out;
}

}  // namespace mreg
