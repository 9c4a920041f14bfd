#include "mreg/history.h"
#include "mreg/policy.h"
#include "mreg/verify.h"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "history_index.h"
#include "manifest.h"
#include "mreg/long_running.h"
#include "mreg/names.h"
#include "registry_impl.h"
#include "mreg/approval.h"
#include "yaml_doc.h"
#include "trailers.h"

namespace mreg {
namespace {

std::int64_t to_number(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (...) {
    return 0;
  }
}

// The body of a commit message: between the summary and the trailers.
std::string message_body(const std::string& message, bool has_trailers) {
  auto start = message.find("\n\n");
  if (start == std::string::npos) return "";
  std::string rest = message.substr(start + 2);
  while (!rest.empty() && rest.back() == '\n') rest.pop_back();
  if (has_trailers) {
    auto last = rest.rfind("\n\n");
    rest = last == std::string::npos ? "" : rest.substr(0, last);
  }
  while (!rest.empty() && rest.back() == '\n') rest.pop_back();
  return rest;
}

// Blobs below a tree, by path relative to it.
void files_below(const git::Repository& repo, const git::Oid& tree, const std::string& prefix,
                 std::map<std::string, git::Oid>& out) {
  for (const auto& e : repo.read_tree(tree)) {
    if (e.type == git::ObjectType::Tree) files_below(repo, e.oid, prefix + e.name + "/", out);
    else if (e.type == git::ObjectType::Blob) out[prefix + e.name] = e.oid;
  }
}

Json parse_or_null(const git::Repository& repo, const std::optional<git::Oid>& blob, const std::string& path) {
  if (!blob) return nullptr;
  try {
    return parse_yaml(repo.read_registry_file(*blob, path), path).value;
  } catch (const Error&) {
    return "(unreadable)";
  }
}

std::string scalar_text(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

// An added requests/<id>.yaml or approvals/<id>/<principal>.approval as the
// event it stands for; false for other files and for files that do not parse.
bool request_or_approval_event(const git::Repository& repo, const git::Oid& blob, const std::string& model,
                               const std::string& rel, Event& e) {
  e.model = model;
  try {
    if (rel.rfind("requests/", 0) == 0 && rel.find('/', 9) == std::string::npos) {
      const TransitionRequest r = parse_request(repo.read_registry_file(blob, model_dir(model) + "/" + rel), model_dir(model) + "/" + rel);
      e.type = "requested";
      e.version = r.version;
      e.request = r.id;
      e.from = r.from_stage;
      e.to = r.to_stage;
      e.alias = r.alias;
      e.comment = r.comment;
      return true;
    }
    const std::string suffix = ".approval";
    if (rel.rfind("approvals/", 0) == 0 && rel.size() > suffix.size() &&
        rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const ApprovalPayload a = parse_approval(repo.read_registry_file(blob, model_dir(model) + "/" + rel));
      e.type = "approved";
      e.version = a.version;
      e.request = a.request_id;
      e.from = a.from_stage;
      e.to = a.to_stage;
      e.alias = a.alias;
      e.key = a.approver;
      return true;
    }
    for (const char* closing : {".rejection", ".cancellation"}) {
      const std::string ending = closing;
      if (rel.rfind("approvals/", 0) != 0 || rel.size() <= ending.size() ||
          rel.compare(rel.size() - ending.size(), ending.size(), ending) != 0)
        continue;
      const ClosingPayload c = parse_closing(repo.read_registry_file(blob, model_dir(model) + "/" + rel));
      e.type = c.outcome == "reject" ? "rejected" : "cancelled";
      e.request = c.request_id;
      e.key = c.principal;
      return true;
    }
  } catch (const Error&) {
  }
  return false;
}

// A commit made by hand: compare each changed file under models/ (and mreg.yaml) with its parent's.
void hand_edit_events(const git::Repository& repo, const git::CommitInfo& c, Event base, std::vector<Event>& out) {
  std::optional<git::Oid> parent_tree;
  if (!c.parents.empty()) parent_tree = repo.read_commit(c.parents.front()).tree;
  auto models_of = [&](const std::optional<git::Oid>& tree) {
    std::map<std::string, git::Oid> folders;
    if (!tree) return folders;
    auto m = repo.tree_entry(*tree, "models");
    if (m && m->type == git::ObjectType::Tree)
      for (const auto& e : repo.read_tree(m->oid))
        if (e.type == git::ObjectType::Tree) folders[model_name_of_folder(e.name).value_or(e.name)] = e.oid;
    return folders;
  };
  const auto before = models_of(parent_tree), after = models_of(c.tree);
  std::set<std::string> names;
  for (const auto& [n, oid] : before) names.insert(n);
  for (const auto& [n, oid] : after) names.insert(n);
  for (const auto& name : names) {
    auto b = before.find(name), a = after.find(name);
    if (b != before.end() && a != after.end() && b->second == a->second) continue;
    std::map<std::string, git::Oid> old_files, new_files;
    if (b != before.end()) files_below(repo, b->second, "", old_files);
    if (a != after.end()) files_below(repo, a->second, "", new_files);
    std::set<std::string> paths;
    for (const auto& [p, oid] : old_files) paths.insert(p);
    for (const auto& [p, oid] : new_files) paths.insert(p);
    for (const auto& rel : paths) {
      auto o = old_files.find(rel), n = new_files.find(rel);
      std::optional<git::Oid> ob = o == old_files.end() ? std::nullopt : std::optional(o->second);
      std::optional<git::Oid> nb = n == new_files.end() ? std::nullopt : std::optional(n->second);
      if (ob == nb) continue;
      Event e = base;
      // Requests and approvals merged by squash or rebase lose their trailers;
      // the files say what they were.
      if (!ob && nb && request_or_approval_event(repo, *nb, name, rel, e)) {
        out.push_back(std::move(e));
        continue;
      }
      if (!ob && (rel.rfind("approvals/", 0) == 0 || rel.rfind("requests/", 0) == 0) && rel.size() > 4 &&
          rel.compare(rel.size() - 4, 4, ".sig") == 0)
        continue;  // the signature of a request, an approval or a closing, shown with it
      e.type = "edited";
      e.model = name;
      e.path = model_dir(name) + "/" + rel;
      if (rel.rfind("versions/", 0) == 0) e.version = to_number(rel.substr(9));
      const Json old_doc = parse_or_null(repo, ob, e.path), new_doc = parse_or_null(repo, nb, e.path);
      if (!ob) e.fields = {"(added)"};
      else if (!nb) e.fields = {"(removed)"};
      if (old_doc.is_object() && new_doc.is_object()) {
        std::set<std::string> keys;
        for (auto it = old_doc.begin(); it != old_doc.end(); ++it) keys.insert(it.key());
        for (auto it = new_doc.begin(); it != new_doc.end(); ++it) keys.insert(it.key());
        for (const auto& k : keys)
          if (old_doc.value(k, Json()) != new_doc.value(k, Json())) e.fields.push_back(k);
      }
      // A stage changed by hand (or by a squash-merged pull request) is a move all the same.
      const Json old_stage = old_doc.is_object() ? old_doc.value("stage", Json()) : Json();
      const Json new_stage = new_doc.is_object() ? new_doc.value("stage", Json()) : Json();
      if (e.version && old_stage != new_stage) {
        e.from = scalar_text(old_stage);
        e.to = scalar_text(new_stage);
      }
      out.push_back(std::move(e));
    }
  }
}

}  // namespace

std::vector<Event> commit_events(const git::Repository& repo, const git::CommitInfo& c) {
  std::vector<Event> out;
  const auto trailers = read_trailers(c.message);
  const std::string op = trailer_value(trailers, "Mreg-Op");
  Event base;
  base.commit = c.oid.hex();
  base.time = c.author.time;
  base.author = c.author.name + " <" + c.author.email + ">";
  if (op.empty()) {
    // Merges carry no events of their own: the merged commits do.
    if (c.parents.size() <= 1) hand_edit_events(repo, c, base, out);
    return out;
  }
  Event e = base;
  e.model = trailer_value(trailers, "Mreg-Model");
  e.version = to_number(trailer_value(trailers, "Mreg-Version"));
  const std::string from = trailer_value(trailers, "Mreg-From"), to = trailer_value(trailers, "Mreg-To");
  static const std::map<std::string, std::string> simple{
      {"init", "registry_created"},          {"create-model", "model_created"},
      {"delete-model", "model_deleted"},     {"register", "registered"},
      {"delete-version", "version_deleted"}, {"request", "requested"},
      {"approve", "approved"},               {"reject", "rejected"},
      {"cancel", "cancelled"},               {"policy", "policy_changed"}};
  e.request = trailer_value(trailers, "Mreg-Request");
  if (auto it = simple.find(op); it != simple.end()) {
    e.type = it->second;
    if (!e.request.empty()) {
      e.comment = message_body(c.message, true);
      e.from = from;
      e.to = to;
      e.alias = trailer_value(trailers, "Mreg-Alias");
      if (op == "approve") e.key = trailer_value(trailers, "Mreg-Approver");
    }
  } else if (op == "update-model" || op == "update-version") {
    e.type = op == "update-model" ? "model_updated" : "version_updated";
    e.fields = {"description"};
  } else if (op == "rename-model") {
    e.type = "model_renamed";
    e.from = from;
    e.to = to;
  } else if (op == "set-tag" || op == "delete-tag") {
    e.type = std::string(e.version ? "version" : "model") + (op == "set-tag" ? "_tag_set" : "_tag_deleted");
    e.key = trailer_value(trailers, "Mreg-Tag");
    if (op == "set-tag") {
      const std::string path = e.version ? version_path(e.model, e.version) : model_path(e.model);
      if (auto entry = repo.tree_entry(c.tree, path)) {
        Json doc = parse_or_null(repo, entry->oid, path);
        if (doc.is_object() && doc.contains("tags") && doc["tags"].contains(e.key)) e.value = scalar_text(doc["tags"][e.key]);
      }
    }
  } else if (op == "transition") {
    e.type = "transitioned";
    e.from = from;
    e.to = to;
    e.comment = message_body(c.message, true);
    out.push_back(e);
    for (const auto& [k, v] : trailers) {
      if (k != "Mreg-Archived") continue;
      Event a = base;
      a.type = "archived";
      a.model = e.model;
      a.version = to_number(v);
      a.from = to;
      std::string archive;
      if (auto cfg = repo.tree_entry(c.tree, registry_config_path()))
        try {
          archive = parse_registry_config(repo.read_registry_file(cfg->oid, registry_config_path()), registry_config_path()).archive_stage();
        } catch (const Error&) {
        }
      a.to = archive;
      out.push_back(a);
    }
    return out;
  } else if (op == "set-alias" || op == "delete-alias") {
    e.type = op == "set-alias" ? "alias_set" : "alias_deleted";
    e.alias = trailer_value(trailers, "Mreg-Alias");
    e.from = from;
    e.to = to;
  } else if (op == "comment") {
    e.type = "commented";
    e.comment = message_body(c.message, true);
  } else {
    e.type = op;
  }
  out.push_back(e);
  return out;
}

namespace {

// History indexes loaded by earlier queries, kept for the next ones with
// mreg/long_running.h (loading one takes tens of milliseconds at 100,000 commits,
// and a page asks several queries). Each is lent to one query at a time, which
// indexes what is new since. At most kKeep are made for queries that run at once:
// beyond, a query waits for one to come back (most hold one for well under a
// millisecond), since each index is tens of MB and a server runs many queries at once.
// A query in a thread that already holds one never waits (it could wait for itself):
// it loads its own.
class IndexPool {
 public:
  static IndexPool& instance() {
    static IndexPool pool;
    return pool;
  }
  // A free index, or nullptr when the caller is to load one (and give it back all the same).
  std::unique_ptr<HistoryIndex> take(const std::string& git_dir) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& slot = slots_[git_dir];
    if (held_in_thread() == 0)
      returned_.wait(lock, [&] { return !slot.free.empty() || slot.lent < kKeep; });
    ++held_in_thread();
    ++slot.lent;
    if (slot.free.empty()) return nullptr;
    auto index = std::move(slot.free.back());
    slot.free.pop_back();
    return index;
  }
  // Gives back what take() lent (nullptr when the query dropped its index).
  void give_back(const std::string& git_dir, std::unique_ptr<HistoryIndex> index) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& slot = slots_[git_dir];
      --held_in_thread();
      --slot.lent;
      if (index && slot.free.size() < kKeep) slot.free.push_back(std::move(index));
    }
    returned_.notify_one();
  }

