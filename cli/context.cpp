#include "context.h"

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "mreg/names.h"
#include "mreg/remote.h"
#include "signing.h"

namespace mreg::cli {

Format Context::format() const { return parse_format(output); }
Format Context::report_format() const { return output == "markdown" ? Format::Markdown : parse_format(output); }

namespace {

// Where a write goes with --push or --remote: the branch's upstream, with the
// credentials and MREG_PUSH_ATTEMPTS from the environment.
PushTarget push_target_for(const Registry& r) {
  PushTarget target = default_push_target(r);
  target.credentials = RemoteCredentials::from_environment();
  if (const char* n = std::getenv("MREG_PUSH_ATTEMPTS"); n && *n) {
    try {
      target.max_attempts = std::stoi(n);
    } catch (const std::exception&) {
      throw_invalid(std::string("MREG_PUSH_ATTEMPTS: expected a whole number, got '") + n + "'");
    }
    if (target.max_attempts < 1) throw_invalid("MREG_PUSH_ATTEMPTS: must be at least 1");
  }
  return target;
}

}  // namespace

Registry Context::open() const {
  if (!remote.empty()) {
    if (!repo.empty()) throw_invalid("--remote: a registry is named by --repo or --remote, not both");
    Registry r = open_remote(remote, RemoteCredentials::from_environment());
    push_target_ = push_target_for(r);  // a write through the cache goes to the remote
    push_target_->credentials = push_target_->credentials.with_password_of(remote);
    return r;
  }
  std::string path = repo;
  if (path.empty()) {
    const char* env = std::getenv("MREG_REPO");
    path = env && *env ? env : ".";
  }
  Registry r = Registry::open(path);
  if (push) push_target_ = push_target_for(r);
  return r;
}

WriteOptions Context::write_options() const {
  if (!ref.empty()) throw_invalid("--ref: a write goes to the branch HEAD names; --ref is for reads only");
  return author_options();
}

Registry Context::open_write_target(const std::string& url, WriteOptions& opts) const {
  opts = author_options();
  Registry r = open_remote(url, RemoteCredentials::from_environment());
  opts.push = push_target_for(r);
  opts.push->credentials = opts.push->credentials.with_password_of(url);
  return r;
}

WriteOptions Context::author_options() const {
  WriteOptions opts;
  opts.create_tags = !no_tags;
  opts.dry_run = dry_run;
  opts.push = push_target_;
  if (!author.empty()) {
    static const std::regex re("^\\s*(.*?)\\s*<([^<>]+)>\\s*$");
    std::smatch m;
    if (!std::regex_match(author, m, re) || m[1].str().empty())
      throw_invalid("--author: expected \"Name <email>\", got '" + author + "'");
    Identity id;
    id.name = m[1];
    id.email = m[2];
    opts.author = id;
  }
  return opts;
}

WriteOptions Context::init_write_options(const std::string& path) const {
  if (!remote.empty())
    throw_invalid("--remote: init makes a registry in a folder; for a remote, clone it and run 'mreg --push init' "
                  "in the clone");
  WriteOptions opts = write_options();
  if (!push) return opts;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw_invalid("--push: " + path + " does not exist: clone the remote first (git clone URL " + path + ")");
  try {
    opts.push = push_target_for(Registry::open(path));
  } catch (const Error& e) {
    throw_invalid("--push: " + path + " is no clone of a remote (" + e.what() + ")");
  }
  return opts;
}

std::string Context::trusted_root_for(const Registry& r) const {
  if (!trusted_root.empty()) return trusted_root;
  if (const char* env = std::getenv("MREG_TRUSTED_ROOT"); env && *env) return env;
  return r.config_value("mreg.trustedRoot").value_or("");
}

WriteOptions Context::write_options(const Registry& r) const {
  WriteOptions opts = write_options();
  opts.trusted_root = trusted_root_for(r);
  opts.sign_commit = commit_signer(r);
  return opts;
}

void add_global_options(CLI::App& app, Context& ctx) {
  app.add_option("--repo", ctx.repo, "The registry repository (default: $MREG_REPO, else the repository around the current folder)");
  app.add_option("--ref", ctx.ref, "Read the registry at this revision: branch, tag, commit, or REV@{DATE}");
  app.add_option("-o,--output", ctx.output, "Output format: table, json or yaml (markdown for review and compare)")
      ->check(CLI::IsMember({"table", "json", "yaml", "markdown"}));
  app.add_option("--author", ctx.author, "Identity recorded for a write: \"Name <email>\"");
  app.add_flag("-q,--quiet", ctx.quiet, "Print nothing on success (writes)");
  app.add_option("--trusted-root", ctx.trusted_root,
                 "sha256:HEX of policy version 1, the start of trust (default: $MREG_TRUSTED_ROOT, else git config "
                 "mreg.trustedRoot)");
  app.add_flag("--push", ctx.push,
               "A write goes to the remote branch the current branch follows (else origin): fetch, apply, push; "
               "re-applied when someone else pushed first");
  app.add_option("--remote", ctx.remote,
                 "Use the registry at this git URL without a work tree, through a cache that is fetched first; "
                 "writes are pushed to it");
}

TagMap parse_tags(const std::vector<std::string>& items, const std::string& option) {
  TagMap tags;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos) throw_invalid(option + ": expected KEY=VALUE, got '" + item + "'");
    std::string key = item.substr(0, eq);
    std::string value = item.substr(eq + 1);
    try {
      check_tag(key, value);
    } catch (const Error& e) {
      throw_invalid(option + ": " + e.what());
    }
    tags[key] = value;
  }
  return tags;
}

std::int64_t version_arg(const std::string& text) {
  try {
    return parse_version_number(text);
  } catch (const Error& e) {
    throw_invalid(std::string("VERSION: ") + e.what());
  }
}

}  // namespace mreg::cli
