// s3://BUCKET/PREFIX: the objects below PREFIX/, listed with ListObjectsV2 and
// fetched with GET, signed with SigV4 when there are credentials (aws_config.h).
// A custom endpoint is addressed path-style (ENDPOINT/BUCKET/KEY), AWS itself
// virtual-hosted (BUCKET.s3.REGION.amazonaws.com), as the AWS CLI does.
#include <cstdlib>
#include <ctime>

#include "aws_config.h"
#include "http_client.h"
#include "network_sources.h"
#include "mreg/error.h"
#include "mreg/sha256.h"

namespace mreg {
namespace {

// What S3 puts in XML text: the five entities and numeric references.
std::string xml_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i);
    if (semi == std::string::npos) {
      out += s[i];
      continue;
    }
    const std::string e = s.substr(i + 1, semi - i - 1);
    if (e == "amp") out += '&';
    else if (e == "lt") out += '<';
    else if (e == "gt") out += '>';
    else if (e == "quot") out += '"';
    else if (e == "apos") out += '\'';
    else if (e.size() > 1 && e[0] == '#') {
      const unsigned long cp = e[1] == 'x' ? std::strtoul(e.c_str() + 2, nullptr, 16) : std::strtoul(e.c_str() + 1, nullptr, 10);
      if (cp < 0x80) out += static_cast<char>(cp);
      else if (cp < 0x800) out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      else if (cp < 0x10000)
        out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                static_cast<char>(0x80 | (cp & 0x3F))};
      else
        out += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

// The inner XML of each <tag>...</tag> in xml, in order, not decoded.
std::vector<std::string> xml_elements(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (std::size_t at = xml.find(open); at != std::string::npos; at = xml.find(open, at)) {
    const auto end = xml.find(close, at);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(at + open.size(), end - at - open.size()));
    at = end + close.size();
  }
  return out;
}

// The decoded text of the first <tag> in xml; "" when there is none.
std::string xml_text(const std::string& xml, const std::string& tag) {
  auto all = xml_elements(xml, tag);
  return all.empty() ? "" : xml_decode(all.front());
}

struct S3Endpoint {
  HttpUrl url;               // origin of every request
  std::string bucket_path;   // "" (virtual-hosted) or "/BUCKET" after the endpoint's own path
};

S3Endpoint endpoint_for(const AwsSettings& s, const std::string& bucket) {
  S3Endpoint e;
  if (!s.endpoint_url.empty()) {
    e.url = parse_http_url(s.endpoint_url, "the S3 endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or endpoint_url)");
    std::string base = e.url.target;
    while (!base.empty() && base.back() == '/') base.pop_back();
    e.bucket_path = base + "/" + uri_encode(bucket, false);
  } else if (bucket.find('.') != std::string::npos) {
    // A dotted name does not fit the wildcard certificate of BUCKET.s3...: path-style.
    e.url = parse_http_url("https://s3." + s.region + ".amazonaws.com", "the S3 endpoint");
    e.bucket_path = "/" + bucket;
  } else {
    e.url = parse_http_url("https://" + bucket + ".s3." + s.region + ".amazonaws.com", "the S3 endpoint");
  }
  return e;
}

class S3Client {
 public:
  S3Client(const AwsSettings& settings, const S3Endpoint& endpoint, std::string bucket)
      : settings_(settings), endpoint_(endpoint), bucket_(std::move(bucket)),
        connection_(endpoint.url.origin(), endpoint.url.origin()) {}

