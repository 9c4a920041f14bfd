#include "tag_signing.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "mreg/error.h"

extern char** environ;

namespace mreg {
namespace {

namespace fs = std::filesystem;

// A private folder for the signer's files, removed with them.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/mreg-tag-sign-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot make a folder for signing the tag: " + std::string(std::strerror(errno)));
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_whole_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
  if (!f.flush()) throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + path);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Exit {
  int status = 0;     // the exit code; -1 when a signal ended it or it did not start
  int signal = 0;     // the signal that ended it
  std::string error;  // why it did not start
};

// Runs argv[0] (looked up in PATH, no shell) with stdin from `in` (empty: this process's
// stdin), stdout and stderr into files; waits for it.
Exit run_signer(const std::vector<std::string>& argv, const std::string& in, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!in.empty()) posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return {-1, 0, "cannot run '" + argv[0] + "': " + std::strerror(rc)};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return {-1, WTERMSIG(status), ""};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, ""};
}

std::string describe_exit(const Exit& e) {
  if (!e.error.empty()) return e.error;
  if (e.signal) return "killed by signal " + std::to_string(e.signal);
  return "exit status " + std::to_string(e.status);
}

// git's test for a literal public key in user.signingKey: "key::" and the key, or (the older
// form) a key that starts with "ssh-". `*key` is the key without the prefix.
bool literal_ssh_key(const std::string& value, std::string* key) {
  if (value.rfind("key::", 0) == 0) {
    *key = value.substr(5);
    return true;
  }
  if (value.rfind("ssh-", 0) == 0) {
    *key = value;
    return true;
  }
  return false;
}

// "~/x" and "~user/x" as git's interpolate_path expands them.
std::string expand_path(const std::string& path) {
  if (path.empty() || path[0] != '~') return path;
  const auto slash = path.find('/');
  const std::string user = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  const std::string rest = slash == std::string::npos ? "" : path.substr(slash);
  if (user.empty()) {
    const char* home = std::getenv("HOME");
    return home && *home ? home + rest : path;
  }
  const passwd* pw = ::getpwnam(user.c_str());
  return pw && pw->pw_dir ? pw->pw_dir + rest : path;
}

// A command line split into words as git's split_cmdline splits it: white space separates,
// single and double quotes group, a backslash outside single quotes takes the next character.
std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> words(1);
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (!quote && std::isspace(static_cast<unsigned char>(c))) {
      while (i + 1 < line.size() && std::isspace(static_cast<unsigned char>(line[i + 1]))) ++i;
      words.emplace_back();
    } else if (!quote && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    } else if (c == '\\' && quote != '\'') {
      if (++i == line.size()) throw_invalid("git config gpg.ssh.defaultKeyCommand: ends with a backslash");
      words.back() += line[i];
    } else {
      words.back() += c;
    }
  }
  if (quote) throw_invalid("git config gpg.ssh.defaultKeyCommand: a quote is not closed");
  return words;
}

void drop_carriage_returns(std::string& s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

// What a signer said, short enough for a message.
std::string said(const std::string& path) {
  std::string text = trimmed(read_whole_file(path));
  constexpr std::size_t kMax = 4000;
  if (text.size() > kMax) text = text.substr(0, kMax) + " ...";
  return text;
}

}  // namespace

TagSigner TagSigner::from_config(const git::Repository& repo) {
  TagSigner s;
  // git tag -m signs with either: tag.gpgSign, or tag.forceSignAnnotated for a tag with a message.
  if (repo.config_bool("tag.gpgSign").value_or(false))
    s.asked_by_ = "tag.gpgSign";
  else if (repo.config_bool("tag.forceSignAnnotated").value_or(false))
    s.asked_by_ = "tag.forceSignAnnotated";
  else
    return s;
  s.format_ = repo.config_string("gpg.format").value_or("openpgp");
  std::optional<std::pair<std::string, std::string>> program;
  if (s.format_ == "openpgp") {
    program = repo.config_last_of({"gpg.program", "gpg.openpgp.program"});
    if (!program) program = std::make_pair(std::string("gpg.program"), std::string("gpg"));
  } else if (s.format_ == "x509") {
    program = repo.config_last_of({"gpg.x509.program"});
    if (!program) program = std::make_pair(std::string("gpg.x509.program"), std::string("gpgsm"));
  } else if (s.format_ == "ssh") {
    program = repo.config_last_of({"gpg.ssh.program"});
    if (!program) program = std::make_pair(std::string("gpg.ssh.program"), std::string("ssh-keygen"));
  } else {
    throw_invalid("git config " + s.asked_by_ + " asks for signed tags, but gpg.format is '" + s.format_ +
                  "': git signs with openpgp, x509 or ssh");
  }
  s.program_key_ = program->first;
  s.program_ = program->second;
  s.key_ = repo.config_string("user.signingKey");
  s.default_key_command_ = repo.config_string("gpg.ssh.defaultKeyCommand");
  return s;
}

