#include "poolviz/scenario.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

#include "poolviz/scenario_limits.h"
#include "toml_guard.h"

namespace poolviz {

namespace detail {
extern const BuiltinScenarioText kEmbeddedScenarios[];
extern const int kEmbeddedScenarioCount;
}  // namespace detail

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

// [SECTION] Field table ---------------------------------------------------------
// One descriptor per settable key: TOML parsing and --set share it, so a key
// means the same thing, with the same range, in both places.

namespace {

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

std::string join(std::span<const std::string_view> names, std::string_view separator = ", ") {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += separator;
    out += n;
  }
  return out;
}

std::string format_number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", v);
  return buffer;
}

std::int64_t as_int(const FieldValue& v) { return std::get<std::int64_t>(v); }
double as_double(const FieldValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}
const std::string& as_name(const FieldValue& v) { return std::get<std::string>(v); }

constexpr double kMaxCount = 1e7;
constexpr double kMaxSeconds = 86400;
constexpr double kMaxMs = 86400e3;

std::span<const std::string_view> shutdown_names() {
  static constexpr std::array<std::string_view, 2> kNames = {"drain", "cancel"};
  return kNames;
}

std::span<const std::string_view> bool_names() {
  static constexpr std::array<std::string_view, 2> kNames = {"true", "false"};
  return kNames;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = {
      // [pool]
      {"pool.strategy", FieldType::name, 0, 0, strategy_names,
       [](Scenario& s, const FieldValue& v) { s.pool.strategy = *parse_strategy(as_name(v)); }},
      {"pool.dispatch", FieldType::name, 0, 0, dispatch_names,
       [](Scenario& s, const FieldValue& v) { s.pool.dispatch = *parse_dispatch(as_name(v)); }},
      {"pool.workers", FieldType::integer, 1, 1024, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.workers = static_cast<int>(as_int(v)); }},
      {"pool.min_workers", FieldType::integer, 1, 1024, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.min_workers = static_cast<int>(as_int(v)); }},
      {"pool.max_workers", FieldType::integer, 1, 1024, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.max_workers = static_cast<int>(as_int(v)); }},
      {"pool.queue_capacity", FieldType::integer, 0, kMaxCount, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.pool.queue_capacity = static_cast<std::size_t>(as_int(v));
       }},
      {"pool.overflow", FieldType::name, 0, 0, overflow_names,
       [](Scenario& s, const FieldValue& v) { s.pool.overflow = *parse_overflow(as_name(v)); }},
      {"pool.aging_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.aging_interval = from_ms(as_double(v)); }},
      {"pool.levels", FieldType::integer, 1, 16, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.levels = static_cast<int>(as_int(v)); }},
      {"pool.scale_up_factor", FieldType::number, 0.1, 1000, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.scale_up_factor = as_double(v); }},
      {"pool.idle_timeout_ms", FieldType::number, 1, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.idle_timeout = from_ms(as_double(v)); }},
      {"pool.scale_interval_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.scale_interval = from_ms(as_double(v)); }},
      {"pool.max_threads", FieldType::integer, 1, 100000, nullptr,
       [](Scenario& s, const FieldValue& v) { s.pool.max_threads = static_cast<int>(as_int(v)); }},
      // [limiter]
      {"limiter.kind", FieldType::name, 0, 0, limiter_names,
       [](Scenario& s, const FieldValue& v) { s.limiter.kind = *parse_limiter(as_name(v)); }},
      {"limiter.rate", FieldType::number, 0.001, 1e6, nullptr,
       [](Scenario& s, const FieldValue& v) { s.limiter.rate = as_double(v); }},
      {"limiter.burst", FieldType::number, 1, 1e6, nullptr,
       [](Scenario& s, const FieldValue& v) { s.limiter.burst = as_double(v); }},
      {"limiter.max_in_flight", FieldType::integer, 1, 100000, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.limiter.max_in_flight = static_cast<int>(as_int(v));
       }},
      {"limiter.drop", FieldType::boolean, 0, 0, bool_names,
       [](Scenario& s, const FieldValue& v) { s.limiter.drop = std::get<bool>(v); }},
      // [workload]
      {"workload.arrival", FieldType::name, 0, 0, arrival_names,
       [](Scenario& s, const FieldValue& v) { s.workload.arrival = *parse_arrival(as_name(v)); }},
      {"workload.rate", FieldType::number, 0.001, 1e6, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.rate = as_double(v); }},
      {"workload.count", FieldType::integer, 0, kMaxCount, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.count = as_int(v); }},
      {"workload.duration", FieldType::number, 0, kMaxSeconds, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.duration_s = as_double(v); }},
      {"workload.burst_size", FieldType::integer, 1, kMaxCount, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.burst_size = static_cast<int>(as_int(v));
       }},
      {"workload.burst_interval", FieldType::number, 0.001, kMaxSeconds, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.burst_interval_s = as_double(v); }},
      {"workload.clients", FieldType::integer, 1, 100000, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.clients = static_cast<int>(as_int(v)); }},
      {"workload.think_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.think_ms = as_double(v); }},
      {"workload.service", FieldType::name, 0, 0, service_names,
       [](Scenario& s, const FieldValue& v) { s.workload.service = *parse_service(as_name(v)); }},
      {"workload.service_mean_ms", FieldType::number, 0.001, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.service_mean_ms = as_double(v); }},
      {"workload.spread", FieldType::number, 0.001, 10, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.spread = as_double(v); }},
      {"workload.slow_fraction", FieldType::number, 0, 1, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.slow_fraction = as_double(v); }},
      {"workload.slow_factor", FieldType::number, 1, 10000, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.slow_factor = as_double(v); }},
      {"workload.slow_every", FieldType::integer, 0, kMaxCount, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.slow_every = static_cast<int>(as_int(v));
       }},
      {"workload.kind", FieldType::name, 0, 0, work_kind_names,
       [](Scenario& s, const FieldValue& v) { s.workload.kind = *parse_work_kind(as_name(v)); }},
      {"workload.cpu_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.cpu_ms = as_double(v); }},
      {"workload.job_memory_kb", FieldType::number, 0, 1024 * 1024, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.job_memory_kb = as_double(v); }},
      {"workload.failure_rate", FieldType::number, 0, 1, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.failure_rate = as_double(v); }},
      {"workload.timeout_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.timeout_ms = as_double(v); }},
      {"workload.fork_depth", FieldType::integer, 0, 8, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.fork_depth = static_cast<int>(as_int(v));
       }},
      {"workload.fork_fanout", FieldType::integer, 1, 8, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.fork_fanout = static_cast<int>(as_int(v));
       }},
      {"workload.seed", FieldType::integer, 1, 9.2e18, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.seed = static_cast<std::uint64_t>(as_int(v));
       }},
      // [workload.retry]
      {"workload.retry.max_attempts", FieldType::integer, 1, 100, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.retry.max_attempts = static_cast<int>(as_int(v));
       }},
      {"workload.retry.backoff_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.retry.base_backoff = from_ms(as_double(v));
       }},
      {"workload.retry.factor", FieldType::number, 1, 100, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.retry.factor = as_double(v); }},
      {"workload.retry.max_backoff_ms", FieldType::number, 0, kMaxMs, nullptr,
       [](Scenario& s, const FieldValue& v) {
         s.workload.retry.max_backoff = from_ms(as_double(v));
       }},
      {"workload.retry.jitter", FieldType::number, 0, 1, nullptr,
       [](Scenario& s, const FieldValue& v) { s.workload.retry.jitter = as_double(v); }},
      {"workload.retry.retry_timeouts", FieldType::boolean, 0, 0, bool_names,
       [](Scenario& s, const FieldValue& v) { s.workload.retry.retry_timeouts = std::get<bool>(v); }},
      // [shutdown]
      {"shutdown.at", FieldType::number, 0.001, kMaxSeconds, nullptr,
       [](Scenario& s, const FieldValue& v) { s.shutdown.at_s = as_double(v); }},
      {"shutdown.mode", FieldType::name, 0, 0, shutdown_names,
       [](Scenario& s, const FieldValue& v) {
         s.shutdown.mode = as_name(v) == "cancel" ? ShutdownMode::cancel : ShutdownMode::drain;
       }},
  };
  return kFields;
}

