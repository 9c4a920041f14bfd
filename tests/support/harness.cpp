#include "support/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace fs = std::filesystem;

namespace e2e {
namespace {

// A child that exits while we still write its stdin must not kill the test with SIGPIPE.
const bool sigpipe_ignored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

// An empty HOME for every child, so that no ~/.gitconfig is read.
const std::string& home_dir() {
  static TempDir home;
  return home.path();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Everything a child needs, prepared before fork (the child only calls async-signal-safe code).
struct Exec {
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
  std::string cwd;

  Exec(const std::vector<std::string>& a, const std::string& dir,
       const std::vector<std::string>& extra_env)
      : args(a), env(child_env(extra_env)), cwd(dir) {
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

[[noreturn]] void exec_child(const Exec& e, int in, int out, int err, bool own_group) {
  if (own_group) setpgid(0, 0);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!e.cwd.empty() && chdir(e.cwd.c_str()) != 0) {
    const char msg[] = "harness: cannot chdir\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  execvpe(e.argv[0], e.argv.data(), e.envp.data());
  const char msg[] = "harness: cannot exec\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(127);
}

int open_or_fail(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) FAIL("cannot open " << path << ": " << std::strerror(errno));
  return fd;
}

void make_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) FAIL("pipe2: " << std::strerror(errno));
}

int decode_status(int st, int* signal_out) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (signal_out && WIFSIGNALED(st)) *signal_out = WTERMSIG(st);
  return -1;
}

int wait_status(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) FAIL("waitpid: " << std::strerror(errno));
  }
  return st;
}

}  // namespace

std::string describe(const Result& r) {
  std::ostringstream s;
  s << "command:";
  for (const auto& a : r.argv) s << " [" << a << "]";
  s << "\nexit status: " << r.status;
  if (r.signal) s << " (signal " << r.signal << ")";
  s << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err;
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// TempDir

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/mreg-e2e-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed: " + templ);
  path_ = fs::canonical(buf.data()).string();
}

TempDir::~TempDir() {
  if (std::getenv("MREG_KEEP_TEST_DIRS")) {
    std::fprintf(stderr, "kept test folder %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// ---------------------------------------------------------------------------------------------
// Processes

std::vector<std::string> child_env(const std::vector<std::string>& extra_env) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(0, eq);
    if (starts_with(key, "GIT_") || starts_with(key, "MREG_") || key == "EMAIL" ||
        key == "XDG_CONFIG_HOME")
      continue;
    env[key] = kv.substr(eq + 1);
  }
  env["GIT_AUTHOR_NAME"] = "Test User";
  env["GIT_AUTHOR_EMAIL"] = "test@example.com";
  env["GIT_COMMITTER_NAME"] = "Test User";
  env["GIT_COMMITTER_EMAIL"] = "test@example.com";
  env["GIT_CONFIG_NOSYSTEM"] = "1";
  env["GIT_TERMINAL_PROMPT"] = "0";
  env["HOME"] = home_dir();
  env["LC_ALL"] = "C.UTF-8";
  env["TZ"] = "UTC";
  for (const auto& kv : extra_env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos)
      env.erase(kv);
    else
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

Result run(const std::vector<std::string>& argv, const std::string& cwd,
           const std::vector<std::string>& extra_env, const std::string& stdin_data) {
  Exec e(argv, cwd, extra_env);
  Result r;
  r.argv = argv;

  int in[2] = {-1, -1}, out[2], err[2];
  if (stdin_data.empty())
    in[0] = open_or_fail("/dev/null", O_RDONLY);
  else
    make_pipe(in);
  make_pipe(out);
  make_pipe(err);

  pid_t pid = fork();
  if (pid < 0) FAIL("fork: " << std::strerror(errno));
  if (pid == 0) exec_child(e, in[0], out[1], err[1], false);

  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (in[1] >= 0) fcntl(in[1], F_SETFL, O_NONBLOCK);

  size_t written = 0;
  int fds[3] = {out[0], err[0], in[1]};
  std::string* sinks[2] = {&r.out, &r.err};
  while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
    pollfd p[3];
    int n = 0, which[3];
    for (int i = 0; i < 3; ++i) {
      if (fds[i] < 0) continue;
      p[n] = {fds[i], short(i < 2 ? POLLIN : POLLOUT), 0};
      which[n++] = i;
    }
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      FAIL("poll: " << std::strerror(errno));
    }
    for (int k = 0; k < n; ++k) {
      int i = which[k];
      if (!p[k].revents) continue;
      if (i < 2) {
        char buf[65536];
        ssize_t got = read(fds[i], buf, sizeof buf);
        if (got > 0) {
          sinks[i]->append(buf, size_t(got));
        } else if (got == 0 || errno != EINTR) {
          close(fds[i]);
          fds[i] = -1;
        }
      } else {
        ssize_t put = write(fds[2], stdin_data.data() + written, stdin_data.size() - written);
        if (put > 0) written += size_t(put);
        if ((put < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_data.size()) {
          close(fds[2]);
          fds[2] = -1;
        }
      }
    }
  }
  r.status = decode_status(wait_status(pid), &r.signal);
  return r;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd,
            const std::vector<std::string>& extra_env, const std::string& out_path,
            const std::string& err_path) {
  Exec e(argv, cwd, extra_env);
  int in = open_or_fail("/dev/null", O_RDONLY);
  int out = open_or_fail(out_path.empty() ? "/dev/null" : out_path, O_WRONLY | O_CREAT | O_TRUNC);
  int err = open_or_fail(err_path.empty() ? "/dev/null" : err_path, O_WRONLY | O_CREAT | O_TRUNC);
  pid_t pid = fork();
  if (pid < 0) FAIL("fork: " << std::strerror(errno));
  if (pid == 0) exec_child(e, in, out, err, true);
  close(in);
  close(out);
  close(err);
  return pid;
}

int wait_exit(pid_t pid) { return decode_status(wait_status(pid), nullptr); }

bool poll_exit(pid_t pid, int* status) {
  int st = 0;
  pid_t got;
  while ((got = waitpid(pid, &st, WNOHANG)) < 0) {
    if (errno != EINTR) FAIL("waitpid: " << std::strerror(errno));
  }
  if (got == 0) return false;
  *status = decode_status(st, nullptr);
  return true;
}

Result mreg(const std::vector<std::string>& args, const std::string& cwd,
            const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv{MREG_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, cwd, extra_env);
}

Result git(const std::vector<std::string>& args, const std::string& cwd,
           const std::vector<std::string>& extra_env, const std::string& stdin_data) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, cwd, extra_env, stdin_data);
}

