#include "serve.h"

#include <httplib.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "api.h"
#include "mirror.h"
#include "workers.h"
#include "mreg/error.h"
#include "mreg/long_running.h"
#include "mreg/timefmt.h"
#include "pages.h"
#include "snapshot_source.h"

namespace mreg::server {
namespace {

std::mutex log_mutex;

void log_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::cerr << line << std::endl;
}

thread_local std::chrono::steady_clock::time_point request_start;
// A request is logged by the handler before its answer goes out (so the log is
// complete once a client has its answer); what httplib answers by itself (a
// request it cannot read) is logged after.
thread_local bool request_logged = false;

// "/api/2.0/mlflow/x" and "/ajax-api/2.0/mlflow/x" -> "x"; any other API path is
// kept whole, so that it is answered as an unknown endpoint.
bool api_endpoint(const std::string& path, std::string& endpoint) {
  for (const char* prefix : {"/api/", "/ajax-api/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    const std::string rest = path.substr(std::string(prefix).size());
    const std::string mlflow = "2.0/mlflow/";
    endpoint = rest.rfind(mlflow, 0) == 0 ? rest.substr(mlflow.size()) : path;
    return true;
  }
  return false;
}

void dispatch(const httplib::Request& req, httplib::Response& res, const ServeOptions& opts,
              const SnapshotSource& source) {
  std::string path = req.path;
  if (!opts.base_path.empty()) {
    if (path == opts.base_path) {
      res.set_redirect(opts.base_path + "/");
      return;
    }
    if (path.rfind(opts.base_path + "/", 0) != 0) {
      res.status = 404;
      res.set_content("Not found: this server serves " + opts.base_path + "/\n", "text/plain; charset=utf-8");
      return;
    }
    path = path.substr(opts.base_path.size());
  }
  std::string endpoint;
  if (api_endpoint(path, endpoint)) {
    handle_api(req, res, endpoint, source);
    return;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("This registry is served read-only: make changes with the mreg CLI or a pull request.\n",
                    "text/plain; charset=utf-8");
    return;
  }
  handle_page(req, res, path, opts, source);
}

void log_request(const httplib::Request& req, const httplib::Response& res) {
  // A request httplib could not read (a URI too long) has no start time, address or method.
  std::string elapsed = "-";
  if (request_start != std::chrono::steady_clock::time_point{}) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - request_start).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(micros) / 1000.0);
    elapsed = buf;
  }
  request_start = {};
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  // The request line's target as sent (never a form body's fields); a huge one is cut short.
  std::string target = req.target.size() > 300 ? req.target.substr(0, 300) + "..." : req.target;
  for (auto& c : target)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // one request, one line
  log_line(format_rfc3339(now_seconds()) + " " + or_dash(req.remote_addr) + " " + or_dash(req.method) + " " +
           or_dash(target) + " " + std::to_string(res.status) + " " + std::to_string(res.body.size()) + "B " + elapsed);
}

// The body of an error httplib answers by itself (a request it could not read).
std::string status_text(int status) {
  switch (status) {
    case 400: return "Bad request\n";
    case 413: return "Request too large\n";
    case 414: return "URI too long\n";
    case 404: return "Not found\n";
    default: return "HTTP error " + std::to_string(status) + "\n";
  }
}

std::string server_url(const ServeOptions& opts) {
  return "http://" + opts.host + ":" + std::to_string(opts.port) + opts.base_path + "/";
}

// Reads every model of the served commit into memory once the server listens (so that first
// visits find them there), then gives freed memory back to the system every 10 s until
// stopped: a reader's garbage otherwise stays in the process for good.
class Housekeeping {
 public:
  explicit Housekeeping(const SnapshotSource& source) : thread_([this, &source] { run(source); }) {}
  ~Housekeeping() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run(const SnapshotSource& source) {
    const auto start = std::chrono::steady_clock::now();
    try {
      const View view = source.current();
      const std::size_t models = view.snapshot.read_all_models_into_memory([this] { return !stopping_.load(); });
      const auto millis =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      if (!stopping_)
        log_line("mreg serve: " + std::to_string(models) + " models read into memory in " + std::to_string(millis) +
                 " ms");
    } catch (const std::exception& e) {
      log_line(std::string("mreg serve: models not read into memory ahead (they are read as asked for): ") + e.what());
    }
    std::unique_lock<std::mutex> lock(mutex_);
    do malloc_trim(0);
    while (!wake_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_.load(); }));
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