 private:
  // One: each is tens of MB, and a query holds it for well under a millisecond.
  static constexpr std::size_t kKeep = 1;
  static int& held_in_thread() {
    thread_local int held = 0;
    return held;
  }
  struct Slot {
    std::vector<std::unique_ptr<HistoryIndex>> free;
    std::size_t lent = 0;
  };
  std::mutex mutex_;
  std::condition_variable returned_;
  std::map<std::string, Slot> slots_;
};

// False when the repository's config says mreg.historyIndex = false: history
// reads then walk git, and keep no index (nor tip chain) of what they read.
bool history_index_enabled(const git::Repository& repo) {
  const auto setting = repo.config_string("mreg.historyIndex");
  return !setting || (*setting != "false" && *setting != "0" && *setting != "no" && *setting != "off");
}

// The commits a history query reads, in Repository::walk's order, and what they
// did: from the history index, or read from git when the repository's config
// says mreg.historyIndex = false (or the index cannot be made, as in a shallow clone).
class CommitSource {
 public:
  struct Item {
    git::Oid oid;
    std::uint32_t pos = 0;  // in the index
  };

  // Without `indexed`, reads git (for short walks, where loading the index costs more).
  explicit CommitSource(const git::Repository& repo, bool indexed = true) : repo_(repo) {
    if (indexed && history_index_enabled(repo)) {
      pooled_ = read_caches_in_memory();
      if (pooled_) index_ = IndexPool::instance().take(repo.git_dir());
      try {
        if (!index_) index_ = std::make_unique<HistoryIndex>(repo.git_dir());
      } catch (...) {
        if (pooled_) IndexPool::instance().give_back(repo.git_dir(), nullptr);  // no destructor will
        throw;
      }
    }
  }
  ~CommitSource() {
    if (pooled_) IndexPool::instance().give_back(repo_.git_dir(), std::move(index_));
  }
  CommitSource(const CommitSource&) = delete;
  CommitSource& operator=(const CommitSource&) = delete;