std::string git_ok(const std::vector<std::string>& args, const std::string& cwd,
                   const std::vector<std::string>& extra_env) {
  Result r = git(args, cwd, extra_env);
  REQUIRE_EXIT(r, 0);
  std::string out = r.out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string sh_ok(const std::string& script, const std::string& cwd) {
  Result r = run({"sh", "-c", script}, cwd);
  REQUIRE_EXIT(r, 0);
  return r.out;
}

// ---------------------------------------------------------------------------------------------
// Parsing

nlohmann::json json(const Result& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& ex) {
    FAIL("stdout is not JSON (" << ex.what() << ")\n" << describe(r));
  }
  return {};
}

nlohmann::json yaml_to_json(const std::string& yaml) {
  static const char* script =
      "import sys, json, yaml\n"
      "class Loader(yaml.SafeLoader): pass\n"
      "Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != 'tag:yaml.org,2002:timestamp']\n"
      "    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}\n"
      "json.dump(yaml.load(sys.stdin.read(), Loader=Loader), sys.stdout)\n";
  Result r = run({"python3", "-c", script}, "", {}, yaml);
  INFO("YAML to JSON needs python3 with PyYAML (Debian: python3-yaml)");
  INFO("YAML text:\n" << yaml);
  REQUIRE_EXIT(r, 0);
  return json(r);
}

