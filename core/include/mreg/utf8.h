// UTF-8 as the registry's files and the command line must hold it: well-formed
// (no overlong forms, no surrogates, nothing above U+10FFFF) and without NUL.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mreg {

// The offset of the first byte that does not start a well-formed UTF-8 sequence; nullopt when
// all of `s` is well-formed.
std::optional<std::size_t> invalid_utf8_at(std::string_view s);

// What is wrong with `s` as text, to follow its name ("is not valid UTF-8 (byte 0xC3 at offset
// 7)", "holds a NUL byte (at offset 3)"), or an empty string when nothing is.
std::string text_problem(std::string_view s);

}  // namespace mreg
