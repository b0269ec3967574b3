#include "serve/prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace poolviz::serve {

// [SECTION] HistogramSnapshot ---------------------------------------------------

std::vector<double> latency_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

HistogramSnapshot rebin_seconds(const Histogram& nanos, std::vector<double> upper_bounds) {
  std::sort(upper_bounds.begin(), upper_bounds.end());
  HistogramSnapshot out;
  out.upper_bounds = std::move(upper_bounds);
  out.counts.assign(out.upper_bounds.size() + 1, 0);
  out.count = nanos.count();
  out.sum = nanos.mean() * static_cast<double>(nanos.count()) / static_cast<double>(kSecond);
  if (out.count == 0) return out;
  const auto& bounds = out.upper_bounds;
  for (int b = Histogram::bucket_of(nanos.min()); b <= Histogram::bucket_of(nanos.max()); ++b) {
    const std::uint64_t n = nanos.in_bucket(b);
    if (n == 0) continue;
    const double high = to_seconds(Histogram::bucket_high(b));
    const auto slot = std::lower_bound(bounds.begin(), bounds.end(), high) - bounds.begin();
    out.counts[static_cast<std::size_t>(slot)] += n;
  }
  return out;
}

// [SECTION] PrometheusWriter ----------------------------------------------------

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
  }
  return buffer;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusWriter::sample(std::string_view name, Labels labels, double value) {
  out_.append(name);
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [key, label_value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_.append(key).append("=\"").append(escape_label_value(label_value)).append("\"");
    }
    out_ += '}';
  }
  out_.append(" ").append(format_value(value)).append("\n");
}

void PrometheusWriter::histogram(std::string_view name, std::string_view help,
                                 const HistogramSnapshot& h) {
  family(name, "histogram", help);
  const std::string bucket_name = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
    cumulative += h.counts[i];
    sample(bucket_name, {{"le", format_value(h.upper_bounds[i])}}, static_cast<double>(cumulative));
  }
  cumulative += h.counts.empty() ? 0 : h.counts.back();
  sample(bucket_name, {{"le", "+Inf"}}, static_cast<double>(cumulative));
  sample(std::string(name) + "_sum", h.sum);
  sample(std::string(name) + "_count", static_cast<double>(h.count));
}

}  // namespace poolviz::serve
