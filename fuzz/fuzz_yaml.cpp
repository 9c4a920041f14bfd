// Both YAML readers, differentially: whatever the fast reader (yaml_fast.cpp) accepts, yaml-cpp
// must read to the same value with the same lines; parse_yaml must answer as yaml-cpp does.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "mreg/error.h"
#include "yaml_doc.h"

namespace {

std::string dump(const mreg::Json& v) { return v.dump(-1, ' ', false, mreg::Json::error_handler_t::replace); }

[[noreturn]] void differ(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "fuzz_yaml: %s\n  fast:     %s\n  yaml-cpp: %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<mreg::YamlDocument> slow;
  std::string slow_error;
  try {
    slow = mreg::parse_yaml_with_yaml_cpp(text, "f.yaml");
  } catch (const mreg::Error& e) {
    slow_error = e.message();
  }
  std::optional<mreg::YamlDocument> both;
  std::string both_error;
  try {
    both = mreg::parse_yaml(text, "f.yaml");
  } catch (const mreg::Error& e) {
    both_error = e.message();
  }
  if (slow.has_value() != both.has_value())
    differ("parse_yaml and yaml-cpp disagree on accepting", both ? dump(both->value) : both_error,
           slow ? dump(slow->value) : slow_error);
  if (slow && dump(slow->value) != dump(both->value)) differ("values differ", dump(both->value), dump(slow->value));

  // The fast reader alone, on any text that passes the byte checks.
  try {
    mreg::check_yaml_text(text, "f.yaml");
  } catch (const mreg::Error&) {
    return 0;
  }
  auto fast = mreg::parse_canonical_yaml(text);
  if (!fast) return 0;
  if (!slow) {
    // yaml-cpp refused it: only the checks of decoded strings may be why, and parse_yaml
    // (fast path, then the same checks) must have refused it too.
    if (both) differ("the fast reader accepts what yaml-cpp refuses", dump(fast->value), slow_error);
    return 0;
  }
  if (dump(fast->value) != dump(slow->value)) differ("values differ", dump(fast->value), dump(slow->value));
  for (const auto& [pointer, line] : fast->lines) {
    auto it = slow->lines.find(pointer);
    if (it == slow->lines.end() || it->second != line)
      differ("lines differ", pointer + " " + std::to_string(line),
             it == slow->lines.end() ? "(none)" : std::to_string(it->second));
  }
  return 0;
}
