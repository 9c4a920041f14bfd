// mreg events A..B: the events made between two revisions as registry webhook payloads, and
// --post, which sends them to a real HTTP receiver on 127.0.0.1 with a verifiable signature.
#include "support/harness.h"
#include "support/lifecycle.h"
#include "support/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

// ---------------------------------------------------------------------------------------------
// A tiny HTTP receiver: accepts connections on an ephemeral port of 127.0.0.1, reads each
// request (headers and a Content-Length or chunked body), answers with the next status of a
// script (then `fallback`) and closes the connection.

struct Delivery {
  std::string method, path, signature, content_type, body;
  int answered = 0;
};

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Receiver {
 public:
  explicit Receiver(std::vector<int> script = {}, int fallback = 200)
      : script_(std::move(script)), fallback_(fallback) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url(const std::string& path = "/hooks/mreg") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Delivery> deliveries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }
  // Problems the receiver ran into (a request it could not read); empty when none.
  std::string problems() const {
    std::lock_guard<std::mutex> lock(mu_);
    return problems_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      timeval tv{5, 0};
      setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      handle(conn);
      close(conn);
    }
  }

  // Reads until `buf` holds at least n bytes; false on end of stream or error.
  static bool fill(int conn, std::string& buf, size_t n) {
    char chunk[16384];
    while (buf.size() < n) {
      ssize_t got = recv(conn, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      buf.append(chunk, size_t(got));
    }
    return true;
  }
  // Reads until `buf` contains `marker` from `from` on; its position, or npos.
  static size_t fill_until(int conn, std::string& buf, const std::string& marker, size_t from = 0) {
    char chunk[16384];
    size_t at;
    while ((at = buf.find(marker, from)) == std::string::npos) {
      ssize_t got = recv(conn, chunk, sizeof chunk, 0);
      if (got <= 0) return std::string::npos;
      buf.append(chunk, size_t(got));
    }
    return at;
  }
  static void send_all(int conn, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t put = send(conn, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (put <= 0) return;
      sent += size_t(put);
    }
  }

  void problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    problems_ += what + "\n";
  }

  void handle(int conn) {
    std::string buf;
    size_t end = fill_until(conn, buf, "\r\n\r\n");
    if (end == std::string::npos) {
      if (!buf.empty()) problem("a request without the end of its headers: " + buf);
      return;
    }
    Delivery d;
    std::map<std::string, std::string> headers;
    auto head = lines(buf.substr(0, end));
    if (head.empty()) return problem("an empty request");
    {
      std::string request_line = trim(head[0]);
      size_t a = request_line.find(' '), b = request_line.rfind(' ');
      if (a == std::string::npos || b == a) return problem("a bad request line: " + request_line);
      d.method = request_line.substr(0, a);
      d.path = request_line.substr(a + 1, b - a - 1);
    }
    for (size_t i = 1; i < head.size(); ++i) {
      size_t colon = head[i].find(':');
      if (colon == std::string::npos) continue;
      headers[lower(trim(head[i].substr(0, colon)))] = trim(head[i].substr(colon + 1));
    }
    d.signature = headers.count("x-databricks-signature") ? headers["x-databricks-signature"] : "";
    d.content_type = headers.count("content-type") ? headers["content-type"] : "";
    if (lower(headers["expect"]) == "100-continue") send_all(conn, "HTTP/1.1 100 Continue\r\n\r\n");

    std::string rest = buf.substr(end + 4);
    if (headers.count("content-length")) {
      size_t n = std::stoul(headers["content-length"]);
      if (!fill(conn, rest, n)) return problem("a body shorter than its Content-Length");
      d.body = rest.substr(0, n);
    } else if (lower(headers["transfer-encoding"]) == "chunked") {
      size_t pos = 0;
      for (;;) {
        size_t eol = fill_until(conn, rest, "\r\n", pos);
        if (eol == std::string::npos) return problem("a chunked body cut short");
        size_t n = std::stoul(rest.substr(pos, eol - pos), nullptr, 16);
        if (!fill(conn, rest, eol + 2 + n + 2)) return problem("a chunk cut short");
        d.body += rest.substr(eol + 2, n);
        pos = eol + 2 + n + 2;
        if (n == 0) break;
      }
    }

    int status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      status = got_.size() < script_.size() ? script_[got_.size()] : fallback_;
      d.answered = status;
      got_.push_back(d);
    }
    std::string reason = status == 200 ? "OK" : status >= 500 ? "Internal Server Error" : "Other";
    std::string body = status == 200 ? "{}" : "{\"error\": \"try again\"}";
    send_all(conn, "HTTP/1.1 " + std::to_string(status) + " " + reason +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    shutdown(conn, SHUT_WR);
  }

  int fd_ = -1;
  int port_ = 0;
  std::vector<int> script_;
  int fallback_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Delivery> got_;
  std::string problems_;
  std::thread thread_;
};

