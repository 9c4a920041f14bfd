// The schemas' patterns are checked with POSIX regular expressions (schema_patterns.h); they
// must accept and refuse exactly what std::regex, the ECMAScript engine the schemas are written
// for, accepts and refuses.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <set>

#include "quick_pattern.h"
#include "schema.h"
#include "schema_checks.h"
#include "schema_patterns.h"

namespace {

void collect_patterns(const nlohmann::json& j, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "pattern" && v.is_string()) out.insert(v.get<std::string>());
      if (k == "patternProperties" && v.is_object())
        for (const auto& [p, sub] : v.items()) out.insert(p);
      collect_patterns(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_patterns(v, out);
  }
}

// Strings near what each pattern accepts: samples that match, each mutated at random.
std::vector<std::string> candidates(std::mt19937& rng) {
  std::vector<std::string> out = {"", "a", "x-", "x-y", "model-1", "Model_2.b", "-bad", "_alias", "v1",
                                  "20261203T101010Z-ab12", "20261203T101010Z-ab1", "2026-12-03T10:10:10Z",
                                  "2026-12-03T10:10:10.5+01:00", "2026-12-03T10:10:10", "sha256:" + std::string(64, 'a'),
                                  std::string(64, 'f'), std::string(63, 'f'), "7d", "12h", "d", "alice@example.com",
                                  "alice@example.com AAAAC3Nz comment", "alice@example.com AAAA\ncomment",
                                  "alice@example.com AAAA x\ry", "team", "te am", "a,b", "a/b", "reg/one",
                                  "Production", "caf\xc3\xa9", "\xc2\xa0", "a\tb"};
  const std::string alphabet = "aZ09_-./:+TZ@ \n\r\t,*?!'\"\\x\xc3\xa9";
  const std::size_t base = out.size();
  for (std::size_t i = 0; i < base; ++i)
    for (int k = 0; k < 20; ++k) {
      std::string s = out[i];
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const char c = alphabet[rng() % alphabet.size()];
        const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
        switch (rng() % 3) {
          case 0: s.insert(at, 1, c); break;
          case 1: if (at < s.size()) s[at] = c; break;
          default: if (at < s.size()) s.erase(at, 1); break;
        }
      }
      out.push_back(s);
    }
  return out;
}

}  // namespace