  // GET of key ("" = the bucket) with query; 2xx bodies to `body`, else an error naming `shown`.
  void get(const std::string& key, const std::vector<std::pair<std::string, std::string>>& query,
           const std::string& shown, const std::function<void(const char*, std::size_t)>& body) {
    std::string path = endpoint_.bucket_path + (key.empty() ? "" : "/" + uri_encode(key, true));
    if (path.empty()) path = "/";
    const std::string q = canonical_query(query);
    HttpHeaders headers;
    if (!settings_.credentials.empty()) {
      static const std::string empty_sha256 = sha256_hex("");
      const std::string date = amz_date(std::time(nullptr));
      SigV4Request req;
      req.canonical_uri = path;
      req.query = query;
      req.payload_sha256 = empty_sha256;
      req.headers = {{"host", endpoint_.url.host_header()}, {"x-amz-content-sha256", empty_sha256}, {"x-amz-date", date}};
      if (!settings_.credentials.session_token.empty())
        req.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
      for (const auto& h : req.headers) headers.push_back(h);
      headers.emplace_back("Authorization", sigv4_authorization(req, settings_.credentials, settings_.region, "s3", date));
    }
    const HttpResponse r = connection_.get(q.empty() ? path : path + "?" + q, headers, body);
    if (r.status / 100 == 2) return;
    const std::string code = xml_text(r.error_body, "Code"), message = xml_text(r.error_body, "Message");
    std::string why = shown + ": " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                      (message.empty() ? "" : ": " + message);
    if (r.status == 301 || r.status == 307 || code == "AuthorizationHeaderMalformed") {
      const std::string region = r.header("x-amz-bucket-region");
      throw_invalid(why + " (the bucket is in " + (region.empty() ? "another region" : region) +
                    "; set AWS_REGION, or AWS_ENDPOINT_URL for a server other than AWS)");
    }
    const ErrorCode ec = r.status == 404 ? ErrorCode::RESOURCE_DOES_NOT_EXIST
                         : r.status == 401 || r.status == 403 ? ErrorCode::PERMISSION_DENIED
                                                              : ErrorCode::INTERNAL_ERROR;
    throw Error(ec, why);
  }

 private:
  const AwsSettings& settings_;
  const S3Endpoint& endpoint_;
  std::string bucket_;
  HttpConnection connection_;
};

class S3Fetcher : public FileFetcher {
 public:
  S3Fetcher(const AwsSettings& settings, const S3Endpoint& endpoint, const std::string& bucket, std::string prefix)
      : client_(settings, endpoint, bucket), bucket_(bucket), prefix_(std::move(prefix)) {}
  void fetch(const SourceFile& file, FileSink& sink) override {
    const std::string key = prefix_ + file.path;
    client_.get(key, {}, "s3://" + bucket_ + "/" + key, [&](const char* data, std::size_t n) { sink.write(data, n); });
  }

 private:
  S3Client client_;
  std::string bucket_, prefix_;
};

class S3Source : public ModelSource {
 public:
  explicit S3Source(const std::string& url) : url_(url) {
    const std::string rest = url.substr(5);
    const auto slash = rest.find('/');
    bucket_ = rest.substr(0, slash);
    if (bucket_.empty()) throw_invalid("source " + url + ": expected s3://BUCKET/PREFIX");
    prefix_ = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    if (!prefix_.empty()) prefix_ += "/";
    settings_ = aws_settings([](const char* name) { return std::getenv(name); });
    endpoint_ = endpoint_for(settings_, bucket_);
  }
  std::string shown() const override { return url_; }

  std::vector<SourceFile> list() override {
    S3Client client(settings_, endpoint_, bucket_);
    std::vector<SourceFile> files;
    std::string token;
    do {
      std::vector<std::pair<std::string, std::string>> query{{"list-type", "2"}, {"prefix", prefix_}};
      if (!token.empty()) query.emplace_back("continuation-token", token);
      std::string xml;
      client.get("", query, url_, [&](const char* data, std::size_t n) { xml.append(data, n); });
      for (const auto& contents : xml_elements(xml, "Contents")) {
        const std::string key = xml_text(contents, "Key");
        if (key.size() <= prefix_.size() || key.compare(0, prefix_.size(), prefix_) != 0) continue;
        if (key.back() == '/') continue;  // a folder marker, no file
        SourceFile f;
        f.path = key.substr(prefix_.size());
        f.size = std::strtoull(xml_text(contents, "Size").c_str(), nullptr, 10);
        files.push_back(std::move(f));
      }
      token = xml_text(xml, "IsTruncated") == "true" ? xml_text(xml, "NextContinuationToken") : "";
    } while (!token.empty());
    if (files.empty()) throw_not_found("source " + url_ + ": no objects below it");
    return files;
  }

  std::unique_ptr<FileFetcher> fetcher() override {
    return std::make_unique<S3Fetcher>(settings_, endpoint_, bucket_, prefix_);
  }
  int workers() const override { return 4; }

 private:
  std::string url_, bucket_, prefix_;
  AwsSettings settings_;
  S3Endpoint endpoint_;
};

}  // namespace

std::unique_ptr<ModelSource> s3_source(const std::string& url, DigestAlgorithm) { return std::make_unique<S3Source>(url); }

}  // namespace mreg