  // The commits reachable from `from` and not from `hide`.
  std::vector<Item> walk(const git::Oid& from, const std::optional<git::Oid>& hide = std::nullopt) {
    std::vector<Item> out;
    if (update(from) && (!hide || update(*hide))) {
      const auto linear = index_->linear_walk(*index_->position(from), hide ? index_->position(*hide) : std::nullopt);
      if (linear) {
        for (std::uint32_t pos : *linear) out.push_back({index_->commit(pos).oid, pos});
        return out;
      }
    }
    for (const auto& oid : repo_.walk(from, hide)) out.push_back({oid, index_ ? *index_->position(oid) : 0});
    return out;
  }

  // walk(from) with may_concern(item, models) as a filter: `fn` is called for each commit
  // that may concern the models, newest first, until it returns false. `models` may grow
  // meanwhile (a rename adds the old name). On a history of one line the index's lists of
  // commits by model give them, instead of reading every commit's record.
  void for_each_concerning(const git::Oid& from, const std::set<std::string>& models,
                           const std::function<bool(const Item&)>& fn) {
    if (update(from) && index_->lists_models()) {
      for (auto pos = index_->newest_naming(models, *index_->position(from) + 1); pos;
           pos = index_->newest_naming(models, *pos))
        if (!fn({index_->commit(*pos).oid, *pos})) return;
      return;
    }
    for (const auto& item : walk(from))
      if (may_concern(item, models) && !fn(item)) return;
  }

