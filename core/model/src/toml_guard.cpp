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

/// One pass over the text: where in the TOML grammar the cursor stands
/// (bare, comment, which kind of string), the output so far, and the line
/// and column for messages. run() is the loop; each step below handles one
/// kind of character.
class Guard {
 public:
  Guard(std::string_view text, TomlGuardError& error) : text_(text), error_(error) {
    out_.reserve(text.size());
  }

  std::string run() {
    while (i_ < text_.size()) {
      char32_t c = 0;
      const std::size_t len = decode(text_, i_, c);
      if (len == 0) {  // invalid UTF-8: toml++ stops with its own error here
        end_open_literal();
        out_.append(text_.substr(i_));
        return out_;
      }
      if (c == '\n') {
        newline();
      } else if (len > 1) {
        if (!non_ascii(c, len)) return {};
      } else if (!delimiter(c)) {
        copy(1);
      }
    }
    end_open_literal();
    return out_;
  }

 private:
  bool starts(std::string_view s) const { return text_.substr(i_, s.size()) == s; }

  // Copies n ASCII bytes through.
  void copy(std::size_t n) {
    out_.append(text_.substr(i_, n));
    i_ += n;
    column_ += static_cast<int>(n);
  }

  void newline() {
    if (where_ == Where::literal) end_open_literal();
    out_ += '\n';
    ++i_;
    ++line_;
    column_ = 1;
    escaped_ = false;
    if (where_ == Where::comment || where_ == Where::basic) where_ = Where::bare;
  }

  // A code point of `len` > 1 bytes: refused outside quotes, escaped where
  // toml++ cannot classify it. False (and error_ set) when refused.
  bool non_ascii(char32_t c, std::size_t len) {
    const std::string_view bytes = text_.substr(i_, len);
    if (where_ == Where::bare && !(i_ == 0 && c == 0xFEFF)) {  // a leading BOM is fine
      error_ = {line_, column_,
                "unexpected character " + describe(c, bytes) +
                    "; outside quotes TOML allows only ASCII (put text in a \"string\")"};
      return false;
    }
    const bool basic = where_ == Where::basic || where_ == Where::ml_basic;
    if (basic && escaped_) {
      error_ = {line_, column_, "invalid escape sequence '\\" + std::string(bytes) + "'"};
      return false;
    }
    escaped_ = false;
    i_ += len;
    ++column_;
    if (!toml_cannot_classify(c)) {
      out_.append(bytes);
    } else if (basic) {
      append_escape(out_, c);  // the same value, in ASCII
    } else if (where_ == Where::comment) {
      out_ += '?';  // comments are thrown away; only the column count matters
    } else {
      out_.append(bytes);
      literal_needs_rewrite_ = true;
    }
    return true;
  }

  // An ASCII character that may open or close a string or a comment. True
  // when it copied what it read (a delimiter of three quotes or more).
  bool delimiter(char32_t c) {
    switch (where_) {
      case Where::bare:
        return opening(c);
      case Where::comment:
        return false;
      case Where::basic:
      case Where::ml_basic:
        return in_basic(c);
      case Where::literal:
        if (c != '\'') return false;
        end_literal(1, 0, 1);
        return true;
      case Where::ml_literal: {
        if (!starts("'''")) return false;
        std::size_t n = 3;
        while (n < 5 && i_ + n < text_.size() && text_[i_ + n] == '\'') ++n;
        end_literal(3, n - 3, 3);
        return true;
      }
    }
    return false;
  }

  bool opening(char32_t c) {
    if (starts("\"\"\"")) {
      copy(3);
      where_ = Where::ml_basic;
      return true;
    }
    if (starts("'''")) {
      literal_start_ = out_.size();
      copy(3);
      where_ = Where::ml_literal;
      return true;
    }
    if (c == '"') {
      where_ = Where::basic;
    } else if (c == '\'') {
      literal_start_ = out_.size();
      where_ = Where::literal;
    } else if (c == '#') {
      where_ = Where::comment;
    }
    return false;
  }

  bool in_basic(char32_t c) {
    if (escaped_) {
      escaped_ = false;
      return false;
    }
    if (c == '\\') {
      escaped_ = true;
      return false;
    }
    if (where_ == Where::ml_basic && starts("\"\"\"")) {
      std::size_t n = 3;  // the delimiter plus up to two quotes of content
      while (n < 5 && i_ + n < text_.size() && text_[i_ + n] == '"') ++n;
      copy(n);
      where_ = Where::bare;
      return true;
    }
    if (where_ == Where::basic && c == '"') where_ = Where::bare;
    return false;
  }

  // Ends the literal string opened at literal_start_ (`delimiter` quotes long):
  // `content_quotes` more quotes of content, then `closing` quotes, follow at i_.
  // A literal that holds a code point toml++ cannot classify is rewritten as a
  // basic string with escapes (same value).
  void end_literal(std::size_t delimiter, std::size_t content_quotes, std::size_t closing) {
    if (literal_needs_rewrite_) {
      std::string content = out_.substr(literal_start_ + delimiter);
      content.append(content_quotes, '\'');
      out_.resize(literal_start_);
      out_.append(delimiter, '"');
      out_ += as_basic_content(content);
      out_.append(closing, '"');
      i_ += content_quotes + closing;
      column_ += static_cast<int>(content_quotes + closing);
    } else {
      copy(content_quotes + closing);
    }
    literal_needs_rewrite_ = false;
    where_ = Where::bare;
  }

  void end_open_literal() {  // unterminated: toml++ reports it
    if (where_ == Where::literal || where_ == Where::ml_literal)
      end_literal(where_ == Where::literal ? 1 : 3, 0, 0);
  }

  std::string_view text_;
  TomlGuardError& error_;
  std::string out_;
  Where where_ = Where::bare;
  bool escaped_ = false;  // the previous character was a backslash in a basic string
  int line_ = 1;
  int column_ = 1;
  std::size_t i_ = 0;
  std::size_t literal_start_ = 0;  // offset in out_ of the open literal's opening quote(s)
  bool literal_needs_rewrite_ = false;
};

}  // namespace

std::string guard_toml(std::string_view text, TomlGuardError& error) {
  return Guard(text, error).run();
}

}  // namespace poolviz::detail
