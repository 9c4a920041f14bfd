// S3 request signing against the worked examples of AWS's SigV4 documentation for
// S3 (a GET Object with a Range header, a bucket listing with a query), and the
// precedence of the AWS settings: environment first, then the profile's files.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "aws_config.h"
#include "aws_sigv4.h"
#include "mreg/error.h"
#include "support/unit_temp_dir.h"

using namespace mreg;

namespace {

const AwsCredentials kExampleKeys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const char* const kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request example_request(const std::string& uri, std::vector<std::pair<std::string, std::string>> query) {
  SigV4Request r;
  r.canonical_uri = uri;
  r.query = std::move(query);
  r.payload_sha256 = kEmptySha256;
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", kEmptySha256},
               {"x-amz-date", "20130524T000000Z"}};
  return r;
}

EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("SigV4 signs S3 requests as AWS's documented examples", "[aws]") {
  SECTION("GET Object with a Range header") {
    SigV4Request r = example_request("/test.txt", {});
    r.headers.emplace_back("Range", "bytes=0-9");
    CHECK(sigv4_authorization(r, kExampleKeys, "us-east-1", "s3", "20130524T000000Z") ==
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }
  SECTION("GET Bucket with a query, its parameters sorted") {
    const SigV4Request r = example_request("/", {{"prefix", "J"}, {"max-keys", "2"}});
    CHECK(sigv4_authorization(r, kExampleKeys, "us-east-1", "s3", "20130524T000000Z") ==
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
          "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
          "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  }
  SECTION("the query string sent is the one signed: sorted, every reserved byte encoded") {
    CHECK(canonical_query({{"prefix", "models/a b+c/"}, {"list-type", "2"}, {"continuation-token", "x/y=="}}) ==
          "continuation-token=x%2Fy%3D%3D&list-type=2&prefix=models%2Fa%20b%2Bc%2F");
  }
  CHECK(amz_date(1369353600) == "20130524T000000Z");
}

TEST_CASE("AWS settings: the environment first, then the profile of the shared files", "[aws]") {
  unit::TempDir tmp;
  const std::string home = tmp.dir.string();
  write(tmp.dir / ".aws/credentials",
        "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n\n"
        "# a comment\n[ci]\naws_access_key_id=CIKEY\naws_secret_access_key=cisecret\naws_session_token = citoken\n");
  write(tmp.dir / ".aws/config",
        "[default]\nregion = eu-west-1\n\n[profile ci]\nregion = eu-north-1\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n"
        "[profile config-only]\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\nendpoint_url = http://other:1\n");

  SECTION("the default profile") {
    const AwsSettings s = aws_settings(env_of({{"HOME", home}}));
    CHECK(s.credentials.access_key_id == "DEFAULTKEY");
    CHECK(s.credentials.secret_access_key == "defaultsecret");
    CHECK(s.region == "eu-west-1");
    CHECK(s.endpoint_url.empty());
  }
  SECTION("AWS_PROFILE, with a nested s3 endpoint") {
    const AwsSettings s = aws_settings(env_of({{"HOME", home}, {"AWS_PROFILE", "ci"}}));
    CHECK(s.credentials.access_key_id == "CIKEY");
    CHECK(s.credentials.session_token == "citoken");
    CHECK(s.region == "eu-north-1");
    CHECK(s.endpoint_url == "http://127.0.0.1:9000");
  }
  SECTION("keys from the config file when the credentials file has none") {
    const AwsSettings s = aws_settings(env_of({{"HOME", home}, {"AWS_PROFILE", "config-only"}}));
    CHECK(s.credentials.access_key_id == "CFGKEY");
    CHECK(s.endpoint_url == "http://other:1");
    CHECK(s.region == "us-east-1");
  }
  SECTION("environment variables win over every file") {
    const AwsSettings s = aws_settings(env_of({{"HOME", home},
                                               {"AWS_PROFILE", "ci"},
                                               {"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                               {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                               {"AWS_DEFAULT_REGION", "ap-south-1"},
                                               {"AWS_ENDPOINT_URL", "http://generic:1"},
                                               {"AWS_ENDPOINT_URL_S3", "http://s3only:2"}}));
    CHECK(s.credentials.access_key_id == "ENVKEY");
    CHECK(s.credentials.session_token.empty());
    CHECK(s.region == "ap-south-1");
    CHECK(s.endpoint_url == "http://s3only:2");
  }
  SECTION("files named by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE") {
    write(tmp.dir / "c", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n");
    write(tmp.dir / "g", "[default]\nregion = sa-east-1\n");
    const AwsSettings s = aws_settings(env_of({{"HOME", home},
                                               {"AWS_SHARED_CREDENTIALS_FILE", (tmp.dir / "c").string()},
                                               {"AWS_CONFIG_FILE", (tmp.dir / "g").string()}}));
    CHECK(s.credentials.access_key_id == "FILEKEY");
    CHECK(s.region == "sa-east-1");
  }
  SECTION("no credentials anywhere: unsigned requests") {
    CHECK(aws_settings(env_of({{"HOME", home + "/nowhere"}})).credentials.empty());
  }
  SECTION("a named profile that is in neither file, and half a key pair, are refused without the secret") {
    try {
      aws_settings(env_of({{"HOME", home}, {"AWS_PROFILE", "nope"}}));
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
      CHECK(std::string(e.what()).find("'nope'") != std::string::npos);
    }
    try {
      aws_settings(env_of({{"HOME", home}, {"AWS_SECRET_ACCESS_KEY", "topsecret"}}));
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("AWS_ACCESS_KEY_ID") != std::string::npos);
      CHECK(std::string(e.what()).find("topsecret") == std::string::npos);
    }
  }
}