  Timestamp author_time(const Item& item) { return index_ ? index_->commit(item.pos).author_time : info(item).author.time; }
  Timestamp committer_time(const Item& item) {
    return index_ ? index_->commit(item.pos).committer_time : info(item).committer.time;
  }

  // False when the commit has no event about any of these models (true when unsure).
  bool may_concern(const Item& item, const std::set<std::string>& models) {
    if (index_) return index_->names_any(item.pos, models);
    // A commit of mreg names its model in a trailer.
    const auto trailers = read_trailers(info(item).message);
    const std::string op = trailer_value(trailers, "Mreg-Op");
    if (op == "init") return false;
    return op.empty() || models.count(trailer_value(trailers, "Mreg-Model"));
  }

  std::vector<Event> events(const Item& item) {
    return index_ ? index_->events(item.pos) : commit_events(repo_, info(item));
  }

  // `start` and its first parents, down to the root.
  std::vector<git::Oid> first_parents(const git::Oid& start) {
    std::vector<git::Oid> out;
    if (update(start)) {
      for (std::optional<std::uint32_t> pos = index_->position(start); pos;) {
        const auto& c = index_->commit(*pos);
        out.push_back(c.oid);
        pos = c.parents.empty() ? std::nullopt : std::optional<std::uint32_t>(c.parents.front());
      }
      return out;
    }
    for (std::optional<git::Oid> c = start; c;) {
      out.push_back(*c);
      const auto parents = repo_.read_commit(*c).parents;
      c = parents.empty() ? std::nullopt : std::optional(parents.front());
    }
    return out;
  }

