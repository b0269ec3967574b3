// GET /metrics speaks the Prometheus text exposition format: every sample line
// is `name{labels} value`, every metric family has # HELP and # TYPE before its
// samples, histograms have cumulative `le` buckets ending at +Inf = _count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "serve/prometheus.h"
#include "serve_support.h"

namespace poolviz::serve {
namespace {

using testing::ServedPool;
using testing::task_queue_scenario;

/// A strict reader of the exposition format; collects problems instead of stopping.
struct Exposition {
  std::map<std::string, std::string> types;  // family → type
  std::set<std::string> helps;
  struct SampleLine {
    std::string name, labels;
    double value;
  };
  std::vector<SampleLine> samples;
  std::vector<std::string> problems;

  static std::string family_of(const std::string& name,
                               const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.ends_with(s)) {
        const std::string base = name.substr(0, name.size() - s.size());
        auto it = types.find(base);
        if (it != types.end() && it->second == "histogram") return base;
      }
    }
    return name;
  }

  explicit Exposition(const std::string& text) {
    static const std::regex kSample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? ([-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf)|NaN)$)");
    static const std::regex kType(
        R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
    static const std::regex kHelp(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)");
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::smatch m;
      if (line.starts_with("# TYPE")) {
        if (!std::regex_match(line, m, kType)) {
          problems.push_back("line " + std::to_string(number) + ": bad TYPE: " + line);
        } else if (!types.emplace(m[1], m[2]).second) {
          problems.push_back("line " + std::to_string(number) + ": second TYPE for " + m[1].str());
        }
      } else if (line.starts_with("# HELP")) {
        if (!std::regex_match(line, m, kHelp))
          problems.push_back("bad HELP: " + line);
        else
          helps.insert(m[1]);
      } else if (line.starts_with("#") || line.empty()) {
        problems.push_back("line " + std::to_string(number) + ": unexpected: " + line);
      } else if (!std::regex_match(line, m, kSample)) {
        problems.push_back("line " + std::to_string(number) +
                           ": not `name{labels} value`: " + line);
      } else {
        const std::string family = family_of(m[1], types);
        if (!types.contains(family)) {
          problems.push_back("line " + std::to_string(number) + ": " + m[1].str() +
                             " has no # TYPE before it");
        }
        const std::string v = m[7];
        const double value = v == "+Inf" || v == "Inf" ? INFINITY
                             : v == "-Inf"             ? -INFINITY
                             : v == "NaN"              ? NAN
                                                       : std::stod(v);
        samples.push_back({m[1], m[2], value});
      }
    }
    for (const auto& [family, type] : types) {
      if (!helps.contains(family)) problems.push_back(family + " has no # HELP");
    }
  }

  double value(const std::string& name, const std::string& labels = "") const {
    for (const SampleLine& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return NAN;
  }
};

TEST(PrometheusWriter, WritesHelpAndTypeBeforeEverySample) {
  PrometheusWriter w;
  w.family("jobs_total", "counter", "Jobs.");
  w.sample("jobs_total", {{"outcome", "completed"}}, 3);
  w.family("depth", "gauge", "Depth.");
  w.sample("depth", 2.5);
  EXPECT_EQ(
      w.text(),
      "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{outcome=\"completed\"} 3\n"
      "# HELP depth Depth.\n# TYPE depth gauge\ndepth 2.5\n");
  const Exposition e(w.text());
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
}

TEST(PrometheusWriter, HistogramBucketsAreCumulativeAndEndAtInfEqualToCount) {
  Histogram nanos;
  for (double v : {0.05, 0.09, 0.5, 5.0, 50.0}) nanos.record(from_seconds(v));
  PrometheusWriter w;
  w.histogram("wait_seconds", "Wait.", rebin_seconds(nanos, {0.1, 1, 10}));
  const Exposition e(w.text());
  ASSERT_TRUE(e.problems.empty()) << e.problems.front();
  EXPECT_EQ(e.types.at("wait_seconds"), "histogram");
  EXPECT_EQ(e.value("wait_seconds_bucket", "{le=\"0.1\"}"), 2);
  EXPECT_EQ(e.value("wait_seconds_bucket", "{le=\"1\"}"), 3);
  EXPECT_EQ(e.value("wait_seconds_bucket", "{le=\"10\"}"), 4);
  EXPECT_EQ(e.value("wait_seconds_bucket", "{le=\"+Inf\"}"), 5);
  EXPECT_EQ(e.value("wait_seconds_count"), 5);
  EXPECT_NEAR(e.value("wait_seconds_sum"), 55.64, 1e-9) << "the sum is exact";
}

