// What signed tags rest on: the text of a tag object as git writes it, and git's configuration
// read as git reads it (booleans, and the last of two keys that set the same program).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "git.h"
#include "mreg/error.h"
#include "support/unit_temp_dir.h"
#include "tag_signing.h"

using namespace mreg;

namespace {

// A commit with one file, the same in every repository it is made in.
git::Oid one_commit(git::Repository& repo) {
  const git::Oid blob = repo.write_blob("format: 1\n");
  const git::Oid tree = repo.update_tree(std::nullopt, {{"mreg.yaml", blob}});
  const git::Signature who{"Test User", "test@example.com", 1780000000, 0};
  return repo.write_commit(tree, {}, who, who, "init\n");
}

void append_config(const git::Repository& repo, const std::string& text) {
  std::ofstream(repo.git_dir() + "config", std::ios::app) << text;
}

}  // namespace

TEST_CASE("the text of a tag object is what create_tag writes, byte for byte", "[tags]") {
  unit::TempDir t;
  auto a = git::Repository::init((t.dir / "a.git").string(), true);
  auto b = git::Repository::init((t.dir / "b.git").string(), true);
  const git::Oid commit = one_commit(a);
  REQUIRE(one_commit(b) == commit);
  // A zone west of UTC, and an identity with spaces around it that both trim.
  const git::Signature tagger{" Test User ", "test@example.com", 1780000123, -90};
  const std::string message = "m version 1\n\nsource: s3://b/m/1\n";
  REQUIRE(a.create_tag("m@v1", commit, tagger, message));
  const std::string text = b.tag_object_text("m@v1", commit, tagger, message);
  CHECK(text == "object " + commit.hex() + "\ntype commit\ntag m@v1\ntagger Test User <test@example.com> 1780000123 -0130\n\n" +
                    message);
  REQUIRE(b.create_tag_from_text("m@v1", text));
  CHECK(b.ref_target("refs/tags/m@v1") == a.ref_target("refs/tags/m@v1"));
  CHECK_FALSE(b.create_tag_from_text("m@v1", text));  // exists already
}

TEST_CASE("git configuration booleans and the last of two keys, as git reads them", "[tags]") {
  unit::TempDir t;
  auto repo = git::Repository::init((t.dir / "r.git").string(), true);
  CHECK(repo.config_bool("tag.gpgSign") == std::nullopt);
  CHECK_FALSE(TagSigner::from_config(repo));

  for (const auto& [value, expected] : std::vector<std::pair<std::string, bool>>{
           {"true", true}, {"yes", true}, {"on", true}, {"1", true}, {"false", false}, {"off", false}, {"0", false}}) {
    repo.set_config_string("tag.gpgSign", value);
    INFO("tag.gpgSign = " << value);
    CHECK(repo.config_bool("tag.gpgSign") == expected);
    CHECK(static_cast<bool>(TagSigner::from_config(repo)) == expected);
  }
  repo.set_config_string("tag.gpgSign", "maybe");
  CHECK_THROWS_AS(repo.config_bool("tag.gpgSign"), Error);
  CHECK_THROWS_WITH(TagSigner::from_config(repo), Catch::Matchers::Contains("tag.gpgSign"));

  SECTION("a key without a value is true") {
    repo.set_config_string("tag.gpgSign", "false");
    append_config(repo, "[tag]\n\tforceSignAnnotated\n");
    CHECK(repo.config_bool("tag.forceSignAnnotated") == true);
    CHECK(TagSigner::from_config(repo));
  }
  SECTION("gpg.program and gpg.openpgp.program: the one read last") {
    CHECK(repo.config_last_of({"gpg.program", "gpg.openpgp.program"}) == std::nullopt);
    append_config(repo, "[gpg \"openpgp\"]\n\tprogram = first\n[gpg]\n\tprogram = second\n");
    CHECK(repo.config_last_of({"gpg.program", "gpg.openpgp.program"}) ==
          std::make_pair(std::string("gpg.program"), std::string("second")));
    append_config(repo, "[gpg \"openpgp\"]\n\tprogram = third\n");
    CHECK(repo.config_last_of({"gpg.program", "gpg.openpgp.program"}) ==
          std::make_pair(std::string("gpg.openpgp.program"), std::string("third")));
  }
}
