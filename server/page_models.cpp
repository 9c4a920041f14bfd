// The registered models: latest version per stage, version count, aliases, tags, last
// modified, the first line of the description; a search (words, or a filter), sorting and pages.
#include <algorithm>
#include <sstream>

#include "mreg/names.h"
#include "mreg/search.h"
#include "page_parts.h"
#include "paging.h"

namespace mreg::server {
namespace {

constexpr std::size_t kModelsPerPage = 50;

std::string models_url(const Links& links, const ModelsQuery& q, std::size_t page) {
  return with_query(links.home(), {{"q", q.q}, {"sort", q.sort}, {"page", page > 1 ? std::to_string(page) : ""}});
}

std::string latest_cell(const Links& links, const ModelSummary& m) {
  std::string out;
  for (const auto& v : m.latest_versions)
    out += "<a href=\"" + escape(links.version(v.name, v.version)) + "\">" + stage_badge(v.stage) + " v" +
           std::to_string(v.version) + "</a> ";
  return out.empty() ? "<span class=\"muted\">no versions</span>" : out;
}

std::string aliases_cell(const RegisteredModel& m) {
  std::string out;
  for (const auto& [alias, version] : m.aliases)
    out += "<span class=\"alias\">@" + escape(alias) + "</span>&rarr; v" + std::to_string(version) + " ";
  return out;
}

// Text with a comparison is a filter in MLflow's grammar (name LIKE 'fraud%',
// tags.team = 'risk'); anything else is words to find.
bool is_filter(const std::string& q) {
  const std::string f = " " + fold_case(q) + " ";
  return q.find('=') != std::string::npos || f.find(" like ") != std::string::npos || f.find(" ilike ") != std::string::npos;
}

// Every word is somewhere in the name, the description, or a tag's key or value, ignoring case.
bool has_words(const ModelSummary& s, const std::vector<std::string>& words) {
  const RegisteredModel& m = s.model;
  std::string text = fold_case(m.name) + "\n" + fold_case(m.description);
  for (const auto& [k, v] : m.tags) text += "\n" + fold_case(k) + "=" + fold_case(v);
  return std::all_of(words.begin(), words.end(), [&](const auto& w) { return text.find(w) != std::string::npos; });
}

std::vector<std::string> words_of(const std::string& q) {
  std::istringstream in(fold_case(q));
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string search_form(const Links& links, const ModelsQuery& query, const std::string& error) {
  return "<form class=\"search\" role=\"search\" method=\"get\" action=\"" + escape(links.home()) +
         "\"><label for=\"q\">Search models</label><input type=\"search\" id=\"q\" name=\"q\" "
         "placeholder=\"Words, or a filter: tags.team = 'risk'\" value=\"" + escape(query.q) + "\"" +
         (error.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"filter-error\"") +
         "><input type=\"hidden\" name=\"sort\" value=\"" + escape(query.sort) +
         "\"><button type=\"submit\">Search</button></form>";
}

std::string model_row(const Links& links, const ModelSummary& m) {
  // A broken model is listed with what reads of it, and its first problem in place of a description.
  const std::string about =
      m.problems.empty() ? escape(first_line(m.model.description))
                         : "<span class=\"error\">Broken: " + escape(m.problems.front().to_string()) +
                               (m.problems.size() > 1 ? " (and " + std::to_string(m.problems.size() - 1) + " more)" : "") +
                               "</span>";
  return "<tr" + std::string(m.problems.empty() ? "" : " class=\"broken\"") + "><td data-label=\"Name\">" +
         link(links.model(m.model.name), m.model.name) + "</td><td data-label=\"Latest\">" + latest_cell(links, m) +
         "</td><td data-label=\"Versions\" class=\"number\">" + std::to_string(m.version_count) +
         "</td><td data-label=\"Aliases\">" + aliases_cell(m.model) + "</td><td data-label=\"Tags\">" + tag_badges(m.model.tags) +
         "</td><td data-label=\"Last modified\">" + (m.model.updated_at ? time_html(m.model.updated_at) : "") +
         "</td><td data-label=\"Description\" class=\"wrap\">" + about + "</td></tr>";
}

}  // namespace

std::string models_page(const Links& links, const View& view, const ModelsQuery& query) {
  std::string body = "<h1>Registered models</h1>";
  const std::string at = "Registry <code>" + escape(view.snapshot.config().registry) + "</code> at commit " +
                         links.commit(view.snapshot.commit_id());
  std::optional<SearchFilter> filter;
  if (is_filter(query.q)) try {
      filter = parse_model_filter(query.q);
    } catch (const Error& e) {
      // A filter that does not parse is an error, said as one, with the search to correct.
      body += search_form(links, query, e.message()) + "<p class=\"error\" role=\"alert\" id=\"filter-error\">Invalid filter: " +
              escape(e.message()) + "</p><p class=\"muted\">" + at + "</p>";
      throw ErrorStatusPage{400, page(links, "Invalid filter · Models", body)};
    }

  // Shared, not copied: a new commit costs only the summaries of the folders it changed.
  std::vector<std::shared_ptr<const ModelSummary>> models;
  const auto words = words_of(query.q);
  for (auto& m : view.snapshot.shared_model_summaries())
    if (filter ? matches(*filter, *m) : has_words(*m, words)) models.push_back(std::move(m));
  if (query.sort == "updated")
    std::stable_sort(models.begin(), models.end(), [](const auto& a, const auto& b) {
      return a->model.updated_at > b->model.updated_at;
    });

  const std::size_t pages = std::max<std::size_t>(1, (models.size() + kModelsPerPage - 1) / kModelsPerPage);
  const std::size_t current = std::min(query.page, pages);
  const std::size_t begin = (current - 1) * kModelsPerPage, end = std::min(models.size(), begin + kModelsPerPage);

  body += search_form(links, query, "");
  body += "<p class=\"muted\">" + std::to_string(models.size()) + (models.size() == 1 ? " model" : " models") +
          (query.q.empty() ? "" : " matching &ldquo;" + escape(query.q) + "&rdquo;") + " &middot; " + at + "</p>";
  if (models.empty()) return page(links, "Models", body + "<p>No models.</p>");

  ModelsQuery by_name = query, by_updated = query;
  by_name.sort = "name";
  by_updated.sort = "updated";
  const auto sorted = [&](const std::string& key) {
    return query.sort == key ? std::string(" aria-sort=\"") + (key == "name" ? "ascending" : "descending") + "\"" : "";
  };
  body += "<table class=\"models cards\"><caption class=\"visually-hidden\">Registered models</caption><thead><tr>"
          "<th scope=\"col\"" + sorted("name") + "><a href=\"" + escape(models_url(links, by_name, 1)) +
          "\">Name</a></th><th scope=\"col\">Latest versions</th><th scope=\"col\">Versions</th>"
          "<th scope=\"col\">Aliases</th><th scope=\"col\">Tags</th><th scope=\"col\"" + sorted("updated") +
          "><a href=\"" + escape(models_url(links, by_updated, 1)) +
          "\">Last modified</a></th><th scope=\"col\">Description</th></tr></thead><tbody>";
  for (std::size_t i = begin; i < end; ++i) body += model_row(links, *models[i]);
  body += "</tbody></table>";
  body += pager([&](std::size_t n) { return models_url(links, query, n); }, current, current < pages, pages, "models",
                false);
  return page(links, "Models", body);
}

}  // namespace mreg::server
