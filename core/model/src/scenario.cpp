// Scenario errors, "did you mean", and --set overrides. The field table, the
// reader, the validation and the built-in library have their own files
// (scenario_fields, scenario_reader, scenario_validation, scenario_library).
#include "poolviz/scenario.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "poolviz/compat_thread.h"
#include "scenario_fields.h"

namespace poolviz {

using detail::Field;
using detail::FieldType;
using detail::FieldValue;
using detail::Problem;
using detail::field_keys;
using detail::find_field;
using detail::join;
using detail::range_text;
using detail::validate_scenario;

// [SECTION] ScenarioError -------------------------------------------------------

namespace {

std::string format_error(const std::string& source, int line, int column, const std::string& key,
                         const std::string& message) {
  std::string out = source;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

}  // namespace

ScenarioError::ScenarioError(std::string source, int line, int column, std::string key,
                             std::string message)
    : std::runtime_error(format_error(source, line, column, key, message)),
      source_(std::move(source)), line_(line), column_(column), key_(std::move(key)),
      message_(std::move(message)) {}

// [SECTION] did you mean --------------------------------------------------------

namespace {

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// swaps of two neighbours ("titel" → "title" is one edit) each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = SIZE_MAX;
  for (std::string_view c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // Close enough: at most a third of the word wrong (min 1), or a prefix/suffix match.
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  if (best_distance <= allowed) return std::string(best);
  for (std::string_view c : candidates) {
    if (word.size() >= 3 && (c.find(word) != std::string_view::npos)) return std::string(c);
  }
  return {};
}

// [SECTION] Parsing and overrides -----------------------------------------------

std::span<const std::string_view> override_keys() { return field_keys(); }

void apply_override(Scenario& scenario, std::string_view key, std::string_view value) {
  const std::string k(key);
  const Field* field = find_field(key);
  if (field == nullptr) {
    std::string message = "unknown key";
    if (std::string close = did_you_mean(key, field_keys()); !close.empty()) {
      message += "; did you mean \"" + close + "\"?";
    } else {
      message += ".";
    }
    message += " Allowed keys: " + join(field_keys()) + ".";
    throw ScenarioError("--set", 0, 0, k, message);
  }
  const std::string text(value);
  // "3" in quotes for a number: a shell or TOML habit; say so instead of "not a number".
  if ((field->type == FieldType::integer || field->type == FieldType::number) && text.size() >= 2 &&
      (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    const std::string inner = text.substr(1, text.size() - 2);
    double unused = 0;
    const auto [end, ec] = poolviz::from_chars_double(inner.data(), inner.data() + inner.size(), unused);
    if (ec == std::errc{} && end == inner.data() + inner.size() && !inner.empty()) {
      throw ScenarioError("--set", 0, 0, k,
                          text + " is a number in quotes; remove the quotes (" + k + "=" + inner + ")");
    }
  }
  FieldValue parsed;
  switch (field->type) {
    case FieldType::integer: {
      std::int64_t i = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        throw ScenarioError("--set", 0, 0, k,
                            "\"" + text + "\" is not an integer (allowed: " + range_text(*field) + ")");
      }
      parsed = i;
      break;
    }
    case FieldType::number: {
      double d = 0;
      const auto [end, ec] = poolviz::from_chars_double(text.data(), text.data() + text.size(), d);
      if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        throw ScenarioError("--set", 0, 0, k,
                            "\"" + text + "\" is not a number (allowed: " + range_text(*field) + ")");
      }
      parsed = d;
      break;
    }
    case FieldType::boolean:
      if (text != "true" && text != "false") {
        throw ScenarioError("--set", 0, 0, k, "\"" + text + "\" is not one of true, false");
      }
      parsed = text == "true";
      break;
    case FieldType::name: parsed = text; break;
  }
  Scenario copy = scenario;
  try {
    check_and_set(*field, copy, parsed);
    validate_scenario(copy);
  } catch (const Problem& p) {
    throw ScenarioError("--set", 0, 0, p.key, p.message);
  }
  scenario = std::move(copy);
}

void apply_override(Scenario& scenario, std::string_view assignment) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    throw ScenarioError("--set", 0, 0, std::string(assignment),
                        "expected KEY=VALUE, e.g. pool.workers=8");
  }
  apply_override(scenario, assignment.substr(0, eq), assignment.substr(eq + 1));
}

Scenario apply_variant(const Scenario& base, const CompareVariant& variant) {
  Scenario s = base;
  for (const Override& o : variant.overrides) apply_override(s, o.key, o.value);
  s.compare.clear();
  s.lessons.clear();
  s.title = base.title + " — " + variant.label;
  return s;
}

}  // namespace poolviz