  // The newest commit on the first-parent line from `start` whose committer time is at or before `when`.
  std::optional<git::Oid> first_parent_at_or_before(const git::Oid& start, Timestamp when) {
    if (update(start)) {
      for (std::optional<std::uint32_t> pos = index_->position(start); pos;) {
        const auto& c = index_->commit(*pos);
        if (c.committer_time <= when) return c.oid;
        pos = c.parents.empty() ? std::nullopt : std::optional<std::uint32_t>(c.parents.front());
      }
      return std::nullopt;
    }
    std::optional<git::Oid> cur = start;
    while (cur) {
      auto c = repo_.read_commit(*cur);
      if (c.committer.time <= when) return cur;
      if (c.parents.empty()) break;
      cur = c.parents.front();
    }
    return std::nullopt;
  }

 private:
  bool update(const git::Oid& tip) {
    if (!index_) return false;
    try {
      index_->update(repo_, tip, [this](const git::CommitInfo& c) { return commit_events(repo_, c); });
      return true;
    } catch (const Error&) {
      index_.reset();  // read git instead
      return false;
    }
  }
  const git::CommitInfo& info(const Item& item) {
    if (!current_ || current_->oid != item.oid) current_ = repo_.read_commit(item.oid);
    return *current_;
  }

  const git::Repository& repo_;
  bool pooled_ = false;  // index_ was lent by IndexPool, and goes back there
  std::unique_ptr<HistoryIndex> index_;
  std::optional<git::CommitInfo> current_;
};

bool is_move(const Event& e) { return e.type == "transitioned" || e.type == "archived" || (e.type == "edited" && !e.to.empty()); }

}  // namespace

std::int64_t count_moves(const git::Repository& repo, const git::Oid& tip, const std::optional<git::Oid>& hide,
                         const std::string& model, const std::string& stage) {
  std::int64_t n = 0;
  CommitSource source(repo, !hide);  // a walk from the last tag is short
  const std::set<std::string> names{model};
  for (const auto& item : source.walk(tip, hide)) {
    if (!source.may_concern(item, names)) continue;
    for (const auto& e : source.events(item))
      if (e.model == model && (e.type == "transitioned" || (e.type == "edited" && !e.to.empty() && !e.from.empty())) &&
          e.from != e.to && e.to == stage)
        ++n;
  }
  return n;
}

struct HistoryReader::Source : CommitSource {
  using CommitSource::CommitSource;
};

HistoryReader::HistoryReader(const git::Repository& repo) : repo_(repo) {}
HistoryReader::~HistoryReader() = default;

HistoryReader::Source& HistoryReader::source() {
  if (!source_) source_ = std::make_unique<Source>(repo_);  // loads the index
  return *source_;
}

void HistoryReader::for_each_commit_events(
    const git::Oid& tip, const std::function<void(const git::Oid&, Timestamp, const std::vector<Event>&)>& fn,
    const std::set<std::string>& models) {
  Source& source = this->source();
  for (const auto& item : source.walk(tip))
    if (models.empty() || source.may_concern(item, models))
      fn(item.oid, source.committer_time(item), source.events(item));
}

std::vector<git::Oid> HistoryReader::first_parents(const git::Oid& tip) { return source().first_parents(tip); }

