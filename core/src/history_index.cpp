#include "history_index.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "progress_report.h"

namespace mreg {
namespace {

constexpr char kHistoryIndexMagic[] = "mreg-history 2\n";

std::string_view key_of(const git::Oid& oid) {
  return std::string_view(reinterpret_cast<const char*>(oid.bytes.data()), oid.bytes.size());
}

// A commit's payload in the index and the tip chain: author, the models its events name, its events.
void encode_payload(RecordWriter& w, const git::CommitInfo& info, const std::vector<Event>& events) {
  w.str(info.author.name + " <" + info.author.email + ">");
  std::set<std::string> models;
  for (const auto& e : events) models.insert(e.model);
  w.u64(models.size());
  for (const auto& m : models) w.str(m);
  w.u64(events.size());
  for (const auto& e : events) encode_event(w, e);
}

std::vector<Event> decode_payload(const git::Oid& oid, Timestamp author_time, std::string_view payload) {
  RecordReader r(payload.data(), payload.size());
  Event base;
  base.commit = oid.hex();
  base.time = author_time;
  std::uint64_t n;
  std::string_view model;
  if (!r.str(base.author) || !r.count(n)) throw Error(ErrorCode::INTERNAL_ERROR, "history index: a damaged record");
  for (std::uint64_t i = 0; i < n; ++i)
    if (!r.view(model)) throw Error(ErrorCode::INTERNAL_ERROR, "history index: a damaged record");
  if (!r.count(n)) throw Error(ErrorCode::INTERNAL_ERROR, "history index: a damaged record");
  std::vector<Event> out(n, base);
  for (auto& e : out)
    if (!decode_event(r, e)) throw Error(ErrorCode::INTERNAL_ERROR, "history index: a damaged record");
  return out;
}

}  // namespace

void encode_event(RecordWriter& w, const Event& e) {
  for (const std::string* s : {&e.type, &e.model}) w.str(*s);
  w.i64(e.version);
  for (const std::string* s : {&e.from, &e.to, &e.alias, &e.key, &e.value, &e.comment, &e.request, &e.path}) w.str(*s);
  w.u64(e.fields.size());
  for (const auto& f : e.fields) w.str(f);
}

bool decode_event(RecordReader& r, Event& e) {
  std::uint64_t n;
  if (!(r.str(e.type) && r.str(e.model) && r.i64(e.version))) return false;
  for (std::string* s : {&e.from, &e.to, &e.alias, &e.key, &e.value, &e.comment, &e.request, &e.path})
    if (!r.str(*s)) return false;
  if (!r.count(n)) return false;
  e.fields.resize(n);
  for (auto& f : e.fields)
    if (!r.str(f)) return false;
  return true;
}

HistoryIndex::HistoryIndex(const std::string& git_dir) : file_(git_dir + "mreg/history-v1.bin", kHistoryIndexMagic, 20, RecordFile::Load::Whole) {
  commits_.reserve(file_.records().size());
  positions_.reserve(file_.records().size());
  for (const auto& [key, payload] : file_.records()) load_record(key, payload);
}

// Record payload: u64 parent count, the parents' ids (20 bytes each), author time, committer
// time; then `payload`: author, the models its events name, its events.
void HistoryIndex::load_record(std::string_view key, std::string_view payload) {
  if (positions_.count(key)) return;  // written twice by writers racing: the same facts
  RecordReader r(payload.data(), payload.size());
  Commit c;
  std::memcpy(c.oid.bytes.data(), key.data(), 20);
  std::uint64_t n;
  if (!r.count(n) || n > 1024) return;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view parent;
    if (!r.view(parent) || parent.size() != 20) return;
    auto it = positions_.find(parent);
    if (it == positions_.end()) return;  // not after its parents: not ours to trust
    c.parents.push_back(it->second);
    c.merges_below = c.merges_below || commits_[it->second].merges_below;
  }
  if (!r.i64(c.author_time) || !r.i64(c.committer_time)) return;
  c.merges_below = c.merges_below || n > 1;
  c.payload = std::string_view(r.here(), payload.size() - static_cast<std::size_t>(r.here() - payload.data()));
  const auto pos = static_cast<std::uint32_t>(commits_.size());
  one_line_ = one_line_ && (pos == 0 ? n == 0 : n == 1 && c.parents.front() == pos - 1);
  positions_.emplace(key, pos);
  commits_.push_back(std::move(c));
  if (naming_made_) add_naming(pos);
}

