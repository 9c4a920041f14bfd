// Trailer values that git would trim are written encoded and read back as they were.
#include <catch2/catch.hpp>

#include "trailers.h"

namespace {

std::string message_with(const mreg::Trailers& trailers) {
  std::string msg = "summary\n\n";
  for (const auto& [k, v] : trailers) msg += mreg::trailer_line(k, v);
  return msg;
}

}  // namespace

TEST_CASE("trailer values round-trip through a commit message, blanks at the ends included", "[trailers]") {
  const mreg::Trailers written{{"Mreg-Op", "create-model"},
                               {"Mreg-Model", " lead "},
                               {"Mreg-To", "\tnew name 50% "},
                               {"Mreg-Tag", "100%"},
                               {"Mreg-Version", "3"}};
  const std::string msg = message_with(written);
  // Plain values are written as they are, only the ones git would change are encoded.
  CHECK(msg.find("Mreg-Model-Encoded: %20lead%20\n") != std::string::npos);
  CHECK(msg.find("Mreg-To-Encoded: %09new name 50%25%20\n") != std::string::npos);
  CHECK(msg.find("Mreg-Tag: 100%\n") != std::string::npos);
  CHECK(mreg::read_trailers(msg) == written);
  CHECK(mreg::trailer_value(mreg::read_trailers(msg), "Mreg-Model") == " lead ");
  CHECK(mreg::trailer_value(mreg::read_trailers(msg), "Mreg-Alias").empty());
}

TEST_CASE("a hand-written encoded trailer with a stray '%' reads as written", "[trailers]") {
  const auto t = mreg::read_trailers("summary\n\nMreg-Model-Encoded: 50%zz%4\n");
  REQUIRE(t.size() == 1);
  CHECK(t[0].first == "Mreg-Model");
  CHECK(t[0].second == "50%zz%4");
}