const std::vector<std::string_view>& field_keys() {
  static const std::vector<std::string_view> kKeys = [] {
    std::vector<std::string_view> keys;
    for (const Field& f : fields()) keys.push_back(f.key);
    return keys;
  }();
  return kKeys;
}

const Field* find_field(std::string_view key) {
  for (const Field& f : fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string range_text(const Field& f) {
  return format_number(f.min) + " to " + format_number(f.max);
}

/// Checks a typed value against the field's range or names; throws Problem.
void check_and_set(const Field& f, Scenario& s, const FieldValue& v) {
  switch (f.type) {
    case FieldType::integer: {
      const std::int64_t i = as_int(v);
      if (static_cast<double>(i) < f.min || static_cast<double>(i) > f.max) {
        throw Problem{std::string(f.key),
                      std::to_string(i) + " is out of range (allowed: " + range_text(f) + ")"};
      }
      break;
    }
    case FieldType::number: {
      const double d = as_double(v);
      if (!std::isfinite(d) || d < f.min || d > f.max) {
        throw Problem{std::string(f.key),
                      format_number(d) + " is out of range (allowed: " + range_text(f) + ")"};
      }
      break;
    }
    case FieldType::boolean: break;
    case FieldType::name: {
      const std::string& name = as_name(v);
      const auto names = f.names();
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        std::string message = "\"" + name + "\" is not one of " + join(names);
        if (std::string close = did_you_mean(name, names); !close.empty()) {
          message += " (did you mean \"" + close + "\"?)";
        }
        throw Problem{std::string(f.key), message};
      }
      break;
    }
  }
  f.set(s, v);
}

// [SECTION] Cross-field validation ----------------------------------------------

void validate_scenario(const Scenario& s) {
  if (s.id.empty()) throw Problem{"scenario.id", "is required"};
  for (char c : s.id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      throw Problem{"scenario.id", "\"" + s.id + "\" may only use a-z, 0-9, '-' and '_'"};
    }
  }
  if (s.pool.strategy == Strategy::dynamic && s.pool.min_workers > 0 && s.pool.max_workers > 0 &&
      s.pool.min_workers > s.pool.max_workers) {
    throw Problem{"pool.min_workers", "min_workers (" + std::to_string(s.pool.min_workers) +
                                          ") is greater than max_workers (" +
                                          std::to_string(s.pool.max_workers) + ")"};
  }
  if (s.pool.min_workers > 0 && s.pool.max_workers > 0 && s.pool.min_workers > s.pool.max_workers) {
    throw Problem{"pool.min_workers", "min_workers (" + std::to_string(s.pool.min_workers) +
                                          ") is greater than max_workers (" +
                                          std::to_string(s.pool.max_workers) + ")"};
  }
  switch (s.limiter.kind) {
    case LimiterKind::ticker:
    case LimiterKind::token_bucket:
      if (s.limiter.rate <= 0) {
        throw Problem{"limiter.rate", std::string("a ") + std::string(to_string(s.limiter.kind)) +
                                          " limiter needs a rate > 0 (per second)"};
      }
      break;
    case LimiterKind::max_concurrency:
      if (s.limiter.max_in_flight <= 0) {
        throw Problem{"limiter.max_in_flight", "a max_concurrency limiter needs max_in_flight >= 1"};
      }
      break;
    case LimiterKind::none: break;
  }
  try {
    validate(s.workload);
  } catch (const std::invalid_argument& e) {
    // "workload.<key>: message"
    const std::string text = e.what();
    const std::size_t colon = text.find(": ");
    throw Problem{text.substr(0, colon), colon == std::string::npos ? text : text.substr(colon + 2)};
  }
  for (const StageSpec& stage : s.stages) {
    if (stage.workers < 1 || stage.workers > 1024) {
      throw Problem{"stage.workers", "must be between 1 and 1024"};
    }
    if (!(stage.service_factor > 0) || !std::isfinite(stage.service_factor)) {
      throw Problem{"stage.service_factor", "must be > 0"};
    }
  }
}

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
    static constexpr std::array<std::string_view, 4> kKeys = {"id", "title", "summary", "watch"};
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
    static constexpr std::array<std::string_view, 6> kKeys = {"plots", "lanes", "max_lanes", "speed",
                                                              "completed_label", "rejected_label"};
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
      } else if (key == "max_lanes") {
        if (!node.is_integer()) fail_at(node.source(), full, "expected an integer, got " + type_name(node));
        const std::int64_t n = *node.value<std::int64_t>();
        if (n < 0 || n > 1024) fail_at(node.source(), full, std::to_string(n) + " is out of range (allowed: 0 to 1024)");
        s.view.max_lanes = static_cast<int>(n);
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

// [SECTION] Parsing and overrides -----------------------------------------------

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
    const auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), unused);
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
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
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

