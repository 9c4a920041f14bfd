#include "step_changes.h"
#include "manifest.h"
#include "mreg/names.h"

#include <cstring>

namespace mreg {
namespace {

constexpr char kStepChangesMagic[] = "mreg-steps 1\n";

// An optional id: empty for none, else its 20 bytes.
void put_oid(RecordWriter& w, const std::optional<git::Oid>& oid) { w.str(oid ? oid->raw() : std::string_view()); }
bool get_oid(RecordReader& r, std::optional<git::Oid>& oid) {
  std::string_view v;
  if (!r.view(v) || (!v.empty() && v.size() != 20)) return false;
  oid.reset();
  if (!v.empty()) {
    oid.emplace();
    std::memcpy(oid->bytes.data(), v.data(), 20);
  }
  return true;
}

// An optional entry: its mode (0 for none), type and id.
void put_entry(RecordWriter& w, const std::optional<git::TreeEntry>& e) {
  w.u64(e ? e->mode : 0);
  if (!e) return;
  w.u64(static_cast<std::uint64_t>(e->type));
  w.str(e->oid.raw());
}
bool get_entry(RecordReader& r, const std::string& name, std::optional<git::TreeEntry>& e) {
  std::uint64_t mode, type;
  if (!r.u64(mode)) return false;
  if (mode == 0) return true;
  std::string_view id;
  if (!r.u64(type) || type > static_cast<std::uint64_t>(git::ObjectType::Other) || !r.view(id) || id.size() != 20)
    return false;
  e.emplace();
  e->name = name;
  e->mode = static_cast<std::uint32_t>(mode);
  e->type = static_cast<git::ObjectType>(type);
  std::memcpy(e->oid.bytes.data(), id.data(), 20);
  return true;
}

}  // namespace

FolderChanges model_folder_changes(const git::Repository& repo, const std::optional<git::Oid>& before,
                                   const std::optional<git::Oid>& after) {
  FolderChanges out;
  if (before == after) return out;
  if (before && after) {
    out = repo.changed_entries(*before, *after);
  } else {
    for (auto& e : repo.read_tree(before ? *before : *after)) {
      git::Repository::EntryChange c{e.name, std::nullopt, std::nullopt};
      (before ? c.before : c.after) = std::move(e);
      out.push_back(std::move(c));
    }
  }
  // Named by the model each folder holds (FORMAT.md, "Names").
  for (auto& c : out)
    if (auto name = model_name_of_folder(c.name)) c.name = std::move(*name);
  return out;
}

std::optional<git::Oid> models_tree(const git::Repository& repo, const git::Oid& root_tree) {
  auto e = repo.tree_entry(root_tree, "models");
  return e && e->type == git::ObjectType::Tree ? std::optional(e->oid) : std::nullopt;
}

StepChanges::StepChanges(const git::Repository& repo)
    : file_(repo.git_dir() + "mreg/steps-v1.bin", kStepChangesMagic, 20, RecordFile::Load::Index) {}

// Record payload: the `models/` trees before and after, the count of changed folders, and
// each one's name and entries before and after.
std::optional<FolderChanges> StepChanges::find(const git::Oid& commit, const std::optional<git::Oid>& before,
                                               const std::optional<git::Oid>& after) const {
  std::string payload;
  if (!file_.find(commit.raw(), payload)) return std::nullopt;
  RecordReader r(payload.data(), payload.size());
  std::optional<git::Oid> was, is;
  std::uint64_t n;
  if (!get_oid(r, was) || !get_oid(r, is) || was != before || is != after || !r.count(n)) return std::nullopt;
  FolderChanges out(n);
  for (auto& c : out)
    if (!r.str(c.name) || !get_entry(r, c.name, c.before) || !get_entry(r, c.name, c.after)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return out;
}

void StepChanges::add(const git::Oid& commit, const std::optional<git::Oid>& before,
                      const std::optional<git::Oid>& after, const FolderChanges& changes) {
  RecordWriter w;
  put_oid(w, before);
  put_oid(w, after);
  w.u64(changes.size());
  for (const auto& c : changes) {
    w.str(c.name);
    put_entry(w, c.before);
    put_entry(w, c.after);
  }
  file_.add(commit.raw(), w.out);
}

}  // namespace mreg
