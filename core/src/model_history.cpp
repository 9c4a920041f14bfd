#include "model_history.h"

#include <cstring>

#include "history_index.h"
#include "mreg/sha256.h"
#include "record_file.h"

namespace mreg {
namespace {

constexpr char kModelHistoryMagic[] = "mreg-model-history 1\n";

std::string path_of(const std::string& git_dir, const std::string& model) {
  return git_dir + "mreg/model-history/" + sha256_hex(model) + ".bin";
}

bool read_oid(RecordReader& r, git::Oid& oid) {
  std::string_view id;
  if (!r.view(id) || id.size() != 20) return false;
  std::memcpy(oid.bytes.data(), id.data(), 20);
  return true;
}

}  // namespace

// The file: magic, u64 checksum of the rest, then the model's name, the tip, the count of
// commits and each commit's id, committer time, author time, author and events.
std::optional<ModelHistoryFile> ModelHistoryFile::load(const std::string& git_dir, const std::string& model) {
  const auto body = read_checked_file(path_of(git_dir, model), kModelHistoryMagic);
  if (!body) return std::nullopt;
  RecordReader r(body->data(), body->size());
  ModelHistoryFile f;
  std::string name;
  std::uint64_t n;
  if (!r.str(name) || name != model || !read_oid(r, f.tip) || !r.count(n)) return std::nullopt;
  f.commits.resize(n);
  for (auto& c : f.commits) {
    Event base;
    std::int64_t author_time;
    std::uint64_t events;
    if (!read_oid(r, c.oid) || !r.i64(c.committer_time) || !r.i64(author_time) || !r.str(base.author) ||
        !r.count(events))
      return std::nullopt;
    base.commit = c.oid.hex();
    base.time = author_time;
    c.events.assign(events, base);
    for (auto& e : c.events)
      if (!decode_event(r, e)) return std::nullopt;
  }
  if (!r.done()) return std::nullopt;
  return f;
}

void ModelHistoryFile::save(const std::string& git_dir, const std::string& model) const {
  RecordWriter w;
  w.str(model);
  w.str(tip.raw());
  w.u64(commits.size());
  for (const auto& c : commits) {
    w.str(c.oid.raw());
    w.i64(c.committer_time);
    w.i64(c.events.empty() ? 0 : c.events.front().time);
    w.str(c.events.empty() ? "" : c.events.front().author);
    w.u64(c.events.size());
    for (const auto& e : c.events) encode_event(w, e);
  }
  write_checked_file(path_of(git_dir, model), kModelHistoryMagic, w.out);
}

}  // namespace mreg
