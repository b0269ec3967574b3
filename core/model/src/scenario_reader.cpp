// Reading a scenario file: TOML text → guarded → parsed → Scenario, every
// error located at the file, line, column and key it is about.
#include <algorithm>
#include <array>
#include <cstdio>

#include <toml++/toml.h>

#include "poolviz/lesson.h"
#include "poolviz/scenario.h"
#include "poolviz/scenario_limits.h"
#include "scenario_fields.h"
#include "toml_guard.h"

namespace poolviz {

namespace {

using detail::Field;
using detail::FieldType;
using detail::FieldValue;
using detail::Problem;
using detail::field_keys;
using detail::find_field;
using detail::format_number;
using detail::join;
using detail::validate_scenario;
using detail::check_and_set;

// [SECTION] TOML reading --------------------------------------------------------

class Reader {
 public:
  Reader(const toml::table& root, std::string source) : root_(root), source_(std::move(source)) {}

  Scenario read() {
    Scenario s;
    s.source_name = source_;
    static constexpr std::array<std::string_view, 9> kSections = {
        "scenario", "pool", "limiter", "workload", "shutdown", "view", "compare", "stage", "lesson"};
    for (const auto& [key, node] : root_) {
      const std::string_view name = key.str();
      if (std::find(kSections.begin(), kSections.end(), name) == kSections.end()) {
        std::string message = "unknown section [" + std::string(name) + "]";
        if (std::string close = did_you_mean(name, kSections); !close.empty()) {
          message += "; did you mean [" + close + "]?";
        } else {
          message += "; allowed: " + join(kSections);
        }
        fail_at(key.source(), std::string(name), message);
      }
      if (name == "compare" || name == "stage" || name == "lesson") {
        if (!node.is_array_of_tables()) {
          fail_at(node.source(), std::string(name),
                  "must be an array of tables ([[" + std::string(name) + "]])");
        }
      } else if (!node.is_table()) {
        fail_at(node.source(), std::string(name), "must be a table ([" + std::string(name) + "])");
      }
    }
    if (!root_.contains("scenario")) fail_at({}, "scenario", "the [scenario] section is required");

    read_header(*root_["scenario"].as_table(), s);
    for (std::string_view section : {"pool", "limiter", "workload", "shutdown"}) {
      if (const toml::table* table = root_[section].as_table()) {
        read_fields(*table, std::string(section), s);
      }
    }
    if (const toml::table* view = root_["view"].as_table()) read_view(*view, s);
    if (const toml::array* stages = root_["stage"].as_array()) read_stages(*stages, s);
    // Validate the whole scenario before the variants, which are checked against it.
    try {
      validate_scenario(s);
    } catch (const Problem& p) {
      fail_key(p.key, p.message);
    }
    if (const toml::array* compare = root_["compare"].as_array()) read_compare(*compare, s);
    // Claims read the variants by label: last.
    if (const toml::array* lessons = root_["lesson"].as_array()) read_lessons(*lessons, s);
    return s;
  }

 private:
  [[noreturn]] void fail_at(const toml::source_region& where, const std::string& key,
                            const std::string& message) const {
    throw ScenarioError(source_, static_cast<int>(where.begin.line),
                        static_cast<int>(where.begin.column), key, message);
  }

  /// Fails at the position of `key` (a dotted path) in the file, or of the
  /// nearest table that holds it when the key was not written.
  [[noreturn]] void fail_key(const std::string& key, const std::string& message) const {
    std::string path = key;
    while (!path.empty()) {
      if (const toml::node* node = root_.at_path(path).node()) fail_at(node->source(), key, message);
      const std::size_t dot = path.rfind('.');
      if (dot == std::string::npos) break;
      path.resize(dot);
    }
    fail_at({}, key, message);
  }

  static std::string type_name(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a number";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      default: return "a date/time";
    }
  }

  std::string read_string(const toml::node& node, const std::string& key) const {
    if (!node.is_string()) fail_at(node.source(), key, "expected a string, got " + type_name(node));
    return std::string(*node.value<std::string_view>());
  }

