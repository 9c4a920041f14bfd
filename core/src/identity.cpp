#include <cstdlib>
#include <regex>

#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The time of a write: GIT_*_DATE when set (imports, reproducible examples), else now.
void stamp(const char* date_var, Timestamp& time, int& offset) {
  std::string d = env(date_var);
  if (!d.empty()) {
    auto t = parse_date(d, &offset);
    if (!t) throw_invalid(std::string("cannot read ") + date_var + "='" + d + "' as a date");
    time = *t;
  } else {
    time = now_seconds();
    offset = 0;
  }
}

}  // namespace

Identity resolve_author(const git::Repository& repo, const std::optional<Identity>& explicit_author) {
  return resolve_author([&](const std::string& key) { return repo.config_string(key); }, explicit_author);
}

Identity resolve_author(const ConfigLookup& config, const std::optional<Identity>& explicit_author) {
  Identity id;
  if (explicit_author) {
    id = *explicit_author;
  } else {
    id.name = env("GIT_AUTHOR_NAME");
    id.email = env("GIT_AUTHOR_EMAIL");
    if (id.name.empty()) id.name = config("user.name").value_or("");
    if (id.email.empty()) id.email = config("user.email").value_or("");
  }
  if (id.name.empty() || id.email.empty())
    throw_invalid(
        "no identity to record: set git's user.name and user.email (git config), "
        "GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or pass --author \"Name <email>\"");
  if (id.time == 0) stamp("GIT_AUTHOR_DATE", id.time, id.offset_minutes);
  return id;
}

git::Signature resolve_committer(const git::Repository& repo, const Identity& author) {
  git::Signature s;
  s.name = env("GIT_COMMITTER_NAME");
  s.email = env("GIT_COMMITTER_EMAIL");
  if (s.name.empty()) s.name = repo.config_string("user.name").value_or(author.name);
  if (s.email.empty()) s.email = repo.config_string("user.email").value_or(author.email);
  if (!env("GIT_COMMITTER_DATE").empty()) {
    stamp("GIT_COMMITTER_DATE", s.time, s.offset_minutes);
  } else {
    s.time = author.time;
    s.offset_minutes = author.offset_minutes;
  }
  return s;
}

}  // namespace mreg
