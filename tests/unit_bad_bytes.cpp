// Registry files with hostile bytes, read by the core: every one is a named problem (path, line,
// message) or is read right, by both YAML readers alike. The files are the fuzz harnesses'
// regression inputs in fuzz/corpus/, so that each finding stays fixed.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "manifest.h"
#include "mreg/problem.h"
#include "mreg/search.h"
#include "mreg/utf8.h"
#include "yaml_doc.h"

using namespace mreg;

namespace {

std::string corpus(const std::string& harness, const std::string& name) {
  std::ifstream f(std::string(MREG_SOURCE_DIR) + "/fuzz/corpus/" + harness + "/" + name, std::ios::binary);
  REQUIRE(f);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The problems of parsing `text` as a model.yaml; empty when it parses (schema aside).
std::vector<Problem> yaml_problems(const std::string& text) {
  try {
    parse_yaml(text, "models/m/model.yaml");
  } catch (const ManifestError& e) {
    return e.problems();
  }
  return {};
}

void require_problem(const std::string& text, int line, const std::string& message) {
  const auto problems = yaml_problems(text);
  REQUIRE(!problems.empty());
  INFO(problems.front().to_string());
  CHECK(problems.front().path == "models/m/model.yaml");
  CHECK(problems.front().line == line);
  CHECK(problems.front().message.find(message) != std::string::npos);
  // yaml-cpp's reader alone says the same.
  try {
    parse_yaml_with_yaml_cpp(text, "models/m/model.yaml");
    FAIL("yaml-cpp's reader took it");
  } catch (const ManifestError& e) {
    CHECK(e.problems().front().line == line);
    CHECK(e.problems().front().message.find(message) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("UTF-8: well-formed only", "[bytes][utf8]") {
  CHECK(!invalid_utf8_at("plain ünïcødé ✓ 𝄞"));
  CHECK(invalid_utf8_at("ab\x80") == 2u);
  CHECK(invalid_utf8_at("\xc0\xaf") == 0u);          // overlong '/'
  CHECK(invalid_utf8_at("\xe0\x80\xaf") == 0u);      // overlong
  CHECK(invalid_utf8_at("x\xed\xa0\x80") == 1u);     // a surrogate
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0u);  // above U+10FFFF
  CHECK(invalid_utf8_at("\xe2\x82") == 0u);          // cut short
  CHECK(text_problem(std::string("a\0b", 3)).find("NUL") != std::string::npos);
  CHECK(text_problem("fine").empty());
}

TEST_CASE("regression inputs of fuzz_yaml: each a named problem", "[bytes][yaml]") {
  require_problem(corpus("fuzz_yaml", "utf8-continuation-run.yaml"), 2, "not valid UTF-8");
  require_problem(corpus("fuzz_yaml", "utf8-continuation-plain.yaml"), 1, "not valid UTF-8");
  require_problem(corpus("fuzz_yaml", "alias-bomb.yaml"), 1, "anchors and aliases");
  require_problem(corpus("fuzz_yaml", "number-out-of-range.yaml"), 2, "out of range");
  require_problem(corpus("fuzz_yaml", "hex-out-of-range.yaml"), 1, "out of range");
  require_problem(corpus("fuzz_yaml", "escaped-nul.yaml"), 3, "NUL");
  require_problem(corpus("fuzz_yaml", "escaped-surrogate.yaml"), 1, "invalid unicode");  // yaml-cpp's own check
  require_problem(corpus("fuzz_yaml", "second-document.yaml"), 12, "second YAML document");
  require_problem(corpus("fuzz_yaml", "deep-nesting.yaml"), 1, "nested deeper than 64 levels");
  require_problem(std::string("a: b\0c\n", 7), 1, "NUL byte");
  require_problem("a: 1\nb: 2\n" + std::string(kMaxRegistryFileBytes, '#'), 0, "registry files hold at most");
}

TEST_CASE("a byte-order mark: ignored at the start, a character elsewhere, alike in both readers", "[bytes][bom]") {
  const std::string model = corpus("fuzz_yaml", "model.yaml");
  const std::string bom = corpus("fuzz_yaml", "bom.yaml");
  CHECK(!parse_canonical_yaml(bom));  // the fast reader steps aside
  CHECK(parse_yaml(bom, "m.yaml").value == parse_yaml(model, "m.yaml").value);
  CHECK(parse_yaml_with_yaml_cpp(bom, "m.yaml").value == parse_yaml(model, "m.yaml").value);
  CHECK(parse_yaml(bom, "m.yaml").line_of("/tags/team") == parse_yaml(model, "m.yaml").line_of("/tags/team"));
  const std::string inside = corpus("fuzz_yaml", "bom-inside.yaml");
  CHECK(!parse_canonical_yaml(inside));
  CHECK(parse_yaml(inside, "m.yaml").value == parse_yaml_with_yaml_cpp(inside, "m.yaml").value);
}

TEST_CASE("the fast reader steps aside on what it does not handle", "[bytes][yaml]") {
  for (const char* name : {"nel.yaml", "tab.yaml", "crlf.yaml", "bom.yaml", "bom-inside.yaml", "number-out-of-range.yaml",
                           "hex-out-of-range.yaml", "flow-and-comments.yaml", "alias-bomb.yaml", "second-document.yaml"}) {
    INFO(name);
    CHECK(!parse_canonical_yaml(corpus("fuzz_yaml", name)));
  }
  // And answers as yaml-cpp on what it takes.
  for (const char* name : {"model.yaml", "version.yaml", "mreg.yaml", "request.yaml", "literal-blocks.yaml"}) {
    INFO(name);
    const std::string text = corpus("fuzz_yaml", name);
    auto fast = parse_canonical_yaml(text);
    REQUIRE(fast);
    CHECK(fast->value == parse_yaml_with_yaml_cpp(text, name).value);
  }
}

TEST_CASE("regression of fuzz_yaml: blank lines are an empty document to both readers", "[bytes][yaml]") {
  const std::string blank = corpus("fuzz_yaml", "blank-lines.yaml");
  CHECK(!parse_canonical_yaml(blank));
  CHECK(parse_yaml(blank, "m.yaml").value.is_null());
  CHECK(parse_yaml_with_yaml_cpp(blank, "m.yaml").value.is_null());
}

TEST_CASE("numbers: in range or a problem, never an exception of the standard library", "[bytes][numbers]") {
  CHECK(resolve_plain("1e308").is_number_float());
  CHECK(resolve_plain("1e-400").is_number_float());  // underflow reads as 0
  CHECK(resolve_plain("99999999999999999999").is_number_float());
  CHECK(resolve_plain("0x7FFFFFFFFFFFFFFF") == std::int64_t(0x7FFFFFFFFFFFFFFF));
  CHECK(resolve_plain("0x1G") == "0x1G");  // not hexadecimal: text
  CHECK(resolve_plain("0o19") == "0o19");
  CHECK_THROWS_AS(resolve_plain("1e400"), NumberOutOfRange);
  CHECK_THROWS_AS(resolve_plain("-1e400"), NumberOutOfRange);
  CHECK_THROWS_AS(resolve_plain("0x10000000000000000"), NumberOutOfRange);
  CHECK(!plain_is_safe("1e400"));
}

TEST_CASE("regression inputs of fuzz_manifest: each a named problem", "[bytes][manifest]") {
  auto problem_of = [](const std::string& file) -> std::string {
    const std::string text = corpus("fuzz_manifest", file).substr(1);
    try {
      if (file.rfind("registry", 0) == 0) parse_registry_config(text, "mreg.yaml");
      else parse_model(text, "models/m/model.yaml");
    } catch (const ManifestError& e) {
      return e.problems().front().to_string();
    }
    return "(parsed)";
  };
  CHECK(problem_of("registry-alias-bomb.yaml") == "mreg.yaml:1: anchors and aliases ('&', '*') are not allowed in registry files");
  CHECK_THAT(problem_of("model-utf8-continuation-run.yaml"), Catch::Matchers::StartsWith("models/m/model.yaml:2: not valid UTF-8"));
  CHECK_THAT(problem_of("model-number-out-of-range.yaml"), Catch::Matchers::StartsWith("models/m/model.yaml:2: the number 1e400 is out of range"));
  CHECK_THAT(problem_of("model-escaped-nul.yaml"), Catch::Matchers::StartsWith("models/m/model.yaml:3: the value holds a NUL"));
  CHECK_THAT(problem_of("model-second-document.yaml"), Catch::Matchers::StartsWith("models/m/model.yaml:12: a second YAML document"));
}

TEST_CASE("page tokens: malformed base64 is an invalid value", "[bytes][search]") {
  for (const char* token : {"====", "A===", "gA==", "////", "eyJvZmZzZXQiOiAtMX0="}) {
    INFO(token);
    try {
      parse_page_token(token);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
    }
  }
  CHECK(parse_page_token(make_page_token(10)) == 10);
}
