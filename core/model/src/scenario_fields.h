// scenario_fields.h (private to core/model) — what the scenario reader, the
// validation and --set overrides share: one descriptor per settable key, so a
// key means the same thing, with the same range, in a file and on the command
// line; and the Problem a check throws, located later from its key.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "poolviz/scenario.h"

namespace poolviz::detail {

/// A problem found while reading or validating; located later from the key.
struct Problem {
  std::string key;
  std::string message;
};

using FieldValue = std::variant<std::int64_t, double, bool, std::string>;

enum class FieldType { integer, number, boolean, name };

struct Field {
  std::string_view key;
  FieldType type;
  double min = 0;
  double max = 0;
  std::span<const std::string_view> (*names)() = nullptr;
  void (*set)(Scenario&, const FieldValue&) = nullptr;
};

/// Every settable key, in the order help texts list them.
const std::vector<Field>& fields();
const std::vector<std::string_view>& field_keys();
const Field* find_field(std::string_view key);

/// Checks a typed value against the field's range or names and sets it; throws Problem.
void check_and_set(const Field& f, Scenario& s, const FieldValue& v);
/// "min to max" of a numeric field, as error messages print it.
std::string range_text(const Field& f);

/// The checks across fields, once a scenario is complete; throws Problem.
void validate_scenario(const Scenario& s);

/// "a, b, c".
std::string join(std::span<const std::string_view> names, std::string_view separator = ", ");
/// A number as a person wrote it (no trailing zeros).
std::string format_number(double v);

}  // namespace poolviz::detail
