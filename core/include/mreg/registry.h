// The registry: a git repository in the format of FORMAT.md.
//
// Reads go through a Snapshot, the registry as it is in one commit (HEAD by
// default, or any revision); nothing reads the work tree. Writes go through
// Registry, whose methods follow MLflow's model registry store API; each is
// one commit on the branch HEAD names, made without a work tree, whose ref is
// moved by compare-and-swap. On a lost race the operation is read again from
// the new branch tip and applied again, so concurrent writers never lose an
// update or hand out a version number twice. In a repository with a work tree
// the index and work tree follow the touched paths, and a write that would
// overwrite uncommitted changes is refused before anything is written.
//
// Every failure is an mreg::Error with an MLflow error code; a failed write
// leaves the branch as it was.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mreg/error.h"
#include "mreg/problem.h"
#include "mreg/remote_target.h"
#include "mreg/types.h"

namespace mreg {

struct WriteOptions {
  std::optional<Identity> author;  // default: GIT_AUTHOR_* or git's user.name/user.email
  bool create_tags = true;         // annotated tags for registrations and transitions
  // "sha256:<hex>" of policy version 1 (see policy.h); empty takes the policy
  // in the tree as found.
  std::string trusted_root;
  // Signs a commit's bytes (gpgsig); returns the armored signature. Unset: unsigned commits.
  std::function<std::string(const std::string& commit_bytes)> sign_commit;
  // Write to a remote's branch (mreg/remote.h): fetch it, apply the operation on its
  // newest commit, push the commit and its tags; a push rejected because the remote
  // moved is fetched and applied again, up to push->max_attempts times.
  std::optional<PushTarget> push;
  // Plan the write and stop before anything is written: the write throws DryRun
  // (mreg/dry_run.h) with the commit it would make.
  bool dry_run = false;
};

// What a request asks for: exactly one of to_stage, alias, remove_alias and
// delete_version (see TransitionRequest).
struct RequestSpec {
  std::string to_stage;
  std::string alias;
  std::string remove_alias;
  bool delete_version = false;
  bool archive_existing = false;  // with to_stage
  std::string comment;
};

// Signs bytes in an SSH signature namespace with the writer's key; returns the
// armored signature (ssh-keygen -Y sign).
using Signer = std::function<std::string(const std::string& bytes, const std::string& namespace_)>;

struct InitOptions {
  std::string registry_id;  // default: derived from the folder name
  std::vector<std::string> stages{"None", "Staging", "Production", "Archived"};
  std::string digest_algorithm;  // mreg.yaml's digest_algorithm; empty: left out (sha256)
  bool bare = false;        // when a new repository is made
};

// What create_model_version records about a new version.
struct NewVersion {
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string experiment_id;
  std::string model_id;
  std::string storage_location;
  std::string description;
  std::string digest;
  std::vector<std::string> flavors;
  Json signature;  // null when unknown
  TagMap tags;
};

// A models:/ URI taken apart: exactly one of version, stage (as written; a snapshot
// knows its canonical spelling), alias or latest names what it resolves to.
struct ModelUri {
  std::string name;
  std::int64_t version = 0;
  std::string stage, alias;
  bool latest = false;
};
// Throws INVALID_PARAMETER_VALUE saying what is wrong.
ModelUri parse_model_uri(const std::string& uri);

class Snapshot;

class Registry {
 public:
  // The repository at or above `path` (a work tree, or a git folder for a bare one).
  static Registry open(const std::string& path);
  // Makes `path` a registry (creating the repository if needed): mreg.yaml, one commit.
  static Registry init(const std::string& path, const InitOptions& init, const WriteOptions& opts);

  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();

  // The registry at `rev` ("" = HEAD): a branch, tag, commit, or REV@{DATE}.
  Snapshot at(const std::string& rev = "") const;
  // The full name of the ref `rev` names ("main" -> "refs/heads/main"; "" -> "HEAD"), for a
  // reader that resolves it again and again (at() of a full name is one lookup); nullopt
  // when `rev` is no ref name (a commit id, "main~1", REV@{DATE}).
  std::optional<std::string> ref_name(const std::string& rev) const;
  // The commit the last successful write made, as hex.
  const std::string& last_commit() const;
  // A value of the repository's git configuration (e.g. "user.signingKey").
  std::optional<std::string> config_value(const std::string& key) const;
  void set_config_value(const std::string& key, const std::string& value);
  // Who a write with `opts` is recorded as.
  Identity identity(const WriteOptions& opts) const;
  bool is_bare() const;
  std::string path() const;