void serve(ServeOptions opts) {
  check_options(opts);

  // SIGINT and SIGTERM are blocked in every thread (the server's workers
  // inherit the mask) and taken by sigwait below, so a stop is never handled
  // halfway through a request.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // One malloc arena per CPU rather than glibc's eight: a server has a thread per connection,
  // and each arena keeps what its threads freed.
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

  std::unique_ptr<Mirror> mirror;
  if (!opts.mirror_url.empty()) {
    mirror = std::make_unique<Mirror>(opts.mirror_url, opts.repo, opts.mirror_interval_seconds, log_line);
    mirror->update_now();  // clones a missing mirror; the first answer is from the remote's state
  }
  const SnapshotSource source(opts.repo, opts.ref);
  source.check();
  // A new commit then costs the models page only the folders it changed, and the history
  // pages only the commits that are new.
  keep_read_caches_in_memory();

  httplib::Server server;
  server.set_read_timeout(5, 0);  // an idle or trickling client is dropped, not waited for
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  // httplib's default of 5 requests a connection makes busy clients reconnect all the time.
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(1 << 20);
  // httplib writes headers and body separately: without TCP_NODELAY a kept-alive
  // connection waits for the client's delayed ACK (40 ms) on every answer.
  server.set_tcp_nodelay(true);
  // A worker for each open connection (workers.h), so that neither busy kept-alive
  // clients nor idle or trickling connections leave others queued.
  const std::size_t max_connections = static_cast<std::size_t>(opts.max_connections);
  server.new_task_queue = [max_connections] { return new ConnectionWorkers(max_connections); };
  // The listening socket, to raise its backlog once bound (below).
  int listening = -1;
  server.set_socket_options([&listening](int sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  const httplib::Server::Handler handler = [&](const httplib::Request& req, httplib::Response& res) {
    dispatch(req, res, opts, source);
    log_request(req, res);
    request_logged = true;
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    request_logged = false;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("Internal error\n", "text/plain; charset=utf-8");
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(status_text(res.status), "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (!request_logged) log_request(req, res);
  });

  if (opts.port == 0) {
    opts.port = server.bind_to_any_port(opts.host);
    if (opts.port < 0) throw_invalid("--listen: cannot listen on " + opts.host + " (not an address of this machine)");
  } else if (!server.bind_to_port(opts.host, opts.port)) {
    throw_invalid("--listen: cannot listen on " + opts.host + ":" + std::to_string(opts.port) +
                  " (in use, or not an address of this machine)");
  }
  // httplib, as Debian builds it, listens with a backlog of 5: a burst of new connections
  // overflows it, and each connection dropped there waits a second or more to be tried again.
  int accepting = 0;
  socklen_t size = sizeof accepting;
  if (listening >= 0 && getsockopt(listening, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting)
    ::listen(listening, SOMAXCONN);
  log_line("mreg serve: listening on " + server_url(opts) + " (" +
           (opts.ref.empty() ? std::string("HEAD") : opts.ref) + " of " + opts.repo + ")");

  std::thread listener([&] {
    server.listen_after_bind();
    kill(getpid(), SIGTERM);  // wakes the sigwait below when the server stops by itself
  });
  if (mirror) mirror->start();
  std::optional<Housekeeping> housekeeping(std::in_place, source);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log_line(std::string("mreg serve: stopping (") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  housekeeping.reset();
  if (mirror) mirror->stop();
  server.stop();
  listener.join();
  log_line("mreg serve: stopped");
}

}  // namespace mreg::server
