// The CLI's structured output: a list written item by item (ListWriter, what
// `model list` and `search` print) is byte for byte the whole document that
// print_structured writes, in JSON and YAML; and the quick test for YAML strings
// that need no quotes agrees with parsing them.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <iostream>
#include <random>
#include <sstream>

#include "output.h"

using namespace mreg;
using namespace mreg::cli;

namespace {

// What the CLI printed to standard output while `f` ran.
template <typename F>
std::string printed(F&& f) {
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  try {
    f();
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return captured.str();
}

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "7", "0", "1.5", "-", "+", "e", " ", "  ", ":", ": ", "#", " #", "/", "//", "@", "<", ">", ",",
      ";", "(", ")", "=", "_", ".", "'", "\"", "\\", "[", "]", "{", "}", "!", "&", "*", "%", "`", "|", "?", "~",
      "\n", "\n\n", "\t", "true", "no", "null", "yes", "é", "s3://b/k", "https://x.example.com/#/runs/1"};
  std::string s;
  const int n = std::uniform_int_distribution<int>(0, 5)(rng);
  for (int i = 0; i < n; ++i) s += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
  return s;
}

OrderedJson random_value(std::mt19937& rng, int depth) {
  const int kind = std::uniform_int_distribution<int>(0, depth > 2 ? 3 : 5)(rng);
  switch (kind) {
    case 0: return random_text(rng);
    case 1: return std::uniform_int_distribution<std::int64_t>(-5, 1LL << 45)(rng);
    case 2: return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 3: return random_text(rng);
    case 4: {
      OrderedJson o = OrderedJson::object();
      for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i)
        o[random_text(rng) + "k" + std::to_string(i)] = random_value(rng, depth + 1);
      return o;
    }
    default: {
      OrderedJson a = OrderedJson::array();
      for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
  }
}

// The test the quick path stands in for: does YAML read the plain text back as this string?
bool parsed_needs_quotes(const std::string& s) {
  try {
    const YAML::Node probe = YAML::Load(s);
    return s.empty() || !probe.IsScalar() || probe.Scalar() != s || probe.Tag() != "?" ||
           s.find_first_not_of("0123456789.+-eE") == std::string::npos || s == "true" || s == "false" ||
           s == "null" || s == "~" || s == "yes" || s == "no";
  } catch (...) {
    return true;
  }
}

}  // namespace

TEST_CASE("a list written item by item is the whole document print_structured writes", "[output]") {
  std::mt19937 rng(5);
  for (int round = 0; round < 300; ++round) {
    const int count = std::uniform_int_distribution<int>(0, 4)(rng);
    OrderedJson items = OrderedJson::array();
    for (int i = 0; i < count; ++i) {
      OrderedJson item = OrderedJson::object();
      item["name"] = random_text(rng);
      item["value"] = random_value(rng, 0);
      item["description"] = random_text(rng) + "\n\n" + random_text(rng);
      items.push_back(item);
    }
    OrderedJson after = OrderedJson::object();
    if (round % 2) after["next_page_token"] = random_text(rng);
    OrderedJson whole = OrderedJson::object();
    whole["models"] = items;
    for (const auto& [k, v] : after.items()) whole[k] = v;
    for (Format format : {Format::Json, Format::Yaml}) {
      INFO(whole.dump());
      const std::string expected = printed([&] { print_structured(whole, format); });
      CHECK(printed([&] {
              print_structured_list("models", items.size(), [&](size_t i) { return items[i]; }, format, after);
            }) == expected);
    }
  }
}

TEST_CASE("YAML strings are quoted exactly when plain text would not read back as them", "[output]") {
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) {
    const std::string s = random_text(rng);
    INFO("'" << s << "'");
    REQUIRE(yaml_needs_quotes(s) == parsed_needs_quotes(s));
  }
  for (const char* s : {"model-00042", "CI <ci@example.com>", "s3://ml-artifacts/13/abc/artifacts/model",
                        "https://tracking.example.com/#/experiments/13/runs/5cbf", "sha256:8332", "Staging",
                        "Same features, more trees; smaller validation error.", "13", "1e5", "-", "no", "a: b",
                        "a #b", "a:", "x "})
    CHECK(yaml_needs_quotes(s) == parsed_needs_quotes(s));
}
