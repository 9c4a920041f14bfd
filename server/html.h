// Building blocks of the pages: escaping, links, times, and the page frame.
// Everything read from the repository goes through escape() (or markdown()),
// so a description or tag holding <script> shows as text.
#pragma once

#include <string>
#include <vector>

#include "mreg/types.h"
#include "serve.h"

namespace mreg::server {

// & < > " ' as entities: safe in text and in quoted attributes.
std::string escape(const std::string& text);
// Percent-encodes all but A-Z a-z 0-9 - _ . ~, for a path segment or a query value.
std::string url_encode(const std::string& text);

// What every page links with: the base path and the optional links out.
struct Links {
  const ServeOptions& opts;

  std::string home() const;                                // the models page
  std::string model(const std::string& name) const;
  std::string version(const std::string& name, std::int64_t version) const;
  std::string activity() const;
  std::string request(const std::string& model, const std::string& id) const;
  // The compare page of a model's versions (?v=1&v=2...).
  std::string compare(const std::string& model, const std::vector<std::int64_t>& versions) const;
  // <a> to the commit on the git host with --commit-url, else the short id in <code>.
  std::string commit(const std::string& sha) const;
  // The run's page: run_link, else --tracking-url with experiment and run id; "" when neither.
  std::string run_url(const ModelVersion& v) const;
};

// <a href="url">text</a>, both escaped.
std::string link(const std::string& url, const std::string& text);
// <time datetime="...">2026-11-24 09:30 UTC</time>
std::string time_html(TimestampMs t);
std::string first_line(const std::string& text);

// A whole page: title (text), breadcrumbs (HTML) and body (HTML).
std::string page(const Links& links, const std::string& title, const std::string& body);

}  // namespace mreg::server
