// mreg_gen_registry: writes a `git fast-import` stream that builds a synthetic model registry
// (the repository format of FORMAT.md, every file in mreg's canonical YAML form).
//
//   mreg_gen_registry --models 1000 --versions 10 [--history full|compact] [--seed S]
//                     [--branch refs/heads/main] | git -C repo.git fast-import --quiet
//
// --history full     one commit per registration ("register MODEL vN" with Mreg-* trailers),
//                    registrations interleaved across models, timestamps increasing;
//                    models x versions + 1 commits (the first one, "init registry", writes
//                    mreg.yaml).
// --history compact  one commit per model (a hand-made import: no Mreg-Op trailer) + 1.
// --history batched  for sizes whose stream fast-import cannot take in reasonable time: writes
//                    a pack (--pack FILE, for `git index-pack --stdin`) instead of a stream, and
//                    prints the `git update-ref --stdin` line for the branch. The full history
//                    with all but its last --tail registrations (default 1000) squashed into one
//                    commit per --batch models (default 1000; a hand-made import, no Mreg-Op
//                    trailer); the last --tail commits are the full history's own, same trees.
//
// All histories end in the same tree for the same --models/--versions/--seed.
// The output depends only on the flags (a fixed pseudo-random generator, no clock).

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

// ---------------------------------------------------------------- pseudo-random numbers

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint64_t>(hi - lo + 1))); }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) { return a[below(N)]; }
  std::string hex(int n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    while (static_cast<int>(out.size()) < n) {
      uint64_t v = next();
      for (int i = 0; i < 16 && static_cast<int>(out.size()) < n; ++i, v >>= 4) out += digits[v & 15];
    }
    return out;
  }
};

// ---------------------------------------------------------------- canonical YAML scalars

bool all_of(const std::string& s, size_t from, const char* set) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i)
    if (!std::strchr(set, s[i])) return false;
  return true;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Would a YAML 1.1 or 1.2 reader take this plain scalar as something other than a string