std::vector<Event> read_log(const Registry& registry, const std::string& rev, const LogQuery& q) {
  const git::Repository& repo = *registry.impl().repo;
  const git::Oid start = resolve_revision(repo, rev);
  // The names the model had, newest first: a rename adds the old name, and
  // the creation of a name ends it (an older model of that name was another model).
  std::set<std::string> names;
  if (!q.model.empty()) names.insert(q.model);
  const std::string author = fold_case(q.author);
  std::vector<Event> out;
  CommitSource source(repo);
  // False once the query has all it asked for.
  auto read_commit = [&](const CommitSource::Item& item) {
    if (!q.model.empty() && names.empty()) return false;
    const Timestamp time = source.author_time(item);
    const bool in_time = !(q.until && time > *q.until) && !(q.since && time < *q.since);
    if (!in_time && q.model.empty()) return true;
    for (auto& e : source.events(item)) {
      if (!names.empty()) {
        if (!names.count(e.model)) continue;
        if (e.type == "model_renamed") names.insert(e.from);
      }
      const bool created = e.type == "model_created";
      const std::string model = e.model;
      const bool keep = in_time && (!q.version || e.version == q.version) &&
                        (q.stage.empty() || (is_move(e) && (fold_case(e.from) == fold_case(q.stage) ||
                                                            fold_case(e.to) == fold_case(q.stage)))) &&
                        (q.types.empty() || std::find(q.types.begin(), q.types.end(), e.type) != q.types.end()) &&
                        (author.empty() || fold_case(e.author).find(author) != std::string::npos);
      if (keep) out.push_back(std::move(e));
      if (created && !q.model.empty()) names.erase(model);
      if (q.limit && out.size() >= q.limit) return false;
    }
    return true;
  };
  if (names.empty()) {
    for (const auto& item : source.walk(start))
      if (!read_commit(item)) break;
  } else {
    source.for_each_concerning(start, names, read_commit);
  }
  return out;
}

std::vector<StageInterval> stage_history(const Registry& registry, const std::string& rev, const std::string& model,
                                         const std::string& stage) {
  LogQuery q;
  q.model = model;
  auto events = read_log(registry, rev, q);
  std::reverse(events.begin(), events.end());
  std::string initial = "None";
  try {
    initial = registry.at(rev).config().initial_stage();
  } catch (const Error&) {
  }
  std::vector<StageInterval> out;
  std::map<std::int64_t, size_t> open;  // version -> index of its open interval
  auto close = [&](std::int64_t v, const Event& e) {
    auto it = open.find(v);
    if (it == open.end()) return;
    out[it->second].until = e.time;
    out[it->second].until_commit = e.commit;
    open.erase(it);
  };
  auto begin = [&](std::int64_t v, const std::string& s, const Event& e) {
    close(v, e);
    out.push_back(StageInterval{s, v, e.time, std::nullopt, e.commit, ""});
    open[v] = out.size() - 1;
  };
  for (const auto& e : events) {
    if (e.type == "registered") begin(e.version, initial, e);
    else if (is_move(e)) begin(e.version, e.to, e);
    else if (e.type == "version_deleted" || e.type == "model_deleted") {
      if (e.type == "version_deleted") close(e.version, e);
      else
        for (auto it = open.begin(); it != open.end();) close((it++)->first, e);
    }
  }
  if (!stage.empty()) {
    std::vector<StageInterval> filtered;
    for (auto& i : out)
      if (fold_case(i.stage) == fold_case(stage)) filtered.push_back(std::move(i));
    return filtered;
  }
  return out;
}