  std::vector<std::string> read_strings(const toml::node& node, const std::string& key) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      fail_at(node.source(), key, "expected an array of strings, got " + type_name(node));
    }
    std::vector<std::string> out;
    for (const toml::node& item : *array) out.push_back(read_string(item, key));
    return out;
  }

  void unknown_key(const toml::key& key, const std::string& full_key,
                   std::span<const std::string_view> allowed) const {
    std::string message = "unknown key";
    if (std::string close = did_you_mean(key.str(), allowed); !close.empty()) {
      message += "; did you mean \"" + close + "\"?";
    } else {
      message += "; allowed: " + join(allowed);
    }
    fail_at(key.source(), full_key, message);
  }

  void read_header(const toml::table& table, Scenario& s) const {
    static constexpr std::array<std::string_view, 5> kKeys = {"id", "title", "summary", "watch", "order"};
    for (const auto& [key, node] : table) {
      const std::string full = "scenario." + std::string(key.str());
      if (key == "id") {
        s.id = read_string(node, full);
      } else if (key == "title") {
        s.title = read_string(node, full);
      } else if (key == "summary") {
        s.summary = read_string(node, full);
      } else if (key == "watch") {
        s.watch = read_strings(node, full);
      } else if (key == "order") {
        if (!node.is_integer()) fail_at(node.source(), full, "expected an integer, got " + type_name(node));
        const std::int64_t n = *node.value<std::int64_t>();
        if (n < 1 || n > 10'000) fail_at(node.source(), full, std::to_string(n) + " is out of range (allowed: 1 to 10000)");
        s.order = static_cast<int>(n);
      } else {
        unknown_key(key, full, kKeys);
      }
    }
  }

  /// The last components of the field keys under `prefix` ("pool." → workers, ...).
  static std::vector<std::string_view> local_names(const std::string& prefix) {
    std::vector<std::string_view> names;
    for (std::string_view key : field_keys()) {
      if (key.starts_with(prefix)) {
        std::string_view rest = key.substr(prefix.size());
        // Sub-tables appear once, by their own name ("retry").
        if (const std::size_t dot = rest.find('.'); dot != std::string_view::npos) {
          rest = rest.substr(0, dot);
          if (std::find(names.begin(), names.end(), rest) != names.end()) continue;
        }
        names.push_back(rest);
      }
    }
    return names;
  }

  void read_fields(const toml::table& table, const std::string& section, Scenario& s) const {
    const std::string prefix = section + ".";
    std::vector<std::string_view> allowed = local_names(prefix);
    if (section == "workload") allowed.push_back("priorities");
    for (const auto& [key, node] : table) {
      const std::string full = prefix + std::string(key.str());
      if (full == "workload.priorities") {
        read_priorities(node, full, s);
        continue;
      }
      if (const Field* field = find_field(full)) {
        set_from_node(*field, node, s);
      } else if (node.is_table() &&
                 std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) {
        read_fields(*node.as_table(), full, s);
      } else {
        unknown_key(key, full, allowed);
      }
    }
  }

  void set_from_node(const Field& f, const toml::node& node, Scenario& s) const {
    const std::string key(f.key);
    FieldValue value;
    switch (f.type) {
      case FieldType::integer:
        if (!node.is_integer()) {
          fail_at(node.source(), key, "expected an integer, got " + type_name(node));
        }
        value = *node.value<std::int64_t>();
        break;
      case FieldType::number:
        if (!node.is_number()) fail_at(node.source(), key, "expected a number, got " + type_name(node));
        value = *node.value<double>();
        break;
      case FieldType::boolean:
        if (!node.is_boolean()) {
          fail_at(node.source(), key, "expected true or false, got " + type_name(node));
        }
        value = *node.value<bool>();
        break;
      case FieldType::name:
        if (!node.is_string()) {
          fail_at(node.source(), key,
                  "expected a string, one of " + join(f.names()) + ", got " + type_name(node));
        }
        value = std::string(*node.value<std::string_view>());
        break;
    }
    try {
      check_and_set(f, s, value);
    } catch (const Problem& p) {
      fail_at(node.source(), p.key, p.message);
    }
  }

  void read_priorities(const toml::node& node, const std::string& key, Scenario& s) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      fail_at(node.source(), key,
              "expected an array like [{ priority = 2, weight = 1 }, ...], got " + type_name(node));
    }
    s.workload.priorities.clear();
    for (const toml::node& item : *array) {
      const toml::table* entry = item.as_table();
      if (entry == nullptr) {
        fail_at(item.source(), key, "each entry must be { priority = N, weight = W }");
      }
      PriorityShare share;
      static constexpr std::array<std::string_view, 2> kKeys = {"priority", "weight"};
      for (const auto& [k, v] : *entry) {
        if (k == "priority") {
          if (!v.is_integer()) fail_at(v.source(), key, "priority must be an integer");
          const std::int64_t p = *v.value<std::int64_t>();
          if (p < -1000 || p > 1000) fail_at(v.source(), key, "priority must be between -1000 and 1000");
          share.priority = static_cast<int>(p);
        } else if (k == "weight") {
          if (!v.is_number()) fail_at(v.source(), key, "weight must be a number");
          share.weight = *v.value<double>();
          if (!(share.weight >= 0) || !std::isfinite(share.weight)) {
            fail_at(v.source(), key, "weight must be >= 0");
          }
        } else {
          unknown_key(k, key + "." + std::string(k.str()), kKeys);
        }
      }
      s.workload.priorities.push_back(share);
    }
  }

  void read_view(const toml::table& table, Scenario& s) const {
    static constexpr std::array<std::string_view, 5> kKeys = {"plots", "lanes", "speed", "completed_label",
                                                              "rejected_label"};
    static constexpr std::array<std::string_view, 9> kPlots = {
        "queue_depth", "throughput", "wait",   "sojourn",    "workers",
        "threads",     "tokens",     "utilization", "in_service"};
    static constexpr std::array<std::string_view, 3> kLanes = {"workers", "threads", "stages"};
    for (const auto& [key, node] : table) {
      const std::string full = "view." + std::string(key.str());
      if (key == "plots") {
        s.view.plots = read_strings(node, full);
        for (std::size_t i = 0; i < s.view.plots.size(); ++i) {
          const std::string& plot = s.view.plots[i];
          if (std::find(kPlots.begin(), kPlots.end(), plot) == kPlots.end()) {
            fail_at((*node.as_array())[i].source(), full,
                    "\"" + plot + "\" is not one of " + join(kPlots));
          }
        }
      } else if (key == "lanes") {
        s.view.lanes = read_string(node, full);
        if (std::find(kLanes.begin(), kLanes.end(), s.view.lanes) == kLanes.end()) {
          fail_at(node.source(), full, "\"" + s.view.lanes + "\" is not one of " + join(kLanes));
        }
      } else if (key == "completed_label") {
        s.view.completed_label = read_string(node, full);
      } else if (key == "rejected_label") {
        s.view.rejected_label = read_string(node, full);
      } else if (key == "speed") {
        if (!node.is_number()) fail_at(node.source(), full, "expected a number, got " + type_name(node));
        const double speed = *node.value<double>();
        if (!(speed >= 0.1 && speed <= 20)) {
          fail_at(node.source(), full, format_number(speed) + " is out of range (allowed: 0.1 to 20)");
        }
        s.view.speed = speed;
      } else {
        unknown_key(key, full, kKeys);
      }
    }
  }

  void read_stages(const toml::array& stages, Scenario& s) const {
    static constexpr std::array<std::string_view, 4> kKeys = {"name", "workers", "queue_capacity",
                                                              "service_factor"};
    for (const toml::node& item : stages) {
      const toml::table& table = *item.as_table();
      StageSpec stage;
      stage.name = "stage " + std::to_string(s.stages.size() + 1);
      for (const auto& [key, node] : table) {
        const std::string full = "stage." + std::string(key.str());
        if (key == "name") {
          stage.name = read_string(node, full);
        } else if (key == "workers" || key == "queue_capacity") {
          if (!node.is_integer()) fail_at(node.source(), full, "expected an integer, got " + type_name(node));
          const std::int64_t n = *node.value<std::int64_t>();
          const std::int64_t low = key == "workers" ? 1 : 0;
          const std::int64_t high = key == "workers" ? 1024 : 10'000'000;
          if (n < low || n > high) {
            fail_at(node.source(), full,
                    std::to_string(n) + " is out of range (allowed: " + std::to_string(low) +
                        " to " + std::to_string(high) + ")");
          }
          if (key == "workers") {
            stage.workers = static_cast<int>(n);
          } else {
            stage.queue_capacity = static_cast<std::size_t>(n);
          }
        } else if (key == "service_factor") {
          if (!node.is_number()) fail_at(node.source(), full, "expected a number, got " + type_name(node));
          stage.service_factor = *node.value<double>();
          if (!(stage.service_factor > 0) || stage.service_factor > 1000) {
            fail_at(node.source(), full, "must be > 0 and <= 1000");
          }
        } else {
          unknown_key(key, full, kKeys);
        }
      }
      s.stages.push_back(stage);
    }
  }

  void read_compare(const toml::array& variants, Scenario& s) const {
    static constexpr std::array<std::string_view, 2> kKeys = {"label", "set"};
    if (variants.size() > kMaxCompareVariants) {
      fail_at(variants[kMaxCompareVariants].source(), "compare",
              std::to_string(variants.size()) + " [[compare]] variants; a file may have at most " +
                  std::to_string(kMaxCompareVariants) + " (the compare view shows 4 at once)");
    }
    // Each variant is checked against the scenario without its variants, so the
    // check costs the same for the 1st and the 16th (no copy of a growing list).
    Scenario base = s;
    base.compare.clear();
    for (const toml::node& item : variants) {
      const toml::table& table = *item.as_table();
      CompareVariant variant;
      const toml::node* set_node = nullptr;
      for (const auto& [key, node] : table) {
        const std::string full = "compare." + std::string(key.str());
        if (key == "label") {
          variant.label = read_string(node, full);
        } else if (key == "set") {
          set_node = &node;
          for (const std::string& assignment : read_strings(node, full)) {
            const std::size_t eq = assignment.find('=');
            if (eq == std::string::npos) {
              fail_at(node.source(), full, "\"" + assignment + "\" is not KEY=VALUE");
            }
            variant.overrides.push_back({assignment.substr(0, eq), assignment.substr(eq + 1)});
          }
        } else {
          unknown_key(key, full, kKeys);
        }
      }
      if (variant.label.empty()) fail_at(item.source(), "compare.label", "every variant needs a label");
      // A variant must make a runnable scenario: check it now, not when the view opens.
      try {
        (void)apply_variant(base, variant);
      } catch (const ScenarioError& e) {
        fail_at(set_node != nullptr ? set_node->source() : item.source(), "compare.set",
                e.key() + ": " + e.message());
      }
      s.compare.push_back(std::move(variant));
    }
  }

  void read_lessons(const toml::array& lessons, Scenario& s) const {
    static constexpr std::array<std::string_view, 4> kKeys = {"claim", "check", "speed", "noise"};
    for (const toml::node& item : lessons) {
      const toml::table& table = *item.as_table();
      LessonClaim lesson;
      const toml::node* check_node = nullptr;
      for (const auto& [key, node] : table) {
        const std::string full = "lesson." + std::string(key.str());
        if (key == "claim") {
          lesson.claim = read_string(node, full);
        } else if (key == "check") {
          lesson.check = read_string(node, full);
          check_node = &node;
        } else if (key == "speed") {
          const std::optional<double> speed = node.value<double>();
          if (!speed || !(*speed >= 0.1 && *speed <= 50)) {
            fail_at(node.source(), full, "must be a number from 0.1 to 50 (the playback speed the check runs at)");
          }
          lesson.speed = *speed;
        } else if (key == "noise") {
          if (!node.is_boolean()) fail_at(node.source(), full, "expected true or false, got " + type_name(node));
          lesson.noise_sensitive = *node.value<bool>();
        } else {
          unknown_key(key, full, kKeys);
        }
      }
      if (lesson.claim.empty()) fail_at(item.source(), "lesson.claim", "every lesson needs a claim (the lesson in words)");
      if (check_node == nullptr) {
        fail_at(item.source(), "lesson.check", "every lesson needs a check, e.g. check = \"makespan <= 1.2\"");
      }
      const toml::source_region where = check_node->source();
      lesson.line = static_cast<int>(where.begin.line);
      // The value starts at its opening quote; the expression one column later.
      lesson.column = static_cast<int>(where.begin.column) + 1;
      try {
        parse_claim_check(lesson.check, s, lesson);
      } catch (const ClaimSyntaxError& e) {
        throw ScenarioError(source_, lesson.line, lesson.column + static_cast<int>(e.offset()), "lesson.check",
                            e.what());
      }
      s.lessons.push_back(std::move(lesson));
    }
  }

  const toml::table& root_;
  std::string source_;
};

}  // namespace

Scenario parse_scenario(std::string_view toml_text, std::string_view source_name) {
  const std::string source(source_name);
  if (toml_text.size() > kMaxScenarioFileBytes) {
    char message[160];
    std::snprintf(message, sizeof message, "the text is %.1f MiB; a scenario may be at most %.0f MiB",
                  static_cast<double>(toml_text.size()) / (1024.0 * 1024.0),
                  static_cast<double>(kMaxScenarioFileBytes) / (1024.0 * 1024.0));
    throw ScenarioError(source, 0, 0, "", message);
  }
  detail::TomlGuardError guard_error;
  const std::string guarded = detail::guard_toml(toml_text, guard_error);
  if (!guard_error.message.empty()) {
    throw ScenarioError(source, guard_error.line, guard_error.column, "toml", guard_error.message);
  }
  toml::table root;
  try {
    root = toml::parse(guarded, source_name);
  } catch (const toml::parse_error& e) {
    throw ScenarioError(source, static_cast<int>(e.source().begin.line),
                        static_cast<int>(e.source().begin.column), "toml",
                        std::string(e.description()));
  }
  return Reader(root, source).read();
}

}  // namespace poolviz