// (number, bool, null, timestamp)?
bool reads_as_non_string(const std::string& s) {
  static const char* words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
                                ".inf", "-.inf", "+.inf", ".nan"};
  std::string l = lower(s);
  for (const char* w : words)
    if (l == w) return true;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i < s.size() && s.compare(i, 2, "0x") == 0 && all_of(s, i + 2, "0123456789abcdefABCDEF_")) return true;
  if (i < s.size() && s.compare(i, 2, "0o") == 0 && all_of(s, i + 2, "01234567_")) return true;
  if (i < s.size() && s.compare(i, 2, "0b") == 0 && all_of(s, i + 2, "01_")) return true;
  // decimal / float: digits, at most one '.', optional exponent (also sexagesimal-ish ':' of 1.1)
  {
    size_t j = i;
    bool digits = false, dot = false;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == ':' ||
                            (s[j] == '.' && !dot))) {
      if (s[j] == '.') dot = true;
      else if (s[j] != '_' && s[j] != ':') digits = true;
      ++j;
    }
    if (digits && j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
      size_t k = j + 1;
      if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
      if (all_of(s, k, "0123456789")) return true;
    }
    if (digits && j == s.size()) return true;
  }
  // dates and timestamps: 2026-11-24...
  if (s.size() >= 8 && std::isdigit(static_cast<unsigned char>(s[0])) && s.find('-') == 4) {
    bool date_like = true;
    for (size_t k = 0; k < s.size() && k < 10; ++k)
      if (!(std::isdigit(static_cast<unsigned char>(s[k])) || s[k] == '-')) date_like = false;
    if (date_like) return true;
  }
  return false;
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (reads_as_non_string(s)) return true;
  if (std::strchr("-?:,[]{}#&*!|>'\"%@`", s[0])) return true;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string scalar(const std::string& s) {
  if (!needs_quotes(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ---------------------------------------------------------------- time

std::string rfc3339(int64_t t) {
  int64_t days = t / 86400, secs = t % 86400;
  // civil_from_days (Howard Hinnant)
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", static_cast<int>(y), static_cast<int>(m),
                static_cast<int>(d), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

// ---------------------------------------------------------------- the registry

const char* kStages[] = {"None", "Staging", "Production", "Archived"};

struct Person {
  const char* name;
  const char* email;
  std::string ident() const { return std::string(name) + " <" + email + ">"; }
};
const Person kPeople[] = {
    {"Alice Andersson", "alice@example.com"}, {"Bo Berg", "bo@example.com"},
    {"Chiara Conti", "chiara@example.com"},   {"Dmitri Dvorak", "dmitri@example.com"},
    {"Eun-ji Park", "eunji@example.com"},     {"Farid Haddad", "farid@example.com"},
    {"Grace Okafor", "grace@example.com"},    {"Hiro Tanaka", "hiro@example.com"},
};
const Person kCI = {"CI", "ci@example.com"};

const char* kTargets[] = {
    "the daily power output of the wind farm from weather forecasts",
    "hourly electricity demand per substation",
    "solar irradiance for the next 48 hours",
    "churn risk of business customers",
    "the arrival time of delivery vans",
    "failure probability of pump bearings from vibration data",
    "demand for spare parts per warehouse",
    "heat pump energy use per building",
    "traffic on the main web shop per hour",
    "fraud risk of card payments",
    "river water levels at the gauging stations",
    "the remaining useful life of battery packs",
};
const char* kTeams[] = {"energy", "forecasting", "risk", "logistics", "maintenance", "growth", "platform"};
const char* kVersionDescriptions[] = {
    "Gradient-boosted trees on 2019-2024 weather data.",
    "Retrained on the last 90 days.",
    "Adds holiday features.",
    "LightGBM with tuned learning rate.",
    "Baseline linear model for comparison.",
    "Temporal fusion transformer, 3 layers.",
    "Same features, more trees; smaller validation error.",
    "Drops the deprecated sensor columns.",
};
const int kSlaHours[] = {4, 8, 24, 72};
const char* kFrameworks[] = {"xgboost", "lightgbm", "sklearn", "pytorch", "prophet"};
const char* kDatasets[] = {"weather-2024", "sales-2025q3", "sensors-v7", "payments-2025-10", "grid-2019-2024"};

struct Version {
  int n = 0;
  int64_t created = 0;
  int64_t updated = 0;
  std::string stage = "None";
  std::string description;
  std::string source, run_id, run_link, experiment_id, digest;
  const Person* by = &kCI;
  std::map<std::string, std::string> tags;
};

struct Model {
  std::string name;
  std::string description;
  const Person* by = nullptr;
  std::map<std::string, std::string> tags;
  std::map<std::string, int> aliases;  // final aliases; a commit shows those pointing at versions <= last
  std::vector<Version> versions;       // versions[i].n == i + 1
};

std::string model_yaml(const Model& m, int last_version, int64_t updated) {
  std::string y;
  y += "name: " + scalar(m.name) + "\n";
  if (!m.description.empty()) y += "description: " + scalar(m.description) + "\n";
  y += "created_at: " + rfc3339(m.versions[0].created) + "\n";
  y += "created_by: " + scalar(m.by->ident()) + "\n";
  y += "updated_at: " + rfc3339(updated) + "\n";
  y += "last_version: " + std::to_string(last_version) + "\n";
  std::string aliases;
  for (const auto& [alias, v] : m.aliases)
    if (v <= last_version) aliases += "  " + scalar(alias) + ": " + std::to_string(v) + "\n";
  if (!aliases.empty()) y += "aliases:\n" + aliases;
  if (!m.tags.empty()) {
    y += "tags:\n";
    for (const auto& [k, v] : m.tags) y += "  " + scalar(k) + ": " + scalar(v) + "\n";
  }
  return y;
}

std::string version_yaml(const Model& m, const Version& v) {
  std::string y;
  y += "name: " + scalar(m.name) + "\n";
  y += "version: " + std::to_string(v.n) + "\n";
  y += "stage: " + scalar(v.stage) + "\n";
  if (!v.description.empty()) y += "description: " + scalar(v.description) + "\n";
  y += "source: " + scalar(v.source) + "\n";
  if (!v.run_id.empty()) y += "run_id: " + scalar(v.run_id) + "\n";
  if (!v.run_link.empty()) y += "run_link: " + scalar(v.run_link) + "\n";
  if (!v.experiment_id.empty()) y += "experiment_id: " + scalar(v.experiment_id) + "\n";
  if (!v.digest.empty()) y += "digest: " + scalar(v.digest) + "\n";
  y += "status: READY\n";
  y += "created_at: " + rfc3339(v.created) + "\n";
  y += "created_by: " + scalar(v.by->ident()) + "\n";
  y += "updated_at: " + rfc3339(v.updated) + "\n";
  if (!v.tags.empty()) {
    y += "tags:\n";
    for (const auto& [k, val] : v.tags) y += "  " + scalar(k) + ": " + scalar(val) + "\n";
  }
  return y;
}

std::string model_name(int i, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "model-%0*d", width, i);
  return buf;
}

// Stages over a model's versions: the newest good version in Production, perhaps a newer one in
// Staging, older ones mostly Archived.
void assign_stages(Model& m, Rng& rng) {
  int V = static_cast<int>(m.versions.size());
  if (!rng.chance(85)) return;  // some models never got past None
  int prod = std::max(1, V - rng.range(0, std::min(3, V - 1)));
  m.versions[prod - 1].stage = "Production";
  for (int n = prod + 1; n <= V; ++n)
    m.versions[n - 1].stage = (n == V && rng.chance(60)) ? "Staging" : "None";
  for (int n = 1; n < prod; ++n) m.versions[n - 1].stage = rng.chance(70) ? "Archived" : "None";
  if (rng.chance(70)) m.aliases["champion"] = prod;
  if (m.versions[V - 1].stage == "Staging" && rng.chance(50)) m.aliases["challenger"] = V;
  if (prod > 1 && rng.chance(15)) m.aliases["previous"] = prod - 1;
}

// ---------------------------------------------------------------- fast-import output

struct Out {
  std::string buf;
  void flush() {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size()) {
      std::perror("mreg_gen_registry: write");
      std::exit(1);
    }
    buf.clear();
  }
  void maybe_flush() {
    if (buf.size() > (1u << 20)) flush();
  }
  void data(const std::string& s) {
    buf += "data " + std::to_string(s.size()) + "\n" + s + "\n";
  }
  void file(const std::string& path, const std::string& content) {
    buf += "M 100644 inline " + path + "\n";
    data(content);
  }
  void commit(const std::string& branch, const Person& who, int64_t when, const std::string& msg) {
    std::string ident = who.ident() + " " + std::to_string(when) + " +0000\n";
    buf += "commit " + branch + "\n";
    buf += "author " + ident;
    buf += "committer " + ident;
    data(msg);
  }
};

// ---------------------------------------------------------------- pack output (--history batched)
//
// fast-import finds a path's entry in a tree by a linear search, so a stream that fills a
// 100,000-entry models/ tree takes hours. This writes the objects straight into a pack file
// instead (ids computed here, trees sorted as git sorts them); `git index-pack` indexes it.

using Id = std::array<unsigned char, 20>;

struct IdHash {
  size_t operator()(const Id& id) const {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

std::string hex(const Id& id) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : id) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "mreg_gen_registry: %s\n", what.c_str());
  std::exit(1);
}

class Sha1 {
 public:
  Sha1() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || !EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr)) fail("SHA-1 unavailable");
  }
  ~Sha1() { EVP_MD_CTX_free(ctx_); }
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void update(const void* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  Id finish() {
    Id id;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, id.data(), &len);
    EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr);
    return id;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// A tree's entry; git orders them by name, a folder's name compared as if it ended in '/'.
