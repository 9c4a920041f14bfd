// mreg policy init|edit|sign|show|verify.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "context.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"
#include "signing.h"

namespace mreg::cli {
namespace fs = std::filesystem;
namespace {

std::string read_text(const std::string& path, const std::string& option) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_invalid(option + ": cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The edited text of `current`, from $VISUAL or $EDITOR (default vi).
std::string edit_in_editor(const std::string& current) {
  std::string tmpl = (fs::temp_directory_path() / "mreg-policy-XXXXXX.yaml").string();
  int fd = ::mkstemps(tmpl.data(), 5);
  if (fd < 0) throw Error(ErrorCode::INTERNAL_ERROR, "cannot make a temporary file");
  ::close(fd);
  {
    std::ofstream f(tmpl, std::ios::binary);
    f << current;
  }
  const char* editor = std::getenv("VISUAL");
  if (!editor || !*editor) editor = std::getenv("EDITOR");
  const std::string command = std::string(editor && *editor ? editor : "vi") + " '" + tmpl + "'";
  const int rc = std::system(command.c_str());
  std::string text = read_text(tmpl, "editor");
  fs::remove(tmpl);
  if (rc != 0) throw Error(ErrorCode::BAD_REQUEST, "the editor failed; nothing was proposed");
  return text;
}

OrderedJson policy_json(const Policy& p) {
  OrderedJson j;
  j["version"] = p.version;
  j["path"] = p.path;
  j["sha256"] = p.sha256;
  j["registry"] = p.registry;
  if (!p.previous_sha256.empty()) j["previous_sha256"] = p.previous_sha256;
  j["admins"] = OrderedJson{{"principals", p.admins}, {"threshold", p.admin_threshold}};
  OrderedJson principals = OrderedJson::object();
  for (const auto& [name, keys] : p.principals) {
    OrderedJson list = OrderedJson::array();
    for (const auto& k : keys) {
      OrderedJson x{{"key", k.key.to_line()}, {"fingerprint", k.key.fingerprint()}, {"revoked", p.revoked(k.key) != nullptr}};
      if (k.valid_after) x["valid_after"] = format_rfc3339(*k.valid_after);
      if (k.valid_before) x["valid_before"] = format_rfc3339(*k.valid_before);
      list.push_back(x);
    }
    principals[name] = list;
  }
  j["principals"] = principals;
  OrderedJson rules = OrderedJson::array();
  for (const auto& r : p.rules)
    rules.push_back(OrderedJson{{"models", r.models}, {"stages", r.stages}, {"aliases", r.aliases},
                                {"approvers", r.approvers}, {"threshold", r.threshold},
                                {"allow_self_approval", r.allow_self_approval},
                                {"approval_valid_for", r.approval_valid_for_text}});
  j["rules"] = rules;
  return j;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::vector<std::string> admins, keys, approvers, approver_keys, requesters, requester_keys, stages, aliases;
    std::int64_t admin_threshold = 1, approvals = 1;
    std::string file, key, valid_for = "14d";
    std::int64_t version = 0;
  };
  auto a = std::make_shared<Args>();
  auto* policy = app.add_subcommand("policy", "The approval policy: who may approve which moves, and who may change that");
  policy->require_subcommand(1);

  auto* init = policy->add_subcommand("init", "Write policy version 1 and pin it as this clone's trusted root");
  init->add_option("--admin", a->admins, "An admin's principal (email); repeat for several")->required();
  init->add_option("--key", a->keys, "The admin's public key file, one per --admin in the same order")->required();
  init->add_option("--approver", a->approvers, "An approver's principal (default: the admins); repeat for several");
  init->add_option("--approver-key", a->approver_keys, "The approver's public key file, one per --approver in the same order");
  init->add_option("--requester", a->requesters,
                   "A principal who requests but approves nothing (a CI job, a data scientist); repeat for several");
  init->add_option("--requester-key", a->requester_keys, "The requester's public key file, one per --requester");
  init->add_option("--admin-threshold", a->admin_threshold, "Admin signatures needed for the next policy version")->check(CLI::PositiveNumber);
  init->add_option("--protect", a->stages, "Stages that need approval (default: Production)");
  init->add_option("--protect-alias", a->aliases, "Alias patterns that need approval");
  init->add_option("--approvals", a->approvals, "Distinct approvers needed for a protected move")->check(CLI::PositiveNumber);
  init->add_option("--approval-valid-for", a->valid_for, "Longest validity of an approval (e.g. 14d)");
  add_dry_run_flag(init, ctx);
  init->callback([&ctx, a] {
    const Format format = ctx.format();
    if (a->admins.size() != a->keys.size()) throw_invalid("--key: give one --key for each --admin");
    if (a->approvers.size() != a->approver_keys.size()) throw_invalid("--approver-key: give one for each --approver");
    if (a->requesters.size() != a->requester_keys.size()) throw_invalid("--requester-key: give one for each --requester");
    if (!parse_duration(a->valid_for)) throw_invalid("--approval-valid-for: expected a duration such as 14d, got '" + a->valid_for + "'");
    Registry r = ctx.open();
    Policy p;
    p.path = policy_path(1);
    p.registry = r.at().config().registry;
    p.version = 1;
    p.admins = a->admins;
    p.admin_threshold = a->admin_threshold;
    auto add_key = [&](const std::string& who, const std::string& file, const char* option) {
      const std::string line = read_text(file, option);
      SshPublicKey key;
      try {
        key = parse_public_key(line.substr(0, line.find('\n')));
      } catch (const Error& e) {
        throw_invalid(std::string(option) + " " + file + ": " + e.what());
      }
      for (auto& [name, keys] : p.principals)
        if (name == who) {
          for (const auto& k : keys)
            if (k.key == key) return;
          keys.push_back({key, {}, {}});
          return;
        }
      p.principals.push_back({who, {PolicyKey{key, {}, {}}}});
    };
    for (size_t i = 0; i < a->admins.size(); ++i) add_key(a->admins[i], a->keys[i], "--key");
    for (size_t i = 0; i < a->approvers.size(); ++i) add_key(a->approvers[i], a->approver_keys[i], "--approver-key");
    for (size_t i = 0; i < a->requesters.size(); ++i) add_key(a->requesters[i], a->requester_keys[i], "--requester-key");
    PolicyRule rule;
    rule.models = {"*"};
    rule.stages = a->stages.empty() && a->aliases.empty() ? std::vector<std::string>{"Production"} : a->stages;
    rule.aliases = a->aliases;
    rule.approvers = a->approvers.empty() ? a->admins : a->approvers;
    rule.threshold = a->approvals;
    rule.approval_valid_for_text = a->valid_for;
    rule.approval_valid_for = *parse_duration(a->valid_for);
    p.rules.push_back(rule);
    const std::string text = render_policy(p);
    r.init_policy(text, ctx.write_options(r));
    const Policy written = parse_policy(text, p.path);
    r.set_config_value("mreg.trustedRoot", "sha256:" + written.sha256);
    if (format != Format::Table) print_structured(OrderedJson{{"policy", policy_json(written)}, {"trusted_root", "sha256:" + written.sha256}, {"commit", r.last_commit()}}, format);
    else if (!ctx.quiet)
      std::cout << "Wrote policy version 1 (commit " << short_id(r.last_commit()) << ")\n"
                << "Trusted root: sha256:" << written.sha256 << "\n"
                << "Set it in CI as MREG_TRUSTED_ROOT (or pass --trusted-root); this clone has it in git config mreg.trustedRoot.\n";
  });

  auto* edit = policy->add_subcommand("edit", "Propose the next policy version (trusted once enough admins sign it)");
  edit->add_option("--file", a->file, "The new policy text (default: edit the newest version in $VISUAL or $EDITOR)");
  add_dry_run_flag(edit, ctx);
  edit->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot s = r.at();
    const PolicyChain chain = load_policy_chain(s, "");
    if (chain.empty()) throw Error(ErrorCode::RESOURCE_DOES_NOT_EXIST, "the registry has no policy yet: run 'mreg policy init'");
    const std::string text = a->file.empty() ? edit_in_editor(*s.read_file(policy_path(chain.newest_present)))
                                             : read_text(a->file, "--file");
    const std::int64_t n = r.propose_policy(text, ctx.write_options(r));
    if (format != Format::Table) print_structured(OrderedJson{{"version", n}, {"path", policy_path(n)}, {"commit", r.last_commit()}}, format);
    else if (!ctx.quiet)
      std::cout << "Proposed policy version " << n << " (" << policy_path(n) << ", commit " << short_id(r.last_commit())
                << "); it needs signatures of the admins of version " << n - 1 << ": mreg policy sign " << n << "\n";
  });

