// Scenario files: the built-in library, the error messages of malformed files
// (file:line:col: key: message), and --set overrides.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "poolviz/pool_spec.h"
#include "poolviz/scenario.h"
#include "poolviz/scenario_limits.h"

namespace poolviz {
namespace {

// A valid scenario; each malformed case below replaces one line of it.
// Line numbers:          1                 2                 3
const char* const kValid = R"([scenario]
id = "demo"
title = "Demo"
summary = "One. Two."
watch = ["look"]

[pool]
strategy = "fixed"
workers = 3
queue_capacity = 10
overflow = "block"

[limiter]
kind = "none"

[workload]
arrival = "all_at_once"
count = 10
service_mean_ms = 100
)";

std::string replace_line(const std::string& text, int line, const std::string& replacement) {
  std::string out;
  int n = 1;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string current = text.substr(start, end - start);
    out += (n == line ? replacement : current) + "\n";
    ++n;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string error_of(const std::string& text, const std::string& name = "bad.toml") {
  try {
    parse_scenario(text, name);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScenarioParse, ValidFileParsesEveryField) {
  const Scenario s = parse_scenario(kValid, "demo.toml");
  EXPECT_EQ(s.id, "demo");
  EXPECT_EQ(s.title, "Demo");
  ASSERT_EQ(s.watch.size(), 1u);
  EXPECT_EQ(s.pool.strategy, Strategy::fixed);
  EXPECT_EQ(s.pool.workers, 3);
  EXPECT_EQ(s.pool.queue_capacity, 10u);
  EXPECT_EQ(s.limiter.kind, LimiterKind::none);
  EXPECT_EQ(s.workload.count, 10);
  EXPECT_EQ(s.workload.service_mean_ms, 100);
  EXPECT_EQ(s.source_name, "demo.toml");
}

struct Malformed {
  const char* name;
  int line;                 // line of kValid to replace (0 = append `replacement`)
  const char* replacement;
  const char* expected;     // the whole what()
};

// Every case names the file, the line and column, the key, and what is allowed.
const Malformed kMalformed[] = {
    {"enum value", 11, R"(overflow = "drop")",
     R"(bad.toml:11:12: pool.overflow: "drop" is not one of block, reject, drop_oldest, caller_runs (did you mean "drop_oldest"?))"},
    {"strategy typo", 8, R"(strategy = "fixd")",
     // A prefix: the whole list comes from the descriptor table (see UnknownNamesListTheTable).
     R"(bad.toml:8:12: pool.strategy: "fixd" is not one of thread_per_task, fixed, priority, priority_levels, dynamic, work_stealing)"},
    {"zero workers", 9, "workers = 0",
     "bad.toml:9:11: pool.workers: 0 is out of range (allowed: 1 to 1024)"},
    {"negative queue", 10, "queue_capacity = -1",
     "bad.toml:10:18: pool.queue_capacity: -1 is out of range (allowed: 0 to 10000000)"},
    {"workers as string", 9, R"(workers = "3")",
     "bad.toml:9:11: pool.workers: expected an integer, got a string"},
    {"workers as float", 9, "workers = 2.5",
     "bad.toml:9:11: pool.workers: expected an integer, got a number"},
    {"unknown pool key", 9, "wrokers = 3",
     R"(bad.toml:9:1: pool.wrokers: unknown key; did you mean "workers"?)"},
    {"unknown section", 13, "[limitter]",
     "bad.toml:13:2: limitter: unknown section [limitter]; did you mean [limiter]?"},
    {"unknown limiter kind", 14, R"(kind = "sliding_window")",
     R"(bad.toml:14:8: limiter.kind: "sliding_window" is not one of none, ticker, token_bucket, max_concurrency)"},
    {"ticker without rate", 14, R"(kind = "ticker")",
     "bad.toml:13:1: limiter.rate: a ticker limiter needs a rate > 0 (per second)"},
    {"negative limiter rate", 14, "rate = -2",
     "bad.toml:14:8: limiter.rate: -2 is out of range (allowed: 0.001 to 1000000)"},
    {"negative workload rate", 18, "rate = -1",
     "bad.toml:18:8: workload.rate: -1 is out of range (allowed: 0.001 to 1000000)"},
    {"unknown arrival", 17, R"(arrival = "uniform")",
     R"(bad.toml:17:11: workload.arrival: "uniform" is not one of all_at_once, constant, poisson, bursts, closed_loop)"},
    {"unknown service", 19, R"(service = "gaussian")",
     R"(bad.toml:19:11: workload.service: "gaussian" is not one of fixed, uniform, exponential, lognormal, bimodal)"},
    {"unknown work kind", 19, R"(kind = "gpu")",
     R"(bad.toml:19:8: workload.kind: "gpu" is not one of cpu, io)"},
    {"failure rate above one", 19, "failure_rate = 1.5",
     "bad.toml:19:16: workload.failure_rate: 1.5 is out of range (allowed: 0 to 1)"},
    {"no count for all at once", 18, "count = 0",
     "bad.toml:18:9: workload.count: all_at_once needs a count > 0"},
    {"missing id", 2, "",
     "bad.toml:1:1: scenario.id: is required"},
    {"bad id", 2, R"(id = "Demo Pool")",
     R"(bad.toml:2:6: scenario.id: "Demo Pool" may only use a-z, 0-9, '-' and '_')"},
    {"watch not array", 5, R"(watch = "look")",
     "bad.toml:5:9: scenario.watch: expected an array of strings, got a string"},
    {"unknown scenario key", 3, R"(titel = "Demo")",
     R"(bad.toml:3:1: scenario.titel: unknown key; did you mean "title"?)"},
    {"toml syntax", 9, "workers = = 3",
     "bad.toml:9:11: toml: Error while parsing value: could not determine value type"},
    {"unknown workload key", 0, "servce_mean_ms = 5\n",
     R"(bad.toml:20:1: workload.servce_mean_ms: unknown key; did you mean "service_mean_ms"?)"},
    {"unknown retry key", 0, "[workload.retry]\nmax_attempt = 3\n",
     R"(bad.toml:21:1: workload.retry.max_attempt: unknown key; did you mean "max_attempts"?)"},
    {"compare set bad key", 0, "[[compare]]\nlabel = \"x\"\nset = [\"pool.wokers=3\"]\n",
     R"(bad.toml:22:7: compare.set: pool.wokers: unknown key; did you mean "pool.workers"? Allowed keys: )"},
    {"compare without label", 0, "[[compare]]\nset = []\n",
     "bad.toml:20:1: compare.label: every variant needs a label"},
    {"view plot unknown", 0, "[view]\nplots = [\"queue\"]\n",
     R"(bad.toml:21:10: view.plots: "queue" is not one of queue_depth, throughput, wait, sojourn, workers, threads, tokens, utilization, in_service)"},
    // toml++ 3.3.0 cannot classify some non-ASCII code points (core/src/toml_guard.h).
    {"non-ascii key", 9, "workérs = 3",
     "bad.toml:9:5: toml: unexpected character 'é' (U+00E9); outside quotes TOML allows only ASCII"},
    {"non-ascii escape", 4, "summary = \"\"\"one \\λ\"\"\"",
     "bad.toml:4:19: toml: invalid escape sequence '\\λ'"},
    {"view speed too fast", 0, "[view]\nspeed = 50\n",
     "bad.toml:21:9: view.speed: 50 is out of range (allowed: 0.1 to 20)"},
    {"view speed as text", 0, "[view]\nspeed = \"slow\"\n",
     "bad.toml:21:9: view.speed: expected a number, got a string"},
    {"shutdown mode", 0, "[shutdown]\nat = 2\nmode = \"abort\"\n",
     R"(bad.toml:22:8: shutdown.mode: "abort" is not one of drain, cancel)"},
};

TEST(ScenarioParse, EveryMalformedFileGetsItsIntendedMessage) {
  ASSERT_GE(std::size(kMalformed), 20u);
  for (const Malformed& m : kMalformed) {
    const std::string text =
        m.line > 0 ? replace_line(kValid, m.line, m.replacement) : std::string(kValid) + m.replacement;
    const std::string what = error_of(text);
    // A message may go on listing things (allowed keys); the start is the contract.
    EXPECT_EQ(what.substr(0, std::string(m.expected).size()), m.expected) << "case: " << m.name;
  }
}

TEST(ScenarioParse, NonAsciiTextInStringsAndCommentsIsKept) {
  // Latin-1, Greek and CJK punctuation: the ranges toml++ 3.3.0 trips on.
  std::string text = replace_line(kValid, 3, "title = \"Débit λ 、\" # µs, ½");
  text = replace_line(text, 4, "summary = \"\"\"one \\\n  §two λ\"\"\"");
  const Scenario s = parse_scenario(text, "unicode.toml");
  EXPECT_EQ(s.title, "Débit λ 、");
  EXPECT_EQ(s.summary, "one §two λ");
  // Literal strings keep their backslashes and quotes; the guard rewrites a
  // literal holding such a code point as a basic string of the same value.
  text = replace_line(kValid, 3, R"(title = 'λ \ "q" é')");
  text = replace_line(text, 4, "summary = '''½ '' '''' # ÷");
  const Scenario l = parse_scenario(text, "literal.toml");
  EXPECT_EQ(l.title, R"(λ \ "q" é)");
  EXPECT_EQ(l.summary, "½ '' '");
}

TEST(ScenarioParse, FuzzerFoundNonAsciiInABareKeyIsAnError) {
  // tests/fuzz found this: U+00BD inside a bare key reached undefined behaviour
  // in toml++ 3.3.0 instead of a parse error.
  const char raw[] = "pool.wBB\xc2\xbd" "BB\0\0ol.overflow=reject\"]\n";
  const std::string text(raw, sizeof raw - 1);
  EXPECT_EQ(error_of(text).substr(0, 40), "bad.toml:1:9: toml: unexpected character");
}

TEST(ScenarioParse, ViewSpeedIsAHintThatDefaultsToZero) {
  EXPECT_EQ(parse_scenario(kValid, "demo.toml").view.speed, 0);
  EXPECT_EQ(parse_scenario(std::string(kValid) + "[view]\nspeed = 0.25\n", "demo.toml").view.speed, 0.25);
  // The default scenario is over in 0.4 s at 1x, so it opens slowed down.
  EXPECT_LT(load_scenario(std::string(kDefaultScenarioId)).view.speed, 1.0);
}

TEST(ScenarioParse, MinWorkersAboveMaxIsAnError) {
  const std::string text = replace_line(kValid, 9, "min_workers = 8\nmax_workers = 2");
  EXPECT_EQ(error_of(text), "bad.toml:9:15: pool.min_workers: min_workers (8) is greater than max_workers (2)");
}

TEST(ScenarioParse, EveryBuiltinScenarioValidates) {
  const auto texts = builtin_scenario_texts();
  ASSERT_GE(texts.size(), 15u);
  EXPECT_EQ(texts.front().id, kDefaultScenarioId);
  for (const BuiltinScenarioText& text : texts) {
    SCOPED_TRACE(std::string(text.id));
    Scenario s;
    ASSERT_NO_THROW(s = parse_scenario(text.toml_text, std::string(text.id) + ".toml"));
    EXPECT_EQ(s.id, text.id) << "the file name is the id";
    EXPECT_FALSE(s.title.empty());
    EXPECT_FALSE(s.summary.empty());
    EXPECT_GE(s.watch.size(), 2u);
    EXPECT_LE(s.watch.size(), 4u);
    for (const CompareVariant& v : s.compare) EXPECT_NO_THROW((void)apply_variant(s, v)) << v.label;
  }
}

TEST(ScenarioParse, TheIssuesScenarioIdsAreAllBuiltIn) {
  for (const char* id : {"basic-pool", "unbounded-spawn", "backpressure", "rate-limit-ticker",
                         "rate-limit-token-bucket", "max-concurrency", "priority", "priority-levels",
                         "load-balancing", "dynamic-scaling", "work-stealing", "timeouts-retries",
                         "cancellation", "pipeline", "cpu-vs-io-sizing"}) {
    EXPECT_NO_THROW((void)load_scenario(id)) << id;
  }
}

TEST(ScenarioParse, OverrideSetsTheValue) {
  Scenario s = parse_scenario(kValid, "demo.toml");
  apply_override(s, "pool.workers=8");
  apply_override(s, "pool.strategy", "dynamic");
  apply_override(s, "workload.duration", "2.5");
  apply_override(s, "limiter.rate", "4");  // before the kind: a bucket needs a rate
  apply_override(s, "limiter.kind", "token_bucket");
  EXPECT_EQ(s.pool.workers, 8);
  EXPECT_EQ(s.pool.strategy, Strategy::dynamic);
  EXPECT_DOUBLE_EQ(s.workload.duration_s, 2.5);
  EXPECT_EQ(s.limiter.kind, LimiterKind::token_bucket);
}

TEST(ScenarioParse, OverrideCoversTheIssuesKeys) {
  const auto keys = override_keys();
  for (const char* key :
       {"pool.strategy", "pool.dispatch", "pool.workers", "pool.min_workers", "pool.max_workers",
        "pool.queue_capacity", "pool.overflow", "limiter.kind", "limiter.rate", "limiter.burst",
        "limiter.max_in_flight", "workload.arrival", "workload.rate", "workload.count",
        "workload.duration", "workload.service", "workload.service_mean_ms", "workload.kind",
        "workload.seed"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

std::string override_error(std::string_view assignment) {
  Scenario s = parse_scenario(kValid, "demo.toml");
  try {
    apply_override(s, assignment);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

/// The names as a message lists them: the descriptor table's order.
std::string names_joined(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

TEST(ScenarioParse, UnknownNamesListTheTableAndTheClosest) {
  EXPECT_EQ(override_error("pool.strategy=fixd"), R"(--set: pool.strategy: "fixd" is not one of )" +
                                                      names_joined(strategy_names()) +
                                                      R"( (did you mean "fixed"?))");
  EXPECT_EQ(override_error("limiter.kind=tiker"), R"(--set: limiter.kind: "tiker" is not one of )" +
                                                      names_joined(limiter_names()) +
                                                      R"( (did you mean "ticker"?))");
}

TEST(ScenarioParse, OverrideErrorsListWhatIsAllowed) {
  EXPECT_EQ(override_error("pool.strategy=pooled"),
            R"(--set: pool.strategy: "pooled" is not one of )" + names_joined(strategy_names()));
  EXPECT_EQ(override_error("pool.workers=many"),
            R"(--set: pool.workers: "many" is not an integer (allowed: 1 to 1024))");
  EXPECT_EQ(override_error("pool.workers=0"), "--set: pool.workers: 0 is out of range (allowed: 1 to 1024)");
  EXPECT_EQ(override_error("workload.rate=-3"),
            "--set: workload.rate: -3 is out of range (allowed: 0.001 to 1000000)");
  EXPECT_EQ(override_error("pool.workers"), "--set: pool.workers: expected KEY=VALUE, e.g. pool.workers=8");
  const std::string unknown = override_error("pool.wrokers=3");
  EXPECT_EQ(unknown.rfind(R"(--set: pool.wrokers: unknown key; did you mean "pool.workers"? Allowed keys: pool.strategy, )", 0), 0u)
      << unknown;
}

TEST(ScenarioParse, FailedOverrideLeavesTheScenarioUnchanged) {
  Scenario s = parse_scenario(kValid, "demo.toml");
  EXPECT_THROW(apply_override(s, "limiter.kind=ticker"), ScenarioError);  // no rate
  EXPECT_EQ(s.limiter.kind, LimiterKind::none);
}

TEST(ScenarioParse, UnknownIdSuggestsTheClosestBuiltin) {
  try {
    (void)load_scenario("basic-poll");
    FAIL() << "expected an error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(R"(basic-poll: not a built-in scenario or a file; did you mean "basic-pool"?)", 0), 0u)
        << e.what();
  }
  EXPECT_THROW((void)load_scenario("/no/such/file.toml"), ScenarioError);
}

TEST(ScenarioParse, DidYouMeanOnlySuggestsCloseWords) {
  const std::string_view words[] = {"workers", "overflow", "strategy"};
  EXPECT_EQ(did_you_mean("worker", words), "workers");
  EXPECT_EQ(did_you_mean("overflwo", words), "overflow");
  EXPECT_EQ(did_you_mean("colour", words), "");
}

// [[compare]] tables: at most kMaxCompareVariants, each checked at a cost that
// does not grow with the ones before it.
std::string with_variants(std::size_t n) {
  std::string text;
  for (const BuiltinScenarioText& builtin : builtin_scenario_texts()) {
    if (builtin.id == "pipeline") text = builtin.toml_text;  // has no [[compare]] of its own
  }
  for (std::size_t i = 0; i < n; ++i) {
    text += "\n[[compare]]\nlabel = \"v" + std::to_string(i) + "\"\nset = [\"workload.seed=" +
            std::to_string(1 + i) + "\"]\n";
  }
  return text;
}

TEST(ScenarioParse, SixteenCompareVariantsAreAccepted) {
  const Scenario s = parse_scenario(with_variants(kMaxCompareVariants), "many.toml");
  EXPECT_EQ(s.compare.size(), kMaxCompareVariants);
}

TEST(ScenarioParse, MoreCompareVariantsThanTheCapAreRefusedWithTheCount) {
  const std::string message = error_of(with_variants(10'000), "many.toml");
  EXPECT_NE(message.find("compare: 10000 [[compare]] variants; a file may have at most 16"), std::string::npos)
      << message;
}

TEST(ScenarioParse, TextOverTheSizeCapIsRefusedWithItsSize) {
  const std::string message = error_of("# " + std::string(2 * kMaxScenarioFileBytes, 'x') + "\n", "big.toml");
  EXPECT_NE(message.find("big.toml: the text is 2.0 MiB; a scenario may be at most 1 MiB"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace poolviz
