// The Markdown subset of the pages: what it renders, and that nothing in a description can
// become markup of its own.
#include <catch2/catch.hpp>

#include <string>

#include "markdown.h"
#include "mreg/search.h"

using mreg::like_match;
using mreg::server::markdown;

namespace {

bool has(const std::string& html, const std::string& part) { return html.find(part) != std::string::npos; }

// What no rendering may ever contain, whatever the input.
void check_inert(const std::string& html) {
  INFO(html);
  for (const char* forbidden : {"<script", "<img", "<iframe", "src=\"", "onerror=\"", "href=\"javascript",
                                "href=\"data:", "href=\"vbscript", "href=\"//", "href=\"/\\", "href=\"\\",
                                "raw HTML omitted"})
    CHECK_FALSE(has(html, forbidden));
}

}  // namespace

TEST_CASE("markdown renders CommonMark and GFM tables", "[markdown]") {
  CHECK(markdown("Forecasts *daily* power.\nSecond line.") == "<p>Forecasts <em>daily</em> power.\nSecond line.</p>\n");
  CHECK(markdown("# Inputs") == "<h3>Inputs</h3>\n");
  CHECK(markdown("###### deep") == "<h6>deep</h6>\n");
  // A continuation line stays in its list item; the list goes on.
  CHECK(markdown("- first item\n  continues here\n- second\n\n1. one\n2. two") ==
        "<ul>\n<li>first item\ncontinues here</li>\n<li>second</li>\n</ul>\n"
        "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n");
  CHECK(markdown("- **a**\n- `b<c>`") == "<ul>\n<li><strong>a</strong></li>\n<li><code>b&lt;c&gt;</code></li>\n</ul>\n");
  CHECK(markdown("> quoted") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n");
  CHECK(markdown("```python\n<b>x</b>\nif a < b: pass\n```") ==
        "<pre><code class=\"language-python\">&lt;b&gt;x&lt;/b&gt;\nif a &lt; b: pass\n</code></pre>\n");
  CHECK(markdown("| metric | value |\n|:--|--:|\n| AUC | 0.91 |\n| *F1* | `0.8` |") ==
        "<table>\n<thead>\n<tr>\n<th align=\"left\">metric</th>\n<th align=\"right\">value</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td align=\"left\">AUC</td>\n<td align=\"right\">0.91</td>\n</tr>\n"
        "<tr>\n<td align=\"left\"><em>F1</em></td>\n<td align=\"right\"><code>0.8</code></td>\n</tr>\n</tbody>\n"
        "</table>\n");
  CHECK(markdown("~~old~~ new") == "<p><del>old</del> new</p>\n");
  CHECK(markdown("[docs](https://docs.example.com/a?b=1&c=2)") ==
        "<p><a href=\"https://docs.example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener\">docs</a></p>\n");
  CHECK(markdown("[home](/registry/) and [top](#inputs)") ==
        "<p><a href=\"/registry/\" rel=\"nofollow noopener\">home</a> and "
        "<a href=\"#inputs\" rel=\"nofollow noopener\">top</a></p>\n");
  CHECK(markdown("see https://mlflow.example.org/runs") ==
        "<p>see <a href=\"https://mlflow.example.org/runs\" rel=\"nofollow noopener\">"
        "https://mlflow.example.org/runs</a></p>\n");
  // An image is never loaded: it becomes a link to its picture.
  CHECK(markdown("![chart](https://a.example/c.png)") ==
        "<p><a href=\"https://a.example/c.png\" rel=\"nofollow noopener\">chart</a></p>\n");
  CHECK(markdown("") == "");
}

TEST_CASE("links and images in table cells keep their text", "[markdown]") {
  // cmark-gfm's table cells hold only its own kinds of inline node: a link there stays one.
  CHECK(markdown("| run | chart |\n|--|--|\n| [run 7](https://mlflow.example.org/r/7 \"the run\") | "
                 "![loss](https://a.example/l.png) |\n| team@example.com | ![x](javascript:alert(1)) |") ==
        "<table>\n<thead>\n<tr>\n<th>run</th>\n<th>chart</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td><a href=\"https://mlflow.example.org/r/7\" rel=\"nofollow noopener\" title=\"the run\">run 7</a></td>\n"
        "<td><a href=\"https://a.example/l.png\" rel=\"nofollow noopener\">loss</a></td>\n</tr>\n<tr>\n"
        "<td><a href=\"mailto:team@example.com\" rel=\"nofollow noopener\">team@example.com</a></td>\n"
        "<td>x</td>\n</tr>\n</tbody>\n</table>\n");
  // Text that spells a link is text.
  CHECK(markdown("`<a href=\"x\">` and \\<a href=\"y\">") ==
        "<p><code>&lt;a href=&quot;x&quot;&gt;</code> and &lt;a href=&quot;y&quot;&gt;</p>\n");
}

TEST_CASE("markdown refuses raw HTML and unsafe links", "[markdown]") {
  CHECK(markdown("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
  CHECK(markdown("a <img src=x onerror=alert(1)> b") == "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>\n");
  CHECK(markdown("<div onclick=\"x\">\n\n*hi*\n\n</div>") ==
        "<p>&lt;div onclick=&quot;x&quot;&gt;</p>\n<p><em>hi</em></p>\n<p>&lt;/div&gt;</p>\n");
  CHECK(markdown("a & b \"c\"") == "<p>a &amp; b &quot;c&quot;</p>\n");
  // Link text is escaped; HTML in it stays text.
  CHECK(markdown("[<img src=x onerror=alert(1)>](https://a.example/)") ==
        "<p><a href=\"https://a.example/\" rel=\"nofollow noopener\">&lt;img src=x onerror=alert(1)&gt;</a></p>\n");
  // A refused destination leaves the link's text only.
  CHECK(markdown("[x](/\\evil.example)") == "<p>x</p>\n");
  for (const std::string url :
       {"javascript:alert(1)", "JAVASCRIPT:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)", "java&#9;script:alert(1)", "java&#10;script:alert(1)", "<java\tscript:alert(1)>",
        "<javascript\n:alert(1)>", " javascript:alert(1)", "data:text/html,<script>x</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:x", "VbScRiPt:x", "//evil.example/x", "/\\evil.example",
        "\\\\evil.example", "%2F%2Fevil.example", "evil.example/x", "ftp://a.example/", "https:\\\\evil.example"}) {
    for (const std::string& form : {"[x](" + url + ")", "![x](" + url + ")", "[x]\n\n[x]: " + url}) {
      INFO(form);
      const std::string html = markdown(form);
      check_inert(html);
      CHECK_FALSE(has(html, "<a "));
    }
  }
  check_inert(markdown("<javascript:alert(1)> <data:text/html,x> www.example.com/<script>"));
  check_inert(markdown("<a href=\"javascript:alert(1)\">x</a> <iframe src=//evil.example></iframe>"));
}

TEST_CASE("safe link destinations are the web, mail and this site", "[markdown]") {
  using mreg::server::safe_link_destination;
  for (const std::string ok : {"https://a.example/", "HTTP://a.example", "mailto:team@a.example", "/", "/models/x",
                               "#section"})
    CHECK(safe_link_destination(ok));
  for (const std::string bad : {"", "//a.example", "/\\a.example", "\\\\a.example", "java\tscript:x", "x/y", "../x",
                                "https://a.example/\\x", "https://a.example/ x", "javascript:x"})
    CHECK_FALSE(safe_link_destination(bad));
}

TEST_CASE("markdown takes any input without deep recursion", "[markdown]") {
  std::string nested;
  for (int i = 0; i < 20000; ++i) nested += "**[*";
  check_inert(markdown(nested));
  std::string quotes(20000, '>');
  check_inert(markdown(quotes + " x"));
  CHECK(markdown(std::string(200000, '*')) == "<hr />\n");
  CHECK(markdown("a " + std::string(200000, '*')).size() > 200000);
}

TEST_CASE("LIKE matches % and _ wildcards, ILIKE ignores case", "[search]") {
  CHECK(like_match("churn-legacy", "churn%", false));
  CHECK(like_match("churn", "churn%", false));
  CHECK_FALSE(like_match("xchurn", "churn%", false));
  CHECK(like_match("fraud-detector", "%detect%", false));
  CHECK(like_match("fraud-detector", "fraud_detector", false));
  CHECK_FALSE(like_match("fraud-detector", "%DETECT%", false));
  CHECK(like_match("fraud-detector", "%DETECT%", true));
  CHECK(like_match("a%b", "a%", false));
  CHECK_FALSE(like_match("abc", "a_", false));
  CHECK(like_match(std::string(5000, 'a') + "b", "%a%a%a%b", false));
}
