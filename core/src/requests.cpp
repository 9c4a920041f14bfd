// Requests to move a version into a protected stage or alias: added as files
// for review in a pull request, closed by the commits that act on them.
#include <random>

#include "manifest.h"
#include "mreg/history.h"
#include "mreg/names.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {
namespace {

std::string new_request_id(Timestamp t) {
  std::string stamp = format_rfc3339(t);  // 2026-11-24T10:02:11Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  std::mt19937 rng(std::random_device{}());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rng() & 0xffff));
  return compact + "-" + suffix;
}

}  // namespace

TransitionRequest Registry::create_transition_request(const std::string& name, std::int64_t version,
                                                      const std::string& to_stage, const std::string& alias,
                                                      bool archive_existing, const std::string& comment,
                                                      const WriteOptions& opts) {
  if (to_stage.empty() == alias.empty()) throw_invalid("give exactly one of --to STAGE and --alias ALIAS");
  if (!alias.empty()) check_alias_name(alias);
  if (archive_existing && !alias.empty()) throw_invalid("--archive-existing goes with --to STAGE, not --alias");
  TransitionRequest result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const ModelVersion v = s.get_model_version(name, version);
    TransitionRequest r;
    r.model = name;
    r.version = version;
    r.from_stage = v.stage;
    if (!to_stage.empty()) {
      r.to_stage = s.canonical_stage(to_stage);
      const auto& stages = s.config().stages;
      if (archive_existing && (r.to_stage == stages.front() || r.to_stage == stages.back()))
        throw_invalid("--archive-existing: only into stages between " + stages.front() + " and " + stages.back());
      if (r.to_stage == v.stage && !archive_existing)
        throw_invalid(name + " version " + std::to_string(version) + " is in " + v.stage + " already");
    }
    r.alias = alias;
    r.archive_existing = archive_existing;
    r.version_sha256 = version_identity_sha256(v);
    r.requested_by = txn.author().display();
    r.requested_at = txn.now();
    r.comment = comment;
    r.id = new_request_id(txn.now());
    txn.put(request_path(name, r.id), render_request(r));
    result = r;
    PlannedCommit p;
    p.summary = "request " + name + " v" + std::to_string(version) + " -> " + r.target();
    p.trailers = {{"Mreg-Op", "request"},
                  {"Mreg-Model", name},
                  {"Mreg-Version", std::to_string(version)},
                  {"Mreg-Request", r.id},
                  {"Mreg-From", r.from_stage}};
    if (!r.to_stage.empty()) p.trailers.emplace_back("Mreg-To", r.to_stage);
    else p.trailers.emplace_back("Mreg-Alias", r.alias);
    p.body = comment;
    return p;
  });
  return result;
}

void Registry::close_request(const std::string& name, const std::string& request_id, const std::string& outcome,
                             const std::string& comment, const WriteOptions& opts) {
  if (outcome != "reject" && outcome != "cancel") throw_invalid("unknown outcome '" + outcome + "'");
  // The request must be open in the branch being written.
  for (const auto& st : request_states(*this, "", name)) {
    if (st.request.id != request_id) continue;
    if (st.outcome != "open")
      throw_invalid("request " + request_id + " is " + st.outcome + " already (commit " + st.closed_commit.substr(0, 12) + ")");
  }
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const TransitionRequest r = txn.base().get_request(name, request_id);
    if (outcome == "cancel" && email_of(r.requested_by) != txn.author().email) {
      // Who else may cancel: the admins of the policy in force.
      const PolicyChain chain = load_policy_chain(txn.base(), opts.trusted_root);
      const bool admin = chain.effective() && chain.effective()->is_admin(txn.author().email);
      if (!admin)
        throw Error(ErrorCode::PERMISSION_DENIED, "only the requester (" + r.requested_by +
                                                      ") or an admin of the policy may cancel request " + request_id);
    }
    PlannedCommit p;
    p.summary = outcome + " request " + request_id + " (" + name + " v" + std::to_string(r.version) + " -> " + r.target() + ")";
    p.trailers = {{"Mreg-Op", outcome},
                  {"Mreg-Model", name},
                  {"Mreg-Version", std::to_string(r.version)},
                  {"Mreg-Request", request_id}};
    p.body = comment;
    p.allow_empty = true;
    return p;
  });
}

std::vector<TransitionRequest> Snapshot::get_requests(const std::string& name) const {
  get_registered_model(name);
  std::vector<TransitionRequest> out;
  const std::string dir = model_dir(name) + "/requests";
  for (const auto& path : list_files(dir)) {
    if (path.size() < 5 || path.compare(path.size() - 5, 5, ".yaml") != 0) continue;
    out.push_back(parse_request(*read_file(path), path));
  }
  return out;  // list_files sorts by path, and ids sort in time
}

TransitionRequest Snapshot::get_request(const std::string& name, const std::string& id) const {
  get_registered_model(name);
  auto text = read_file(request_path(name, id));
  if (!text) throw_not_found("request " + id + " of model " + name + " not found");
  TransitionRequest r = parse_request(*text, request_path(name, id));
  if (r.id != id || r.model != name)
    throw ManifestError({{request_path(name, id), 1, "fields 'id' and 'model' do not match the file's place"}});
  return r;
}

std::size_t Snapshot::count_approval_files(const std::string& name, const std::string& id) const {
  std::size_t n = 0;
  for (const auto& path : list_files(model_dir(name) + "/approvals/" + id))
    if (path.size() > 9 && path.compare(path.size() - 9, 9, ".approval") == 0) ++n;
  return n;
}

}  // namespace mreg
