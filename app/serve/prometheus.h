// app/serve/prometheus.h — writing the Prometheus text exposition format
// (version 0.0.4), the body of `GET /metrics`.
//
// [SECTION] HistogramSnapshot   — cumulative `le` buckets, re-binned from a Timeline histogram
// [SECTION] PrometheusWriter    — # HELP / # TYPE / samples, in that order
//
// Contract: every metric family is written once, with its # HELP and # TYPE
// lines before its samples; label values are escaped (\\, \", \n); names are
// trusted (they are literals in our code). Writing is single-threaded (one
// writer per response).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poolviz/metrics.h"

namespace poolviz::serve {

// [SECTION] HistogramSnapshot ---------------------------------------------------

/// A latency histogram with fixed upper bounds in seconds (the `le` labels).
/// Prometheus buckets are cumulative; we count per bucket and sum on export.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;   // ascending, +Inf implied after the last
  std::vector<std::uint64_t> counts;  // per bucket, upper_bounds.size() + 1 entries
  double sum = 0;
  std::uint64_t count = 0;
};

/// Buckets for queue waits and sojourns from 1 ms to 5 min.
std::vector<double> latency_buckets();

/// Re-bins a histogram of nanoseconds (the Timeline's wait or sojourn: one
/// definition for the window, the CLI and /metrics) into `upper_bounds`
/// seconds. Each of its buckets goes whole to the first bound at or above the
/// bucket's largest value, so a value up to 1/32 below a bound may be counted
/// one bucket high, never low. The sum is exact.
HistogramSnapshot rebin_seconds(const Histogram& nanos, std::vector<double> upper_bounds);

// [SECTION] PrometheusWriter ----------------------------------------------------

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class PrometheusWriter {
 public:
  /// Starts a family: writes `# HELP name help` and `# TYPE name type`.
  /// `type` is counter, gauge or histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);

  /// One sample line `name{labels} value` of the current family.
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }

  /// A whole histogram family: _bucket{le=...} (cumulative, ending at +Inf), _sum, _count.
  void histogram(std::string_view name, std::string_view help, const HistogramSnapshot& h);

  /// The exposition so far.
  const std::string& text() const { return out_; }

  /// The content type `GET /metrics` answers with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::string out_;
};

/// A value as Prometheus writes it: integers without a fraction, +Inf/-Inf/NaN spelled out.
std::string format_value(double value);
/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace poolviz::serve
