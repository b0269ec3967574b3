// The field table: one entry per settable scenario key (TOML and --set).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "scenario_fields.h"

namespace poolviz::detail {

std::string join(std::span<const std::string_view> names, std::string_view separator) {
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

namespace {

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

}  // namespace

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

}  // namespace poolviz::detail
