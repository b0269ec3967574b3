#include "common/flag_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "poolviz/compat_thread.h"
#include "poolviz/scenario.h"

namespace poolviz::flags {

namespace {

std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

/// "3" or '3' around something that would be a valid value: the quotes are
/// literal (a shell quoted them twice, or a TOML habit).
bool quoted(const std::string& text, std::string& inner) {
  if (text.size() < 2) return false;
  const char q = text.front();
  if ((q != '"' && q != '\'') || text.back() != q) return false;
  inner = text.substr(1, text.size() - 2);
  return true;
}

bool parse_double(const std::string& text, double& value) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto [stop, ec] = poolviz::from_chars_double(begin, end, value);
  return ec == std::errc{} && stop == end && begin != end;
}

bool parse_whole(const std::string& text, std::uint64_t& value, bool& too_large) {
  const auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  too_large = ec == std::errc::result_out_of_range;
  return ec == std::errc{} && stop == text.data() + text.size() && !text.empty();
}

std::string ensure_full_stop(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (!message.empty() && message.back() != '.' && message.back() != '?' && message.back() != '!') message += '.';
  return message;
}

const CLI::App* parsed_command(const CLI::App& app) {
  const std::vector<const CLI::App*> parsed =
      app.get_subcommands([](const CLI::App* sub) { return sub->parsed(); });
  return parsed.empty() ? nullptr : parsed.front();
}

/// The first argv word that `command` (or the top level) does not know as an
/// option, and the option it most likely meant; false when every option is known.
bool find_unknown_option(const CLI::App& app, const CLI::App& command, int argc, char** argv, std::string& word,
                         std::string& meant, std::string& known) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& l : option->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : option->get_snames()) names.push_back("-" + s);
  }
  for (int i = 1; i < argc; ++i) {
    std::string token = argv[i];
    if (token == "--") break;
    if (token.size() < 2 || token[0] != '-' || std::isdigit(static_cast<unsigned char>(token[1])) != 0 ||
        token[1] == '.') {
      continue;  // a value (negative numbers included), not an option
    }
    if (const std::size_t eq = token.find('='); eq != std::string::npos) token.resize(eq);
    if (command.get_option_no_throw(token) != nullptr || app.get_option_no_throw(token) != nullptr) continue;
    word = token;
    std::vector<std::string_view> views(names.begin(), names.end());
    meant = did_you_mean(token, views);
    for (const std::string& n : names) {
      if (n == "--help" || n == "-h") continue;
      known += (known.empty() ? "" : ", ") + n;
    }
    return true;
  }
  return false;
}

}  // namespace

std::string describe(NumberRange range) {
  return number_text(range.min) + " to " + number_text(range.max) + " (" + std::string(range.unit) + ")";
}

CLI::Validator number_in(NumberRange range) {
  return CLI::Validator(
      [range](std::string& text) -> std::string {
        const std::string allowed = "; allowed: " + describe(range);
        std::string inner;
        double value = 0;
        if (quoted(text, inner) && parse_double(inner, value)) {
          return text + " is in quotes; remove the quotes (" + inner + ")";
        }
        if (!parse_double(text, value)) return "\"" + text + "\" is not a number" + allowed;
        if (!std::isfinite(value)) return text + " is not a finite number" + allowed;
        if (value < range.min || value > range.max) return text + " is out of range" + allowed;
        return {};
      },
      describe(range), "NUMBER");
}

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string allowed = "; allowed: a whole number 0 to 18446744073709551615";
        std::string inner;
        std::uint64_t value = 0;
        bool too_large = false;
        if (quoted(text, inner) && parse_whole(inner, value, too_large)) {
          return text + " is in quotes; remove the quotes (" + inner + ")";
        }
        if (!parse_whole(text, value, too_large)) {
          return (too_large ? text + " is too large" : "\"" + text + "\" is not a whole number") + allowed;
        }
        return {};
      },
      "0 to 2^64-1", "WHOLE");
}

std::string explain_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    const CLI::App* command = parsed_command(app);
    std::string word, meant, known;
    if (find_unknown_option(app, command != nullptr ? *command : app, argc, argv, word, meant, known)) {
      const std::string where = command != nullptr ? command->get_name() + ": " : "";
      if (!meant.empty()) return where + "unknown option " + word + "; did you mean " + meant + "?";
      return where + "unknown option " + word + ". " +
             (known.empty() ? std::string("It takes no options.") : "It accepts " + known + ".");
    }
    if (command == nullptr && argc > 1) {
      std::vector<std::string> names;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
      }
      std::vector<std::string_view> views(names.begin(), names.end());
      const std::string word = argv[1];
      std::string message = "unknown command \"" + word + "\"";
      if (std::string close = did_you_mean(word, views); !close.empty()) return message + "; did you mean " + close + "?";
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      return message + ". Commands: " + list + ".";
    }
  }
  return ensure_full_stop(error.what());
}

std::string check_writable(const std::string& path) {
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed && S_ISDIR(st.st_mode)) return "cannot write " + path + ": " + std::strerror(EISDIR);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
  ::close(fd);
  if (!existed) ::unlink(path.c_str());
  return {};
}

}  // namespace poolviz::flags