void write_file(const std::string& path, const std::string& content) {
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) FAIL("cannot write " << path);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) FAIL("cannot read " << path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream s(text);
  std::string line;
  while (std::getline(s, line)) out.push_back(line);
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

int line_of(const std::string& text, const std::string& prefix) {
  auto ls = lines(text);
  for (size_t i = 0; i < ls.size(); ++i)
    if (starts_with(ls[i], prefix)) return int(i) + 1;
  return 0;
}

std::string replace_line(const std::string& text, const std::string& prefix,
                         const std::string& replacement) {
  std::string out;
  bool done = false;
  for (const auto& line : lines(text)) {
    if (!done && starts_with(line, prefix)) {
      out += replacement + "\n";
      done = true;
    } else {
      out += line + "\n";
    }
  }
  INFO("text:\n" << text);
  INFO("no line starts with '" << prefix << "'");
  REQUIRE(done);
  return out;
}

std::string scalar_line(const std::string& text, const std::string& key) {
  for (const auto& line : lines(text)) {
    if (!starts_with(line, key + ":")) continue;
    std::string v = trim(line.substr(key.size() + 1));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
      v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

nlohmann::json list_field(const nlohmann::json& obj, const std::string& key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nlohmann::json::array();
  return *it;
}

std::map<std::string, std::string> tag_map(const nlohmann::json& tags) {
  std::map<std::string, std::string> out;
  if (tags.is_null()) return out;
  INFO("tags: " << tags.dump());
  REQUIRE(tags.is_array());
  for (const auto& t : tags) out[t.at("key").get<std::string>()] = t.at("value").get<std::string>();
  return out;
}

int64_t rfc3339_ms(const std::string& s) {
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return -1;
  int64_t ms = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 3) ms = ms * 10 + (*rest - '0');
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (std::string(rest) != "Z" && std::string(rest) != "+00:00") return -1;
  return int64_t(timegm(&tm)) * 1000 + ms;
}

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::multimap<std::string, std::string> trailers(const std::string& repo, const std::string& rev) {
  std::string message = git_ok({"log", "-1", "--format=%B", rev}, repo) + "\n";
  Result r = git({"interpret-trailers", "--parse"}, repo, {}, message);
  REQUIRE_EXIT(r, 0);
  std::multimap<std::string, std::string> out;
  for (const auto& line : lines(r.out)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out.emplace(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return out;
}

void require_fsck_clean(const std::string& repo) {
  Result r = git({"fsck", "--strict"}, repo);
  INFO(describe(r));
  REQUIRE(r.status == 0);
  for (const auto& line : lines(r.out + r.err)) {
    INFO("git fsck: " << line);
    CHECK(starts_with(line, "dangling "));
  }
}

std::string trailer(const std::string& repo, const std::string& rev, const std::string& key) {
  auto t = trailers(repo, rev);
  auto it = t.find(key);
  return it == t.end() ? "(missing)" : it->second;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry::Registry(bool bare, const std::string& registry_id)
    : path_(dir / "registry"), bare_(bare) {
  fs::create_directories(path_);
  std::vector<std::string> args{"init", "--repo", path_, "--registry", registry_id};
  if (bare) args.push_back("--bare");
  REQUIRE_EXIT(e2e::mreg(args), 0);
}

Registry::Registry(CopyOf from) : path_(dir / "registry"), bare_(from.original.bare_) {
  fs::copy(from.original.dir.path(), dir.path(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

Result Registry::mreg(std::vector<std::string> args,
                      const std::vector<std::string>& extra_env) const {
  args.push_back("--repo");
  args.push_back(path_);
  return e2e::mreg(args, "", extra_env);
}

nlohmann::json Registry::mreg_json(std::vector<std::string> args,
                                   const std::vector<std::string>& extra_env) const {
  args.push_back("-o");
  args.push_back("json");
  Result r = mreg(args, extra_env);
  REQUIRE_EXIT(r, 0);
  return json(r);
}

Result Registry::git(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env,
                     const std::string& stdin_data) const {
  return e2e::git(args, path_, extra_env, stdin_data);
}

std::string Registry::git_ok(const std::vector<std::string>& args,
                             const std::vector<std::string>& extra_env) const {
  return e2e::git_ok(args, path_, extra_env);
}

std::string Registry::head() const { return git_ok({"rev-parse", "HEAD"}); }

std::string Registry::show(const std::string& file, const std::string& rev) const {
  Result r = git({"show", rev + ":" + file});
  REQUIRE_EXIT(r, 0);
  return r.out;
}

std::vector<std::string> Registry::files(const std::string& rev) const {
  return lines(git_ok({"ls-tree", "-r", "--name-only", rev}));
}

std::string Registry::state() const {
  std::string s = "HEAD " + git_ok({"rev-parse", "HEAD"}) + "\n" +
                  git_ok({"for-each-ref", "--format=%(refname) %(objectname)"}) + "\n";
  if (!bare_) s += "status:\n" + git_ok({"status", "--porcelain", "--untracked-files=all"});
  return s;
}

int Registry::commit_count() const { return std::stoi(git_ok({"rev-list", "--count", "HEAD"})); }

void Registry::check_commit(const std::string& rev, const std::string& op,
                            const std::string& model, const std::string& version) const {
  std::string message = git_ok({"log", "-1", "--format=%B", rev});
  INFO("commit " << rev << " message:\n" << message);
  auto ls = lines(message);
  REQUIRE(ls.size() >= 3);
  CHECK(trim(ls[0]) != "");
  CHECK(ls[1] == "");
  auto t = trailers(path_, rev);
  CHECK(t.count("Mreg-Op") == 1);
  if (t.count("Mreg-Op")) CHECK(t.find("Mreg-Op")->second == op);
  if (!model.empty()) {
    CHECK(t.count("Mreg-Model") == 1);
    if (t.count("Mreg-Model")) CHECK(t.find("Mreg-Model")->second == model);
  }
  if (!version.empty()) {
    CHECK(t.count("Mreg-Version") == 1);
    if (t.count("Mreg-Version")) CHECK(t.find("Mreg-Version")->second == version);
  }
}

void Registry::hand_commit(const std::string& message) const {
  REQUIRE(!bare_);
  git_ok({"add", "-A"});
  git_ok({"commit", "-q", "-m", message});
}

void Registry::require_worktree_matches_head() const {
  REQUIRE(!bare_);
  INFO("work tree of " << path_);
  CHECK(git_ok({"status", "--porcelain", "--untracked-files=all"}) == "");
  // Blob ids of HEAD against the hashes of the work tree files.
  std::vector<std::string> paths, ids;
  for (const auto& line : lines(git_ok({"ls-tree", "-r", "HEAD"}))) {
    auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    std::istringstream meta(line.substr(0, tab));
    std::string mode, type, id;
    meta >> mode >> type >> id;
    paths.push_back(line.substr(tab + 1));
    ids.push_back(id);
  }
  std::string stdin_paths;
  for (const auto& p : paths) stdin_paths += p + "\n";
  Result hashed = git({"hash-object", "--no-filters", "--stdin-paths"}, {}, stdin_paths);
  REQUIRE_EXIT(hashed, 0);
  auto got = lines(hashed.out);
  REQUIRE(got.size() == ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO("file " << paths[i]);
    CHECK(got[i] == ids[i]);
  }
}

}  // namespace e2e
