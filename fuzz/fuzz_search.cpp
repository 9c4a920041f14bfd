// The search filter parser (both kinds), --order-by and page tokens.
#include <cstdint>
#include <string>

#include "mreg/error.h"
#include "mreg/search.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto kind = data[0] & 1 ? mreg::SearchKind::Models : mreg::SearchKind::Versions;
  try {
    switch ((data[0] >> 1) % 3) {
      case 0: mreg::parse_filter(kind, text); break;
      case 1: mreg::parse_order_by(kind, {text}); break;
      case 2: {
        const std::int64_t offset = mreg::parse_page_token(text);
        if (!text.empty() && offset <= 0) __builtin_trap();  // "" is the first page, 0
        break;
      }
    }
  } catch (const mreg::Error&) {
  }
  return 0;
}
