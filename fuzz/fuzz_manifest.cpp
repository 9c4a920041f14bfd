// Every parser of a registry file: mreg.yaml, model.yaml, versions/<n>.yaml, requests/<id>.yaml,
// .mreg/policy/<N>.yaml and .approval files. The first byte picks the parser. A parser may
// refuse with mreg::Error (a named problem); anything else is a finding.
#include <cstdint>
#include <string>

#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/error.h"
#include "mreg/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 6) {
      case 0: mreg::parse_registry_config(text, "mreg.yaml"); break;
      case 1: mreg::parse_model(text, "models/m/model.yaml"); break;
      case 2: mreg::parse_version(text, "models/m/versions/1.yaml"); break;
      case 3: mreg::parse_request(text, "models/m/requests/r.yaml"); break;
      case 4: mreg::parse_policy(text, ".mreg/policy/1.yaml"); break;
      case 5: mreg::parse_approval(text); break;
    }
  } catch (const mreg::Error&) {
  }
  return 0;
}
