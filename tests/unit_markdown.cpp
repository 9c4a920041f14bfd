// The Markdown subset of the pages: what it renders, and that nothing in a description can
// become markup of its own.
#include <catch2/catch.hpp>

#include <string>

#include "markdown.h"
#include "mreg/search.h"

using mreg::like_match;
using mreg::server::markdown;

TEST_CASE("markdown renders the subset descriptions use", "[markdown]") {
  CHECK(markdown("Forecasts *daily* power.\nSecond line.") == "<p>Forecasts <em>daily</em> power.\nSecond line.</p>\n");
  CHECK(markdown("# Inputs") == "<h3>Inputs</h3>\n");
  CHECK(markdown("###### deep") == "<h6>deep</h6>\n");
  CHECK(markdown("- **a**\n- `b<c>`\n\n1. one\n2. two") ==
        "<ul>\n<li><strong>a</strong></li>\n<li><code>b&lt;c&gt;</code></li>\n</ul>\n"
        "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n");
  CHECK(markdown("> quoted") == "<blockquote>quoted</blockquote>\n");
  CHECK(markdown("```\n<b>x</b>\n```") == "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n");
  CHECK(markdown("[docs](https://docs.example.com/a?b=1&c=2)") ==
        "<p><a href=\"https://docs.example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener\">docs</a></p>\n");
  CHECK(markdown("[home](/registry/)") == "<p><a href=\"/registry/\" rel=\"nofollow noopener\">home</a></p>\n");
}

TEST_CASE("markdown escapes everything it does not write itself", "[markdown]") {
  CHECK(markdown("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
  CHECK(markdown("a & b \"c\" 'd'") == "<p>a &amp; b &quot;c&quot; &#39;d&#39;</p>\n");
  // Links go only to the web, mail or this site.
  for (const std::string url : {"javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example/x",
                                "vbscript:x", "https://a.example/\"onmouseover=\"x"}) {
    INFO(url);
    const std::string html = markdown("[x](" + url + ")");
    CHECK(html.find("<a ") == std::string::npos);
  }
  CHECK(markdown("[x](https://a.example/x\"y)") == "<p>[x](https://a.example/x&quot;y)</p>\n");
  // Link text and emphasis are escaped as well.
  CHECK(markdown("[<img src=x>](https://a.example/)") ==
        "<p><a href=\"https://a.example/\" rel=\"nofollow noopener\">&lt;img src=x&gt;</a></p>\n");
  CHECK(markdown("**<i>**") == "<p><strong>&lt;i&gt;</strong></p>\n");
  // Unclosed markers stay text.
  CHECK(markdown("a * b ** c ` d [e](") == "<p>a * b ** c ` d [e](</p>\n");
}

TEST_CASE("markdown takes any input without deep recursion", "[markdown]") {
  std::string nested;
  for (int i = 0; i < 20000; ++i) nested += "**[*";
  const std::string html = markdown(nested);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(markdown(std::string(200000, '*')).size() > 200000);
  CHECK(markdown("") == "");
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
