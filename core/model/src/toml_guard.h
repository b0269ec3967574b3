// A guard in front of toml++ 3.3.0 (Debian's libtomlplusplus-dev).
//
// That version's is_non_ascii_horizontal_whitespace() reaches
// __builtin_unreachable() for code points in U+00A1..U+0499 and
// U+2C6E..U+3067 (upstream issues #190 and #295, fixed after 3.3.0). The parser
// asks that question outside strings, after a line-ending backslash in a
// multi-line basic string, and while it scans ahead to word an error (over
// whatever follows a malformed value, strings included), so "é" or "λ" in a
// teacher's file could be undefined behaviour instead of an error.
//
// guard_toml() therefore hands toml++ a text in which no such code point is
// left. It walks the text with the few TOML rules that decide where a
// character sits (comment, the four string kinds, everything else) and
//   - outside strings and comments: reports any non-ASCII character as an
//     error with its line and column (TOML 1.0 allows none there; toml++ 3.3.0
//     also asserts on some, e.g. "[é]", before it gets to say so);
//   - in a basic string: writes such a code point as its \uXXXX escape;
//   - in a literal string holding one: rewrites the string as a basic string
//     with escapes (the same value);
//   - in a comment: replaces it with '?' (comments are thrown away);
//   - right after a backslash in a basic string: reports an invalid escape.
// Everything else passes through untouched.
#pragma once

#include <string>
#include <string_view>

namespace poolviz::detail {

struct TomlGuardError {
  int line = 0;
  int column = 0;
  std::string message;
};

/// Returns the text to hand to toml::parse, or fills `error` and returns "".
std::string guard_toml(std::string_view text, TomlGuardError& error);

/// True for the code points toml++ 3.3.0 cannot classify (see above).
bool toml_cannot_classify(char32_t c);

}  // namespace poolviz::detail
