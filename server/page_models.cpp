// The registered models: latest version per stage, aliases, last modified,
// the first line of the description; a search (a name, or a filter), sorting and pages.
#include <algorithm>

#include "mreg/names.h"
#include "mreg/search.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

constexpr std::size_t kPerPage = 50;

std::string models_url(const Links& links, const ModelsQuery& q, std::size_t page) {
  std::string url = links.home() + "?sort=" + q.sort;
  if (!q.q.empty()) url += "&q=" + url_encode(q.q);
  if (page > 1) url += "&page=" + std::to_string(page);
  return url;
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
// tags.team = 'risk'); anything else is a part of a model's name.
bool is_filter(const std::string& q) {
  const std::string f = " " + fold_case(q) + " ";
  return q.find('=') != std::string::npos || f.find(" like ") != std::string::npos || f.find(" ilike ") != std::string::npos;
}

}  // namespace

std::string models_page(const Links& links, const View& view, const ModelsQuery& query) {
  // Shared, not copied: a new commit costs only the summaries of the folders it changed.
  std::vector<std::shared_ptr<const ModelSummary>> models;
  const std::string needle = fold_case(query.q);
  std::optional<SearchFilter> filter;
  std::string filter_error;
  if (is_filter(query.q)) try {
      filter = parse_model_filter(query.q);
    } catch (const Error& e) {
      filter_error = e.message();
    }
  if (filter_error.empty())
    for (auto& m : view.snapshot.shared_model_summaries())
      if (filter ? matches(*filter, *m) : needle.empty() || fold_case(m->model.name).find(needle) != std::string::npos)
        models.push_back(std::move(m));
  if (query.sort == "updated")
    std::stable_sort(models.begin(), models.end(), [](const auto& a, const auto& b) {
      return a->model.updated_at > b->model.updated_at;
    });

  const std::size_t pages = std::max<std::size_t>(1, (models.size() + kPerPage - 1) / kPerPage);
  const std::size_t current = std::min(query.page, pages);
  const std::size_t begin = (current - 1) * kPerPage, end = std::min(models.size(), begin + kPerPage);

  std::string body = "<h1>Registered models</h1>";
  body += "<form class=\"search\" method=\"get\" action=\"" + escape(links.home()) + "\">"
          "<input type=\"search\" name=\"q\" placeholder=\"Name, or a filter: tags.team = 'risk'\" aria-label=\"Search models\" value=\"" +
          escape(query.q) + "\"><input type=\"hidden\" name=\"sort\" value=\"" + escape(query.sort) +
          "\"> <button type=\"submit\">Search</button></form>";
  body += "<p class=\"muted\">" + std::to_string(models.size()) + (models.size() == 1 ? " model" : " models") +
          (query.q.empty() ? "" : " matching &ldquo;" + escape(query.q) + "&rdquo;") + " at commit " +
          links.commit(view.snapshot.commit_id()) + "</p>";
  if (!filter_error.empty()) return page(links, "Models", body + "<p class=\"error\">" + escape(filter_error) + "</p>");
  if (models.empty()) return page(links, "Models", body + "<p>No models.</p>");

  ModelsQuery by_name = query, by_updated = query;
  by_name.sort = "name";
  by_updated.sort = "updated";
  body += "<table class=\"models\"><thead><tr><th><a href=\"" + escape(models_url(links, by_name, 1)) +
          "\">Name</a></th><th>Latest versions</th><th>Aliases</th><th><a href=\"" +
          escape(models_url(links, by_updated, 1)) + "\">Last modified</a></th><th>Description</th></tr></thead><tbody>";
  for (std::size_t i = begin; i < end; ++i) {
    const ModelSummary& m = *models[i];
    // A broken model is listed with what reads of it, and its first problem in place of a description.
    const std::string about =
        m.problems.empty() ? escape(first_line(m.model.description))
                           : "<span class=\"error\">Broken: " + escape(m.problems.front().to_string()) +
                                 (m.problems.size() > 1 ? " (and " + std::to_string(m.problems.size() - 1) + " more)" : "") +
                                 "</span>";
    body += "<tr" + std::string(m.problems.empty() ? "" : " class=\"broken\"") + "><td>" +
            link(links.model(m.model.name), m.model.name) + "</td><td>" + latest_cell(links, m) + "</td><td>" +
            aliases_cell(m.model) + "</td><td>" + (m.model.updated_at ? time_html(m.model.updated_at) : "") +
            "</td><td>" + about + "</td></tr>";
  }
  body += "</tbody></table>";
  if (pages > 1) {
    body += "<nav class=\"pages\">";
    if (current > 1) body += "<a rel=\"prev\" href=\"" + escape(models_url(links, query, current - 1)) + "\">Previous</a>";
    body += "<span>Page " + std::to_string(current) + " of " + std::to_string(pages) + "</span> ";
    if (current < pages) body += "<a rel=\"next\" href=\"" + escape(models_url(links, query, current + 1)) + "\">Next</a>";
    body += "</nav>";
  }
  return page(links, "Models", body);
}

}  // namespace mreg::server
