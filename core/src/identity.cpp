#include <cstdlib>
#include <regex>

#include "mreg/timefmt.h"
#include "registry_impl.h"
#include "text.h"

namespace mreg {
namespace {

// The time of a write, to the millisecond: GIT_*_DATE when set (imports, reproducible
// examples), else now. `time` gets the whole seconds (git's), `millis` the rest.
void stamp(const char* date_var, Timestamp& time, int& offset, int& millis) {
  std::string d = env_or_empty(date_var);
  TimestampMs t;
  if (!d.empty()) {
    auto given = parse_date_ms(d, &offset);
    if (!given) throw_invalid(std::string("cannot read ") + date_var + "='" + d + "' as a date");
    t = *given;
  } else {
    t = now_ms();
    offset = 0;
  }
  time = seconds_of(t);
  millis = static_cast<int>(t - ms_of(time));
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
    id.name = env_or_empty("GIT_AUTHOR_NAME");
    id.email = env_or_empty("GIT_AUTHOR_EMAIL");
    if (id.name.empty()) id.name = config("user.name").value_or("");
    if (id.email.empty()) id.email = config("user.email").value_or("");
  }
  if (id.name.empty() || id.email.empty())
    throw_invalid(
        "no identity to record: set git's user.name and user.email (git config), "
        "GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or pass --author \"Name <email>\"");
  if (id.time == 0) stamp("GIT_AUTHOR_DATE", id.time, id.offset_minutes, id.millis);
  return id;
}

git::Signature resolve_committer(const git::Repository& repo, const Identity& author) {
  git::Signature s;
  s.name = env_or_empty("GIT_COMMITTER_NAME");
  s.email = env_or_empty("GIT_COMMITTER_EMAIL");
  if (s.name.empty()) s.name = repo.config_string("user.name").value_or(author.name);
  if (s.email.empty()) s.email = repo.config_string("user.email").value_or(author.email);
  if (!env_or_empty("GIT_COMMITTER_DATE").empty()) {
    int millis_dropped = 0;  // a commit's time is whole seconds
    stamp("GIT_COMMITTER_DATE", s.time, s.offset_minutes, millis_dropped);
  } else {
    s.time = author.time;
    s.offset_minutes = author.offset_minutes;
  }
  return s;
}

}  // namespace mreg