// [SECTION] The built-in library ------------------------------------------------

namespace {

/// The order a course would present the patterns in; ids not listed go last.
constexpr std::array<std::string_view, 15> kTeachingOrder = {
    "basic-pool",     "unbounded-spawn",  "backpressure",     "rate-limit-ticker",
    "rate-limit-token-bucket", "max-concurrency", "priority", "priority-levels",
    "load-balancing", "dynamic-scaling",  "work-stealing",    "timeouts-retries",
    "cancellation",   "pipeline",         "cpu-vs-io-sizing"};

std::vector<BuiltinScenarioText> ordered_builtins() {
  std::vector<BuiltinScenarioText> texts(detail::kEmbeddedScenarios,
                                         detail::kEmbeddedScenarios + detail::kEmbeddedScenarioCount);
  auto rank = [](std::string_view id) {
    const auto it = std::find(kTeachingOrder.begin(), kTeachingOrder.end(), id);
    return static_cast<std::size_t>(it - kTeachingOrder.begin());
  };
  std::stable_sort(texts.begin(), texts.end(), [&](const auto& a, const auto& b) {
    return rank(a.id) < rank(b.id);
  });
  return texts;
}

}  // namespace

std::span<const BuiltinScenarioText> builtin_scenario_texts() {
  static const std::vector<BuiltinScenarioText> kTexts = ordered_builtins();
  return kTexts;
}