std::vector<RequestState> request_states(const Registry& registry, const std::string& rev, const std::string& model,
                                         const std::string& trusted_root) {
  const Snapshot snapshot = registry.at(rev);
  std::vector<RequestState> out;
  std::map<std::string, size_t> by_id;
  const std::vector<std::string> models = model.empty() ? snapshot.model_names() : std::vector<std::string>{model};
  for (const auto& name : models) {
    if (!model.empty() || snapshot.has_model(name))
      for (auto& r : snapshot.get_requests(name)) {
        RequestState st;
        st.approval_files = snapshot.count_approval_files(name, r.id);
        st.request = std::move(r);
        by_id[st.request.id] = out.size();
        out.push_back(std::move(st));
      }
  }
  if (out.empty()) return out;
  // Requests a rule governs are closed by signed files, judged here; the others by commits.
  const PolicyChain chain = load_policy_chain(snapshot, trusted_root);
  std::map<std::string, std::vector<ClosingVerdict>> closings;  // governed requests only
  if (const Policy* policy = chain.effective())
    for (auto& st : out) {
      if (governing_rules(snapshot, *policy, st.request).empty()) continue;
      auto& verdicts = closings[st.request.id];
      verdicts = verify_closings(snapshot, *policy, st.request, snapshot.commit_time());
      for (const auto& v : verdicts) {
        if (!v.ok()) {
          st.ignored_closings.push_back(v.path + ": " + v.code + ": " + v.message);
        } else if (st.outcome == "open") {
          st.outcome = v.outcome;
          st.closed_by = v.principal;
        }
      }
    }
  // Outcomes are recorded by the commits that act on a request (they carry Mreg-Request),
  // newest first: the first seen wins. Only commits about these models can act on their
  // requests (a model with requests is never renamed), and the history index says which
  // commits those are.
  const git::Repository& repo = *registry.impl().repo;
  std::set<std::string> names;
  for (const auto& st : out) names.insert(st.request.model);
  std::size_t open = out.size();
  CommitSource source(repo);
  source.for_each_concerning(resolve_revision(repo, rev), names, [&](const CommitSource::Item& item) {
    if (open == 0) return false;
    for (const auto& e : source.events(item)) {
      // Requests and approvals read from files (commits by hand) carry no outcome.
      if (e.request.empty() || e.type == "requested" || e.type == "approved") continue;
      auto it = by_id.find(e.request);
      if (it == by_id.end() || !out[it->second].closed_commit.empty()) continue;
      RequestState& st = out[it->second];
      const bool closing = e.type == "rejected" || e.type == "cancelled";
      const bool governed = closings.count(st.request.id) > 0;
      if (closing && governed) {
        // The commit of a closing that counts names it; one that does not is reported.
        if (st.outcome != e.type) {
          st.ignored_closings.push_back(item.oid.hex().substr(0, 12) + ": " + e.type.substr(0, e.type.size() - 2) +
                                        " by " + e.author + " is not signed by anyone entitled to it");
          continue;
        }
      } else if (st.outcome != "open" && !(governed && !closing)) {
        continue;
      }
      const git::CommitInfo c = repo.read_commit(item.oid);
      st.outcome = e.type == "rejected" ? "rejected" : e.type == "cancelled" ? "cancelled" : "applied";
      if (!governed || !closing) st.closed_by = c.author.name + " <" + c.author.email + ">";
      st.closed_commit = item.oid.hex();
      st.closed_comment = message_body(c.message, true);
      --open;
    }
    return true;
  });
  // In the order they were made: requested_at to the millisecond, then id (ids tell the second only).
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.request.requested_at != b.request.requested_at ? a.request.requested_at < b.request.requested_at
                                                            : a.request.id < b.request.id;
  });
  return out;
}

