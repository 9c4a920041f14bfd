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
//
// Both histories end in the same tree for the same --models/--versions/--seed.
// The output depends only on the flags (a fixed pseudo-random generator, no clock).

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
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

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: mreg_gen_registry --models N --versions V [--history full|compact] [--seed S]\n"
               "                         [--branch REF] [--registry ID]\n"
               "Writes a git fast-import stream of a synthetic mreg registry to stdout, e.g.\n"
               "  git init --bare -b main r.git && mreg_gen_registry --models 1000 --versions 10 \\\n"
               "    | git -C r.git fast-import --quiet\n");
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
  bool full = true;
  std::string branch = "refs/heads/main", registry = "bench/registry";
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
    else if (a == "--history") {
      if (std::strcmp(v, "full") == 0) full = true;
      else if (std::strcmp(v, "compact") == 0) full = false;
      else usage(2);
    } else {
      --i;
      usage(2);
    }
  }
  if (models < 0 || versions < 0) usage(2);
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

  Out out;
  out.buf += "feature done\n";
  out.buf += "reset " + branch + "\n\n";
  std::string stages;
  for (const char* st : kStages) stages += std::string(stages.empty() ? "" : ", ") + st;
  std::string mreg_yaml = "format: 1\nregistry: " + scalar(registry) + "\nstages: [" + stages + "]\n";
  out.commit(branch, kPeople[0], init_time,
             "init registry " + registry + "\n\nMreg-Op: init\nMreg-Registry: " + registry + "\n");
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
