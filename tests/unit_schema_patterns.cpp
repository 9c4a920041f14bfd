// The schemas' patterns are checked with POSIX regular expressions (schema_patterns.h); they
// must accept and refuse exactly what std::regex, the ECMAScript engine the schemas are written
// for, accepts and refuses.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <set>

#include "schema.h"
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