void HistoryIndex::add_naming(std::uint32_t pos) {
  const std::string_view payload = commits_[pos].payload;
  RecordReader r(payload.data(), payload.size());
  std::string_view author, model;
  std::uint64_t n;
  if (!r.view(author) || !r.u64(n)) {
    one_line_ = false;  // a payload that does not read: names_any() says "maybe", the lists cannot
    return;
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.view(model)) {
      one_line_ = false;
      return;
    }
    naming_[std::string(model)].push_back(pos);
  }
}

bool HistoryIndex::lists_models() {
  if (!naming_made_ && one_line_) {
    naming_made_ = true;
    for (std::uint32_t pos = 0; pos < commits_.size(); ++pos) add_naming(pos);
  }
  return one_line_;
}

std::optional<std::uint32_t> HistoryIndex::newest_naming(const std::set<std::string>& models, std::uint32_t below) const {
  std::optional<std::uint32_t> newest;
  for (const auto& model : models) {
    auto it = naming_.find(model);
    if (it == naming_.end()) continue;
    auto after = std::lower_bound(it->second.begin(), it->second.end(), below);
    if (after != it->second.begin() && (!newest || *std::prev(after) > *newest)) newest = *std::prev(after);
  }
  return newest;
}

std::size_t HistoryIndex::IdHash::operator()(std::string_view id) const {
  std::uint64_t h = 0;
  std::memcpy(&h, id.data(), std::min<std::size_t>(8, id.size()));
  return static_cast<std::size_t>(h);
}

std::optional<std::uint32_t> HistoryIndex::position(const git::Oid& oid) const {
  auto it = positions_.find(key_of(oid));
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

void HistoryIndex::append(const git::CommitInfo& info, const std::vector<Event>& events) {
  RecordWriter w;
  w.u64(info.parents.size());
  for (const auto& p : info.parents) w.str(key_of(p));
  w.i64(info.author.time);
  w.i64(info.committer.time);
  encode_payload(w, info, events);
  const std::string& key = added_.emplace_back(key_of(info.oid));
  const std::string& payload = added_.emplace_back(std::move(w.out));
  file_.add(key, payload);
  load_record(key, payload);
}

void HistoryIndex::update(const git::Repository& repo, const git::Oid& tip, const EventsOf& events_of) {
  if (position(tip)) return;
  // The commits to index, parents first (an iterative depth-first walk: histories are deep).
  std::vector<git::Oid> order;
  std::unordered_set<std::string> seen;
  std::vector<std::pair<git::Oid, bool>> stack{{tip, false}};
  while (!stack.empty()) {
    auto [oid, expanded] = stack.back();
    stack.pop_back();
    if (expanded) {
      order.push_back(oid);
      continue;
    }
    if (position(oid) || !seen.emplace(key_of(oid)).second) continue;
    stack.emplace_back(oid, true);
    for (const auto& p : repo.read_commit(oid).parents)
      if (!position(p) && !seen.count(std::string(key_of(p)))) stack.emplace_back(p, false);
  }
  ProgressReport progress("Indexing history", order.size());
  for (const auto& oid : order) {
    if (!position(oid)) {
      const git::CommitInfo info = repo.read_commit(oid);
      append(info, events_of(info));
    }
    if (file_.pending_bytes() > (4u << 20)) file_.flush();
    progress.advance();
  }
  file_.flush();
}

std::optional<std::vector<std::uint32_t>> HistoryIndex::linear_walk(std::uint32_t from,
                                                                    std::optional<std::uint32_t> hide) const {
  if (commits_[from].merges_below) return std::nullopt;
  std::vector<bool> hidden;
  if (hide) {  // everything reachable from `hide` (it may have merges of its own)
    hidden.assign(commits_.size(), false);
    std::vector<std::uint32_t> todo{*hide};
    while (!todo.empty()) {
      const std::uint32_t p = todo.back();
      todo.pop_back();
      if (hidden[p]) continue;
      hidden[p] = true;
      for (std::size_t i = 0; i < commits_[p].parents.size(); ++i) todo.push_back(commits_[p].parents[i]);
    }
  }
  std::vector<std::uint32_t> out;
  for (std::optional<std::uint32_t> p = from; p && !(hide && hidden[*p]);) {
    out.push_back(*p);
    const auto& parents = commits_[*p].parents;
    p = parents.empty() ? std::nullopt : std::optional<std::uint32_t>(parents.front());
  }
  return out;
}

bool HistoryIndex::names_any(std::uint32_t pos, const std::set<std::string>& models) const {
  const std::string_view payload = commits_[pos].payload;
  RecordReader r(payload.data(), payload.size());
  std::string_view author, model;
  std::uint64_t n;
  if (!r.view(author) || !r.u64(n)) return true;  // let events() say
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.view(model)) return true;
    if (models.count(std::string(model))) return true;
  }
  return false;
}

