#include "aws_config.h"

#include <fstream>
#include <map>
#include <optional>

#include "mreg/error.h"

namespace mreg {
namespace {

using Section = std::map<std::string, std::string>;  // "key", or "parent.key" for a nested setting

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The sections of an INI file as the AWS CLI writes them: "[name]", "key = value",
// and nested "parent =" followed by indented "key = value" lines.
std::map<std::string, Section> read_ini(const std::string& path) {
  std::map<std::string, Section> out;
  std::ifstream f(path);
  std::string line, section, parent;
  bool in_section = false;
  while (std::getline(f, line)) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(t.substr(1, t.size() - 2));
      out[section];
      in_section = true;
      parent.clear();
      continue;
    }
    const auto eq = t.find('=');
    if (!in_section || eq == std::string::npos) continue;
    const std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
    const bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && !parent.empty()) {
      out[section][parent + "." + key] = value;
    } else {
      parent = value.empty() ? key : "";
      if (!value.empty()) out[section][key] = value;
    }
  }
  return out;
}

std::string value_of(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? v : "";
}

std::string home_file(const EnvLookup& env, const char* variable, const std::string& rel) {
  std::string path = value_of(env, variable);
  if (!path.empty()) return path;
  const std::string home = value_of(env, "HOME");
  return home.empty() ? "" : home + "/" + rel;
}

std::optional<Section> find(const std::map<std::string, Section>& ini, const std::string& name) {
  const auto it = ini.find(name);
  if (it == ini.end()) return std::nullopt;
  return it->second;
}

std::string get(const std::optional<Section>& s, const std::string& key) {
  if (!s) return "";
  const auto it = s->find(key);
  return it == s->end() ? "" : it->second;
}

// The keys of a profile section, or nothing; `where` names it for messages.
AwsCredentials credentials_of(const std::optional<Section>& s, const std::string& where) {
  AwsCredentials c{get(s, "aws_access_key_id"), get(s, "aws_secret_access_key"), get(s, "aws_session_token")};
  if (c.access_key_id.empty() != c.secret_access_key.empty())
    throw_invalid(where + " has " + (c.access_key_id.empty() ? "aws_secret_access_key" : "aws_access_key_id") +
                  " without " + (c.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
  return c;
}

}  // namespace

AwsSettings aws_settings(const EnvLookup& env) {
  AwsSettings s;
  const std::string named_profile = value_of(env, "AWS_PROFILE");
  const std::string profile = named_profile.empty() ? "default" : named_profile;
  const std::string credentials_path = home_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string config_path = home_file(env, "AWS_CONFIG_FILE", ".aws/config");
  const auto credentials_ini = credentials_path.empty() ? std::map<std::string, Section>{} : read_ini(credentials_path);
  const auto config_ini = config_path.empty() ? std::map<std::string, Section>{} : read_ini(config_path);
  const auto in_credentials = find(credentials_ini, profile);
  auto in_config = find(config_ini, "profile " + profile);
  if (!in_config && profile == "default") in_config = find(config_ini, "default");
  if (!named_profile.empty() && !in_credentials && !in_config)
    throw_invalid("AWS_PROFILE: no profile '" + profile + "' in " + credentials_path + " or " + config_path);

  s.credentials = {value_of(env, "AWS_ACCESS_KEY_ID"), value_of(env, "AWS_SECRET_ACCESS_KEY"),
                   value_of(env, "AWS_SESSION_TOKEN")};
  if (s.credentials.access_key_id.empty() != s.credentials.secret_access_key.empty())
    throw_invalid(std::string(s.credentials.access_key_id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                  " is set without " +
                  (s.credentials.access_key_id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
  if (s.credentials.empty()) s.credentials = credentials_of(in_credentials, "profile '" + profile + "' of " + credentials_path);
  if (s.credentials.empty()) s.credentials = credentials_of(in_config, "profile '" + profile + "' of " + config_path);

  for (const std::string& region : {value_of(env, "AWS_REGION"), value_of(env, "AWS_DEFAULT_REGION"), get(in_config, "region")})
    if (!region.empty()) {
      s.region = region;
      break;
    }
  for (const std::string& endpoint : {value_of(env, "AWS_ENDPOINT_URL_S3"), value_of(env, "AWS_ENDPOINT_URL"),
                                      get(in_config, "s3.endpoint_url"), get(in_config, "endpoint_url")})
    if (!endpoint.empty()) {
      s.endpoint_url = endpoint;
      break;
    }
  return s;
}

}  // namespace mreg
