#include "policy_gate.h"

#include <fnmatch.h>

#include <algorithm>

#include "mreg/names.h"
#include "yaml_doc.h"

namespace mreg {
namespace {

// The newest .mreg/policy/<N>.yaml, or nullopt when there is none.
std::optional<std::pair<std::int64_t, std::string>> newest_policy(const Snapshot& s) {
  std::optional<std::pair<std::int64_t, std::string>> best;
  for (const auto& path : s.list_files(".mreg/policy")) {
    const std::string file = path.substr(std::string(".mreg/policy/").size());
    if (file.find('/') != std::string::npos || file.size() < 6 || file.compare(file.size() - 5, 5, ".yaml") != 0)
      continue;
    try {
      const std::int64_t n = parse_version_number(file.substr(0, file.size() - 5));
      if (!best || n > best->first) best = std::make_pair(n, path);
    } catch (const Error&) {
    }
  }
  return best;
}

std::vector<std::string> strings(const Json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& x : v)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& value, bool fold) {
  for (const auto& p : patterns) {
    if (fold ? fold_case(p) == fold_case(value) : fnmatch(p.c_str(), value.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

void check_move_allowed(const Snapshot& snapshot, const Move& move) {
  const auto policy = newest_policy(snapshot);
  if (!policy) return;  // no policy: every stage and alias is open
  const YamlDocument doc = parse_yaml(*snapshot.read_file(policy->second), policy->second);
  const Json& rules = doc.value.is_object() && doc.value.contains("rules") ? doc.value["rules"] : Json::array();
  if (!rules.is_array()) return;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Json& rule = rules[i];
    if (!rule.is_object()) continue;
    const auto models = strings(rule.value("models", Json("*")));
    if (!matches_any(models, move.model, false)) continue;
    const bool hit = (!move.stage.empty() && matches_any(strings(rule.value("stages", Json::array())), move.stage, true)) ||
                     (!move.alias.empty() && matches_any(strings(rule.value("aliases", Json::array())), move.alias, false));
    if (!hit) continue;
    const std::string what = move.stage.empty() ? "the alias '" + move.alias + "'" : "stage " + move.stage;
    const std::string how = move.stage.empty()
                                ? "mreg request " + move.model + " " + std::to_string(move.version) + " --alias " + move.alias
                                : "mreg request " + move.model + " " + std::to_string(move.version) + " --to " + move.stage;
    throw Error(ErrorCode::PERMISSION_DENIED,
                "moving " + move.model + " v" + std::to_string(move.version) + " into " + what +
                    " needs approval: it is protected by rule " + std::to_string(i + 1) + " of policy version " +
                    std::to_string(policy->first) + " (" + policy->second + "). Request the move with '" + how +
                    "' in a pull request and have it approved");
  }
}

}  // namespace mreg