// HMAC-SHA256 of body with key, in hex, as `openssl dgst -sha256 -hmac KEY FILE` computes it.
std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  TempDir dir;
  write_file(dir / "body", body);
  Result r = run({"openssl", "dgst", "-sha256", "-hmac", key, dir / "body"});
  REQUIRE_EXIT(r, 0);
  size_t eq = r.out.rfind("= ");
  REQUIRE(eq != std::string::npos);
  std::string hex = trim(r.out.substr(eq + 2));
  REQUIRE(hex.size() == 64);
  return hex;
}

// Environment for mreg events --post: no proxy between mreg and 127.0.0.1.
const std::vector<std::string> kNoProxy = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy", "ALL_PROXY", "no_proxy=*", "NO_PROXY=*"};

const std::string kSecret = "wh-secret-7f3a";

// "EVENT commit-minute version from->to" for a payload; minute -1 for an unknown commit.
std::string key_of(const Json& p, const std::vector<std::string>& commits) {
  auto it = std::find(commits.begin(), commits.end(), field(p, "commit"));
  int minute_of = it == commits.end() ? -1 : int(it - commits.begin());
  std::string s = field(p, "event") + " @" + std::to_string(minute_of);
  if (p.contains("version")) s += " v" + field(p, "version");
  if (p.contains("from_stage") || p.contains("to_stage"))
    s += " " + field(p, "from_stage") + "->" + field(p, "to_stage");
  return s;
}

// The registry the events are read from, one write a minute (commits[k] is minute k):
//   0 init, 1 model create m, 2 register v1, 3 v1 -> Staging, 4 alias champion -> 1,
//   5 comment on v1 "looks good", 6 version tag val_mae on v1, 7 v1 -> Production "ship it".
struct Scene {
  Registry reg;
  std::vector<std::string> commits;

  Scene() {
    redate_init(reg, minute(0));
    commits.push_back(reg.head());
    write({"model", "create", "m"});
    write({"register", "m", "--source", "s3://b/m/1"});
    write({"stage", "m", "1", "Staging"});
    write({"alias", "set", "m", "champion", "1"});
    write({"comment", "m", "1", "looks good"});
    write({"version", "tag", "set", "m", "1", "val_mae", "412.7"});
    write({"stage", "m", "1", "Production", "--comment", "ship it"});
  }
  void write(const std::vector<std::string>& args) {
    reg.mreg_json(args, dated(minute(int(commits.size()))));
    commits.push_back(reg.head());
  }
  std::string range(int a, int b) const { return commits[a] + ".." + commits[b]; }
  Json events(const std::string& range) const {
    Json j = reg.mreg_json({"events", range});
    REQUIRE(j.contains("events"));
    REQUIRE(j["events"].is_array());
    return j["events"];
  }
  // The payloads grouped by commit, each group's keys sorted (the order within one commit is
  // not part of the contract), groups in the order they came.
  std::vector<Strings> keys(const Json& payloads) const {
    std::vector<Strings> out;
    std::string last;
    for (const auto& p : payloads) {
      if (out.empty() || field(p, "commit") != last) out.emplace_back();
      last = field(p, "commit");
      out.back().push_back(key_of(p, commits));
    }
    for (auto& g : out) std::sort(g.begin(), g.end());
    return out;
  }
};

}  // namespace

