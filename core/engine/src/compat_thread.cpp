// from_chars_double (see poolviz/compat_thread.h): std::from_chars where the
// standard library parses doubles, else strtod in the "C" locale with
// from_chars' rules enforced around it.
#include "poolviz/compat_thread.h"

#if defined(__cpp_lib_to_chars) && !defined(POOLVIZ_COMPAT_THREADS)
#define POOLVIZ_STD_FROM_CHARS_DOUBLE 1
#else
#define POOLVIZ_STD_FROM_CHARS_DOUBLE 0
#include <cerrno>
#include <clocale>
#include <cstdlib>
#include <string>
#if defined(__GLIBC__)
#include <locale.h>
#endif
#endif

namespace poolviz {

#if POOLVIZ_STD_FROM_CHARS_DOUBLE

std::from_chars_result from_chars_double(const char* first, const char* last, double& value) noexcept {
  return std::from_chars(first, last, value);
}

#else

namespace {

/// strtod reads the decimal point of LC_NUMERIC; the "C" one is wanted whatever
/// the process locale is. musl (emscripten) always uses '.', glibc has strtod_l.
double strtod_c(const char* text, char** end) {
#if defined(__GLIBC__)
  static const locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", static_cast<locale_t>(nullptr));
  if (c_locale != static_cast<locale_t>(nullptr)) return strtod_l(text, end, c_locale);
#endif
  return std::strtod(text, end);
}

}  // namespace

std::from_chars_result from_chars_double(const char* first, const char* last, double& value) noexcept {
  const std::from_chars_result invalid{first, std::errc::invalid_argument};
  // What strtod accepts and from_chars does not: leading space, '+', hex.
  const char* digits = first;
  if (digits != last && *digits == '-') ++digits;
  if (digits == last || *digits == ' ' || *digits == '\t' || *digits == '\n' || *digits == '\r' ||
      *digits == '\f' || *digits == '\v' || *digits == '+' || *digits == '-') {
    return invalid;
  }
  if (last - digits >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    value = first != digits ? -0.0 : 0.0;  // from_chars reads the "0" and stops at the 'x'
    return {digits + 1, std::errc{}};
  }
  try {
    const std::string text(first, last);  // strtod needs a terminated string
    char* end = nullptr;
    errno = 0;
    const double parsed = strtod_c(text.c_str(), &end);
    if (end == text.c_str()) return invalid;
    const char* stop = first + (end - text.c_str());
    if (errno == ERANGE) return {stop, std::errc::result_out_of_range};
    value = parsed;
    return {stop, std::errc{}};
  } catch (...) {  // std::bad_alloc: from_chars is noexcept
    return invalid;
  }
}

#endif

}  // namespace poolviz