std::vector<Event> HistoryIndex::events(std::uint32_t pos) const {
  const Commit& c = commits_[pos];
  return decode_payload(c.oid, c.author_time, c.payload);
}

namespace {
constexpr char kTipMagic[] = "mreg-tip 1\n";
std::string tip_path(const std::string& git_dir) { return git_dir + "mreg/history-tip.bin"; }
}  // namespace

// The file: magic, u64 checksum of the rest, then the base's id, the count of
// commits and each commit's id, author time and payload, the tip first.
std::optional<TipChain> TipChain::load(const std::string& git_dir) {
  TipChain t;
  auto body = read_checked_file(tip_path(git_dir), kTipMagic);
  if (!body) return std::nullopt;
  t.data_ = std::move(*body);
  RecordReader r(t.data_.data(), t.data_.size());
  std::string_view id;
  std::uint64_t n;
  if (!r.view(id) || id.size() != 20 || !r.count(n)) return std::nullopt;
  std::memcpy(t.base_.bytes.data(), id.data(), 20);
  t.entries_.resize(n);
  for (auto& e : t.entries_) {
    std::string_view payload;
    if (!r.view(id) || id.size() != 20 || !r.i64(e.author_time) || !r.view(payload)) return std::nullopt;
    std::memcpy(e.oid.bytes.data(), id.data(), 20);
    e.payload_at = static_cast<std::size_t>(payload.data() - t.data_.data());
    e.payload_size = payload.size();
  }
  if (!r.done()) return std::nullopt;
  return t;
}

void TipChain::save(const std::string& git_dir, const std::vector<git::CommitInfo>& commits,
                    const std::vector<std::vector<Event>>& events, const git::Oid& base) {
  RecordWriter w;
  w.str(key_of(base));
  w.u64(commits.size());
  for (std::size_t i = 0; i < commits.size(); ++i) {
    w.str(key_of(commits[i].oid));
    w.i64(commits[i].author.time);
    RecordWriter payload;
    encode_payload(payload, commits[i], events[i]);
    w.str(payload.out);
  }
  write_checked_file(tip_path(git_dir), kTipMagic, w.out);
}

std::optional<std::size_t> TipChain::position(const git::Oid& oid) const {
  if (oid == base_) return entries_.size();
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].oid == oid) return i;
  return std::nullopt;
}

std::vector<Event> TipChain::events(std::size_t pos) const {
  const Entry& e = entries_[pos];
  return decode_payload(e.oid, e.author_time, std::string_view(data_.data() + e.payload_at, e.payload_size));
}

}  // namespace mreg