namespace {

// The events of A..B read straight from git, when B reaches A along first
// parents without a merge in a few thousand commits, few of them edits made by
// hand (each of those is a tree comparison, which the history index keeps).
// That is what a CI job asks after a push, and for it reading the commits
// costs less than loading an index of the whole history. The stretch read is
// kept as the tip chain for the next question about it. nullopt otherwise.
std::optional<std::vector<Event>> short_range_events(const git::Repository& repo, const git::Oid& from,
                                                     const git::Oid& to) {
  constexpr std::size_t kMaxCommits = 5000, kMaxHandEdits = 32;
  std::vector<git::CommitInfo> commits;  // newest first
  std::size_t hand_edits = 0;
  for (git::Oid cur = to; cur != from;) {
    git::CommitInfo c = repo.read_commit(cur);
    if (c.parents.size() != 1 || commits.size() == kMaxCommits) return std::nullopt;
    if (c.message.find("\nMreg-Op: ") == std::string::npos && ++hand_edits > kMaxHandEdits) return std::nullopt;
    cur = c.parents.front();
    commits.push_back(std::move(c));
  }
  std::vector<std::vector<Event>> events;
  for (const auto& c : commits) events.push_back(commit_events(repo, c));
  if (!commits.empty() && history_index_enabled(repo)) TipChain::save(repo.git_dir(), commits, events, from);
  std::vector<Event> out;
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    for (auto& e : *it) out.push_back(std::move(e));
  return out;
}

// The events of A..B from the tip chain, when B is on it and A is on it or
// B's first-parent ancestor N steps down (A = "REV~N" names a commit without
// reading the N commits between, which git's own lookup reads).
std::optional<std::vector<Event>> tip_chain_events(const git::Repository& repo, const std::string& a,
                                                   const git::Oid& to) {
  auto tip = history_index_enabled(repo) ? TipChain::load(repo.git_dir()) : std::nullopt;
  if (!tip) return std::nullopt;
  const auto to_pos = tip->position(to);
  if (!to_pos) return std::nullopt;
  std::optional<std::size_t> from_pos;
  const auto tilde = a.rfind('~');
  const std::string steps = tilde == std::string::npos ? "" : a.substr(tilde + 1);
  if (tilde != std::string::npos && tilde > 0 && steps.size() <= 9 &&
      std::all_of(steps.begin(), steps.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    if (auto base = tip->position(resolve_revision(repo, a.substr(0, tilde))))
      from_pos = *base + (steps.empty() ? 1 : std::stoul(steps));
  } else {
    from_pos = tip->position(resolve_revision(repo, a));
  }
  if (!from_pos || *from_pos > tip->size()) return std::nullopt;
  std::vector<Event> out;
  for (std::size_t pos = *from_pos; pos-- > *to_pos;)
    for (auto& e : tip->events(pos)) out.push_back(std::move(e));
  return out;
}

}  // namespace

std::vector<Event> events_in_range(const Registry& registry, const std::string& range) {
  const auto dots = range.find("..");
  if (dots == std::string::npos || range.find("..", dots + 2) != std::string::npos ||
      range.find("...") != std::string::npos)
    throw_invalid("'" + range + "' is not a range: give A..B (the commits in B that are not in A)");
  const git::Repository& repo = *registry.impl().repo;
  const std::string a = range.substr(0, dots), b = range.substr(dots + 2);
  const git::Oid to = resolve_revision(repo, b);
  if (auto chained = tip_chain_events(repo, a, to)) return std::move(*chained);
  const git::Oid from = resolve_revision(repo, a);
  if (auto direct = short_range_events(repo, from, to)) return std::move(*direct);
  CommitSource source(repo);
  auto commits = source.walk(to, from);
  std::reverse(commits.begin(), commits.end());
  std::vector<Event> out;
  for (const auto& item : commits)
    for (auto& e : source.events(item)) out.push_back(std::move(e));
  return out;
}

std::optional<git::Oid> first_parent_at_or_before(const git::Repository& repo, const git::Oid& start, Timestamp when) {
  return CommitSource(repo).first_parent_at_or_before(start, when);
}

std::vector<std::string> sync_tags_at(Registry::Impl& impl, const git::Oid& tip, std::vector<std::string>* derived) {
  git::Repository& repo = *impl.repo;
  // Oldest first: a move's tag is numbered by the moves before it. The events come from
  // the history index, and a tag's message is made only when the tag is missing.
  CommitSource source(repo);
  auto commits = source.walk(tip);
  std::reverse(commits.begin(), commits.end());
  const auto listed = repo.tag_names("*");
  std::set<std::string> existing(listed.begin(), listed.end());
  std::map<std::string, std::int64_t> moves;  // model#stage -> moves so far
  std::vector<TagToMake> missing;
  std::vector<std::string> created;
  const Identity tagger = resolve_author(repo, std::nullopt);
  const git::Signature sig{tagger.name, tagger.email, tagger.time, tagger.offset_minutes};
  for (const auto& item : commits) {
    for (const auto& e : source.events(item)) {
      std::string name;
      std::function<std::string()> message;
      const bool added_version = e.type == "edited" && e.version && !e.fields.empty() && e.fields.front() == "(added)";
      if ((e.type == "registered" || added_version) && e.version) {
        name = model_tag_name(e.model) + "@v" + std::to_string(e.version);
        message = [&] {
          try {
            return registration_tag_message(impl.snapshot_at(item.oid).get_model_version(e.model, e.version));
          } catch (const Error&) {
            return e.model + " version " + std::to_string(e.version) + "\n";
          }
        };
      } else if ((e.type == "transitioned" || (e.type == "edited" && !e.to.empty() && !added_version)) && e.from != e.to) {
        const std::int64_t k = ++moves[stage_tag_prefix(e.model, e.to)];
        name = stage_tag_prefix(e.model, e.to) + std::to_string(k);
        message = [&] { return stage_tag_message(e.model, e.version, e.from, e.to, e.request, e.comment); };
      }
      if (name.empty()) continue;
      if (derived) derived->push_back(name);
      if (existing.count(name)) continue;
      missing.push_back({name, item.oid, message(), ""});
      existing.insert(name);
    }
  }
  // All signed before any is written: a signer that fails makes none.
  sign_tags(repo, missing, sig);
  for (const auto& t : missing)
    if (write_tag(repo, t, sig)) created.push_back(t.name);
  return created;
}

std::vector<std::string> Registry::sync_tags() {
  git::Repository& repo = *impl_->repo;
  const auto branch = repo.head_branch();
  const auto tip = branch ? repo.ref_target(*branch) : repo.resolve_commit("HEAD");
  if (!tip) throw Error(ErrorCode::INVALID_STATE, "the branch has no commits: not a registry");
  return sync_tags_at(*impl_, *tip, nullptr);
}

}  // namespace mreg
