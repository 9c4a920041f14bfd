// The search filter grammar: what parses into which clauses, and the exact
// message (with its position) of what does not; LIKE; order_by; page tokens.
#include <catch2/catch.hpp>

#include "mreg/search.h"

using namespace mreg;

namespace {

// The message of the FilterError the filter raises; fails the test when it parses.
std::string filter_error(SearchKind kind, const std::string& filter) {
  try {
    parse_filter(kind, filter);
  } catch (const FilterError& e) {
    CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
    return e.what();
  }
  FAIL("the filter parsed: " << filter);
  return "";
}

std::string model_error(const std::string& filter) { return filter_error(SearchKind::Models, filter); }
std::string version_error(const std::string& filter) { return filter_error(SearchKind::Versions, filter); }

// The message of the Error a call raises, which must be INVALID_PARAMETER_VALUE.
template <typename F>
std::string invalid_message(F&& call) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
    return e.what();
  }
  FAIL("no error");
  return "";
}

}  // namespace

TEST_CASE("an empty filter has no clauses", "[search]") {
  CHECK(parse_model_filter("").clauses.empty());
  CHECK(parse_version_filter("  \t ").clauses.empty());
}

TEST_CASE("model filters parse into clauses", "[search]") {
  auto f = parse_model_filter("name = 'fraud' AND tags.team != \"risk\" and tag.`a.b c` LIKE 'x%' AND "
                              "tags.\"owner name\" ilike '%Bob'");
  REQUIRE(f.kind == SearchKind::Models);
  REQUIRE(f.clauses.size() == 4);
  CHECK(f.clauses[0].key == FilterKey::Name);
  CHECK(f.clauses[0].comparator == Comparator::Equal);
  CHECK(f.clauses[0].text == "fraud");
  CHECK(f.clauses[0].position == 1);
  CHECK(f.clauses[1].key == FilterKey::Tag);
  CHECK(f.clauses[1].tag_key == "team");
  CHECK(f.clauses[1].comparator == Comparator::NotEqual);
  CHECK(f.clauses[1].text == "risk");
  CHECK(f.clauses[1].position == 20);
  CHECK(f.clauses[2].tag_key == "a.b c");
  CHECK(f.clauses[2].comparator == Comparator::Like);
  CHECK(f.clauses[2].text == "x%");
  CHECK(f.clauses[3].tag_key == "owner name");
  CHECK(f.clauses[3].comparator == Comparator::ILike);
  CHECK(f.clauses[3].text == "%Bob");
}

TEST_CASE("quotes, attribute prefix and keys beyond MLflow", "[search]") {
  auto f = parse_model_filter("attribute.name='it''s' AND description LIKE '%fraud%' AND stage = 'production' AND "
                              "alias != 'champion' AND tags.a.b = ''");
  REQUIRE(f.clauses.size() == 5);
  CHECK(f.clauses[0].key == FilterKey::Name);
  CHECK(f.clauses[0].text == "it's");
  CHECK(f.clauses[1].key == FilterKey::Description);
  CHECK(f.clauses[2].key == FilterKey::Stage);
  CHECK(f.clauses[3].key == FilterKey::Alias);
  CHECK(f.clauses[4].key == FilterKey::Tag);
  CHECK(f.clauses[4].tag_key == "a.b");
  CHECK(f.clauses[4].text == "");
}

TEST_CASE("version filters: run_id IN, version_number, source_path", "[search]") {
  auto f = parse_version_filter("run_id IN ('a1', \"b2\") AND version_number >= 5 AND version_number < 7.9 AND "
                                "version_number != '3' AND source_path LIKE 's3://%'");
  REQUIRE(f.clauses.size() == 5);
  CHECK(f.clauses[0].key == FilterKey::RunId);
  CHECK(f.clauses[0].comparator == Comparator::In);
  CHECK(f.clauses[0].list == std::vector<std::string>{"a1", "b2"});
  CHECK(f.clauses[1].key == FilterKey::VersionNumber);
  CHECK(f.clauses[1].comparator == Comparator::GreaterEqual);
  CHECK(f.clauses[1].number == 5);
  CHECK(f.clauses[2].comparator == Comparator::Less);
  CHECK(f.clauses[2].number == 7);  // MLflow compares int(7.9)
  CHECK(f.clauses[3].number == 3);
  CHECK(f.clauses[4].key == FilterKey::SourcePath);
}

TEST_CASE("created_at and updated_at take dates or epoch milliseconds", "[search]") {
  auto f = parse_version_filter("created_at > '2026-11-24' AND updated_at <= 1795564903000 AND "
                                "created_at >= '2026-11-24T01:00:00Z' AND updated_at = '1795564903000'");
  REQUIRE(f.clauses.size() == 4);
  CHECK(f.clauses[0].key == FilterKey::CreatedAt);
  CHECK(f.clauses[0].number == 1795478400000);
  CHECK(f.clauses[1].key == FilterKey::UpdatedAt);
  CHECK(f.clauses[1].number == 1795564903000);
  CHECK(f.clauses[2].number == 1795482000000);
  CHECK(f.clauses[3].number == 1795564903000);
}