TEST(PrometheusWriter, RebinningCountsAValueHighByAtMostTheHistogramsErrorNeverLow) {
  // Values spread over six decades, some exactly on a bound.
  std::vector<double> values;
  for (int i = 0; i < 600; ++i) values.push_back(1e-4 * std::pow(10.0, i / 100.0));
  for (double bound : latency_buckets()) values.push_back(bound);
  Histogram nanos;
  for (double v : values) nanos.record(from_seconds(v));
  const HistogramSnapshot h = rebin_seconds(nanos, latency_buckets());
  ASSERT_EQ(h.count, values.size());
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
    cumulative += h.counts[i];
    const double bound = h.upper_bounds[i];
    const auto at_most = [&](double limit) {
      return static_cast<std::uint64_t>(
          std::count_if(values.begin(), values.end(), [&](double v) { return v <= limit; }));
    };
    EXPECT_LE(cumulative, at_most(bound)) << "never counted below its value, le=" << bound;
    EXPECT_GE(cumulative, at_most(bound / (1 + 2 * Histogram::kMaxRelativeError)))
        << "at most one bucket high, le=" << bound;
  }
}

TEST(PrometheusWriter, EscapesLabelValuesAndSpellsOutSpecialValues) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(NAN), "NaN");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(0.25), "0.25");
}

TEST(ServeMetrics, ExpositionParsesAsPrometheusTextWithCountersGaugesAndHistograms) {
  ServedPool pool(task_queue_scenario(1, 2));
  for (int i = 0; i < 3; ++i) pool.post(R"({"service_ms": 0})");
  pool.server->run().executor().wait_idle();
  // One keep-alive connection: the server counts a response after sending it,
  // and serves the next request on the same connection only after that.
  HttpClient client("127.0.0.1", pool.port);
  client.set_keep_alive(true);
  client.post("/tasks", R"({"kind": "gpu"})", "application/json");  // a 400, counted by code

  auto r = client.get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), PrometheusWriter::kContentType);
  const Exposition e(r->body);
  for (const std::string& p : e.problems) ADD_FAILURE() << p;

  EXPECT_EQ(e.types.at("poolviz_tasks_ended_total"), "counter");
  EXPECT_EQ(e.types.at("poolviz_queue_depth"), "gauge");
  EXPECT_EQ(e.types.at("poolviz_workers"), "gauge");
  EXPECT_EQ(e.types.at("poolviz_workers_busy"), "gauge");
  EXPECT_EQ(e.types.at("poolviz_task_wait_seconds"), "histogram");
  EXPECT_EQ(e.types.at("poolviz_task_sojourn_seconds"), "histogram");
  const double ended = e.value("poolviz_tasks_ended_total", "{outcome=\"completed\"}") +
                       e.value("poolviz_tasks_ended_total", "{outcome=\"rejected\"}");
  EXPECT_EQ(ended, 3) << "three tasks offered, each completed or rejected";
  EXPECT_EQ(e.value("poolviz_workers"), 1);
  EXPECT_EQ(e.value("poolviz_queue_capacity"), 2);
  EXPECT_EQ(e.value("poolviz_http_responses_total", "{code=\"400\"}"), 1);
  EXPECT_EQ(e.value("poolviz_task_wait_seconds_count"),
            e.value("poolviz_task_wait_seconds_bucket", "{le=\"+Inf\"}"));
  // One definition of wait: /metrics reads the Run's Timeline (as of the last
  // poll), the figures the window and `poolviz run` print.
  pool.server->poll();
  const auto again = client.get("/metrics");
  ASSERT_TRUE(again);
  const Exposition after_poll(again->body);
  {
    const std::lock_guard lock(pool.server->control_mutex());
    EXPECT_EQ(after_poll.value("poolviz_task_wait_seconds_count"),
              static_cast<double>(pool.server->run().timeline().wait().count()));
    EXPECT_EQ(after_poll.value("poolviz_task_sojourn_seconds_count"),
              static_cast<double>(pool.server->run().timeline().sojourn().count()));
  }
  EXPECT_EQ(after_poll.value("poolviz_task_wait_seconds_count"),
            e.value("poolviz_tasks_ended_total", "{outcome=\"completed\"}"))
      << "every completed task started once";
  // Buckets never decrease.
  double previous = 0;
  for (const auto& s : e.samples) {
    if (s.name != "poolviz_task_sojourn_seconds_bucket") continue;
    EXPECT_GE(s.value, previous) << s.labels;
    previous = s.value;
  }
}

}  // namespace
}  // namespace poolviz::serve
