// mreg log, stage-history, comment, events.
#include <iostream>

#include "context.h"
#include "mreg/history.h"
#include "mreg/policy.h"
#include "mreg/verify.h"
#include "mreg/timefmt.h"
#include "print.h"
#include "webhook.h"

namespace mreg::cli {
namespace {

Timestamp time_arg(const std::string& option, const std::string& text) {
  auto t = parse_date(text);
  if (!t) throw_invalid(option + ": cannot read '" + text + "' as a time (2026-10-01, 2026-10-01T12:00:00Z)");
  return *t;
}

// How an approval verifies as of the commit that added it: its tree, the
// policy trusted there, its time. "OK" or an E_* code.
std::string approval_verdict(const Registry& r, const std::string& trusted_root, const Event& e) {
  try {
    const Snapshot s = r.at(e.commit);
    const PolicyChain chain = load_policy_chain(s, trusted_root);
    if (!chain.effective()) return chain.empty() ? "E_NO_POLICY" : chain.problems.front().code;
    const RequestVerdict v = verify_request(s, *chain.effective(), e.model, e.request, s.commit_time());
    for (const auto& a : v.approvals)
      if (a.principal == e.key) return a.code;
    return "E_UNSIGNED";
  } catch (const Error&) {
    return "E_MALFORMED_REQUEST";
  }
}

std::string describe(const Event& e) {
  const std::string v = e.version ? " v" + std::to_string(e.version) : "";
  const std::string what = e.model + v;
  const std::string by_request = e.request.empty() ? "" : " (approved request " + e.request + ")";
  if (e.type == "transitioned") return "transitioned " + what + ": " + e.from + " -> " + e.to + by_request;
  if (e.type == "archived") return "archived " + what + ": " + e.from + " -> " + e.to + " (side effect)";
  if (e.type == "alias_set")
    return "alias " + e.alias + " of " + e.model + ": " + (e.from.empty() ? "(none)" : "v" + e.from) + " -> v" + e.to +
           by_request;
  if (e.type == "alias_deleted") return "alias " + e.alias + " of " + e.model + " deleted (was v" + e.from + ")";
  if (e.type == "model_renamed") return "renamed " + e.from + " -> " + e.to;
  if (e.type.find("tag_set") != std::string::npos) return "tag " + e.key + "=" + e.value + " set on " + what;
  if (e.type.find("tag_deleted") != std::string::npos) return "tag " + e.key + " deleted from " + what;
  if (e.type == "commented") return "comment on " + what;
  if (e.type == "requested")
    return "requested " + what + " -> " + (e.alias.empty() ? e.to : "@" + e.alias) + " (request " + e.request + ")";
  if (e.type == "approved")
    return "approved " + what + " -> " + (e.alias.empty() ? e.to : "@" + e.alias) + " (request " + e.request + ") as " + e.key;
  if (e.type == "rejected" || e.type == "cancelled") return e.type + " request " + e.request + " for " + what;
  if (e.type == "edited") {
    std::string fields;
    for (const auto& f : e.fields) fields += (fields.empty() ? "" : ", ") + f;
    std::string s = "edited by hand " + e.path + (fields.empty() ? "" : ": " + fields);
    if (!e.to.empty()) s += " (stage " + (e.from.empty() ? std::string("-") : e.from) + " -> " + e.to + ")";
    return s;
  }
  std::string type = e.type;
  for (auto& c : type)
    if (c == '_') c = ' ';
  return type + " " + what;
}

}  // namespace

void add_activity_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, version, since, until, stage, text, range, post, secret;
    std::size_t limit = 0;
  };
  auto a = std::make_shared<Args>();

  auto* log = app.add_subcommand("log", "The activity: every event, newest first");
  log->add_option("name", a->name, "Only this model (followed across renames)");
  log->add_option("version", a->version, "Only this version");
  log->add_option("--since", a->since, "Only events at or after this time");
  log->add_option("--until", a->until, "Only events at or before this time");
  log->add_option("--stage", a->stage, "Only moves from or into this stage");
  log->add_option("-n,--max-count", a->limit, "At most this many events")->check(CLI::Range(1, 1000000000));
  log->callback([&ctx, a] {
    const Format format = ctx.format();
    LogQuery q;
    q.model = a->name;
    if (!a->version.empty()) q.version = version_arg(a->version);
    if (!a->since.empty()) q.since = time_arg("--since", a->since);
    if (!a->until.empty()) q.until = time_arg("--until", a->until);
    Registry r = ctx.open();
    if (!a->stage.empty()) q.stage = r.at(ctx.ref).canonical_stage(a->stage);
    r.at(ctx.ref);  // a registry at all?
    q.limit = a->limit;
    auto events = read_log(r, ctx.ref, q);
    if (!q.model.empty() && events.empty() && !r.at(ctx.ref).has_model(q.model)) {
      LogQuery any;
      any.model = q.model;
      any.limit = 1;
      if (read_log(r, ctx.ref, any).empty()) throw_not_found("Registered Model with name=" + q.model + " not found, now or in history");
    }
    const std::string root = ctx.trusted_root_for(r);
    if (format != Format::Table) {
      print_structured_list("events", events.size(), [&](size_t i) {
        OrderedJson j = to_json(events[i]);
        if (events[i].type == "approved") j["verification"] = approval_verdict(r, root, events[i]);
        return j;
      }, format);
      return;
    }
    // The comment of a move, request, approval or closing, as its first line (the whole text
    // is in -o json and in the commit).
    Table t({"TIME", "COMMIT", "AUTHOR", "EVENT", "COMMENT"});
    for (const auto& e : events)
      t.add({format_time(e.time), short_id(e.commit), e.author,
             describe(e) + (e.type == "approved" ? " [" + approval_verdict(r, root, e) + "]" : ""),
             first_line(e.comment)});
    t.print(std::cout);
  });

  auto* history = app.add_subcommand("stage-history", "Which version was in each stage, over time");
  history->add_option("name", a->name, "Model name")->required();
  history->add_option("--stage", a->stage, "Only this stage");
  history->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot s = r.at(ctx.ref);
    s.get_registered_model(a->name);
    const std::string stage = a->stage.empty() ? "" : s.canonical_stage(a->stage);
    auto intervals = stage_history(r, ctx.ref, a->name, stage);
    if (format != Format::Table) {
      print_structured_list("stage_history", intervals.size(), [&](size_t i) { return to_json(intervals[i]); }, format);
      return;
    }
    Table t({"STAGE", "VERSION", "SINCE", "UNTIL"});
    for (const auto& i : intervals)
      t.add({i.stage, std::to_string(i.version), format_time(i.since), i.until ? format_time(*i.until) : "(now)"});
    t.print(std::cout);
  });

  auto* comment = app.add_subcommand("comment", "Comment on a version (an empty commit)");
  comment->add_option("name", a->name, "Model name")->required();
  comment->add_option("version", a->version, "Version number")->required();
  comment->add_option("text", a->text, "The comment")->required();
  add_dry_run_flag(comment, ctx);
  comment->callback([&ctx, a] {
    const Format format = ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    r.comment(a->name, n, a->text, ctx.write_options());
    if (format != Format::Table) {
      LogQuery q;
      q.limit = 1;
      auto events = read_log(r, "", q);
      print_structured(OrderedJson{{"event", events.empty() ? OrderedJson() : to_json(events.front())}}, format);
    } else if (!ctx.quiet) {
      std::cout << "Commented on " << a->name << " version " << n << " (commit " << short_id(r.last_commit()) << ")\n";
    }
  });

  auto* events = app.add_subcommand("events", "The events between two revisions as registry webhook payloads");
  events->add_option("range", a->range, "A..B: the commits in B that are not in A")->required();
  events->add_option("--post", a->post, "Send each payload to this URL (http://HOST[:PORT]/PATH)");
  events->add_option("--secret", a->secret, "Shared secret for the X-Databricks-Signature header");
  events->callback([&ctx, a] {
    const Format format = ctx.format();
    if (!a->post.empty() && a->secret.empty()) throw_invalid("--post needs --secret");
    Registry r = ctx.open();
    std::vector<OrderedJson> payloads;
    for (const auto& e : events_in_range(r, a->range))
      for (auto& p : webhook_payloads(e)) payloads.push_back(std::move(p));
    if (!a->post.empty()) {
      std::vector<std::string> bodies;
      for (const auto& p : payloads) bodies.push_back(p.dump());
      auto deliveries = post_all(a->post, a->secret, bodies);
      std::size_t failed = 0;
      for (std::size_t i = 0; i < deliveries.size(); ++i) {
        if (deliveries[i].error.empty()) continue;
        ++failed;
        std::cerr << "mreg: delivery " << i + 1 << " (" << payloads[i]["event"].get<std::string>() << ", "
                  << payloads[i]["model_name"].get<std::string>() << ") failed after " << deliveries[i].attempts
                  << " attempts: " << deliveries[i].error << "\n";
      }
      if (failed)
        throw Error(ErrorCode::INTERNAL_ERROR, std::to_string(failed) + " of " + std::to_string(deliveries.size()) +
                                                   " deliveries to " + a->post + " failed");
      if (format == Format::Table && !ctx.quiet)
        std::cout << "Delivered " << deliveries.size() << " event" << (deliveries.size() == 1 ? "" : "s") << " to " << a->post << "\n";
      if (format == Format::Table) return;
    }
    if (format == Format::Table) {
      for (const auto& p : payloads)
        std::cout << p["event"].get<std::string>() << " " << p["model_name"].get<std::string>()
                  << (p.contains("version") ? " v" + p["version"].get<std::string>() : "") << "\n";
      return;
    }
    print_structured_list("events", payloads.size(), [&](size_t i) { return payloads[i]; }, format);
  });
}

}  // namespace mreg::cli