TEST_CASE("invalid filters name the problem and its position", "[search]") {
  CHECK(model_error("name = 'a' OR name = 'b'") == "Invalid clause(s) in filter string: OR (at position 12)");
  CHECK(model_error("foo = 'x'") ==
        "Invalid attribute key 'foo' specified. Valid keys are "
        "'{'alias', 'created_at', 'description', 'name', 'stage', 'updated_at'}' (at position 1)");
  CHECK(model_error("name = 'a' AND run_id = 'x'") ==
        "Invalid attribute key 'run_id' specified. Valid keys are "
        "'{'alias', 'created_at', 'description', 'name', 'stage', 'updated_at'}' (at position 16)");
  CHECK(version_error("foo = 'x'") ==
        "Invalid attribute key 'foo' specified. Valid keys are '{'alias', 'created_at', 'description', 'name', "
        "'run_id', 'source_path', 'stage', 'updated_at', 'version_number'}' (at position 1)");
  CHECK(model_error("metrics.acc > 1") ==
        "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags') (at position 1)");
  CHECK(model_error("tags.k > 'x'") == "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE'}' (at position 8)");
  CHECK(version_error("version_number LIKE '1%'") ==
        "Invalid comparator 'LIKE' not one of '{'=', '!=', '<', '<=', '>', '>='}' (at position 16)");
  CHECK(model_error("name IN ('a')") == "Invalid comparator 'IN' not one of '{'=', '!=', 'LIKE', 'ILIKE'}' (at position 6)");
  CHECK(version_error("name IN ('a')") ==
        "Only the 'run_id' attribute supports comparison with a list of quoted string values. (at position 6)");
  CHECK(version_error("tags.k = 5") == "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5 (at position 10)");
  CHECK(version_error("name = 5") ==
        "Only the '{'created_at', 'updated_at', 'version_number'}' attributes support comparison with numeric values. "
        "(at position 8)");
  CHECK(version_error("version_number > 'abc'") ==
        "Expected numeric value type for numeric attribute: version_number. Found 'abc' (at position 18)");
  CHECK(model_error("created_at > 'yesterday'") ==
        "Invalid time 'yesterday' for created_at: expected a date such as '2026-11-24' or '2026-11-24T09:30:00Z', "
        "or milliseconds since the epoch (at position 14)");
}

TEST_CASE("malformed filters say where they stop making sense", "[search]") {
  CHECK(model_error("name = 'abc") == "Invalid filter string: quote ' is not closed (at position 8)");
  CHECK(model_error("tags.`a b = 'x'") == "Invalid filter string: backtick ` is not closed (at position 6)");
  CHECK(model_error("name") == "Invalid comparison clause. Expected comparison found end of filter (at position 5)");
  CHECK(model_error("name 'a'") == "Invalid comparison clause. Expected comparison found ''a'' (at position 6)");
  CHECK(model_error("name =") == "Invalid comparison clause. Expected value token found end of filter (at position 7)");
  CHECK(model_error("name == 'a'") == "Invalid comparison clause. Expected value token found '=' (at position 7)");
  CHECK(model_error("name = 'a' AND") == "Invalid filter string: AND at the end, with no clause after it (at position 12)");
  CHECK(model_error("name = 'a' AND AND name = 'b'") ==
        "Invalid comparison clause. Expected 'Identifier' found 'AND' (at position 16)");
  CHECK(model_error("= 'a'") == "Invalid comparison clause. Expected 'Identifier' found '=' (at position 1)");
  CHECK(model_error("(name = 'a')") == "Invalid comparison clause. Expected 'Identifier' found '(' (at position 1)");
  CHECK(model_error("name = 'a' name = 'b'") == "Invalid clause(s) in filter string: name (at position 12)");
  CHECK(model_error("name = 'a' # x") == "Invalid filter string: unexpected character '#' (at position 12)");
  CHECK(model_error("name = 'a' AND é") == "Invalid filter string: unexpected character 'é' (at position 16)");
  CHECK(model_error("name = 'é' OR x") == "Invalid clause(s) in filter string: OR (at position 12)");  // characters
  CHECK(model_error("name ! 'a'") == "Invalid filter string: '!' without '=' (use !=) (at position 6)");
  CHECK(model_error("tags. = 'x'") == "Invalid filter string: no tag key after 'tags.' (at position 1)");
  CHECK(version_error("run_id IN ()") ==
        "While parsing a list in the query, expected a non-empty list of string values, but got empty list "
        "(at position 12)");
  CHECK(version_error("run_id IN ('a', 1)") ==
        "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different "
        "type in list: '1' (at position 17)");
  CHECK(version_error("run_id IN ('a' 'b')") ==
        "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list. "
        "(at position 16)");
  CHECK(version_error("run_id IN 'a'") ==
        "Expected a list of quoted string values after IN, e.g. ('a', 'b'). Got value ''a'' (at position 11)");
  CHECK(version_error("run_id = ('a')") == "A list of values goes with IN: run_id IN ('a', 'b') (at position 10)");
}

