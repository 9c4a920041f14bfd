#include "signing.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "mreg/error.h"

namespace mreg::cli {
namespace fs = std::filesystem;
namespace {

// A private temporary folder, removed when done.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mreg-sign-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(ErrorCode::INTERNAL_ERROR, "cannot make a temporary folder");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary);
  f << data;
  if (!f) throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + p.string());
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a program (no shell); stdin and stderr are the user's, so prompts work.
int run(const std::vector<std::string>& argv, const fs::path& stdout_file = {}) {
  pid_t pid = ::fork();
  if (pid < 0) throw Error(ErrorCode::INTERNAL_ERROR, "cannot start " + argv[0]);
  if (pid == 0) {
    if (!stdout_file.empty()) {
      int fd = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) ::dup2(fd, 1);
    } else {
      ::dup2(2, 1);  // the program's chatter goes to stderr, never into our output
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool literal_key(const std::string& key) { return key.rfind("ssh-", 0) == 0 || key.rfind("ecdsa-", 0) == 0 || key.rfind("key::", 0) == 0 || key.rfind("sk-", 0) == 0; }

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) == 0)
    if (const char* home = std::getenv("HOME")) return std::string(home) + path.substr(1);
  return path;
}

std::string signing_key(const Registry& registry, const std::string& key) {
  if (!key.empty()) return key;
  if (auto k = registry.config_value("user.signingKey"); k && !k->empty()) return *k;
  throw Error(ErrorCode::INVALID_PARAMETER_VALUE,
              "no signing key: pass -f KEY (a key file, or the .pub of a key in ssh-agent) or set git config "
              "user.signingKey");
}

}  // namespace

std::string ssh_public_key(const Registry& registry, const std::string& key_arg) {
  std::string key = signing_key(registry, key_arg);
  if (literal_key(key)) return key.rfind("key::", 0) == 0 ? key.substr(5) : key;
  key = expand_home(key);
  const std::string pub = key.size() > 4 && key.compare(key.size() - 4, 4, ".pub") == 0 ? key : key + ".pub";
  if (fs::exists(pub)) return read_file(pub);
  TempDir tmp;  // no .pub beside it: derive it from the private key
  if (run({"ssh-keygen", "-y", "-f", key}, tmp.path / "key.pub") != 0)
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "cannot read the public key of " + key);
  return read_file(tmp.path / "key.pub");
}

std::string ssh_sign(const Registry& registry, const std::string& data, const std::string& namespace_,
                     const std::string& key_arg) {
  std::string key = signing_key(registry, key_arg);
  TempDir tmp;
  std::vector<std::string> argv{"ssh-keygen", "-q", "-Y", "sign", "-n", namespace_};
  if (literal_key(key)) {
    write_file(tmp.path / "key.pub", (key.rfind("key::", 0) == 0 ? key.substr(5) : key) + "\n");
    argv.insert(argv.end(), {"-f", (tmp.path / "key.pub").string(), "-U"});
  } else {
    key = expand_home(key);
    if (!fs::exists(key)) throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "signing key " + key + " does not exist");
    argv.insert(argv.end(), {"-f", key});
  }
  const fs::path message = tmp.path / "message";
  write_file(message, data);
  argv.push_back(message.string());
  if (run(argv) != 0 || !fs::exists(message.string() + ".sig"))
    throw Error(ErrorCode::INTERNAL_ERROR, "ssh-keygen -Y sign -n " + namespace_ + " failed with key " + key);
  return read_file(message.string() + ".sig");
}

std::function<std::string(const std::string&)> commit_signer(const Registry& registry) {
  auto flag = registry.config_value("commit.gpgSign");
  if (!flag || (*flag != "true" && *flag != "yes" && *flag != "on" && *flag != "1")) return {};
  const std::string format = registry.config_value("gpg.format").value_or("openpgp");
  if (format == "ssh")
    return [&registry](const std::string& bytes) { return ssh_sign(registry, bytes, "git", ""); };
  if (format == "openpgp")
    return [&registry](const std::string& bytes) {
      TempDir tmp;
      write_file(tmp.path / "commit", bytes);
      std::vector<std::string> argv{registry.config_value("gpg.program").value_or("gpg"), "--batch", "-bsa"};
      if (auto k = registry.config_value("user.signingKey")) argv.insert(argv.end(), {"-u", *k});
      argv.insert(argv.end(), {"-o", (tmp.path / "commit.asc").string(), (tmp.path / "commit").string()});
      if (run(argv) != 0) throw Error(ErrorCode::INTERNAL_ERROR, "gpg could not sign the commit (commit.gpgSign is set)");
      return read_file(tmp.path / "commit.asc");
    };
  throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "commit.gpgSign is set with gpg.format " + format +
                                                      ", which mreg cannot sign with (ssh or openpgp)");
}

}  // namespace mreg::cli
