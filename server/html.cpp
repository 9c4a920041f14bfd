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
std::string Links::request(const std::string& model, const std::string& id) const {
  return this->model(model) + "/requests/" + url_encode(id);
}
std::string Links::compare(const std::string& model, const std::vector<std::int64_t>& versions) const {
  std::string url = this->model(model) + "/compare";
  for (std::size_t i = 0; i < versions.size(); ++i) url += (i ? "&v=" : "?v=") + std::to_string(versions[i]);
  return url;
}

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

std::string time_html(TimestampMs t) {
  const std::string iso = format_rfc3339_ms(t);
  std::string shown = iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
  return "<time datetime=\"" + iso + "\">" + shown + "</time>";
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string page(const Links& links, const std::string& title, const std::string& body) {
  // Layout: one column that uses the width up to a comfortable line length; below 48em, the
  // wide tables (class "cards") become one card per row, labelled from data-label, and long
  // words, ids and paths wrap, so that no page scrolls sideways at 400 px. Colours keep a
  // contrast of at least 4.5:1 (WCAG AA).
  static const char* css = R"css(
*,*::before,*::after{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;padding:.6em 1.5em}header nav{display:flex;flex-wrap:wrap;gap:.3em 1.2em}
header a{color:#fff;text-decoration:none;font-weight:600}header a:focus,header a:hover{text-decoration:underline}
main{padding:1em 1.5em;max-width:110em;margin:0 auto}
a{color:#0550ae}
h1{font-size:1.6em;margin:.3em 0;overflow-wrap:anywhere}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #d0d7de}
p,li,dd,td,th,h1,h2,h3,h4{overflow-wrap:anywhere}
.description{max-width:50em}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}th a{color:inherit}td.wrap{word-break:break-all}td.number{text-align:right}
.stage{display:inline-block;padding:0 .45em;border-radius:.8em;background:#eaeef2;font-size:.9em;margin:0 .2em .2em 0}
.stage-Production{background:#dafbe1}.stage-Staging{background:#fff8c5}.stage-Archived{background:#f6f8fa;color:#57606a}
.alias{font-family:monospace;background:#ddf4ff;padding:0 .35em;border-radius:.3em;margin-right:.2em}
.tag{display:inline-block;font-size:.9em;background:#f6f8fa;border:1px solid #d0d7de;border-radius:.3em;padding:0 .35em;margin:0 .2em .2em 0;overflow-wrap:anywhere}
.muted{color:#57606a}.description{border-left:3px solid #d0d7de;padding-left:1em}.comment{color:#57606a}.comment p{margin:.2em 0}
.error{color:#b42318}div.error,p.error{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.5em .8em}
tr.broken td{background:#fff5f5}.broken-badge{font-size:.6em;vertical-align:middle;color:#fff;background:#b42318;border-radius:.8em;padding:.1em .6em}
pre{background:#f6f8fa;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}code{font-size:.92em;overflow-wrap:anywhere}
form.search,form.filters{display:flex;flex-wrap:wrap;gap:.4em .8em;align-items:center;margin:.6em 0}
form.search input[type=search]{flex:1 1 14em;max-width:32em;min-width:0;padding:.3em}
form.filters span{display:flex;flex-wrap:wrap;gap:.3em;align-items:center}form.filters input{padding:.3em;width:12em;max-width:100%}
input,select,button{font:inherit}
nav.pages{display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:center;margin:.8em 0}
dl.fields{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2em 1.2em}dl.fields dt{font-weight:600}dl.fields dd{margin:0;word-break:break-all}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:48em){
main{padding:.8em}header{padding:.6em .8em}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
table.cards tr{border:1px solid #d0d7de;border-radius:6px;margin:.6em 0;padding:.3em .6em}
table.cards td{border:0;padding:.15em 0;text-align:left}table.cards td:empty{display:none}
table.cards td::before{content:attr(data-label);display:inline-block;min-width:7.5em;font-weight:600;color:#57606a}
th,td{padding:.3em .35em}
dl.fields{grid-template-columns:minmax(0,1fr)}dl.fields dd{margin-bottom:.4em}
}
)css";
  // Requests, approvals, verdicts, the version page's fields and signature, the compare page.
  static const char* review_css = R"css(
.ok{color:#1a7f37}.bad,.error{color:#cf222e}
.verdict{display:inline-block;padding:0 .4em;border-radius:.3em;font-weight:600;font-size:.9em}
.verdict.ok{background:#dafbe1;color:#116329}.verdict.bad{background:#ffebe9;color:#a40e26}
.verdict.error{background:#fff1e5;color:#953800}
.reason{display:block;font-size:.9em;color:#57606a;overflow-wrap:anywhere}
.approval{display:block;margin:.15em 0}.committer{display:block;font-size:.9em}
dl.fields{grid-template-columns:minmax(5em,max-content) minmax(0,1fr)}dl.fields dd{min-width:0;word-break:normal;overflow-wrap:anywhere}
table.fit td,table.fit th,.fit-cells td,.fit-cells th{overflow-wrap:anywhere}
@media (max-width:40em){dl.fields{grid-template-columns:minmax(0,1fr)}dl.fields dd{margin:0 0 .4em .8em}
.fit-cells table.requests thead{display:none}.fit-cells table.requests tr{display:block;border-bottom:1px solid #d0d7de}
.fit-cells table.requests td{display:block;border:0;padding:.1em .6em}}
.scroll{overflow-x:auto;max-width:100%}
pre.commands{white-space:pre-wrap;overflow-wrap:anywhere}
.uri{user-select:all;font-family:monospace;background:#f6f8fa;padding:.1em .35em;overflow-wrap:anywhere}
td.differs{background:#fff8c5}table.compare th[scope=row]{overflow-wrap:break-word}
.difference{color:#57606a;font-size:.9em}
form.compare button{margin-top:.4em}
)css";
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + escape(title) + " · mreg</title><style>" + css + review_css + "</style></head><body>"
         "<header><nav aria-label=\"Registry\"><a href=\"" + escape(links.home()) + "\">Models</a><a href=\"" +
         escape(links.activity()) + "\">Activity</a></nav></header><main>" + body + "</main></body></html>\n";
}

}  // namespace mreg::server