  auto* sign = policy->add_subcommand("sign", "Sign a policy version as an admin of the version before it");
  sign->add_option("version", a->version, "The version to sign (default: the newest)");
  sign->add_option("-f,--key", a->key, "Signing key (default: git's user.signingKey)");
  add_dry_run_flag(sign, ctx);
  sign->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const WriteOptions opts = ctx.write_options(r);
    const Snapshot s = r.at();
    const std::int64_t n = a->version ? a->version : load_policy_chain(s, "").newest_present;
    const auto text = s.read_file(policy_path(n));
    if (!text) throw_not_found("policy version " + std::to_string(n) + " does not exist");
    const std::string principal = r.identity(opts).email;
    const std::string signature = ssh_sign(r, *text, policy_namespace(), a->key);
    r.add_policy_signature(n, principal, signature, opts);
    if (format != Format::Table) print_structured(OrderedJson{{"version", n}, {"signer", principal}, {"commit", r.last_commit()}}, format);
    else if (!ctx.quiet) std::cout << "Signed policy version " << n << " as " << principal << " (commit " << short_id(r.last_commit()) << ")\n";
  });

  auto* show = policy->add_subcommand("show", "The policy in force: the newest trusted version");
  show->callback([&ctx] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot s = ctx.read(r);
    const PolicyChain chain = load_policy_chain(s, ctx.trusted_root_for(r));
    const Policy* p = chain.effective();
    if (!p) throw_not_found(chain.empty() ? "the registry has no policy" : "no policy version is trusted: " + chain.problems.front().message);
    if (format != Format::Table) {
      OrderedJson j = policy_json(*p);
      j["newest_present"] = chain.newest_present;
      print_structured(OrderedJson{{"policy", j}}, format);
      return;
    }
    std::cout << "policy version " << p->version << " (" << p->path << ", sha256:" << p->sha256 << ")"
              << (chain.root_pinned ? "" : " [root not pinned]") << "\n";
    if (chain.newest_present > p->version)
      std::cout << "version " << chain.newest_present << " is present but not trusted yet\n";
    std::cout << "admins: " << join(p->admins) << " (" << p->admin_threshold << " must sign the next version)\n";
    Table keys({"PRINCIPAL", "KEY", "VALID AFTER", "VALID BEFORE", "STATE"});
    for (const auto& [name, list] : p->principals)
      for (const auto& k : list)
        keys.add({name, k.key.fingerprint(), k.valid_after ? format_rfc3339(*k.valid_after) : "-",
                  k.valid_before ? format_rfc3339(*k.valid_before) : "-", p->revoked(k.key) ? "revoked" : "active"});
    keys.print(std::cout);
    Table rules({"RULE", "MODELS", "STAGES", "ALIASES", "APPROVERS", "NEEDED", "SELF", "VALID FOR"});
    for (size_t i = 0; i < p->rules.size(); ++i) {
      const auto& x = p->rules[i];
      rules.add({std::to_string(i + 1), join(x.models), join(x.stages), join(x.aliases), join(x.approvers),
                 std::to_string(x.threshold), x.allow_self_approval ? "yes" : "no", x.approval_valid_for_text});
    }
    rules.print(std::cout);
  });

  auto* check = policy->add_subcommand("verify", "Check the policy chain from the trusted root");
  check->callback([&ctx] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot s = ctx.read(r);
    const std::string root = ctx.trusted_root_for(r);
    const PolicyChain chain = load_policy_chain(s, root);
    OrderedJson problems = OrderedJson::array();
    for (const auto& p : chain.problems) problems.push_back(OrderedJson{{"code", p.code}, {"path", p.path}, {"message", p.message}});
    if (root.empty() && !chain.empty())
      problems.push_back(OrderedJson{{"code", "E_POLICY_ROOT_NOT_PINNED"}, {"path", policy_path(1)},
                                     {"message", "no trusted root: pass --trusted-root sha256:" + chain.root_sha256}});
    if (format != Format::Table) {
      OrderedJson versions = OrderedJson::array();
      for (const auto& p : chain.trusted) versions.push_back(OrderedJson{{"version", p.version}, {"sha256", p.sha256}});
      print_structured(OrderedJson{{"ok", problems.empty()}, {"trusted", versions}, {"newest_present", chain.newest_present},
                                   {"root_pinned", chain.root_pinned}, {"problems", problems}},
                       format);
    } else {
      for (const auto& p : chain.trusted) std::cout << "version " << p.version << "  sha256:" << p.sha256 << "  trusted\n";
      for (const auto& p : problems) std::cout << "FAIL " << p["code"].get<std::string>() << ": " << p["message"].get<std::string>() << "\n";
      if (chain.empty()) std::cout << "no policy: every stage and alias is open\n";
    }
    if (!problems.empty()) throw Error(ErrorCode::PERMISSION_DENIED, "the policy chain does not verify");
  });
}

}  // namespace mreg::cli
