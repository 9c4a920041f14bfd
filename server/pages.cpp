#include "pages.h"

#include <httplib.h>

#include <algorithm>
#include <regex>

#include "api.h"
#include "page_cache.h"
#include "page_parts.h"
#include "paging.h"
#include "query.h"
#include "snapshot_source.h"

namespace mreg::server {
namespace {

void send_html(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  // Defence in depth behind escaping: no script of any origin runs on these pages.
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(html, "text/html; charset=utf-8");
}

void send_error_page(httplib::Response& res, const Links& links, int status, const std::string& message) {
  const std::string title = status == 404 ? "Not found" : status == 400 ? "Bad request" : "Error";
  send_html(res, status, page(links, title, "<h1>" + escape(title) + "</h1><p class=\"error\" role=\"alert\">" +
                                                escape(message) + "</p><p>" + link(links.home(), "All models") + "</p>"));
}

// The versions of the compare page: every ?v=N once, oldest first (what the others are compared against).
std::vector<std::int64_t> compared_versions(const httplib::Request& req) {
  static const std::regex number("^[1-9][0-9]{0,17}$");
  constexpr std::size_t kMost = 20;
  std::vector<std::int64_t> out;
  for (const auto& [key, value] : query_params(req)) {
    if (key != "v") continue;
    if (!std::regex_match(value, number))
      throw Error(ErrorCode::BAD_REQUEST, "v: '" + value + "' is not a version number (a positive whole number)");
    const std::int64_t n = std::stoll(value);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  if (out.size() > kMost)
    throw Error(ErrorCode::BAD_REQUEST, "v: at most " + std::to_string(kMost) + " versions at once, got " +
                                            std::to_string(out.size()));
  return out;
}

// The request's path as sent: a model name's escaped '/' ("a%2Fb") stays inside its segment,
// which is decoded on its own (segment_text).
std::string path_as_sent(const httplib::Request& req, const ServeOptions& opts) {
  std::string p = req.target.substr(0, req.target.find('?'));
  if (!opts.base_path.empty() && p.rfind(opts.base_path, 0) == 0) p = p.substr(opts.base_path.size());
  return p;
}

std::string segment_text(const std::ssub_match& m) { return httplib::detail::decode_url(m.str(), false); }

}  // namespace

void handle_page(const httplib::Request& req, httplib::Response& res, const std::string& path,
                 const ServeOptions& opts, const SnapshotSource& source) {
  const Links links{opts};
  static const std::regex model_re("^/models/([^/]+)/?$");
  static const std::regex version_re("^/models/([^/]+)/versions/([^/]+)/?$");
  static const std::regex request_re("^/models/([^/]+)/requests/([^/]+)/?$");
  static const std::regex compare_re("^/models/([^/]+)/compare/?$");
  std::smatch m;
  try {
    const View view = source.current();
    static PageCache cache(kAnswerCacheBytes);
    std::optional<std::string> html = cache.get(view.snapshot.commit_id() + " " + req.target, [&]() -> std::optional<std::string> {
      if (path == "/" || path.empty()) {
        ModelsQuery q;
        q.q = query_value(req, "q");
        q.sort = query_value(req, "sort");
        if (q.sort.empty()) q.sort = "name";
        if (q.sort != "name" && q.sort != "updated")
          throw BadRequest("sort: '" + q.sort + "' is not a way to sort models (name or updated)");
        q.page = page_param(query_value(req, "page"));
        return models_page(links, view, q);
      }
      const std::string sent = path_as_sent(req, opts);
      if (std::regex_match(sent, m, model_re))
        return model_page(links, view, segment_text(m[1]), page_param(query_value(req, "page")));
      if (std::regex_match(sent, m, version_re)) {
        static const std::regex number("^[1-9][0-9]{0,17}$");
        const std::string model = segment_text(m[1]), version = segment_text(m[2]);
        if (!std::regex_match(version, number))
          throw_not_found("Version '" + version + "' of " + model + ": a version is a positive whole number");
        return version_page(links, view, model, std::stoll(version));
      }
      if (std::regex_match(sent, m, request_re)) return request_page(links, view, segment_text(m[1]), segment_text(m[2]));
      if (std::regex_match(sent, m, compare_re)) return compare_page(links, view, segment_text(m[1]), compared_versions(req));
      if (path == "/activity") {
        ActivityQuery q{query_value(req, "model"), query_value(req, "type"), query_value(req, "author"),
                        page_param(query_value(req, "page"))};
        return activity_page(links, view, q);
      }
      return std::nullopt;
    });
    if (html)
      send_html(res, 200, *html);
    else
      send_error_page(res, links, 404, "There is no page at " + req.path + ".");
  } catch (const BadRequest& e) {
    send_error_page(res, links, 400, e.what());
  } catch (const ErrorStatusPage& p) {
    send_html(res, p.status, p.html);
  } catch (const Error& e) {
    // A name that breaks the naming rules names no model: not found, as for the API.
    const int status = e.code() == ErrorCode::INVALID_PARAMETER_VALUE ? 404 : http_status(e.code());
    send_error_page(res, links, status, e.message());
  } catch (const std::exception& e) {
    send_error_page(res, links, 500, std::string("internal error: ") + e.what());
  }
}

}  // namespace mreg::server
