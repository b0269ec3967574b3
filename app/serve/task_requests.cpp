// app/serve/task_server.cpp, split by concern: the request bodies of
// POST /tasks and PUT /pool, parsed and range-checked (FieldError names the field).
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "serve/task_server.h"

namespace poolviz::serve {

using json = nlohmann::ordered_json;

namespace {


constexpr double kMaxServiceMs = 600'000;  // 10 min: one task must not hold a worker for hours
constexpr int kMaxWorkers = 1024;          // as pool.workers in a scenario
constexpr std::size_t kMaxQueueCapacity = 10'000'000;

/// Parses `body` as one JSON object; a FieldError naming "body" otherwise, or
/// naming the member whose number does not fit in a double (1e309).
std::variant<json, FieldError> parse_object(const std::string& body) {
  json value;
  std::string member;  // the top-level key being parsed
  const json::parser_callback_t remember_key = [&member](int depth, json::parse_event_t event,
                                                         json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) member = parsed.get<std::string>();
    return true;
  };
  try {
    value = json::parse(body, remember_key);
  } catch (const json::parse_error& e) {
    return FieldError{"body", "malformed JSON at byte " + std::to_string(e.byte)};
  } catch (const json::out_of_range&) {
    return FieldError{member.empty() ? "body" : member, "number out of range"};
  } catch (const json::exception&) {
    return FieldError{"body", "malformed JSON"};
  }
  if (!value.is_object()) return FieldError{"body", "expected a JSON object"};
  return value;
}

/// The value as a 64-bit signed integer when it is an integer that fits.
std::optional<std::int64_t> as_int64(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

std::string_view json_type(const json& v) {
  return v.type_name();
}

}  // namespace

// [SECTION] Request parsing -----------------------------------------------------

std::variant<TaskRequest, FieldError> parse_task_request(const std::string& body,
                                                         const TaskRequest& defaults) {
  TaskRequest request = defaults;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return request;
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<FieldError>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  for (const auto& [key, value] : object.items()) {
    if (key == "kind") {
      if (!value.is_string()) {
        return FieldError{"kind", std::string("must be a string, \"io\" or \"cpu\" (got ") +
                                      std::string(json_type(value)) + ")"};
      }
      const auto kind = parse_work_kind(value.get<std::string>());
      if (!kind) return FieldError{"kind", "must be \"io\" or \"cpu\""};
      request.kind = *kind;
    } else if (key == "service_ms") {
      if (!value.is_number()) {
        return FieldError{"service_ms", std::string("must be a number (got ") +
                                            std::string(json_type(value)) + ")"};
      }
      const double ms = value.get<double>();
      if (!std::isfinite(ms) || ms < 0 || ms > kMaxServiceMs) {
        return FieldError{"service_ms", "must be between 0 and 600000 (ms)"};
      }
      request.service_ms = ms;
    } else if (key == "priority") {
      if (!value.is_number_integer()) {
        return FieldError{"priority", std::string("must be an integer (got ") +
                                          std::string(json_type(value)) + ")"};
      }
      const std::optional<std::int64_t> p = as_int64(value);
      if (!p || *p < -1'000'000 || *p > 1'000'000) {
        return FieldError{"priority", "must be between -1000000 and 1000000"};
      }
      request.priority = static_cast<int>(*p);
    } else if (key == "data") {
      // The tutorial's clients send their payload here; the pool does not read it.
    } else {
      return FieldError{key, "unknown field (known: kind, service_ms, priority, data)"};
    }
  }
  return request;
}

std::variant<PoolChange, FieldError> parse_pool_change(const std::string& body) {
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<FieldError>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  PoolChange change;
  for (const auto& [key, value] : object.items()) {
    if (key == "workers") {
      const std::optional<std::int64_t> n = as_int64(value);
      if (!n || *n < 1 || *n > kMaxWorkers) {
        return FieldError{"workers", "must be an integer between 1 and 1024"};
      }
      change.workers = static_cast<int>(*n);
    } else if (key == "queue_capacity") {
      const std::optional<std::int64_t> n = as_int64(value);
      if (!n || *n < 0 || *n > static_cast<std::int64_t>(kMaxQueueCapacity)) {
        return FieldError{"queue_capacity",
                          "must be an integer between 0 (unbounded) and 10000000"};
      }
      change.queue_capacity = static_cast<std::size_t>(*n);
    } else if (key == "limiter_rate") {
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0 ||
          value.get<double>() > 1e6) {
        return FieldError{"limiter_rate", "must be a number of permits per second, > 0 and <= 1e6"};
      }
      change.limiter_rate = value.get<double>();
    } else {
      return FieldError{key, "unknown field (known: workers, queue_capacity, limiter_rate)"};
    }
  }
  if (!change.workers && !change.queue_capacity && !change.limiter_rate) {
    return FieldError{"body", "nothing to change (give workers, queue_capacity or limiter_rate)"};
  }
  return change;
}

}  // namespace poolviz::serve
