// An http(s) folder: a web server lists no folders, so the folder has a listing,
// SHA256SUMS in sha256sum's format, "<sha256>  <path>" per file, the lines the
// model digest is the hash of (B3SUMS, b3sum's lines, for a blake3: digest).
// The listing names the files and what each hashes to.
#include <openssl/evp.h>

#include <cstdlib>

#include "http_client.h"
#include "network_sources.h"
#include "mreg/error.h"
#include "mreg/hex.h"
#include "mreg/remote.h"

namespace mreg {
namespace {

constexpr int kMaxRedirects = 5;

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

// "<hex>  <path>" or "<hex> *<path>" (sha256sum's binary mode), "./" before the path allowed.
std::vector<SourceFile> parse_listing(const std::string& text, const std::string& shown, const std::string& tool) {
  std::vector<SourceFile> files;
  std::size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto bad = [&](const std::string& why) {
      throw Error(ErrorCode::INVALID_STATE, shown + ":" + std::to_string(line_number) + ": " + why +
                                                " (expected " + tool + "'s lines: <hash>  <path>)");
    };
    if (line[0] == '\\') bad("an escaped file name; rename the file");
    if (line.size() < 67 || (line.compare(64, 2, "  ") != 0 && line.compare(64, 2, " *") != 0)) bad("not a listing line");
    SourceFile f;
    f.hash = line.substr(0, 64);
    if (!is_hex64(f.hash)) bad("not a 256-bit hash in hex");
    for (auto& c : f.hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    f.path = line.substr(66);
    while (f.path.rfind("./", 0) == 0) f.path = f.path.substr(2);
    files.push_back(std::move(f));
  }
  return files;
}

// The body of a GET, following redirects; the token goes only to the origin it was given for.
class HttpFetcher : public FileFetcher {
 public:
  HttpFetcher(HttpUrl base, std::string authorization)
      : base_(std::move(base)), authorization_(std::move(authorization)) {}

  // GET of base's path + "/" + rel (each segment encoded). A status other than 2xx
  // throws, naming the URL without its password.
  void get(const std::string& rel, const std::function<void(const char*, std::size_t)>& body) {
    std::string path = base_.target;
    while (!path.empty() && path.back() == '/') path.pop_back();
    HttpUrl url = base_;
    url.target = path + "/" + uri_encode(rel, true);
    for (int hop = 0;; ++hop) {
      const std::string shown = url.origin() + url.target;
      HttpHeaders headers;
      if (!authorization_.empty() && url.origin() == base_.origin()) headers.emplace_back("Authorization", authorization_);
      const HttpResponse r = connection(url.origin(), shown).get(url.target, headers, body);
      if (r.status / 100 == 2) return;
      const std::string location = r.header("Location");
      if (r.status / 100 == 3 && !location.empty() && hop < kMaxRedirects) {
        if (location[0] == '/') url.target = location;
        else url = parse_http_url(location, shown + " redirects to");
        continue;
      }
      const ErrorCode code = r.status == 404 || r.status == 410 ? ErrorCode::RESOURCE_DOES_NOT_EXIST
                             : r.status == 401 || r.status == 403 ? ErrorCode::PERMISSION_DENIED
                                                                  : ErrorCode::INTERNAL_ERROR;
      throw Error(code, shown + ": the server answered " + std::to_string(r.status));
    }
  }

  void fetch(const SourceFile& file, FileSink& sink) override {
    get(file.path, [&](const char* data, std::size_t n) { sink.write(data, n); });
  }

 private:
  HttpConnection& connection(const std::string& origin, const std::string& shown) {
    if (!connection_ || origin_ != origin) {
      connection_ = std::make_unique<HttpConnection>(origin, shown);
      origin_ = origin;
    }
    return *connection_;
  }

  HttpUrl base_;
  std::string authorization_;
  std::string origin_;
  std::unique_ptr<HttpConnection> connection_;
};

class HttpSource : public ModelSource {
 public:
  HttpSource(const std::string& url, DigestAlgorithm algorithm)
      : shown_(redacted_url(url)),
        listing_name_(algorithm == DigestAlgorithm::blake3 ? "B3SUMS" : "SHA256SUMS"),
        listing_tool_(algorithm == DigestAlgorithm::blake3 ? "b3sum" : "sha256sum") {
    base_ = parse_http_url(url, "source");
    if (base_.target.find_first_of("?#") != std::string::npos)
      throw_invalid("source " + shown_ + ": an http(s) source is a folder URL, without a query or fragment");
    // The URL's user and password (basic), else $MREG_HTTP_TOKEN (bearer).
    if (!base_.userinfo.empty()) {
      authorization_ = "Basic " + base64(percent_decode(base_.userinfo));
    } else if (const char* token = std::getenv("MREG_HTTP_TOKEN"); token && *token) {
      authorization_ = std::string("Bearer ") + token;
    }
  }
  std::string shown() const override { return shown_; }
  std::vector<SourceFile> list() override {
    std::string text;
    HttpFetcher f(base_, authorization_);
    try {
      f.get(listing_name_, [&](const char* data, std::size_t n) {
        if (text.size() + n > (64u << 20)) throw Error(ErrorCode::INVALID_STATE, listing_shown() + ": larger than 64 MiB");
        text.append(data, n);
      });
    } catch (const Error& e) {
      if (e.code() != ErrorCode::RESOURCE_DOES_NOT_EXIST) throw;
      throw Error(ErrorCode::RESOURCE_DOES_NOT_EXIST,
                  e.message() + "; an http(s) source is a folder with a " + listing_name_ +
                      " listing of its files (" + listing_tool_ + "'s format)");
    }
    auto files = parse_listing(text, listing_shown(), listing_tool_);
    if (files.empty()) throw_not_found(listing_shown() + ": lists no files");
    listing_ = Listing{listing_name_, std::move(text)};
    return files;
  }
  std::optional<Listing> listing() const override { return listing_; }
  std::unique_ptr<FileFetcher> fetcher() override { return std::make_unique<HttpFetcher>(base_, authorization_); }
  int workers() const override { return 4; }

 private:
  std::string listing_shown() const {
    std::string s = shown_;
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s + "/" + listing_name_;
  }
  static std::string base64(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
  }

  std::string shown_;
  std::string listing_name_, listing_tool_;
  HttpUrl base_;
  std::string authorization_;
  std::optional<Listing> listing_;
};

}  // namespace

std::unique_ptr<ModelSource> http_source(const std::string& url, DigestAlgorithm algorithm) {
  return std::make_unique<HttpSource>(url, algorithm);
}

}  // namespace mreg
