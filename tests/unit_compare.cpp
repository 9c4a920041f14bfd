// The comparison of versions (core compare.h): differences of numbers written as people write
// metrics, and signature columns as MLflow writes them.
#include <catch2/catch.hpp>

#include "mreg/compare.h"

using namespace mreg;

TEST_CASE("numeric differences are rounded to the decimals of the values", "[compare]") {
  auto diff = [](const std::string& a, const std::string& b) {
    auto d = numeric_difference(a, b);
    return d ? d->text : std::string("none");
  };
  CHECK(diff("0.41", "0.37") == "-0.04");
  CHECK(diff("412.7", "398.25") == "-14.45");
  CHECK(diff("3", "5") == "+2");
  CHECK(diff("0.5", "0.50") == "+0.00");
  CHECK(diff("1e-3", "2e-3") == "+0.001");
  CHECK(diff("-2", "+2") == "+4");
  CHECK(numeric_difference("0.41", "0.37")->value == -0.04);
  // Text that is not a decimal number has no difference, and never throws.
  for (const std::string other : {"nan", "inf", "0x10", " 1", "1 ", "", "abc", "1e400", "1.2.3", "0e99999999999999999999"})
    CHECK(diff("1", other) == (other == "0e99999999999999999999" ? "-1" : "none"));
}

TEST_CASE("signature columns: named, tensors by position, optional, text that is no JSON", "[compare]") {
  const auto columns = signature_columns(
      R"([{"name": "x", "type": "double"}, {"name": "y", "type": "long", "required": false},
          {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}])");
  REQUIRE(columns.size() == 3);
  CHECK(columns[0].type == "double");
  CHECK(columns[1].type == "long (optional)");
  CHECK(columns[2].name == "#3");
  CHECK(columns[2].type == "tensor(float32, [-1,4])");
  CHECK(signature_columns("not json")[0].name == "(schema)");

  const Json before{{"inputs", R"([{"name": "x", "type": "double"}, {"name": "z", "type": "string"}])"}};
  const Json after{{"inputs", R"([{"name": "x", "type": "long"}, {"name": "w", "type": "double"}])"},
                   {"params", R"([{"name": "alpha", "type": "double"}])"}};
  const auto changes = signature_changes(before, after);
  REQUIRE(changes.size() == 4);
  CHECK((changes[0].column == "x" && changes[0].change == "retyped" && changes[0].old_type == "double"));
  CHECK((changes[1].column == "w" && changes[1].change == "added"));
  CHECK((changes[2].column == "z" && changes[2].change == "removed"));
  CHECK((changes[3].section == "params" && changes[3].change == "added"));
  CHECK(signature_changes(before, before).empty());
}