TEST_CASE("a filter error carries its position", "[search]") {
  try {
    parse_model_filter("name = 'a' OR name = 'b'");
    FAIL("parsed");
  } catch (const FilterError& e) {
    CHECK(e.position() == 12);
  }
}

TEST_CASE("LIKE is SQL's: % and _, case-sensitive, and ILIKE ignores case", "[search]") {
  CHECK(like_match("abc", "a%", false));
  CHECK(like_match("abc", "a_c", false));
  CHECK(like_match("abc", "%", false));
  CHECK(like_match("", "%", false));
  CHECK(like_match("abcde", "a%c%e", false));
  CHECK(like_match("aaab", "%aab", false));
  CHECK(like_match("été", "_t_", false));  // one character, not one byte
  CHECK_FALSE(like_match("abc", "a_", false));
  CHECK_FALSE(like_match("ABC", "a%", false));
  CHECK(like_match("ABC", "a%", true));
  CHECK_FALSE(like_match("abc", "a.c", false));  // no regular expressions
  CHECK_FALSE(like_match("", "_", false));
  CHECK_FALSE(like_match("abc", "", false));
  CHECK(like_match("a%c", "a%c", false));
}

TEST_CASE("order_by: keys, directions, MLflow's defaults and tie-breaks", "[search]") {
  using V = std::vector<std::pair<OrderKey, bool>>;
  auto flat = [](const std::vector<OrderClause>& clauses) {
    V out;
    for (const auto& c : clauses) out.emplace_back(c.key, c.ascending);
    return out;
  };
  CHECK(flat(parse_order_by(SearchKind::Models, {})) == V{{OrderKey::Name, true}});
  CHECK(flat(parse_order_by(SearchKind::Models, {"last_updated_timestamp DESC"})) ==
        V{{OrderKey::UpdatedAt, false}, {OrderKey::Name, true}});
  CHECK(flat(parse_order_by(SearchKind::Models, {"name desc"})) == V{{OrderKey::Name, false}});
  CHECK(flat(parse_order_by(SearchKind::Versions, {})) ==
        V{{OrderKey::UpdatedAt, false}, {OrderKey::Name, true}, {OrderKey::VersionNumber, false}});
  CHECK(flat(parse_order_by(SearchKind::Versions, {"creation_timestamp"})) ==
        V{{OrderKey::CreatedAt, true}, {OrderKey::Name, true}, {OrderKey::VersionNumber, false}});
  CHECK(flat(parse_order_by(SearchKind::Versions, {"version_number ASC", "attribute.name DESC"})) ==
        V{{OrderKey::VersionNumber, true}, {OrderKey::Name, false}});

  CHECK(invalid_message([] { parse_order_by(SearchKind::Models, {"name asc x"}); }) ==
        "Invalid order_by clause 'name asc x'. Could not be parsed.");
  CHECK(invalid_message([] { parse_order_by(SearchKind::Models, {""}); }) ==
        "Invalid order_by clause ''. Could not be parsed.");
  CHECK(invalid_message([] { parse_order_by(SearchKind::Models, {"name up"}); }) ==
        "Invalid ordering key in order_by clause 'name up'.");
  CHECK(invalid_message([] { parse_order_by(SearchKind::Models, {"version_number"}); }) ==
        "Invalid attribute key 'version_number' specified. Valid keys are "
        "'{'created_at', 'creation_timestamp', 'last_updated_timestamp', 'name', 'timestamp', 'updated_at'}'");
  CHECK(invalid_message([] { parse_order_by(SearchKind::Versions, {"tags.team"}); }) == "Invalid order_by entity: tag");
}

TEST_CASE("page tokens are MLflow's base64 of {\"offset\": N}", "[search]") {
  CHECK(make_page_token(1) == "eyJvZmZzZXQiOiAxfQ==");  // what MLflow's stores answer
  CHECK(parse_page_token("eyJvZmZzZXQiOiAxfQ==") == 1);
  CHECK(parse_page_token("") == 0);
  for (std::int64_t n : {2, 99, 100, 12345, 200000}) CHECK(parse_page_token(make_page_token(n)) == n);

  CHECK(invalid_message([] { parse_page_token("not a token"); }) == "Invalid page token, could not base64-decode");
  CHECK(invalid_message([] { parse_page_token("aGVsbG8="); }) == "Invalid page token, decoded value=hello");
  CHECK(invalid_message([] { parse_page_token("eyJvZmZzZXQiOiAwfQ=="); }) ==
        "Invalid page token, parsed value={\"offset\":0}");
}