  RegisteredModel create_registered_model(const std::string& name, const std::string& description,
                                          const TagMap& tags, const WriteOptions& opts);
  RegisteredModel update_registered_model(const std::string& name, const std::string& description,
                                          const WriteOptions& opts);
  RegisteredModel rename_registered_model(const std::string& name, const std::string& new_name,
                                          const WriteOptions& opts);
  void delete_registered_model(const std::string& name, const WriteOptions& opts);
  RegisteredModel set_registered_model_tag(const std::string& name, const std::string& key,
                                           const std::string& value, const WriteOptions& opts);
  RegisteredModel delete_registered_model_tag(const std::string& name, const std::string& key,
                                              const WriteOptions& opts);

  // A new version numbered last_version + 1. With create_model, a missing model is created
  // in the same commit.
  ModelVersion create_model_version(const std::string& name, const NewVersion& version,
                                    const WriteOptions& opts, bool create_model = false);
  // MLflow's copy_model_version: a new version of `dst_name` (numbered as any new version,
  // in the first stage, without aliases) with the lineage, digest, flavors, signature,
  // tags and description of version `src_version` of `src_name` in `source` (a snapshot of
  // this registry or of another), recording where it came from (ModelVersion::copied_from).
  // With create_model, a missing `dst_name` is created in the same commit.
  ModelVersion copy_model_version(const Snapshot& source, const std::string& src_name, std::int64_t src_version,
                                  const std::string& dst_name, const WriteOptions& opts, bool create_model = false);
  ModelVersion update_model_version(const std::string& name, std::int64_t version,
                                    const std::string& description, const WriteOptions& opts);
  void delete_model_version(const std::string& name, std::int64_t version, const WriteOptions& opts);
  ModelVersion set_model_version_tag(const std::string& name, std::int64_t version,
                                     const std::string& key, const std::string& value,
                                     const WriteOptions& opts);
  ModelVersion delete_model_version_tag(const std::string& name, std::int64_t version,
                                        const std::string& key, const WriteOptions& opts);

  // MLflow's transition_model_version_stage. With archive_existing, every other
  // version in the target stage moves to the archive stage in the same commit.
  // A move into the stage the version is in already (with nothing to archive)
  // makes no commit.
  ModelVersion transition_stage(const std::string& name, std::int64_t version, const std::string& stage,
                                bool archive_existing, const std::string& comment, const WriteOptions& opts);
  ModelVersion set_alias(const std::string& name, const std::string& alias, std::int64_t version,
                         const WriteOptions& opts);
  void delete_alias(const std::string& name, const std::string& alias, const WriteOptions& opts);
  // A comment on a version: an empty commit whose body is the text.
  void comment(const std::string& name, std::int64_t version, const std::string& text, const WriteOptions& opts);
  // A request to change a version's state, for review in a pull request: adds
  // models/<name>/requests/<id>.yaml and, signed by the requester with `sign`
  // (request_namespace()), <id>.yaml.sig. The signature is made when `sign` is
  // set and either `always_sign` or a rule that governs the change forbids
  // self-approval (then it is required: PERMISSION_DENIED without a signer, or
  // with a key the policy does not list for the requester).
  TransitionRequest create_request(const std::string& name, std::int64_t version, const RequestSpec& spec,
                                   const Signer& sign, bool always_sign, const WriteOptions& opts);
  // create_request of a move (to_stage) or an alias (alias), unsigned.
  TransitionRequest create_transition_request(const std::string& name, std::int64_t version,
                                              const std::string& to_stage, const std::string& alias,
                                              bool archive_existing, const std::string& comment,
                                              const WriteOptions& opts);
  // Closes an open request: outcome "reject" (a reviewer) or "cancel" (the requester
  // or an admin), in a commit whose body is the comment. When a rule governs the
  // request, the closing is a signed file (approvals/<id>/<principal>.rejection or
  // .cancellation, closing_namespace()) and only someone entitled may sign it:
  // PERMISSION_DENIED otherwise. Else an empty commit, as the requester or an admin.
  void close_request(const std::string& name, const std::string& request_id, const std::string& outcome,
                     const std::string& comment, const Signer& sign, const WriteOptions& opts);

  // Performs the move an approved request asks for (FORMAT.md, "Approvals"):
  // the request must be open, the version still where the request found it,
  // and the approvals enough under the trusted policy now; the version (or the
  // model's alias) then records the request. PERMISSION_DENIED says which
  // approval is missing or refused; INVALID_STATE that the request was used.
  ModelVersion apply_request(const std::string& name, const std::string& request_id, const std::string& comment,
                             const WriteOptions& opts);

