// mreg search models|versions: MLflow's search_registered_models and
// search_model_versions, one page at a time.
#include <functional>
#include <iostream>

#include "context.h"
#include "mreg/names.h"
#include "mreg/search.h"
#include "print.h"

namespace mreg::cli {
namespace {

struct SearchArgs {
  std::vector<std::string> words;     // FILTER, and ASC/DESC written after an --order-by key
  std::vector<std::string> order_by;
  std::string max_results;
  std::string page_token;
};

struct SearchRequest {
  std::string filter;
  std::vector<std::string> order_by;
  std::int64_t max_results = 0;
};

bool is_direction(const std::string& word) {
  const std::string w = fold_case(word);
  return w == "asc" || w == "desc";
}

// `--order-by name DESC` reaches us as the key and a stray positional word:
// a direction right after an --order-by value belongs to it.
SearchRequest request_of(const CLI::App& cmd, const SearchArgs& a, std::int64_t default_max) {
  SearchRequest r;
  const CLI::Option* words = cmd.get_option("filter");
  const CLI::Option* order = cmd.get_option("--order-by");
  std::size_t w = 0, o = 0;
  bool after_order_key = false;
  std::vector<std::string> filters;
  for (const CLI::Option* opt : cmd.parse_order()) {
    if (opt == order && o < a.order_by.size()) {
      r.order_by.push_back(a.order_by[o++]);
      after_order_key = r.order_by.back().find(' ') == std::string::npos;
    } else if (opt == words && w < a.words.size()) {
      const std::string& word = a.words[w++];
      if (after_order_key && is_direction(word)) r.order_by.back() += " " + word;
      else filters.push_back(word);
      after_order_key = false;
    } else {
      after_order_key = false;
    }
  }
  if (filters.size() > 1)
    throw_invalid("FILTER: expected one filter, quoted as one argument (e.g. \"name LIKE 'fraud%'\"), got " +
                  std::to_string(filters.size()) + " arguments: '" + filters[0] + "', '" + filters[1] + "'...");
  if (!filters.empty()) r.filter = filters[0];

  r.max_results = default_max;
  if (!a.max_results.empty()) {
    const bool digits = a.max_results.size() <= 18 && a.max_results.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) throw_invalid("--max-results: expected a positive integer, got '" + a.max_results + "'");
    r.max_results = std::stoll(a.max_results);
  }
  return r;
}

// For people: the filter again, with a caret under the position the error is about.
[[noreturn]] void rethrow_with_caret(const FilterError& e, const std::string& filter, Format format) {
  if (format != Format::Table) throw;
  std::string shown;
  for (char c : filter) shown += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
  throw Error(e.code(), std::string(e.what()) + "\n  " + shown + "\n  " + std::string(e.position() - 1, ' ') + "^");
}

void print_versions(const std::vector<ModelVersion>& versions, std::ostream& out) {
  Table t({"NAME", "VERSION", "STAGE", "ALIASES", "UPDATED", "SOURCE"});
  for (const auto& v : versions) {
    std::string aliases;
    for (const auto& a : v.aliases) aliases += (aliases.empty() ? "" : ", ") + a;
    t.add({v.name, std::to_string(v.version), v.stage, aliases, format_time_ms(v.updated_at), v.source});
  }
  t.print(out);
}

// The page: a table for people, MLflow's response shape for programs.
template <typename T, typename PrintTable>
void print_page(Format format, const char* key, const std::vector<T>& items, const std::string& token,
                PrintTable print_table) {
  if (format == Format::Table) {
    print_table(items, std::cout);
    if (!token.empty()) std::cout << "\nMore results: --page-token " << token << "\n";
    return;
  }
  OrderedJson after = OrderedJson::object();
  if (!token.empty()) after["next_page_token"] = token;
  ListWriter list(std::cout, key, format);
  for (const auto& item : items) list.add(item);
  list.finish(after);
}

// A search leaves broken models out (search.h): said on stderr, once the page is out.
void warn_left_out(const std::vector<std::string>& broken) {
  if (broken.empty()) return;
  std::string names;
  for (const auto& n : broken) names += (names.empty() ? "" : ", ") + n;
  std::cout.flush();
  std::cerr << "mreg: warning: " << broken.size() << (broken.size() == 1 ? " broken model" : " broken models")
            << " left out of the search: " << names << " ('mreg check' says why)\n";
}

using RunSearch = std::function<void(const Snapshot&, const SearchRequest&, const std::string& page_token, Format)>;

void add_search_command(CLI::App* search, Context& ctx, const std::string& name, const std::string& help,
                        const std::string& order_keys, std::int64_t default_max, RunSearch run) {
  auto a = std::make_shared<SearchArgs>();
  auto* cmd = search->add_subcommand(name, help);
  cmd->add_option("filter", a->words, "MLflow filter string, e.g. \"name LIKE 'fraud%' AND tags.team = 'risk'\"");
  cmd->add_option("--order-by", a->order_by, "Order: \"KEY [ASC|DESC]\" (repeatable); keys: " + order_keys)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--max-results", a->max_results, "How many results a page holds at most");
  cmd->add_option("--page-token", a->page_token, "The page to show: the token the previous page gave");
  cmd->callback([&ctx, cmd, a, default_max, run] {
    const Format format = ctx.format();
    const SearchRequest q = request_of(*cmd, *a, default_max);
    Registry r = ctx.open();
    try {
      run(ctx.read(r), q, a->page_token, format);
    } catch (const FilterError& e) {
      rethrow_with_caret(e, q.filter, format);
    }
  });
}

}  // namespace

void add_search_commands(CLI::App& app, Context& ctx) {
  auto* search = app.add_subcommand("search", "Find models and versions with MLflow's filter strings");
  search->require_subcommand(1);
  add_search_command(search, ctx, "models", "Registered models that match a filter, a page at a time",
                     "name, creation_timestamp, last_updated_timestamp", kModelSearchDefaultMaxResults,
                     [](const Snapshot& s, const SearchRequest& q, const std::string& token, Format format) {
                       auto page = search_registered_models(s, q.filter, q.order_by, q.max_results, token);
                       print_page(format, "registered_models", page.registered_models, page.next_page_token,
                                  [](const std::vector<ModelSummary>& models, std::ostream& out) {
                                    ModelListTable table;
                                    for (const auto& m : models) table.add(m);
                                    table.print(out);
                                  });
                       warn_left_out(page.broken_models);
                     });
  add_search_command(search, ctx, "versions", "Model versions that match a filter, a page at a time",
                     "name, version_number, creation_timestamp, last_updated_timestamp",
                     kVersionSearchDefaultMaxResults,
                     [](const Snapshot& s, const SearchRequest& q, const std::string& token, Format format) {
                       auto page = search_model_versions(s, q.filter, q.order_by, q.max_results, token);
                       print_page(format, "model_versions", page.model_versions, page.next_page_token,
                                  print_versions);
                       warn_left_out(page.broken_models);
                     });
}

}  // namespace mreg::cli
