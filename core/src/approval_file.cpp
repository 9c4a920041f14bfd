// The .approval file: the exact bytes a reviewer signs.
#include "mreg/approval.h"

#include <vector>

#include "manifest.h"
#include "mreg/error.h"
#include "mreg/names.h"
#include "mreg/timefmt.h"

namespace mreg {
namespace {

constexpr const char* kHeader = "mreg-approval/v1";
constexpr const char* kClosingHeader = "mreg-closing/v1";

// The lines of a strict "key: value" file, each ended by LF; throws naming what is wrong.
std::vector<std::string> strict_lines(const std::string& bytes) {
  auto bad = [](const std::string& why) { throw Error(ErrorCode::INVALID_PARAMETER_VALUE, why); };
  if (bytes.size() > 4096) bad("longer than 4096 bytes");
  if (bytes.find('\0') != std::string::npos) bad("holds a NUL byte");
  if (bytes.find('\r') != std::string::npos) bad("holds a carriage return (CRLF line ends?)");
  if (bytes.empty() || bytes.back() != '\n') bad("does not end with a line feed");
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t nl = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

std::string request_signature_path(const std::string& model, const std::string& request_id) {
  return request_path(model, request_id) + ".sig";
}

std::string closing_path(const std::string& model, const std::string& request_id, const std::string& principal,
                         const std::string& outcome) {
  return model_dir(model) + "/approvals/" + request_id + "/" + principal +
         (outcome == "reject" ? ".rejection" : ".cancellation");
}

std::string render_closing(const ClosingPayload& c) {
  std::string s = std::string(kClosingHeader) + "\n";
  auto line = [&](const char* key, const std::string& value) { s += std::string(key) + ": " + value + "\n"; };
  line("registry", c.registry);
  line("model", c.model);
  line("request_id", c.request_id);
  line("request_sha256", c.request_sha256);
  line("outcome", c.outcome);
  line("principal", c.principal);
  line("issued_at", format_rfc3339(c.issued_at));
  return s;
}

ClosingPayload parse_closing(const std::string& bytes) {
  auto bad = [](const std::string& why) -> ClosingPayload { throw Error(ErrorCode::INVALID_PARAMETER_VALUE, why); };
  const std::vector<std::string> lines = strict_lines(bytes);
  if (lines.size() != 8) return bad("has " + std::to_string(lines.size()) + " lines, not 8");
  if (lines[0] != kClosingHeader) return bad("line 1: expected '" + std::string(kClosingHeader) + "'");
  const char* keys[] = {"registry", "model", "request_id", "request_sha256", "outcome", "principal", "issued_at"};
  std::vector<std::string> values;
  for (size_t i = 0; i < 7; ++i) {
    const std::string prefix = std::string(keys[i]) + ": ";
    if (lines[i + 1].rfind(prefix, 0) != 0) return bad("line " + std::to_string(i + 2) + ": expected '" + prefix + "...'");
    values.push_back(lines[i + 1].substr(prefix.size()));
    if (values.back().empty() || values.back().front() == ' ' || values.back().back() == ' ')
      return bad("line " + std::to_string(i + 2) + ": '" + keys[i] + "' is empty or has spaces around it");
  }
  ClosingPayload c{values[0], values[1], values[2], values[3], values[4], values[5], 0};
  if (c.outcome != "reject" && c.outcome != "cancel") return bad("line 6: 'outcome' must be reject or cancel");
  auto issued = parse_rfc3339(values[6]);
  if (!issued) return bad("'issued_at' must be an RFC 3339 time");
  c.issued_at = *issued;
  if (render_closing(c) != bytes) return bad("is not in canonical form (times as YYYY-MM-DDTHH:MM:SSZ)");
  return c;
}

std::string approval_path(const std::string& model, const std::string& request_id, const std::string& principal) {
  return model_dir(model) + "/approvals/" + request_id + "/" + principal + ".approval";
}

std::string render_approval(const ApprovalPayload& a) {
  std::string s = std::string(kHeader) + "\n";
  auto line = [&](const char* key, const std::string& value) { s += std::string(key) + ": " + value + "\n"; };
  line("registry", a.registry);
  line("model", a.model);
  line("version", std::to_string(a.version));
  line("from_stage", a.from_stage);
  // The fifth line says what changes: one of to_stage, alias, remove_alias, delete_version.
  if (!a.to_stage.empty()) line("to_stage", a.to_stage);
  else if (!a.alias.empty()) line("alias", a.alias);
  else if (!a.remove_alias.empty()) line("remove_alias", a.remove_alias);
  else line("delete_version", "true");
  line("version_sha256", a.version_sha256);
  line("request_id", a.request_id);
  line("request_sha256", a.request_sha256);
  line("policy_version", std::to_string(a.policy_version));
  line("approver", a.approver);
  line("issued_at", format_rfc3339(a.issued_at));
  line("expires_at", format_rfc3339(a.expires_at));
  return s;
}

ApprovalPayload parse_approval(const std::string& bytes) {
  auto bad = [](const std::string& why) -> ApprovalPayload { throw Error(ErrorCode::INVALID_PARAMETER_VALUE, why); };
  const std::vector<std::string> lines = strict_lines(bytes);
  if (lines.size() != 13) return bad("has " + std::to_string(lines.size()) + " lines, not 13");
  if (lines[0] != kHeader) return bad("line 1: expected '" + std::string(kHeader) + "'");
  const char* keys[] = {"registry", "model", "version", "from_stage", "to_stage", "version_sha256", "request_id",
                        "request_sha256", "policy_version", "approver", "issued_at", "expires_at"};
  std::vector<std::string> values;
  std::string target_key;
  for (size_t i = 0; i < 12; ++i) {
    const std::string& l = lines[i + 1];
    std::string key = keys[i];
    if (key == "to_stage")
      for (const char* other : {"alias", "remove_alias", "delete_version"})
        if (l.rfind(std::string(other) + ": ", 0) == 0) key = other;
    if (i == 4) target_key = key;
    const std::string prefix = key + ": ";
    if (l.rfind(prefix, 0) != 0) return bad("line " + std::to_string(i + 2) + ": expected '" + key + ": ...'");
    std::string v = l.substr(prefix.size());
    if (v.empty() || v.front() == ' ' || v.back() == ' ')
      return bad("line " + std::to_string(i + 2) + ": '" + key + "' is empty or has spaces around it");
    values.push_back(v);
  }
  ApprovalPayload a;
  a.registry = values[0];
  a.model = values[1];
  try {
    a.version = parse_version_number(values[2]);
    a.policy_version = parse_version_number(values[8]);
  } catch (const Error&) {
    return bad("'version' and 'policy_version' must be positive whole numbers");
  }
  a.from_stage = values[3];
  if (target_key == "delete_version") {
    if (values[4] != "true") return bad("line 6: 'delete_version' must be 'true'");
    a.delete_version = true;
  } else {
    (target_key == "alias" ? a.alias : target_key == "remove_alias" ? a.remove_alias : a.to_stage) = values[4];
  }
  a.version_sha256 = values[5];
  a.request_id = values[6];
  a.request_sha256 = values[7];
  a.approver = values[9];
  auto issued = parse_rfc3339(values[10]), expires = parse_rfc3339(values[11]);
  if (!issued || !expires) return bad("'issued_at' and 'expires_at' must be RFC 3339 times");
  a.issued_at = *issued;
  a.expires_at = *expires;
  if (render_approval(a) != bytes) return bad("is not in canonical form (times as YYYY-MM-DDTHH:MM:SSZ)");
  return a;
}

}  // namespace mreg
