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

}  // namespace

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
  if (!a.to_stage.empty()) line("to_stage", a.to_stage);
  else line("alias", a.alias);
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
  if (bytes.size() > 4096) return bad("longer than 4096 bytes");
  if (bytes.find('\0') != std::string::npos) return bad("holds a NUL byte");
  if (bytes.find('\r') != std::string::npos) return bad("holds a carriage return (CRLF line ends?)");
  if (bytes.empty() || bytes.back() != '\n') return bad("does not end with a line feed");
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t nl = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() != 13) return bad("has " + std::to_string(lines.size()) + " lines, not 13");
  if (lines[0] != kHeader) return bad("line 1: expected '" + std::string(kHeader) + "'");
  const char* keys[] = {"registry", "model", "version", "from_stage", "to_stage", "version_sha256", "request_id",
                        "request_sha256", "policy_version", "approver", "issued_at", "expires_at"};
  std::vector<std::string> values;
  std::string target_key;
  for (size_t i = 0; i < 12; ++i) {
    const std::string& l = lines[i + 1];
    std::string key = keys[i];
    if (key == "to_stage" && l.rfind("alias: ", 0) == 0) key = "alias";
    if (key == "to_stage" || key == "alias") target_key = key;
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
  (target_key == "alias" ? a.alias : a.to_stage) = values[4];
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