TEST_CASE("events A..B lists the payloads of the commits between, oldest first", "[events]") {
  Scene s;
  const Registry& reg = s.reg;

  SECTION("the whole history after init") {
    Json payloads = s.events(s.range(0, 7));
    INFO("payloads: " << payloads.dump(1));
    CHECK(s.keys(payloads) ==
          std::vector<Strings>{
              {"REGISTERED_MODEL_CREATED @1"},
              {"MODEL_VERSION_CREATED @2 v1"},
              {"MODEL_VERSION_TRANSITIONED_STAGE @3 v1 None->Staging",
               "MODEL_VERSION_TRANSITIONED_TO_STAGING @3 v1 None->Staging"},
              {"MODEL_VERSION_ALIAS_SET @4 v1"},
              {"COMMENT_CREATED @5 v1"},
              {"MODEL_VERSION_TAG_SET @6 v1"},
              {"MODEL_VERSION_TRANSITIONED_STAGE @7 v1 Staging->Production",
               "MODEL_VERSION_TRANSITIONED_TO_PRODUCTION @7 v1 Staging->Production"},
          });
    for (const auto& p : payloads) {
      INFO("payload " << p.dump());
      CHECK(field(p, "webhook_id") == "mreg");
      CHECK(field(p, "model_name") == "m");
      if (p.contains("version")) CHECK(p["version"].is_string());
      REQUIRE(p.contains("event_timestamp"));
      CHECK(p["event_timestamp"].is_number_integer());
      auto it = std::find(s.commits.begin(), s.commits.end(), field(p, "commit"));
      REQUIRE(it != s.commits.end());
      CHECK(p["event_timestamp"].get<int64_t>() == rfc3339_ms(minute(int(it - s.commits.begin()))));
    }
    // The transition names the stage of the first of the two payloads of a move first.
    CHECK(field(payloads[2], "event") == "MODEL_VERSION_TRANSITIONED_STAGE");
    CHECK(field(payloads[3], "event") == "MODEL_VERSION_TRANSITIONED_TO_STAGING");
    // Comments carry their text, and so does a move made with --comment.
    for (const auto& p : payloads) {
      if (field(p, "event") == "COMMENT_CREATED") CHECK(field(p, "text") == "looks good");
      if (field(p, "commit") == s.commits[7]) CHECK(field(p, "text") == "ship it");
    }
  }

  SECTION("exactly the commits after A up to and including B") {
    CHECK(s.keys(s.events(s.range(2, 5))) ==
          std::vector<Strings>{{"MODEL_VERSION_TRANSITIONED_STAGE @3 v1 None->Staging",
                                "MODEL_VERSION_TRANSITIONED_TO_STAGING @3 v1 None->Staging"},
                               {"MODEL_VERSION_ALIAS_SET @4 v1"},
                               {"COMMENT_CREATED @5 v1"}});
    CHECK(s.keys(s.events(s.range(1, 2))) == std::vector<Strings>{{"MODEL_VERSION_CREATED @2 v1"}});
    CHECK(s.events(s.range(7, 7)).empty());
    CHECK(s.events(s.range(5, 3)).empty());
    // Any revisions: tags, HEAD, HEAD~N.
    CHECK(s.keys(s.events("m@v1..m#staging#1")) ==
          std::vector<Strings>{{"MODEL_VERSION_TRANSITIONED_STAGE @3 v1 None->Staging",
                                "MODEL_VERSION_TRANSITIONED_TO_STAGING @3 v1 None->Staging"}});
    CHECK(s.events("HEAD~2..HEAD") == s.events(s.range(5, 7)));
    CHECK(s.events("m@v1..HEAD") == s.events(s.range(2, 7)));
  }

  SECTION("archiving with --archive-existing is a move into the last stage") {
    reg.mreg_json({"register", "m", "--source", "s3://b/m/2"}, dated(minute(8)));
    s.commits.push_back(reg.head());
    reg.mreg_json({"stage", "m", "2", "Production", "--archive-existing"}, dated(minute(9)));
    s.commits.push_back(reg.head());
    CHECK(s.keys(s.events(s.range(8, 9))) ==
          std::vector<Strings>{{"MODEL_VERSION_TRANSITIONED_STAGE @9 v1 Production->Archived",
                                "MODEL_VERSION_TRANSITIONED_STAGE @9 v2 None->Production",
                                "MODEL_VERSION_TRANSITIONED_TO_ARCHIVED @9 v1 Production->Archived",
                                "MODEL_VERSION_TRANSITIONED_TO_PRODUCTION @9 v2 None->Production"}});
  }

  SECTION("a range that is not one, or a revision that does not exist: refused, nothing posted") {
    Receiver receiver;
    auto refused = [&](const std::string& range, int code, const std::string& needle) {
      INFO("range [" << range << "]");
      expect_refused(reg, {"events", range}, code, needle);
      expect_refused(reg, {"events", range, "--post", receiver.url(), "--secret", kSecret}, code,
                     needle, kNoProxy);
    };
    refused("HEAD", 3, "HEAD");
    refused(s.commits[1], 3, s.commits[1].substr(0, 7));
    refused(s.range(1, 3) + ".." + s.commits[5], 3, "..");
    refused("nosuch..HEAD", 4, "nosuch");
    refused("HEAD..nosuch", 4, "nosuch");
    refused("m@v9..HEAD", 4, "m@v9");
    refused("HEAD~99..HEAD", 4, "HEAD~99");
    CHECK(receiver.deliveries().empty());
    CHECK(receiver.problems() == "");

    // --post needs --secret, and --secret belongs to --post.
    std::string before = reg.state();
    Result r = reg.mreg({"events", s.range(0, 7), "--post", receiver.url()}, kNoProxy);
    INFO(describe(r));
    CHECK(r.status != 0);
    CHECK(r.signal == 0);
    CHECK_THAT(r.err, Contains("secret", Catch::CaseSensitive::No));
    CHECK(reg.state() == before);
    CHECK(receiver.deliveries().empty());
  }
}