struct Entry {
  std::string name;
  bool folder;
  Id id;
};

bool git_order(const Entry& a, const Entry& b) {
  size_t n = std::min(a.name.size(), b.name.size());
  if (int c = std::memcmp(a.name.data(), b.name.data(), n)) return c < 0;
  auto next = [n](const Entry& e) -> unsigned char { return e.name.size() > n ? e.name[n] : e.folder ? '/' : 0; };
  return next(a) < next(b);
}

std::string tree_body(std::vector<Entry> entries) {
  if (!std::is_sorted(entries.begin(), entries.end(), git_order)) std::sort(entries.begin(), entries.end(), git_order);
  std::string body;
  for (const Entry& e : entries) {
    body += e.folder ? "40000 " : "100644 ";
    body += e.name;
    body += '\0';
    body.append(reinterpret_cast<const char*>(e.id.data()), e.id.size());
  }
  return body;
}

// git's delta format: the target as copies from the base and inserted bytes. Only the common
// prefix and suffix are copied, which is all the successive models/ trees here differ by.
std::string make_delta(const std::string& base, const std::string& target) {
  std::string d;
  auto varint = [&](uint64_t n) {
    do {
      unsigned char c = n & 0x7f;
      n >>= 7;
      d += static_cast<char>(c | (n ? 0x80 : 0));
    } while (n);
  };
  auto copy = [&](uint64_t off, uint64_t len) {
    while (len > 0) {
      uint64_t n = std::min<uint64_t>(len, 0x10000);  // 0x10000 is written as no size bytes
      std::string args;
      unsigned char cmd = 0x80;
      for (int i = 0; i < 4; ++i)
        if ((off >> (8 * i)) & 0xff) cmd |= 1 << i, args += static_cast<char>((off >> (8 * i)) & 0xff);
      if (n != 0x10000)
        for (int i = 0; i < 3; ++i)
          if ((n >> (8 * i)) & 0xff) cmd |= 0x10 << i, args += static_cast<char>((n >> (8 * i)) & 0xff);
      d += static_cast<char>(cmd);
      d += args;
      off += n;
      len -= n;
    }
  };
  size_t p = 0, max = std::min(base.size(), target.size());
  while (p < max && base[p] == target[p]) ++p;
  size_t s = 0;
  while (s < max - p && base[base.size() - 1 - s] == target[target.size() - 1 - s]) ++s;
  varint(base.size());
  varint(target.size());
  copy(0, p);
  for (size_t i = p; i < target.size() - s; i += 127) {
    size_t n = std::min<size_t>(127, target.size() - s - i);
    d += static_cast<char>(n);
    d.append(target, i, n);
  }
  copy(base.size() - s, s);
  return d;
}