TEST_CASE("every schema pattern accepts and refuses what std::regex does", "[schema]") {
  std::set<std::string> patterns;
  for (auto kind : {mreg::SchemaKind::Registry, mreg::SchemaKind::Model, mreg::SchemaKind::Version,
                    mreg::SchemaKind::Request, mreg::SchemaKind::Policy})
    collect_patterns(nlohmann::json::parse(mreg::schema_text(kind)), patterns);
  REQUIRE(patterns.size() >= 10);
  std::mt19937 rng(20261203);
  const auto texts = candidates(rng);
  std::size_t matched = 0;
  for (const auto& pattern : patterns) {
    const std::regex reference(pattern);
    for (const auto& text : texts) {
      const bool expected = std::regex_search(text, reference);
      matched += expected;
      INFO("pattern " << pattern << " text " << nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      CHECK(mreg::schema_pattern_search(pattern, text) == expected);
    }
  }
  CHECK(matched > 50);  // the samples reach the accepting side of the patterns, not only the refusing one
}

TEST_CASE("a pattern outside the supported subset is refused when the schema is loaded", "[schema]") {
  CHECK_THROWS(mreg::schema_pattern_search("^\\bword$", "word"));
  CHECK_THROWS(mreg::schema_pattern_search("^[a-\\]]$", "a"));
  CHECK_NOTHROW(mreg::schema_pattern_search("^[^\\s,]+$", "a"));
}

TEST_CASE("the quick patterns of the generated schema checks accept and refuse what std::regex does", "[schema]") {
  std::set<std::string> patterns = {"^(ab|a)(bc|c)?$", "(x|xy)+z", "^[^a-c]{2,3}\\.[\\d\\w]*$", "a{0,2}$", "^(a*)*b$",
                                    "^-[+-]$", "^(|q)r", "^[^\\s,\"'*?!/]+$", "^a\\sb$", "^\\S+$",
                                    "^[a-z]+ [A-Z]+( .*)?$", "^.$", "a.b"};
  for (auto kind : {mreg::SchemaKind::Registry, mreg::SchemaKind::Model, mreg::SchemaKind::Version,
                    mreg::SchemaKind::Request, mreg::SchemaKind::Policy})
    collect_patterns(nlohmann::json::parse(mreg::schema_text(kind)), patterns);
  std::mt19937 rng(20261204);
  auto texts = candidates(rng);
  for (const char* t : {"abc", "ab", "ac", "a", "xyxz", "xz", "z", "dd.a_9", "dd.", "abd.", "aaa", "aab", "b", "-+", "--",
                        "r", "qr", "a b", "a\tb", "a\nb", "a\rb", "a\vb", "a\fb", "a\xc2\xa0" "b", "ab C", "ab C x\ty",
                        "ab C \n", "\r", "\x7f", "\xe2\x80\xa8", "alice@example.com", "al ice", "a,b"})
    texts.push_back(t);
  std::size_t quick = 0;
  for (const auto& pattern : patterns) {
    const auto parsed = mreg::QuickPattern::parse(pattern);
    if (!parsed) continue;
    ++quick;
    const std::regex reference(pattern);
    for (const auto& text : texts) {
      INFO("pattern " << pattern << " text " << nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      CHECK(parsed->search(text) == std::regex_search(text, reference));
    }
  }
  CHECK(quick == patterns.size());  // every pattern above and every one of the schemas
  CHECK_FALSE(mreg::QuickPattern::parse("(?:a)"));
  CHECK_FALSE(mreg::QuickPattern::parse("a{2"));
}

namespace {

// Values of every kind, to put in place of a field.
std::vector<nlohmann::json> replacements() {
  return {"", "x", "Production", 0, -1, 1, 7, 1.5, true, nullptr, nlohmann::json::array(), nlohmann::json::object(),
          nlohmann::json::array({"a"}), nlohmann::json::array({"a", "a"}), nlohmann::json::array({"None", "Archived"}),
          nlohmann::json::array({1, 2}), nlohmann::json{{"a", "b"}}, nlohmann::json{{"a", 1}}, nlohmann::json{{"a", 0}},
          std::string(5001, 'a'), std::string(129, 'a'), "2026-12-03T10:10:10Z", "2026-12-03T10:10:10", "READY", "bad/",
          "sha256:" + std::string(64, 'a'), "20261203T101010Z-ab12", std::string(40, 'a'), "caf\xc3\xa9"};
}

// The document, each field (and each field of a mapping inside it) removed or replaced, and
// keys added.
std::vector<nlohmann::json> variations(const nlohmann::json& doc) {
  std::vector<nlohmann::json> out{doc};
  for (const auto& [key, value] : doc.items()) {
    auto without = doc;
    without.erase(key);
    out.push_back(without);
    for (const auto& r : replacements()) {
      auto changed = doc;
      changed[key] = r;
      out.push_back(changed);
    }
    if (value.is_object())
      for (const auto& inner : variations(value)) {
        auto changed = doc;
        changed[key] = inner;
        out.push_back(changed);
      }
  }
  for (const char* extra : {"x-team", "X-team", "unknown", "x"}) {
    auto added = doc;
    added[extra] = "v";
    out.push_back(added);
  }
  return out;
}

}  // namespace

TEST_CASE("the generated schema checks accept exactly what the full validation accepts", "[schema]") {
  const std::vector<std::pair<mreg::SchemaKind, nlohmann::json>> docs = {
      {mreg::SchemaKind::Registry,
       {{"format", 1}, {"registry", "acme/models"}, {"stages", {"None", "Staging", "Production", "Archived"}}, {"x-note", "n"}}},
      {mreg::SchemaKind::Model,
       {{"name", "churn"}, {"description", "d"}, {"created_at", "2026-01-05T10:00:00Z"}, {"created_by", "Ann <a@x>"},
        {"updated_at", "2026-01-05T10:00:00.25+01:00"}, {"last_version", 3}, {"aliases", {{"champion", 2}}},
        {"alias_requests", {{"champion", "20261203T101010Z-ab12"}}}, {"tags", {{"team", "risk"}}}}},
      {mreg::SchemaKind::Version,
       {{"name", "churn"}, {"version", 2}, {"stage", "Production"}, {"stage_request", "20261203T101010Z-ab12"},
        {"source", "s3://b/k"}, {"status", "READY"}, {"created_at", "2026-01-05T10:00:00Z"}, {"created_by", "Ann <a@x>"},
        {"updated_at", "2026-01-05T10:00:00Z"}, {"digest", "sha256:" + std::string(64, 'b')},
        {"flavors", {"python_function"}}, {"signature", {{"inputs", "[]"}}}, {"tags", {{"val_mae", "412.7"}}},
        {"copied_from", {{"registry", "r"}, {"model", "m"}, {"version", 1}, {"commit", std::string(40, 'c')}}}}},
      {mreg::SchemaKind::Request,
       {{"id", "20261204T224027Z-a193"}, {"model", "churn"}, {"version", 10}, {"from_stage", "None"},
        {"to_stage", "Production"}, {"archive_existing", true}, {"version_sha256", std::string(64, 'a')},
        {"requested_by", "Carol <carol@example.com>"}, {"requested_at", "2026-12-04T22:40:27.217Z"}}},
      {mreg::SchemaKind::Request,
       {{"id", "20261204T224027Z-a194"}, {"model", "churn"}, {"version", 3}, {"from_stage", "Production"},
        {"delete_version", true}, {"version_sha256", std::string(64, 'a')}, {"requested_by", "Carol <c@x>"},
        {"requested_at", "2026-12-04T22:40:27Z"}}},
      {mreg::SchemaKind::Policy,
       {{"registry", "acme/models"}, {"version", 2}, {"previous_sha256", std::string(64, 'f')},
        {"admins", {{"principals", {"admin@example.com"}}, {"threshold", 1}}},
        {"principals",
         {{"alice@example.com",
           {{"keys", {{{"key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICUSgDLUmwt2 alice"},
                       {"valid_after", "2026-01-01T00:00:00Z"}}}}}}}},
        {"revoked_keys", {{{"key", "ssh-ed25519 AAAA"}, {"revoked_at", "2026-02-01T00:00:00Z"}, {"reason", "lost"}}}},
        {"rules",
         {{{"models", {"fraud-*"}}, {"stages", {"Production"}}, {"aliases", {"champion"}},
           {"approvers", {"alice@example.com"}}, {"threshold", 1}, {"allow_self_approval", false},
           {"approval_valid_for", "14d"}}}}}},
  };
  std::size_t accepted = 0, refused = 0;
  for (const auto& [kind, doc] : docs) {
    REQUIRE(mreg::fits_schema_fully(kind, doc));
    for (const auto& v : variations(doc)) {
      const bool quick = kind == mreg::SchemaKind::Registry  ? mreg::generated_schema_checks::accepts_registry(v)
                         : kind == mreg::SchemaKind::Model   ? mreg::generated_schema_checks::accepts_model(v)
                         : kind == mreg::SchemaKind::Version ? mreg::generated_schema_checks::accepts_version(v)
                         : kind == mreg::SchemaKind::Request ? mreg::generated_schema_checks::accepts_request(v)
                                                             : mreg::generated_schema_checks::accepts_policy(v);
      INFO(v.dump());
      CHECK(quick == mreg::fits_schema_fully(kind, v));
      (quick ? accepted : refused)++;
    }
  }
  CHECK(accepted > 100);
  CHECK(refused > 100);
}