TEST_CASE("events --post delivers each payload signed, and retries", "[events][post]") {
  Scene s;
  const Registry& reg = s.reg;

  SECTION("every payload, in order, with a signature that verifies") {
    Receiver receiver;
    Json payloads = s.events(s.range(0, 7));
    REQUIRE(payloads.size() == 9);
    std::string before = reg.state();
    Result r = reg.mreg({"events", s.range(0, 7), "--post", receiver.url("/hooks/registry"),
                         "--secret", kSecret, "-o", "json"},
                        kNoProxy);
    INFO(describe(r));
    REQUIRE(r.status == 0);
    CHECK(reg.state() == before);  // posting writes nothing
    auto got = receiver.deliveries();
    CHECK(receiver.problems() == "");
    REQUIRE(got.size() == payloads.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const Delivery& d = got[i];
      INFO("delivery " << i << ": " << d.body);
      CHECK(d.method == "POST");
      CHECK(d.path == "/hooks/registry");
      CHECK_THAT(d.content_type, Contains("application/json"));
      Json body;
      REQUIRE_NOTHROW(body = Json::parse(d.body));
      CHECK(body == payloads[i]);
      CHECK(lower(d.signature) == hmac_sha256_hex(kSecret, d.body));
      CHECK(d.signature != hmac_sha256_hex("another secret", d.body));
    }
  }

  SECTION("a 5xx answer is retried until the delivery succeeds") {
    Receiver receiver({500, 503});
    Result r = reg.mreg({"events", s.range(1, 2), "--post", receiver.url(), "--secret", kSecret},
                        kNoProxy);
    INFO(describe(r));
    CHECK(r.status == 0);
    auto got = receiver.deliveries();
    REQUIRE(got.size() == 3);
    CHECK(got[2].answered == 200);
    for (const auto& d : got) {
      CHECK(d.body == got[0].body);
      CHECK(lower(d.signature) == hmac_sha256_hex(kSecret, d.body));
    }
    CHECK(field(Json::parse(got[0].body), "event") == "MODEL_VERSION_CREATED");
  }

  SECTION("a delivery that keeps failing: exit 1, naming it; the others are still sent") {
    // The first payload's attempts all fail, the second one's first attempt succeeds.
    Receiver receiver({500, 500, 500, 500});
    Result r = reg.mreg({"events", s.range(4, 6), "--post", receiver.url(), "--secret", kSecret},
                        kNoProxy);
    INFO(describe(r));
    CHECK(r.status == 1);
    auto got = receiver.deliveries();
    INFO("receiver got " << got.size() << " requests");
    // Up to 3 retries: 3 or 4 attempts for the failing payload, then the next one is sent
    // (retried too while the script still answers 500) until it gets its 200.
    size_t attempts = 0;
    while (attempts < got.size() && field(Json::parse(got[attempts].body), "event") == "COMMENT_CREATED")
      ++attempts;
    CHECK((attempts == 3 || attempts == 4));
    REQUIRE(got.size() > attempts);
    for (size_t i = attempts; i < got.size(); ++i)
      CHECK(field(Json::parse(got[i].body), "event") == "MODEL_VERSION_TAG_SET");
    CHECK(got.back().answered == 200);
    CHECK(got.size() == 5);
    // The message names the failed delivery: its event or its commit.
    CHECK_THAT(r.err, Contains("COMMENT_CREATED") || Contains(s.commits[5].substr(0, 7)));
  }

  SECTION("a receiver that always answers 500: exit 1") {
    Receiver receiver({}, 500);
    std::string before = reg.state();
    Result r = reg.mreg({"events", s.range(1, 2), "--post", receiver.url(), "--secret", kSecret},
                        kNoProxy);
    INFO(describe(r));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("MODEL_VERSION_CREATED") || Contains(s.commits[2].substr(0, 7)));
    auto got = receiver.deliveries();
    CHECK((got.size() == 3 || got.size() == 4));
    CHECK(reg.state() == before);
  }

  SECTION("nothing listening: exit 1, naming the delivery") {
    std::string url = "http://127.0.0.1:" + std::to_string(free_port()) + "/hooks/mreg";
    Result r = reg.mreg({"events", s.range(1, 2), "--post", url, "--secret", kSecret}, kNoProxy);
    INFO(describe(r));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("MODEL_VERSION_CREATED") || Contains(s.commits[2].substr(0, 7)));
  }

  SECTION("an empty range posts nothing and succeeds") {
    Receiver receiver;
    Result r = reg.mreg({"events", s.range(7, 7), "--post", receiver.url(), "--secret", kSecret},
                        kNoProxy);
    INFO(describe(r));
    CHECK(r.status == 0);
    CHECK(receiver.deliveries().empty());
  }
}