class PackWriter {
 public:
  enum Type { kCommit = 1, kTree = 2, kBlob = 3, kOfsDelta = 6 };

  // Successive versions of one tree, each stored as a delta against the one before, at most 50
  // deep (as fast-import stores them).
  struct Chain {
    std::string body;
    uint64_t offset = 0;
    int depth = -1;
  };

  explicit PackWriter(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "w+b")) {
    if (!f_) fail("cannot write " + path + ": " + std::strerror(errno));
    write("PACK\0\0\0\2\0\0\0\0", 12);  // version 2; the count is filled in by finish()
  }

  Id put(Type type, const std::string& body, Chain* chain = nullptr) {
    static const char* names[] = {"", "commit", "tree", "blob"};
    std::string head = std::string(names[type]) + " " + std::to_string(body.size());
    sha_.update(head.c_str(), head.size() + 1);
    sha_.update(body.data(), body.size());
    Id id = sha_.finish();
    if (!seen_.insert(id).second) return id;
    uint64_t at = offset_;
    std::string h;
    if (chain && chain->depth >= 0 && chain->depth < 50) {
      std::string delta = make_delta(chain->body, body);
      header(h, kOfsDelta, delta.size());
      uint64_t back = at - chain->offset;
      unsigned char buf[16];
      int pos = 15;
      buf[pos] = back & 127;
      while (back >>= 7) buf[--pos] = static_cast<unsigned char>(128 | (--back & 127));
      h.append(reinterpret_cast<char*>(buf + pos), 16 - pos);
      write(h.data(), h.size());
      deflate(delta);
      ++chain->depth;
    } else {
      header(h, type, body.size());
      write(h.data(), h.size());
      deflate(body);
      if (chain) chain->depth = 0;
    }
    if (chain) {
      chain->body = body;
      chain->offset = at;
    }
    ++count_;
    return id;
  }

  // Fills in the object count and appends the pack's checksum.
  void finish() {
    unsigned char n[4] = {static_cast<unsigned char>(count_ >> 24), static_cast<unsigned char>(count_ >> 16),
                          static_cast<unsigned char>(count_ >> 8), static_cast<unsigned char>(count_)};
    if (std::fseek(f_, 8, SEEK_SET) != 0 || std::fwrite(n, 1, 4, f_) != 4 || std::fseek(f_, 0, SEEK_SET) != 0)
      fail("cannot write " + path_);
    std::vector<char> buf(1 << 20);
    size_t got;
    while ((got = std::fread(buf.data(), 1, buf.size(), f_)) > 0) sha_.update(buf.data(), got);
    Id sum = sha_.finish();
    if (std::fseek(f_, 0, SEEK_END) != 0 || std::fwrite(sum.data(), 1, sum.size(), f_) != sum.size() ||
        std::fclose(f_) != 0)
      fail("cannot write " + path_);
    f_ = nullptr;
  }

 private:
  static void header(std::string& h, int type, uint64_t size) {
    unsigned char c = static_cast<unsigned char>((type << 4) | (size & 15));
    size >>= 4;
    while (size) {
      h += static_cast<char>(c | 0x80);
      c = size & 0x7f;
      size >>= 7;
    }
    h += static_cast<char>(c);
  }
  void deflate(const std::string& data) {
    uLongf len = compressBound(data.size());
    if (zbuf_.size() < len) zbuf_.resize(len);
    if (compress2(reinterpret_cast<Bytef*>(zbuf_.data()), &len, reinterpret_cast<const Bytef*>(data.data()),
                  data.size(), Z_DEFAULT_COMPRESSION) != Z_OK)
      fail("zlib failed");
    write(zbuf_.data(), len);
  }
  void write(const void* p, size_t n) {
    if (std::fwrite(p, 1, n, f_) != n) fail("cannot write " + path_ + ": " + std::strerror(errno));
    offset_ += n;
  }

  std::string path_;
  FILE* f_;
  uint64_t offset_ = 0;
  uint32_t count_ = 0;
  Sha1 sha_;
  std::vector<char> zbuf_;
  std::unordered_set<Id, IdHash> seen_;
};

