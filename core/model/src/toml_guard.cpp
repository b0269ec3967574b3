#include "toml_guard.h"

#include <cstdint>
#include <cstdio>

namespace poolviz::detail {

bool toml_cannot_classify(char32_t c) {
  // Mirrors the generated lookup in toml++ 3.3.0: code points U+00A0..U+FEFF
  // fall into 64 buckets of 0x3FA; the mask rejects most buckets, three code
  // points are answered directly and the switch handles buckets 5 and 7 only.
  if (c < 0xA0 || c > 0xFEFF) return false;
  const std::uint64_t bucket = (static_cast<std::uint64_t>(c) - 0xA0) / 0x3FA;
  if (((std::uint64_t{1} << bucket) & 0x7FFFFFFFFFFFF75EULL) != 0) return false;
  if (c == 0xA0 || c == 0x3000 || c == 0xFEFF) return false;
  return bucket != 5 && bucket != 7;
}

namespace {

// Decodes one UTF-8 code point at text[i]; returns its length, or 0 when the
// bytes are not valid UTF-8 (toml++ reports those itself).
std::size_t decode(std::string_view text, std::size_t i, char32_t& out) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = byte(0);
  std::size_t len = 0;
  char32_t c = 0;
  char32_t min = 0;
  if (b0 < 0x80) return out = b0, 1;
  if ((b0 & 0xE0) == 0xC0) len = 2, c = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) len = 3, c = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) len = 4, c = b0 & 0x07, min = 0x10000;
  else return 0;
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (byte(k) & 0x3F);
  }
  if (c < min || c > 0x10FFFF) return 0;
  out = c;
  return len;
}

std::string describe(char32_t c, std::string_view bytes) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
  return "'" + std::string(bytes) + "' (" + code + ")";
}

enum class Where { bare, comment, basic, ml_basic, literal, ml_literal };

void append_escape(std::string& out, char32_t c) {
  char escape[16];
  std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(c));
  out += escape;
}

/// The content of a literal string as basic-string content with the same value.
std::string as_basic_content(std::string_view literal) {
  std::string out;
  for (std::size_t i = 0; i < literal.size();) {
    char32_t c = 0;
    std::size_t len = decode(literal, i, c);
    if (len == 0) len = 1, c = static_cast<unsigned char>(literal[i]);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (toml_cannot_classify(c)) {
      append_escape(out, c);
    } else {
      out.append(literal.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace

std::string guard_toml(std::string_view text, TomlGuardError& error) {
  std::string out;
  out.reserve(text.size());
  Where where = Where::bare;
  bool escaped = false;  // the previous character was a backslash in a basic string
  int line = 1;
  int column = 1;
  std::size_t i = 0;
  // A literal string that holds a code point toml++ cannot classify is
  // rewritten as a basic string with escapes (same value) when it ends.
  std::size_t literal_start = 0;  // offset in `out` of its opening quote(s)
  bool literal_needs_rewrite = false;
  const auto starts = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
  // Copies n ASCII bytes through.
  const auto copy = [&](std::size_t n) {
    out.append(text.substr(i, n));
    i += n;
    column += static_cast<int>(n);
  };
  // Ends the literal string opened at literal_start (`delimiter` quotes long):
  // `content_quotes` more quotes of content, then `closing` quotes, follow at i.
  const auto end_literal = [&](std::size_t delimiter, std::size_t content_quotes, std::size_t closing) {
    if (literal_needs_rewrite) {
      std::string content = out.substr(literal_start + delimiter);
      content.append(content_quotes, '\'');
      out.resize(literal_start);
      out.append(delimiter, '"');
      out += as_basic_content(content);
      out.append(closing, '"');
      i += content_quotes + closing;
      column += static_cast<int>(content_quotes + closing);
    } else {
      copy(content_quotes + closing);
    }
    literal_needs_rewrite = false;
    where = Where::bare;
  };
  const auto end_open_literal = [&] {  // unterminated: toml++ reports it
    if (where == Where::literal || where == Where::ml_literal) end_literal(where == Where::literal ? 1 : 3, 0, 0);
  };

  while (i < text.size()) {
    char32_t c = 0;
    const std::size_t len = decode(text, i, c);
    if (len == 0) {  // invalid UTF-8: toml++ stops with its own error here
      end_open_literal();
      out.append(text.substr(i));
      return out;
    }
    if (c == '\n') {
      if (where == Where::literal) end_open_literal();
      out += '\n';
      ++i;
      ++line;
      column = 1;
      escaped = false;
      if (where == Where::comment || where == Where::basic) where = Where::bare;
      continue;
    }
    if (len > 1) {
      const std::string_view bytes = text.substr(i, len);
      if (where == Where::bare && !(i == 0 && c == 0xFEFF)) {  // a leading BOM is fine
        error = {line, column,
                 "unexpected character " + describe(c, bytes) +
                     "; outside quotes TOML allows only ASCII (put text in a \"string\")"};
        return {};
      }
      const bool basic = where == Where::basic || where == Where::ml_basic;
      if (basic && escaped) {
        error = {line, column, "invalid escape sequence '\\" + std::string(bytes) + "'"};
        return {};
      }
      escaped = false;
      i += len;
      ++column;
      if (!toml_cannot_classify(c)) {
        out.append(bytes);
      } else if (basic) {
        append_escape(out, c);  // the same value, in ASCII
      } else if (where == Where::comment) {
        out += '?';  // comments are thrown away; only the column count matters
      } else {
        out.append(bytes);
        literal_needs_rewrite = true;
      }
      continue;
    }
    switch (where) {
      case Where::bare:
        if (starts("\"\"\"")) {
          copy(3);
          where = Where::ml_basic;
          continue;
        }
        if (starts("'''")) {
          literal_start = out.size();
          copy(3);
          where = Where::ml_literal;
          continue;
        }
        if (c == '"') {
          where = Where::basic;
        } else if (c == '\'') {
          literal_start = out.size();
          where = Where::literal;
        } else if (c == '#') {
          where = Where::comment;
        }
        break;
      case Where::comment: break;
      case Where::basic:
      case Where::ml_basic:
        if (escaped) {
          escaped = false;
          break;
        }
        if (c == '\\') {
          escaped = true;
          break;
        }
        if (where == Where::ml_basic && starts("\"\"\"")) {
          std::size_t n = 3;  // the delimiter plus up to two quotes of content
          while (n < 5 && i + n < text.size() && text[i + n] == '"') ++n;
          copy(n);
          where = Where::bare;
          continue;
        }
        if (where == Where::basic && c == '"') where = Where::bare;
        break;
      case Where::literal:
        if (c == '\'') {
          end_literal(1, 0, 1);
          continue;
        }
        break;
      case Where::ml_literal:
        if (starts("'''")) {
          std::size_t n = 3;
          while (n < 5 && i + n < text.size() && text[i + n] == '\'') ++n;
          end_literal(3, n - 3, 3);
          continue;
        }
        break;
    }
    copy(1);
  }
  end_open_literal();
  return out;
}

}  // namespace poolviz::detail
