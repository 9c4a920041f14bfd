// Search against a straightforward reference: on random registries made with
// the core API, random filters (written in every spelling the grammar allows)
// and random order_by and page sizes must give, page after page, exactly the
// models and versions that a plain evaluation of the same clauses gives, in
// the order MLflow's stable multi-key sort gives. Seeded: the same every run.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include "mreg/registry.h"
#include "mreg/search.h"
#include "mreg/timefmt.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

using Rng = std::mt19937;

int pick(Rng& rng, int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
template <typename T>
const T& pick(Rng& rng, const std::vector<T>& items) { return items[static_cast<size_t>(pick(rng, static_cast<int>(items.size())))]; }
bool coin(Rng& rng, int percent = 50) { return pick(rng, 100) < percent; }

const std::vector<std::string> kModelNames = {"alpha", "beta", "Beta2", "gamma.x", "delta-1", "eps_2", "zeta", "eta9"};
const std::vector<std::string> kTagKeys = {"team", "val_mae", "a.b", "owner name", "stage_note", "mlflow.prompt.is_prompt"};
const std::vector<std::string> kTagValues = {"risk", "Risk", "1.5", "12", "it's", "", "a_b", "x%y", "say \"hi\"", "true", "false"};
const std::vector<std::string> kRunIds = {"", "r1a", "r2b", "abc", "ABC"};
const std::vector<std::string> kSources = {"s3://b/m1", "s3://b/m2", "/tmp/x", "gs://c/M2"};
const std::vector<std::string> kDescriptions = {"", "Detects fraud", "fraud v2", "Forecast", "it's 100%"};
const std::vector<std::string> kAliases = {"champion", "challenger", "canary"};
const std::vector<std::string> kStages = {"None", "Staging", "Production", "Archived"};
const Timestamp kBaseTime = 1795478400;  // 2026-11-24T00:00:00Z

// What the registry holds, read back for the reference.
struct Facts {
  std::vector<RegisteredModel> models;
  std::map<std::string, std::vector<ModelVersion>> versions;  // by model
};

// A registry made by a random run of writes, each at a random time (ties included).
Facts build_registry(Registry& r, Rng& rng) {
  std::vector<std::string> made;
  auto opts = [&] {
    WriteOptions o;
    o.create_tags = false;
    o.author = Identity{"Unit Test", "unit@example.com", kBaseTime + pick(rng, 12) * 3600, 0};
    return o;
  };
  auto random_tags = [&] {
    TagMap tags;
    for (int i = pick(rng, 3); i > 0; --i) tags[pick(rng, kTagKeys)] = pick(rng, kTagValues);
    return tags;
  };
  for (int step = 0; step < 70; ++step) {
    const int op = pick(rng, 10);
    if (made.size() < kModelNames.size() && (made.empty() || op == 0)) {
      const std::string& name = kModelNames[made.size()];
      r.create_registered_model(name, pick(rng, kDescriptions), random_tags(), opts());
      made.push_back(name);
      continue;
    }
    const std::string& name = pick(rng, made);
    const auto versions = r.at().get_model_versions(name);
    if (op <= 4 || versions.empty()) {
      NewVersion nv;
      nv.source = pick(rng, kSources);
      nv.run_id = pick(rng, kRunIds);
      nv.description = pick(rng, kDescriptions);
      nv.tags = random_tags();
      r.create_model_version(name, nv, opts());
      continue;
    }
    const std::int64_t v = pick(rng, versions).version;
    switch (op) {
      case 5: r.transition_stage(name, v, pick(rng, kStages), false, "", opts()); break;
      case 6: r.set_alias(name, pick(rng, kAliases), v, opts()); break;
      case 7: r.set_model_version_tag(name, v, pick(rng, kTagKeys), pick(rng, kTagValues), opts()); break;
      case 8: r.set_registered_model_tag(name, pick(rng, kTagKeys), pick(rng, kTagValues), opts()); break;
      default:
        if (coin(rng)) r.delete_model_version(name, v, opts());
        else r.update_registered_model(name, pick(rng, kDescriptions), opts());
    }
  }
  Facts f;
  const Snapshot s = r.at();
  for (const auto& name : s.model_names()) {
    f.models.push_back(s.get_registered_model(name));
    f.versions[name] = s.get_model_versions(name);
    // A model's last-modified time, as searches read it, is the newest of its model.yaml's
    // and its versions' (docs/http.md, "Last modified").
    for (const auto& v : f.versions[name]) f.models.back().updated_at = std::max(f.models.back().updated_at, v.updated_at);
  }
  return f;
}

// ---- the reference ---------------------------------------------------------

struct Clause {
  std::string field;  // name, tag, run_id, source_path, version_number, stage, alias, description, created_at, updated_at
  std::string tag_key;
  std::string op;     // =, !=, <, <=, >, >=, LIKE, ILIKE, IN
  std::string text;
  std::vector<std::string> list;
  std::int64_t number = 0;  // ms for times
};

bool reference_like(const std::string& value, const std::string& pattern, bool icase) {
  std::string re;
  for (char c : pattern) {
    if (c == '%') re += "[\\s\\S]*";
    else if (c == '_') re += "[\\s\\S]";
    else if (std::isalnum(static_cast<unsigned char>(c))) re += c;
    else re += std::string("[") + c + "]";  // the pools hold no ], \\ or ^
  }
  return std::regex_match(value, std::regex(re, icase ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool string_ok(const Clause& c, const std::string& v) {
  const bool stage = c.field == "stage";
  if (c.op == "=") return stage ? lower(v) == lower(c.text) : v == c.text;
  if (c.op == "!=") return stage ? lower(v) != lower(c.text) : v != c.text;
  if (c.op == "LIKE") return reference_like(v, c.text, false);
  if (c.op == "ILIKE") return reference_like(v, c.text, true);
  if (c.op == "IN") return std::find(c.list.begin(), c.list.end(), v) != c.list.end();
  FAIL("no such string comparator " << c.op);
  return false;
}

bool set_ok(const Clause& c, const std::set<std::string>& values) {
  if (c.op == "!=") return std::none_of(values.begin(), values.end(), [&](const std::string& v) { return !string_ok(c, v); });
  return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return string_ok(c, v); });
}

bool number_ok(const Clause& c, std::int64_t v) {
  if (c.op == "=") return v == c.number;
  if (c.op == "!=") return v != c.number;
  if (c.op == "<") return v < c.number;
  if (c.op == "<=") return v <= c.number;
  if (c.op == ">") return v > c.number;
  return v >= c.number;
}

bool tag_ok(const Clause& c, const TagMap& tags) {
  auto it = tags.find(c.tag_key);
  return it != tags.end() && string_ok(c, it->second);
}

bool model_ok(const Clause& c, const RegisteredModel& m, const std::vector<ModelVersion>& versions) {
  if (c.field == "name") return string_ok(c, m.name);
  if (c.field == "description") return string_ok(c, m.description);
  if (c.field == "tag" && !m.tags.count(c.tag_key) && c.tag_key == "mlflow.prompt.is_prompt")
    return (c.op == "!=" && c.text == "true") || (c.op == "=" && c.text == "false");
  if (c.field == "tag") return tag_ok(c, m.tags);
  if (c.field == "created_at") return number_ok(c, m.created_at);
  if (c.field == "updated_at") return number_ok(c, m.updated_at);
  std::set<std::string> values;
  if (c.field == "stage")
    for (const auto& v : versions) values.insert(v.stage);
  if (c.field == "alias")
    for (const auto& a : m.aliases) values.insert(a.first);
  return set_ok(c, values);
}

bool version_ok(const Clause& c, const ModelVersion& v) {
  if (c.field == "name") return string_ok(c, v.name);
  if (c.field == "run_id") return string_ok(c, v.run_id);
  if (c.field == "source_path") return string_ok(c, v.source);
  if (c.field == "description") return string_ok(c, v.description);
  if (c.field == "stage") return string_ok(c, v.stage);
  if (c.field == "tag") return tag_ok(c, v.tags);
  if (c.field == "version_number") return number_ok(c, v.version);
  if (c.field == "created_at") return number_ok(c, v.created_at);
  if (c.field == "updated_at") return number_ok(c, v.updated_at);
  return set_ok(c, std::set<std::string>(v.aliases.begin(), v.aliases.end()));
}

// ---- random filters, in random spellings --------------------------------------

std::string quoted(Rng& rng, const std::string& s) {
  const char q = coin(rng) ? '\'' : '"';
  std::string out(1, q);
  for (char c : s) out += c == q ? std::string(2, q) : std::string(1, c);
  return out + q;
}

std::string keyword(Rng& rng, const std::string& word) {
  switch (pick(rng, 3)) {
    case 0: return word;
    case 1: return lower(word);
    default: return std::string(1, word[0]) + lower(word.substr(1));
  }
}

// A LIKE pattern made from a value: parts replaced by % or _, letters maybe in another case.
std::string pattern_from(Rng& rng, const std::string& value) {
  std::string p;
  for (char c : value) {
    const int r = pick(rng, 10);
    if (r == 0) p += '_';
    else if (r == 1) {
      if (p.empty() || p.back() != '%') p += '%';
    } else if (r == 2) p += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    else p += c;
  }
  if (coin(rng, 30)) p = "%" + p;
  if (coin(rng, 30)) p += "%";
  return p;
}

std::string string_value(Rng& rng, const std::vector<std::string>& pool) {
  return coin(rng, 85) ? pick(rng, pool) : "nothing-like-this";
}

std::string render_field(Rng& rng, const Clause& c) {
  if (c.field != "tag") return (coin(rng, 20) ? "attribute." : "") + c.field;
  const std::string prefix = coin(rng) ? "tags." : "tag.";
  const bool bare = c.tag_key.find(' ') == std::string::npos;
  switch (pick(rng, bare ? 3 : 2)) {
    case 0: return prefix + "`" + c.tag_key + "`";
    case 1: return prefix + "\"" + c.tag_key + "\"";
    default: return prefix + c.tag_key;
  }
}

std::pair<Clause, std::string> random_clause(Rng& rng, SearchKind kind) {
  std::vector<std::string> fields = {"name", "tag", "tag", "stage", "alias", "description", "created_at", "updated_at"};
  if (kind == SearchKind::Versions) fields.insert(fields.end(), {"run_id", "source_path", "version_number", "version_number"});
  Clause c;
  c.field = pick(rng, fields);
  std::string value_text;
  if (c.field == "version_number" || c.field == "created_at" || c.field == "updated_at") {
    c.op = pick(rng, std::vector<std::string>{"=", "!=", "<", "<=", ">", ">="});
    if (c.field == "version_number") {
      c.number = pick(rng, 9);
      value_text = coin(rng, 20) ? quoted(rng, std::to_string(c.number))
                                 : std::to_string(c.number) + (coin(rng, 20) ? ".7" : "");
    } else {
      const Timestamp t = kBaseTime + pick(rng, 13) * 3600;
      c.number = t * 1000;
      value_text = coin(rng) ? std::to_string(c.number) : quoted(rng, format_rfc3339(t));
    }
  } else {
    std::vector<std::string> pool;
    if (c.field == "name") pool = kModelNames;
    if (c.field == "tag") pool = kTagValues;
    if (c.field == "stage") pool = {"None", "staging", "Production", "ARCHIVED"};
    if (c.field == "alias") pool = kAliases;
    if (c.field == "description") pool = kDescriptions;
    if (c.field == "run_id") pool = kRunIds;
    if (c.field == "source_path") pool = kSources;
    std::vector<std::string> ops = {"=", "!=", "LIKE", "ILIKE"};
    if (c.field == "run_id") ops.push_back("IN");
    c.op = pick(rng, ops);
    if (c.field == "tag") c.tag_key = coin(rng, 90) ? pick(rng, kTagKeys) : "missing";
    if (c.op == "IN") {
      for (int i = 1 + pick(rng, 3); i > 0; --i) c.list.push_back(string_value(rng, pool));
      value_text = "(";
      for (size_t i = 0; i < c.list.size(); ++i) value_text += (i ? (coin(rng) ? ", " : ",") : "") + quoted(rng, c.list[i]);
      value_text += ")";
    } else {
      c.text = string_value(rng, pool);
      if (c.op == "LIKE" || c.op == "ILIKE") c.text = pattern_from(rng, c.text);
      value_text = quoted(rng, c.text);
    }
  }
  const std::string op_text = std::isalpha(static_cast<unsigned char>(c.op[0])) ? keyword(rng, c.op) : c.op;
  const std::string space = coin(rng, 20) && !std::isalpha(static_cast<unsigned char>(c.op[0])) ? "" : " ";
  return {c, render_field(rng, c) + space + op_text + space + value_text};
}

std::pair<std::vector<Clause>, std::string> random_filter(Rng& rng, SearchKind kind) {
  std::vector<Clause> clauses;
  std::string text = coin(rng, 10) ? "  " : "";
  for (int i = pick(rng, 4); i > 0; --i) {
    auto [c, t] = random_clause(rng, kind);
    if (!clauses.empty()) text += " " + keyword(rng, "AND") + " ";
    clauses.push_back(c);
    text += t;
  }
  return {clauses, text};
}

// ---- order -----------------------------------------------------------------------

struct Order {
  std::string key;  // name, version_number, created_at, updated_at
  bool ascending;
};

std::pair<std::vector<std::string>, std::vector<Order>> random_order(Rng& rng, SearchKind kind) {
  std::vector<std::pair<std::string, std::string>> keys = {
      {"name", "name"}, {"creation_timestamp", "created_at"}, {"last_updated_timestamp", "updated_at"}, {"created_at", "created_at"}};
  if (kind == SearchKind::Versions) keys.push_back({"version_number", "version_number"});
  std::vector<std::string> text;
  std::vector<Order> order;
  for (int i = pick(rng, 3); i > 0; --i) {
    const auto& [spelled, key] = keys[static_cast<size_t>(pick(rng, static_cast<int>(keys.size())))];
    const int dir = pick(rng, 3);
    text.push_back(spelled + (dir == 0 ? "" : dir == 1 ? " " + keyword(rng, "ASC") : " " + keyword(rng, "DESC")));
    order.push_back({key, dir != 2});
  }
  // MLflow's default and tie-breaks, as search.h states them.
  auto has = [&](const std::string& k) {
    return std::any_of(order.begin(), order.end(), [&](const Order& o) { return o.key == k; });
  };
  if (kind == SearchKind::Versions && order.empty()) order = {{"updated_at", false}, {"name", true}, {"version_number", false}};
  if (!has("name")) order.push_back({"name", true});
  if (kind == SearchKind::Versions && !has("version_number")) order.push_back({"version_number", false});
  return {text, order};
}

std::int64_t sort_value(const RegisteredModel& m, const std::string& key) {
  return key == "created_at" ? m.created_at : m.updated_at;
}
std::int64_t sort_value(const ModelVersion& v, const std::string& key) {
  return key == "created_at" ? v.created_at : key == "updated_at" ? v.updated_at : v.version;
}
const std::string& name_of(const RegisteredModel& m) { return m.name; }
const std::string& name_of(const ModelVersion& v) { return v.name; }

// MLflow's way: one stable sort per key, the last key first.
template <typename T>
void reference_sort(std::vector<T>& items, const std::vector<Order>& order) {
  for (auto o = order.rbegin(); o != order.rend(); ++o)
    std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) {
      if (o->key == "name") return o->ascending ? name_of(a) < name_of(b) : name_of(b) < name_of(a);
      return o->ascending ? sort_value(a, o->key) < sort_value(b, o->key) : sort_value(b, o->key) < sort_value(a, o->key);
    });
}

