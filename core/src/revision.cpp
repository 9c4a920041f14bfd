#include <regex>

#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {

git::Oid resolve_revision(const git::Repository& repo, const std::string& rev) {
  const std::string spec = rev.empty() ? "HEAD" : rev;
  // REV@{DATE}: the registry as it was at DATE, read from first-parent history
  // (not the reflog, which a fresh clone does not have).
  // Found without std::regex, whose compilation alone costs a tenth of a `version show`.
  const auto at = spec.rfind("@{");
  if (at != std::string::npos && spec.back() == '}' && spec.find('}', at) == spec.size() - 1) {
    const std::string base = spec.substr(0, at);
    const std::string date = spec.substr(at + 2, spec.size() - at - 3);
    int offset = 0;
    auto when = parse_date(date, &offset);
    if (when) {
      // A bare date means the end of that day.
      if (std::regex_match(date, std::regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))) *when += 86399;
      if (auto found = first_parent_at_or_before(repo, resolve_revision(repo, base), *when)) return *found;
      throw_not_found("no commit at or before " + date + " in the history of " +
                      (base.empty() ? std::string("HEAD") : base));
    }
  }
  auto oid = repo.resolve_commit(spec);
  if (!oid) {
    if (spec == "HEAD")
      throw Error(ErrorCode::INVALID_STATE, "the repository has no commits yet: not a registry (run 'mreg init')");
    throw_not_found("unknown revision '" + spec + "'");
  }
  return *oid;
}

}  // namespace mreg
