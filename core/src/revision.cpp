#include <regex>

#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {

git::Oid resolve_revision(const git::Repository& repo, const std::string& rev) {
  const std::string spec = rev.empty() ? "HEAD" : rev;
  // REV@{DATE}: the registry as it was at DATE, read from first-parent history
  // (not the reflog, which a fresh clone does not have).
  static const std::regex at_date("^(.*)@\\{([^}]*)\\}$");
  std::smatch m;
  if (std::regex_match(spec, m, at_date)) {
    int offset = 0;
    auto when = parse_date(m[2].str(), &offset);
    if (when) {
      // A bare date means the end of that day.
      if (std::regex_match(m[2].str(), std::regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))) *when += 86399;
      if (auto found = first_parent_at_or_before(repo, resolve_revision(repo, m[1].str()), *when)) return *found;
      throw_not_found("no commit at or before " + m[2].str() + " in the history of " +
                      (m[1].str().empty() ? std::string("HEAD") : m[1].str()));
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