std::string commit_body(const Id& tree, const std::optional<Id>& parent, const Person& who, int64_t when,
                        const std::string& msg) {
  std::string ident = who.ident() + " " + std::to_string(when) + " +0000\n";
  std::string c = "tree " + hex(tree) + "\n";
  if (parent) c += "parent " + hex(*parent) + "\n";
  return c + "author " + ident + "committer " + ident + "\n" + msg;
}

// --history batched: the full history's registrations, all but the last `tail` of them squashed
// into one commit per `batch` models (a hand edit, as --history compact makes); the last `tail`
// are the full history's own commits, with the same trees. Writes the pack and prints a line for
// `git update-ref --stdin` that points `branch` at the last commit.
void write_batched(const std::vector<Model>& ms, long versions, long batch, long tail, const std::string& branch,
                   const std::string& mreg_yaml, const std::string& init_msg, int64_t init_time,
                   const std::string& path) {
  const long N = static_cast<long>(ms.size()), total = N * versions;
  const long squashed = std::max(0L, total - tail);  // registrations in the batch commits
  PackWriter pack(path);
  PackWriter::Chain models_chain;
  std::map<std::string, Id> folders;  // models/ as it stands
  const Id mreg_blob = pack.put(PackWriter::kBlob, mreg_yaml);

  auto commit = [&](const std::optional<Id>& parent, const Person& who, int64_t when, const std::string& msg) {
    std::vector<Entry> models;
    models.reserve(folders.size());
    for (const auto& [name, id] : folders) models.push_back({name, true, id});
    std::vector<Entry> root{{"mreg.yaml", false, mreg_blob}};
    if (!models.empty()) root.push_back({"models", true, pack.put(PackWriter::kTree, tree_body(std::move(models)), &models_chain)});
    Id tree = pack.put(PackWriter::kTree, tree_body(std::move(root)));
    return pack.put(PackWriter::kCommit, commit_body(tree, parent, who, when, msg));
  };
  // A model's folder after registering versions 1..k.
  auto folder = [&](const Model& m, int k) {
    std::vector<Entry> files;
    for (int n = 1; n <= k; ++n)
      files.push_back({std::to_string(n) + ".yaml", false, pack.put(PackWriter::kBlob, version_yaml(m, m.versions[n - 1]))});
    Id vtree = pack.put(PackWriter::kTree, tree_body(std::move(files)));
    Id model = pack.put(PackWriter::kBlob, model_yaml(m, k, m.versions[k - 1].created));
    folders[m.name] = pack.put(PackWriter::kTree, tree_body({{"model.yaml", false, model}, {"versions", true, vtree}}));
  };

  Id head = commit(std::nullopt, kPeople[0], init_time, init_msg);
  int64_t last_time = init_time;
  // Registration j (0-based) is model j % N's version j / N + 1, so model i has the first
  // k versions in the batches, where k counts the rounds r with r * N + i < squashed.
  for (long first = 0; first < N; first += batch) {
    long last = std::min(N, first + batch) - 1;
    long added = 0, nversions = 0;
    int64_t when = last_time;
    for (long i = first; i <= last; ++i) {
      int k = static_cast<int>(std::min<long>(versions, squashed / N + (i < squashed % N ? 1 : 0)));
      if (k == 0) continue;
      folder(ms[i], k);
      ++added;
      nversions += k;
      when = std::max(when, ms[i].versions[k - 1].created);
    }
    if (added == 0) continue;
    head = commit(head, kPeople[0], when,
                  "import " + ms[first].name + ".." + ms[last].name + " (" + std::to_string(added) + " models, " +
                      std::to_string(nversions) + " versions)\n");
    last_time = when;
  }
  for (long j = squashed; j < total; ++j) {
    const Model& m = ms[j % N];
    const int n = static_cast<int>(j / N + 1);
    const Version& v = m.versions[n - 1];
    folder(m, n);
    head = commit(head, *v.by, v.created,
                  "register " + m.name + " v" + std::to_string(n) + "\n\nMreg-Op: register\nMreg-Model: " + m.name +
                      "\nMreg-Version: " + std::to_string(n) + "\n");
  }
  pack.finish();
  std::printf("update %s %s\n", branch.c_str(), hex(head).c_str());
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: mreg_gen_registry --models N --versions V [--history full|compact] [--seed S]\n"
               "                         [--branch REF] [--registry ID]\n"
               "       mreg_gen_registry --models N --versions V --history batched --pack FILE\n"
               "                         [--batch MODELS] [--tail REGISTRATIONS] [--seed S] ...\n"
               "Writes a git fast-import stream of a synthetic mreg registry to stdout, e.g.\n"
               "  git init --bare -b main r.git && mreg_gen_registry --models 1000 --versions 10 \\\n"
               "    | git -C r.git fast-import --quiet\n"
               "or, with --history batched, a pack to FILE and the ref to set on stdout:\n"
               "  mreg_gen_registry --models 100000 --versions 10 --history batched --pack p.pack >ref &&\n"
               "    git -C r.git index-pack --stdin <p.pack && git -C r.git update-ref --stdin <ref\n");
  std::exit(code);
}

