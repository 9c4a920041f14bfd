// mreg serve: the read-only HTTP view.
#include "context.h"
#include "serve.h"

namespace mreg::cli {

void add_serve_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string listen = "127.0.0.1:5000", interval = "30s";
    server::ServeOptions opts;
  };
  auto a = std::make_shared<Args>();
  auto* serve = app.add_subcommand(
      "serve",
      "Serve the registry read-only over HTTP: pages for people, MLflow's REST API for programs");
  serve->add_option("--listen", a->listen, "Address to listen on, HOST:PORT (port 0: any free port)")
      ->default_str("127.0.0.1:5000");
  serve->add_option("--base-path", a->opts.base_path, "URL path everything is served below, e.g. /registry");
  serve->add_option("--commit-url", a->opts.commit_url,
                    "Link commits to the git host: a URL with {sha}, e.g. https://git.example.com/org/repo/commit/{sha}");
  serve->add_option("--tracking-url", a->opts.tracking_url,
                    "MLflow tracking server for links to runs that have no run_link, e.g. https://mlflow.example.com");
  serve->add_option("--mirror", a->opts.mirror_url,
                    "Serve a bare mirror of this remote registry (git URL), kept in --repo and fetched every --interval");
  serve->add_option("--interval", a->interval, "How often --mirror fetches: 30s, 5m, 1h")->default_str("30s");
  serve->add_option("--max-connections", a->opts.max_connections,
                    "Connections served at once, each by a worker thread of its own; more wait to be served")
      ->default_str("256");
  serve->footer(
      "The global options --repo PATH (a bare or non-bare registry) and --ref REV (default HEAD) say what is\n"
      "served. Every response is computed from one commit: the ref is resolved again for each request,\n"
      "so a push or a fetch is seen without a restart. Nothing can be written through the server: API writes\n"
      "answer 403 PERMISSION_DENIED. Logs one line per request on stderr; Ctrl-C (SIGINT) or SIGTERM stops it.\n"
      "A connection keeps its worker while it is open: kept alive for up to 1000 requests, closed after 5 s\n"
      "without a request (or when a request takes more than 5 s to arrive), so --max-connections should be at\n"
      "least the number of clients that keep connections open at once (a load tester's connection count).\n"
      "Pages: / (models), /models/NAME, /models/NAME/versions/N, /activity. API: /api/2.0/mlflow/... and\n"
      "/ajax-api/2.0/mlflow/... (docs/http.md).");
  serve->callback([&ctx, a] {
    server::ServeOptions opts = a->opts;
    server::parse_listen(a->listen, opts);
    opts.mirror_interval_seconds = server::parse_interval(a->interval);
    if (!opts.mirror_url.empty() && ctx.repo.empty())
      throw_invalid("--mirror needs --repo: the folder that keeps the mirror");
    opts.repo = ctx.repo;
    if (opts.repo.empty()) {
      const char* env = std::getenv("MREG_REPO");
      opts.repo = env && *env ? env : ".";
    }
    opts.ref = ctx.ref;
    server::serve(opts);
  });
}

}  // namespace mreg::cli