// ---- the test --------------------------------------------------------------------

struct TempRegistry {
  fs::path dir;
  explicit TempRegistry(const std::string& id) {
    char tmpl[] = "/tmp/mreg-search-XXXXXX";
    dir = mkdtemp(tmpl);
    InitOptions init;
    init.bare = true;
    init.registry_id = id;
    WriteOptions o;
    o.author = Identity{"Unit Test", "unit@example.com", kBaseTime, 0};
    Registry::init((dir / "reg.git").string(), init, o);
  }
  ~TempRegistry() { fs::remove_all(dir); }
  Registry open() const { return Registry::open((dir / "reg.git").string()); }
};

}  // namespace

TEST_CASE("search agrees with a reference evaluation on random registries and filters", "[search][property]") {
  for (unsigned seed : {11u, 23u}) {
    INFO("registry seed " << seed);
    TempRegistry tmp("unit/search-" + std::to_string(seed));
    Registry r = tmp.open();
    Rng rng(seed);
    const Facts facts = build_registry(r, rng);
    const Snapshot snapshot = r.at();
    int found_some = 0;  // rounds with a non-empty answer: a generator that finds nothing tests nothing

    for (int round = 0; round < 150; ++round) {
      const SearchKind kind = round % 2 ? SearchKind::Versions : SearchKind::Models;
      const auto [clauses, filter] = random_filter(rng, kind);
      const auto [order_text, order] = random_order(rng, kind);
      const std::int64_t max_results = 1 + pick(rng, 7);
      INFO("filter: " << filter << "\norder_by: " << Catch::Detail::stringify(order_text) << "\nmax_results: " << max_results);

      // Every page, concatenated.
      std::vector<std::string> got;
      std::string token;
      int pages = 0;
      do {
        ++pages;
        if (kind == SearchKind::Models) {
          auto page = search_registered_models(snapshot, filter, order_text, max_results, token);
          REQUIRE(static_cast<std::int64_t>(page.registered_models.size()) <= max_results);
          for (const auto& s : page.registered_models) got.push_back(s.model.name);
          token = page.next_page_token;
        } else {
          auto page = search_model_versions(snapshot, filter, order_text, max_results, token);
          REQUIRE(static_cast<std::int64_t>(page.model_versions.size()) <= max_results);
          for (const auto& v : page.model_versions) got.push_back(v.name + "/" + std::to_string(v.version));
          token = page.next_page_token;
        }
        REQUIRE(pages < 100);
      } while (!token.empty());

      std::vector<std::string> expected;
      if (kind == SearchKind::Models) {
        std::vector<RegisteredModel> found;
        for (const auto& m : facts.models)
          if (std::all_of(clauses.begin(), clauses.end(),
                          [&](const Clause& c) { return model_ok(c, m, facts.versions.at(m.name)); }))
            found.push_back(m);
        reference_sort(found, order);
        for (const auto& m : found) expected.push_back(m.name);
      } else {
        std::vector<ModelVersion> found;
        for (const auto& [name, versions] : facts.versions)
          for (const auto& v : versions)
            if (std::all_of(clauses.begin(), clauses.end(), [&](const Clause& c) { return version_ok(c, v); }))
              found.push_back(v);
        reference_sort(found, order);
        for (const auto& v : found) expected.push_back(v.name + "/" + std::to_string(v.version));
      }
      CHECK(got == expected);
      if (!expected.empty()) ++found_some;
      // A full last page still ends the listing: no empty page after it.
      CHECK(pages == std::max<std::int64_t>(1, (static_cast<std::int64_t>(expected.size()) + max_results - 1) / max_results));
    }
    CHECK(found_some >= 50);
    CHECK(found_some <= 140);
  }
}
