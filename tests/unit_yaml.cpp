// The canonical YAML writer and the two readers: whatever mreg writes reads
// back as the same values, and the fast reader agrees with yaml-cpp wherever
// it answers.
#include <catch2/catch.hpp>

#include <random>

#include "manifest.h"
#include "mreg/problem.h"
#include "yaml_doc.h"

using namespace mreg;

namespace {

const std::vector<std::string> kAwkward = {
    "plain", "two words", "yes", "No", "null", "~", "true", "3", "-1", "1.5", "1e3", ".inf", "0x1f", "12:30",
    "2026-11-24", "a: b", "a #b", "#c", "- item", "[x]", "{y}", "'q'", "\"dq\"", "back\\slash", " lead",
    "trail ", "tab\there", "line\nbreak", "two\n\nparas\n", "end\n\n", "ünïcødé ✓", "", ":", "x:", "%pct",
    "@at", "`tick`", "a,b", "!bang", "&amp", "*star", "|pipe", ">gt", "?q", "ctl\x01x", "cr\r\nlf"};

std::string random_string(std::mt19937& rng) {
  std::uniform_int_distribution<size_t> pick(0, kAwkward.size() - 1);
  std::uniform_int_distribution<int> parts(1, 3);
  std::string s;
  int n = parts(rng);
  for (int i = 0; i < n; ++i) s += kAwkward[pick(rng)];
  return s;
}

Json slow(const std::string& text) { return parse_yaml_with_yaml_cpp(text, "t.yaml").value; }

}  // namespace

TEST_CASE("canonical form: a version file reads back as written, by both readers", "[yaml]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 400; ++round) {
    ModelVersion v;
    v.name = "model-1";
    v.version = round + 1;
    v.stage = "Staging";
    v.description = random_string(rng);
    v.source = "s3://bucket/" + random_string(rng);
    v.run_id = random_string(rng);
    v.experiment_id = std::to_string(round);
    v.flavors = {"python_function", "f" + random_string(rng)};
    v.created_at = 1795564903 + round;
    v.updated_at = v.created_at;
    v.created_by = "CI <ci@example.com>";
    const std::string key = random_string(rng);
    bool key_ok = !key.empty();
    for (unsigned char c : key) key_ok = key_ok && c >= 0x20 && c != 0x7f;
    if (key_ok) v.tags[key] = random_string(rng);
    v.tags["val_mae"] = "41.2";

    const std::string text = render_version(v);
    INFO(text);
    const ModelVersion back = parse_version(text, "v.yaml");
    CHECK(back.description == v.description);
    CHECK(back.source == v.source);
    CHECK(back.run_id == v.run_id);
    CHECK(back.experiment_id == v.experiment_id);
    CHECK(back.flavors == v.flavors);
    CHECK(back.tags == v.tags);
    CHECK(back.created_at == v.created_at);

    auto fast = parse_canonical_yaml(text);
    REQUIRE(fast.has_value());  // mreg's own output always takes the fast path
    CHECK(fast->value == slow(text));
  }
}

TEST_CASE("the fast reader agrees with yaml-cpp or steps aside", "[yaml]") {
  const std::vector<std::string> docs = {
      "a: 1\nb: \"1\"\nc: true\nd: null\ne:\nf: 1.5\n",
      "tags:\n  x: y\n  \"k:v\": \"w\"\nlist: [a, \"b c\", d]\n",
      "desc: |\n  one\n\n  two\nnext: x\n",
      "desc: |-\n  one\n    indented\nnext: x\n",
      "desc: |+\n  one\n\n\nnext: x\n",
      "desc: |\n  last\n",
      "a: x # comment\n",
      "a: 'single'\n",
      "a: [1, 2]\n",
      "a:\n  - x\n",
      "a: b\na: c\n",
      "a:  two spaces\n",
      "a: b \n",
      "a: \"esc \\u00e9 \\x41 \\\" \\\\\"\n",
      "empty: {}\n",
      "a: 12:30\n",
      "a: 0x1F\n",
      "nested:\n  deeper:\n    x: 1\n  y: 2\nz: 3\n",
      "a: b",
      "k: v\r\n",
  };
  for (const auto& d : docs) {
    INFO(d);
    auto fast = parse_canonical_yaml(d);
    if (fast) CHECK(fast->value == slow(d));
  }
  // And some that must take the fast path.
  CHECK(parse_canonical_yaml("a: 1\nb: \"1\"\n"));
  CHECK(parse_canonical_yaml("desc: |\n  one\n\n  two\n"));
}

TEST_CASE("line numbers point at the key", "[yaml]") {
  const std::string text = "name: m\ntags:\n  a: b\n  c: d\nlast: 3\n";
  for (auto doc : {parse_yaml(text, "x"), parse_yaml_with_yaml_cpp(text, "x")}) {
    CHECK(doc.line_of("/name") == 1);
    CHECK(doc.line_of("/tags/c") == 4);
    CHECK(doc.line_of("/last") == 5);
    CHECK(doc.line_of("/tags/missing") == 2);
  }
}

TEST_CASE("malformed YAML names the file and line", "[yaml]") {
  try {
    parse_yaml("a: b\nc: [unclosed\nd: e\n", "models/m/model.yaml");
    FAIL("no error");
  } catch (const ManifestError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].path == "models/m/model.yaml");
    CHECK(e.problems()[0].line >= 2);
    CHECK(std::string(e.what()).find("models/m/model.yaml:") == 0);
  }
  CHECK_THROWS_AS(parse_yaml("a: b\na: c\n", "x"), ManifestError);
  CHECK_THROWS_AS(parse_yaml(std::string("a: b\0c\n", 7), "x"), ManifestError);
}
