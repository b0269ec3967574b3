// Checks across fields of a complete scenario (each field alone was checked
// against its range when it was set).
#include <cmath>
#include <stdexcept>

#include "poolviz/pool_spec.h"
#include "scenario_fields.h"

namespace poolviz::detail {

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
  if (const LimiterDescriptor& limiter = describe(s.limiter.kind); !limiter.required_key.empty()) {
    const bool set = limiter.required_key == "limiter.rate" ? s.limiter.rate > 0 : s.limiter.max_in_flight > 0;
    if (!set) throw Problem{std::string(limiter.required_key), std::string(limiter.required_message)};
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

}  // namespace poolviz::detail
