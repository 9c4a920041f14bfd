// Model names and their folder and tag names (FORMAT.md, "Names"): plain names keep their
// folder byte for byte; any other name is percent-encoded, reversibly, into a name that is safe
// on Windows and case-insensitive file systems and inside a git ref name.
#include <catch2/catch.hpp>

#include <git2.h>

#include <cctype>
#include <random>
#include <set>

#include "mreg/error.h"
#include "mreg/names.h"

namespace {

bool valid_ref(const std::string& name) {
  git_libgit2_init();
  int valid = 0;
  const std::string ref = "refs/tags/" + name;
  return git_reference_name_is_valid(&valid, ref.c_str()) == 0 && valid;
}

bool windows_safe(const std::string& folder) {
  if (folder.empty() || folder.back() == '.' || folder.back() == ' ' || folder == "." || folder == "..") return false;
  for (unsigned char c : folder)
    if (c < 0x20 || std::string("<>:\"/\\|?*").find(static_cast<char>(c)) != std::string::npos) return false;
  std::string stem = mreg::fold_case(folder.substr(0, folder.find('.')));
  for (const char* reserved : {"con", "prn", "aux", "nul"})
    if (stem == reserved) return false;
  if (stem.size() == 4 && (stem.rfind("com", 0) == 0 || stem.rfind("lpt", 0) == 0) && std::isdigit(stem[3]))
    return false;
  return true;
}

}  // namespace

TEST_CASE("plain names are their own folders and tag names", "[names]") {
  for (const std::string& name : std::vector<std::string>{"power-forecast", "a", "Model_2.b", "x1.y-z", std::string(128, 'm')}) {
    CHECK(mreg::model_folder_name(name) == name);
    CHECK(mreg::model_tag_name(name) == name);
    CHECK(mreg::model_name_of_folder(name) == name);
  }
}

TEST_CASE("names MLflow accepts get a folder and tag name that read back", "[names]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two words", "two%20words"},
      {"caf\xC3\xA9", "caf%C3%A9"},
      {"a/b/c", "a%2Fb%2Fc"},
      {"1+1", "1%2B1"},
      {"100%", "100%25"},
      {".hidden", "%2Ehidden"},
      {"..", "%2E%2E"},
      {"ends.", "ends%2E"},
      {"CON", "%43ON"},
      {"aux.txt", "%61ux.txt"},
      {"lpt1", "%6Cpt1"},
      {"-dash", "-dash"},
      {"a..b c", "a.%2Eb%20c"},
  };
  for (const auto& [name, folder] : cases) {
    INFO(name);
    mreg::check_model_name(name);
    CHECK(mreg::model_folder_name(name) == folder);
    CHECK(mreg::model_name_of_folder(folder) == name);
  }
  // Unity Catalog's three-level names keep their dots.
  CHECK(mreg::model_folder_name("catalog.schema.model") == "catalog.schema.model");
  // A plain name with ".." keeps its folder; its tags escape the second dot (no ref holds "..").
  CHECK(mreg::model_folder_name("a..b") == "a..b");
  CHECK(mreg::model_tag_name("a..b") == "a.%2Eb");
}

TEST_CASE("folders that encode no name are refused", "[names]") {
  for (const std::string folder : {"my model", "a%2fb", "a%2", "%41bc", "50%", "%2E%2E%2E%0A", "x%00y", "CON"})
    CHECK_FALSE(mreg::model_name_of_folder(folder));
}

TEST_CASE("names MLflow would take that a registry cannot hold are refused with the reason", "[names]") {
  CHECK_THROWS_WITH(mreg::check_model_name(""), Catch::Contains("empty"));
  CHECK_THROWS_WITH(mreg::check_model_name("a\nb"), Catch::Contains("control character"));
  CHECK_THROWS_WITH(mreg::check_model_name("bad \xC3"), Catch::Contains("UTF-8"));
  CHECK_THROWS_WITH(mreg::check_model_name(std::string(70, ' ')), Catch::Contains("too long"));
  mreg::check_model_name(std::string(200, 'x'));
}

TEST_CASE("random names round-trip into safe, distinct folder and tag names", "[names][property]") {
  std::mt19937 rng(17);
  const std::vector<std::string> pieces = {"a", "Z", "0", ".", "..", "-", "_", " ", "/", "\\", "%", "+", "@", "{",
                                           "#", "~", "^", ":", "?", "*", "[", "<", ">", "|", "\"", "\xC3\xA9",
                                           "\xE6\xA8\xA1", "con", "AUX", "lock", ".lock", "\xF0\x9F\x98\x80", "\x7E"};
  std::set<std::string> folded_folders;
  std::set<std::string> folded_names;
  for (int i = 0; i < 20000; ++i) {
    std::string name;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) name += pieces[rng() % pieces.size()];
    INFO(name);
    mreg::check_model_name(name);
    const std::string folder = mreg::model_folder_name(name), tag = mreg::model_tag_name(name);
    REQUIRE(mreg::model_name_of_folder(folder) == name);
    REQUIRE(windows_safe(folder));
    REQUIRE(valid_ref(tag + "@v1"));
    REQUIRE(valid_ref(tag + "#production#1"));
    // Two names whose folders differ only in case differ only in case themselves.
    if (folded_names.insert(mreg::fold_case(name)).second) REQUIRE(folded_folders.insert(mreg::fold_case(folder)).second);
  }
}
