#include "html.h"

#include <cctype>

#include "mreg/timefmt.h"

namespace mreg::server {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string Links::home() const { return opts.base_path + "/"; }
std::string Links::model(const std::string& name) const { return opts.base_path + "/models/" + url_encode(name); }
std::string Links::version(const std::string& name, std::int64_t version) const {
  return model(name) + "/versions/" + std::to_string(version);
}
std::string Links::activity() const { return opts.base_path + "/activity"; }

std::string Links::commit(const std::string& sha) const {
  const std::string short_sha = sha.substr(0, 12);
  if (opts.commit_url.empty()) return "<code>" + escape(short_sha) + "</code>";
  std::string url = opts.commit_url;
  for (auto pos = url.find("{sha}"); pos != std::string::npos; pos = url.find("{sha}", pos + sha.size()))
    url.replace(pos, 5, sha);
  return "<a class=\"commit\" href=\"" + escape(url) + "\"><code>" + escape(short_sha) + "</code></a>";
}

std::string Links::run_url(const ModelVersion& v) const {
  // Only web links: a run_link of another scheme (javascript:) is shown as text, never linked.
  if (v.run_link.rfind("https://", 0) == 0 || v.run_link.rfind("http://", 0) == 0) return v.run_link;
  if (!opts.tracking_url.empty() && !v.run_id.empty() && !v.experiment_id.empty())
    return opts.tracking_url + "/#/experiments/" + url_encode(v.experiment_id) + "/runs/" + url_encode(v.run_id);
  return "";
}

std::string link(const std::string& url, const std::string& text) {
  return "<a href=\"" + escape(url) + "\">" + escape(text) + "</a>";
}

std::string time_html(Timestamp t) {
  const std::string iso = format_rfc3339(t);
  std::string shown = iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
  return "<time datetime=\"" + iso + "\">" + shown + "</time>";
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string page(const Links& links, const std::string& title, const std::string& body) {
  static const char* css = R"css(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;padding:.6em 1.5em}header a{color:#fff;margin-right:1.2em;text-decoration:none;font-weight:600}
main{padding:1em 1.5em;max-width:72em}
h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}th a{color:inherit}td.wrap{word-break:break-all}
.stage{display:inline-block;padding:0 .45em;border-radius:.8em;background:#eaeef2;font-size:.9em;margin:0 .2em .2em 0}
.stage-Production{background:#dafbe1}.stage-Staging{background:#fff8c5}.stage-Archived{background:#f6f8fa;color:#57606a}
.alias{font-family:monospace;background:#ddf4ff;padding:0 .35em;border-radius:.3em;margin-right:.2em}
.muted{color:#57606a}.description{border-left:3px solid #d0d7de;padding-left:1em}.comment{color:#57606a}.comment p{margin:.2em 0}
pre{background:#f6f8fa;padding:.6em;overflow:auto}code{font-size:.92em}
form.search input[type=search]{padding:.3em;width:20em}nav.pages a{margin-right:1em}
dl.fields{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}dl.fields dt{font-weight:600}dl.fields dd{margin:0;word-break:break-all}
)css";
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + escape(title) + " · mreg</title><style>" + css + "</style></head><body>"
         "<header><a href=\"" + escape(links.home()) + "\">Models</a><a href=\"" + escape(links.activity()) +
         "\">Activity</a></header><main>" + body + "</main></body></html>\n";
}

}  // namespace mreg::server