void TagSigner::fail(const std::string& name, const std::string& what, const std::string& output) const {
  std::string context = "gpg.format " + format_ + ", " + program_key_ + " '" + program_ + "'";
  if (key_) context += ", user.signingKey '" + *key_ + "'";
  throw_invalid("git config " + asked_by_ + " asks for signed tags, but the tag " + name + " could not be signed (" +
                context + "): " + what + (output.empty() ? "" : ": " + output));
}

std::string TagSigner::sign(const std::string& name, const std::string& text, const git::Signature& tagger) const {
  if (!*this) throw Error(ErrorCode::INTERNAL_ERROR, "no tag signing is set up");
  // git's message cleanup ends the message with a line break; the signature starts a line.
  std::string payload = text;
  if (payload.empty() || payload.back() != '\n') payload += '\n';
  ScratchDir dir;
  std::string signature = format_ == "ssh" ? sign_ssh(name, payload, dir / "") : sign_gpg(name, payload, dir / "", tagger);
  drop_carriage_returns(signature);
  if (signature.find("-----BEGIN ") == std::string::npos)
    fail(name, program_ + " gave no armored signature", trimmed(signature.substr(0, 200)));
  return payload + signature;
}

std::string TagSigner::ssh_default_key(const std::string& name, const std::string& dir) const {
  if (!default_key_command_)
    fail(name, "for ssh signing, either user.signingKey or gpg.ssh.defaultKeyCommand needs to be configured");
  const auto argv = split_command(*default_key_command_);
  const Exit e = run_signer(argv, "", dir + "default-key.out", dir + "default-key.err");
  const std::string out = read_whole_file(dir + "default-key.out");
  std::string first = out.substr(0, out.find('\n') == std::string::npos ? out.size() : out.find('\n') + 1);
  std::string literal;
  if (e.status != 0)
    fail(name, "gpg.ssh.defaultKeyCommand '" + *default_key_command_ + "' failed (" + describe_exit(e) + ")",
         said(dir + "default-key.err"));
  if (!literal_ssh_key(first, &literal))
    fail(name, "gpg.ssh.defaultKeyCommand '" + *default_key_command_ + "' gave no key",
         trimmed(said(dir + "default-key.err") + " " + trimmed(out)));
  return first;  // with its line break, as git keeps it
}

std::string TagSigner::sign_ssh(const std::string& name, const std::string& payload, const std::string& dir) const {
  const std::string key = key_ ? *key_ : ssh_default_key(name, dir);
  if (key.empty()) fail(name, "user.signingKey needs to be set for ssh signing");
  std::vector<std::string> argv{program_, "-Y", "sign", "-n", "git", "-f"};
  std::string literal;
  if (literal_ssh_key(key, &literal)) {
    write_whole_file(dir + "key", literal);
    argv.insert(argv.end(), {dir + "key", "-U"});
  } else {
    argv.push_back(expand_path(key));
  }
  write_whole_file(dir + "tag", payload);
  argv.push_back(dir + "tag");
  const Exit e = run_signer(argv, "", dir + "out", dir + "err");
  if (e.status != 0) {
    std::string output = said(dir + "err");
    if (output.find("usage:") != std::string::npos)
      output = "ssh-keygen -Y sign is needed for ssh signing (OpenSSH 8.2p1 or later): " + output;
    fail(name, describe_exit(e), output);
  }
  if (!fs::exists(dir + "tag.sig")) fail(name, program_ + " wrote no signature", said(dir + "err"));
  return read_whole_file(dir + "tag.sig");
}

std::string TagSigner::sign_gpg(const std::string& name, const std::string& payload, const std::string& dir,
                                const git::Signature& tagger) const {
  const std::string key = key_ ? *key_ : tagger.name + " <" + tagger.email + ">";
  write_whole_file(dir + "tag", payload);
  const Exit e = run_signer({program_, "--status-fd=2", "-bsau", key}, dir + "tag", dir + "sig", dir + "err");
  // As git: the signer succeeded when it exits 0 and says SIG_CREATED at the start of a line.
  const std::string status = read_whole_file(dir + "err");
  const bool created = status.rfind("[GNUPG:] SIG_CREATED ", 0) == 0 ||
                       status.find("\n[GNUPG:] SIG_CREATED ") != std::string::npos;
  if (e.status != 0 || !created) {
    const std::string output = said(dir + "err");
    fail(name, e.status != 0 ? describe_exit(e) : program_ + " did not say SIG_CREATED",
         output.empty() ? "(no output)" : output);
  }
  return read_whole_file(dir + "sig");
}

}  // namespace mreg