  // Policy writes (policy.h). init_policy writes version 1 and .mreg/allowed_signers.
  void init_policy(const std::string& policy_text, const WriteOptions& opts);
  // Version N+1 from edited text: version, previous_sha256 and registry are set
  // here; it is trusted only once enough admins of N have signed it.
  std::int64_t propose_policy(const std::string& policy_text, const WriteOptions& opts);
  // Adds an admin's signature over version N (checked before it is written);
  // when that makes N trusted, .mreg/allowed_signers is regenerated from it.
  void add_policy_signature(std::int64_t version, const std::string& principal, const std::string& signature,
                            const WriteOptions& opts);
  // Adds a reviewer's approval: the exact payload bytes and their signature
  // (checked before they are written); never replaces an approval.
  void add_approval(const std::string& name, const std::string& request_id, const std::string& principal,
                    const std::string& payload, const std::string& signature, const std::string& comment,
                    const WriteOptions& opts);

  // Creates the annotated tags missing for the history of HEAD's branch; returns their names.
  std::vector<std::string> sync_tags();

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The registry in one commit. Cheap to copy; reads parse files on demand.
class Snapshot {
 public:
  const std::string& commit_id() const;
  Timestamp commit_time() const;
  const RegistryConfig& config() const;

  std::vector<std::string> model_names() const;  // sorted bytewise
  bool has_model(const std::string& name) const;
  RegisteredModel get_registered_model(const std::string& name) const;
  // Every model with its latest version per stage, sorted by name. A model with a file that
  // does not read is there too, as a broken summary (ModelSummary::problems): one broken
  // model fails no listing.
  std::vector<ModelSummary> list_registered_models() const;
  // The same, shared rather than copied (with mreg/long_running.h, kept between commits).
  std::vector<std::shared_ptr<const ModelSummary>> shared_model_summaries() const;
  // The same, one model at a time: summaries come out of the cache as they are
  // visited, so a listing of a large registry never holds them all. Folders the
  // cache lacks are read before the first visit, so an error (other than a broken
  // model, which is visited as such) fails the call before `visit` sees anything.
  void for_each_registered_model(const std::function<void(const ModelSummary&)>& visit) const;
  // For a long-running reader (mreg/long_running.h): reads every model folder of the commit
  // into memory, so that the first read of each model finds it there, while `go_on()` says
  // so; returns how many were read. A folder that does not read is left to its readers.
  std::size_t read_all_models_into_memory(const std::function<bool()>& go_on) const;
  // One model; INVALID_STATE (ManifestError) when one of its files does not read.
  ModelSummary get_model_summary(const std::string& name) const;
  // One model as far as its files read, with the problems of those that do not
  // (ModelSummary::problems); RESOURCE_DOES_NOT_EXIST when there is no such model.
  ModelSummary summarize_model(const std::string& name) const;

  ModelVersion get_model_version(const std::string& name, std::int64_t version) const;
  std::vector<ModelVersion> get_model_versions(const std::string& name) const;  // ascending
  // Calls `visit` with the versions (ascending) of each model whose name `wanted`
  // accepts, in name order: what a search over every model's versions reads,
  // from the cache of parsed folders where it has them. A model with a file that does not
  // read is given to `broken` with its problems (and not to `visit`); without `broken`,
  // it fails the call.
  void for_each_model_versions(
      const std::function<bool(const std::string& name)>& wanted,
      const std::function<void(std::vector<ModelVersion>& versions)>& visit,
      const std::function<void(const std::string& name, const std::vector<Problem>& problems)>& broken = {}) const;
  // MLflow's get_latest_versions: the highest version in each stage asked for
  // (all stages when empty), in the registry's stage order. Stage names match ignoring case.
  std::vector<ModelVersion> get_latest_versions(const std::string& name,
                                                const std::vector<std::string>& stages) const;
  // MLflow's get_model_version_by_alias.
  ModelVersion get_model_version_by_alias(const std::string& name, const std::string& alias) const;
  // The version a models:/ URI names (models:/NAME/N, /STAGE, /latest, NAME@ALIAS).
  ModelVersion resolve_model_uri(const std::string& uri) const;

  std::vector<TransitionRequest> get_requests(const std::string& name) const;  // oldest first
  TransitionRequest get_request(const std::string& name, const std::string& id) const;
  // How many approval files a request has (verified or not).
  std::size_t count_approval_files(const std::string& name, const std::string& id) const;

  // The stage as mreg.yaml spells it; INVALID_PARAMETER_VALUE when unknown.
  std::string canonical_stage(const std::string& stage) const;

  // Raw files of the commit, for tools that show the repository itself.
  std::optional<std::string> read_file(const std::string& path) const;
  std::vector<std::string> list_files(const std::string& dir) const;  // every file below, recursively

  struct Impl;
  explicit Snapshot(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  void visit_model_summaries(const std::function<void(std::shared_ptr<const ModelSummary>&)>& visit) const;
  std::shared_ptr<const Impl> impl_;
};

// `mreg check`: every problem of the registry in a commit, or in the work tree.
std::vector<Problem> check_registry(const Registry& registry, const std::string& rev);
std::vector<Problem> check_worktree(const Registry& registry);

}  // namespace mreg
