#include "command_tree.h"

#include <algorithm>

namespace mreg::cli {

const CLI::Option* find_option(const CLI::App& cmd, const std::string& word) {
  const std::string name = word.rfind("--", 0) == 0 ? word.substr(0, word.find('=')) : word.substr(0, 2);
  for (const CLI::App* at = &cmd; at; at = at->get_parent())
    if (const CLI::Option* opt = at->get_option_no_throw(name); opt && opt->nonpositional()) return opt;
  return nullptr;
}

bool takes_value(const CLI::Option& opt) { return opt.get_items_expected_min() > 0; }

std::vector<std::string> choices(const CLI::Option& opt) {
  // CLI::IsMember describes itself as "{a,b,c}" in the option's type name.
  const std::string type = opt.get_type_name();
  const auto open = type.find('{'), close = type.rfind('}');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string item;
  for (char c : type.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<const CLI::App*> subcommands(const CLI::App& cmd) {
  return cmd.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest command name: within two edits, or one the word begins (a typo cut short).
std::string closest(const CLI::App& cmd, const std::string& word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const CLI::App* sub : subcommands(cmd)) {
    const std::string& name = sub->get_name();
    const std::size_t d = name.rfind(word, 0) == 0 && word.size() >= 2 ? 1 : edit_distance(word, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

std::string command_path(const CLI::App& cmd) {
  std::string path;
  for (const CLI::App* at = &cmd; at; at = at->get_parent()) path = at->get_name() + (path.empty() ? "" : " ") + path;
  return path;
}

}  // namespace

std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  const CLI::App* cmd = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;
    if (word.size() > 1 && word[0] == '-') {
      const CLI::Option* opt = find_option(*cmd, word);
      const bool value_attached = word.find('=') != std::string::npos || (word[1] != '-' && word.size() > 2);
      if (opt && takes_value(*opt) && !value_attached) ++i;  // its value is the next word
      continue;
    }
    const auto subs = subcommands(*cmd);
    if (subs.empty()) break;  // a command's own arguments from here on
    const auto found = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(word); });
    if (found != subs.end()) {
      cmd = *found;
      continue;
    }
    std::string message = "unknown command '" + word + "'";
    if (cmd != &app) message += " for '" + command_path(*cmd) + "'";
    if (const std::string near = closest(*cmd, word); !near.empty()) message += "; did you mean '" + near + "'?";
    return message;
  }
  return std::nullopt;
}

}  // namespace mreg::cli
