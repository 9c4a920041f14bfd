// `mreg serve`: the read-only HTTP view of a registry. People get HTML pages,
// programs get MLflow's REST read API; nothing can be written through it.
#pragma once

#include <cstdint>
#include <string>

namespace mreg::server {

struct ServeOptions {
  std::string repo = ".";     // the repository served (or the mirror's folder with `mirror_url`)
  std::string ref;            // "" = HEAD; resolved again for every request
  std::string host = "127.0.0.1";
  int port = 5000;            // 0: any free port (the log's first line names it)
  std::string base_path;      // "" or "/registry": every URL lives below it
  std::string commit_url;     // "https://host/org/repo/commit/{sha}", or ""
  std::string tracking_url;   // MLflow tracking server for run links, or ""
  std::string mirror_url;     // keep `repo` a bare mirror of this remote, or ""
  std::int64_t mirror_interval_seconds = 30;
  // Connections served at once, each on a worker thread of its own; more wait to be accepted.
  int max_connections = 256;
};

// "HOST:PORT" (or ":PORT", or "PORT") into options; INVALID_PARAMETER_VALUE naming --listen.
void parse_listen(const std::string& listen, ServeOptions& opts);
// "30s", "5m", "1h" or plain seconds; INVALID_PARAMETER_VALUE naming --interval.
std::int64_t parse_interval(const std::string& text);
// Checks --base-path and --commit-url and normalises the base path ("/x/" -> "/x", "/" -> "").
void check_options(ServeOptions& opts);

// Serves until SIGINT or SIGTERM; returns after a clean stop. Throws mreg::Error
// when the repository cannot be served or the address cannot be bound.
void serve(ServeOptions opts);

}  // namespace mreg::server