long parse_num(const char* flag, const char* v, long lo, long hi) {
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    std::fprintf(stderr, "mreg_gen_registry: %s: expected a number in [%ld, %ld], got '%s'\n", flag, lo, hi, v);
    std::exit(2);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  long models = -1, versions = -1;
  uint64_t seed = 1;
  bool full = true, batched = false;
  long batch = 1000, tail = 1000;
  std::string branch = "refs/heads/main", registry = "bench/registry", pack;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    const char* v = argv[++i];
    if (a == "--models") models = parse_num("--models", v, 1, 9999999);
    else if (a == "--versions") versions = parse_num("--versions", v, 1, 100000);
    else if (a == "--seed") seed = static_cast<uint64_t>(parse_num("--seed", v, 0, 2147483647));
    else if (a == "--branch") branch = v;
    else if (a == "--registry") registry = v;
    else if (a == "--batch") batch = parse_num("--batch", v, 1, 9999999);
    else if (a == "--tail") tail = parse_num("--tail", v, 0, 999999999);
    else if (a == "--pack") pack = v;
    else if (a == "--history") {
      if (std::strcmp(v, "full") == 0) full = true, batched = false;
      else if (std::strcmp(v, "compact") == 0) full = false, batched = false;
      else if (std::strcmp(v, "batched") == 0) batched = true;
      else usage(2);
    } else {
      --i;
      usage(2);
    }
  }
  if (models < 0 || versions < 0 || batched != !pack.empty()) usage(2);
  if (branch.rfind("refs/", 0) != 0) branch = "refs/heads/" + branch;
  int width = models <= 100000 ? 5 : 7;

  // Registrations are interleaved round-robin (every model's v1, then every v2, ...), each a
  // little after the one before. The schedule depends only on the seed, not on --history.
  Rng rng(seed);
  const int64_t start = 1767600000;  // 2026-01-05T08:00:00Z
  int64_t clock = start;
  const int64_t init_time = clock;
  std::vector<Model> ms(static_cast<size_t>(models));
  for (long i = 0; i < models; ++i) {
    Model& m = ms[i];
    m.name = model_name(static_cast<int>(i), width);
    m.by = &rng.pick(kPeople);
    if (rng.chance(90)) m.description = std::string("Forecasts ") + rng.pick(kTargets) + ".";
    m.tags["team"] = rng.pick(kTeams);
    if (rng.chance(30)) {
      std::string email = rng.pick(kPeople).email;
      m.tags["owner"] = email.substr(0, email.find('@'));
    }
    if (rng.chance(20)) m.tags["sla_hours"] = std::to_string(rng.pick(kSlaHours));
    m.versions.resize(static_cast<size_t>(versions));
  }
  for (long n = 1; n <= versions; ++n) {
    for (long i = 0; i < models; ++i) {
      clock += rng.range(5, 90);
      Model& m = ms[i];
      Version& v = m.versions[n - 1];
      v.n = static_cast<int>(n);
      v.created = clock;
      v.updated = clock;
      v.by = rng.chance(80) ? &kCI : &rng.pick(kPeople);
      if (rng.chance(60)) v.description = rng.pick(kVersionDescriptions);
      std::string exp = std::to_string(rng.range(1, 40));
      v.run_id = rng.hex(32);
      v.experiment_id = exp;
      v.source = "s3://ml-artifacts/" + exp + "/" + v.run_id + "/artifacts/model";
      if (rng.chance(50)) v.run_link = "https://tracking.example.com/#/experiments/" + exp + "/runs/" + v.run_id;
      if (rng.chance(50)) v.digest = "sha256:" + rng.hex(64);
      char mae[32];
      std::snprintf(mae, sizeof mae, "%.1f", 20.0 + static_cast<double>(rng.below(9000)) / 10.0);
      v.tags["val_mae"] = mae;
      if (rng.chance(60)) v.tags["framework"] = rng.pick(kFrameworks);
      if (rng.chance(40)) v.tags["dataset"] = rng.pick(kDatasets);
      if (rng.chance(30)) v.tags["git_sha"] = rng.hex(7);
      if (rng.chance(10)) v.tags["n_estimators"] = std::to_string(rng.range(1, 20) * 100);
    }
  }
  for (Model& m : ms) {
    assign_stages(m, rng);
    for (Version& v : m.versions)
      if (v.stage != "None") v.updated = v.created + rng.range(60, 3600);
  }

  std::string stages;
  for (const char* st : kStages) stages += std::string(stages.empty() ? "" : ", ") + st;
  std::string mreg_yaml = "format: 1\nregistry: " + scalar(registry) + "\nstages: [" + stages + "]\n";
  const std::string init_msg = "init registry " + registry + "\n\nMreg-Op: init\nMreg-Registry: " + registry + "\n";
  if (batched) {
    write_batched(ms, versions, batch, tail, branch, mreg_yaml, init_msg, init_time, pack);
    if (std::fflush(stdout) != 0) {
      std::perror("mreg_gen_registry: write");
      return 1;
    }
    return 0;
  }

  Out out;
  out.buf += "feature done\n";
  out.buf += "reset " + branch + "\n\n";
  out.commit(branch, kPeople[0], init_time, init_msg);
  out.file("mreg.yaml", mreg_yaml);
  out.buf += "\n";

  if (full) {
    for (long n = 1; n <= versions; ++n) {
      for (long i = 0; i < models; ++i) {
        const Model& m = ms[i];
        const Version& v = m.versions[n - 1];
        std::string dir = "models/" + m.name + "/";
        out.commit(branch, *v.by, v.created,
                   "register " + m.name + " v" + std::to_string(n) + "\n\nMreg-Op: register\nMreg-Model: " + m.name +
                       "\nMreg-Version: " + std::to_string(n) + "\n");
        out.file(dir + "model.yaml", model_yaml(m, static_cast<int>(n), v.created));
        out.file(dir + "versions/" + std::to_string(n) + ".yaml", version_yaml(m, v));
        out.buf += "\n";
        out.maybe_flush();
      }
    }
  } else {
    for (const Model& m : ms) {
      const Version& last = m.versions.back();
      std::string dir = "models/" + m.name + "/";
      out.commit(branch, *m.by, last.created,
                 "import " + m.name + " (" + std::to_string(versions) + " versions)\n");
      out.file(dir + "model.yaml", model_yaml(m, static_cast<int>(versions), last.created));
      for (const Version& v : m.versions) out.file(dir + "versions/" + std::to_string(v.n) + ".yaml", version_yaml(m, v));
      out.buf += "\n";
      out.maybe_flush();
    }
  }
  out.buf += "done\n";
  out.flush();
  if (std::fflush(stdout) != 0) {
    std::perror("mreg_gen_registry: write");
    return 1;
  }
  return 0;
}