std::vector<Scenario> builtin_scenarios() {
  std::vector<Scenario> out;
  for (const BuiltinScenarioText& text : builtin_scenario_texts()) {
    out.push_back(parse_scenario(text.toml_text, "builtin:" + std::string(text.id)));
  }
  return out;
}

Scenario load_scenario(std::string_view path_or_id) {
  const std::string name(path_or_id);
  std::error_code ec;
  const std::filesystem::path path(name);
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (std::filesystem::is_regular_file(status)) {
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxScenarioFileBytes) {
      char message[160];
      std::snprintf(message, sizeof message, "the file is %.1f MiB; a scenario file may be at most %.0f MiB",
                    static_cast<double>(size) / (1024.0 * 1024.0),
                    static_cast<double>(kMaxScenarioFileBytes) / (1024.0 * 1024.0));
      throw ScenarioError(name, 0, 0, "", message);
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw ScenarioError(name, 0, 0, "",
                          std::string("cannot read the file: ") + std::strerror(errno != 0 ? errno : EIO));
    }
    // Read at most one byte past the cap: a file that grew since the size check is still refused.
    std::string text(static_cast<std::size_t>(kMaxScenarioFileBytes) + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioFileBytes) {
      throw ScenarioError(name, 0, 0, "", "the file grew past the 1 MiB limit while it was read");
    }
    return parse_scenario(text, path.filename().string());
  }
  if (!ec && std::filesystem::exists(status)) {
    const char* what = std::filesystem::is_directory(status)      ? "a directory"
                       : std::filesystem::is_fifo(status)         ? "a FIFO"
                       : std::filesystem::is_character_file(status) ? "a character device"
                       : std::filesystem::is_block_file(status)   ? "a block device"
                       : std::filesystem::is_socket(status)       ? "a socket"
                                                                  : "not a regular file";
    throw ScenarioError(name, 0, 0, "",
                        std::string("not a regular file (") + what + "); give a .toml file or a built-in id");
  }
  for (const BuiltinScenarioText& text : builtin_scenario_texts()) {
    if (text.id == path_or_id) {
      return parse_scenario(text.toml_text, "builtin:" + std::string(text.id));
    }
  }
  std::vector<std::string_view> ids;
  for (const BuiltinScenarioText& text : builtin_scenario_texts()) ids.push_back(text.id);
  std::string message;
  if (name.ends_with(".toml") || name.find('/') != std::string::npos) {
    message = std::string("cannot read the file: ") + std::strerror(ENOENT);
  } else {
    message = "not a built-in scenario or a file";
    if (std::string close = did_you_mean(name, ids); !close.empty()) {
      message += "; did you mean \"" + close + "\"?";
    } else {
      message += ".";
    }
    message += " Built-in: " + join(ids) + ".";
  }
  throw ScenarioError(name, 0, 0, "", message);
}

}  // namespace poolviz
