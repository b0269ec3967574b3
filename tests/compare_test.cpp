// Compare mode: variants fed the same arrivals, the table's best-in-row, the
// theory overlay's choice of model, and the measured side (the Timeline's occupancy figures).
#include "poolviz/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "poolviz/theory_overlay.h"
#include "poolviz/timeline.h"
#include "support/event_builder.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

Scenario poisson_pool(int workers = 4, double rate = 28, std::int64_t count = 300) {
  Scenario s;
  s.id = "test-mmc";
  s.title = "test";
  s.source_name = "test";
  s.pool.strategy = Strategy::fixed;
  s.pool.workers = workers;
  s.workload.arrival = ArrivalPattern::poisson;
  s.workload.rate = rate;
  s.workload.count = count;
  s.workload.service = ServiceDistribution::exponential;
  s.workload.service_mean_ms = 100;
  s.workload.kind = WorkKind::io;
  s.workload.seed = 7;
  return s;
}

CompareVariant variant(std::string label, std::vector<Override> overrides) {
  CompareVariant v;
  v.label = std::move(label);
  v.overrides = std::move(overrides);
  return v;
}

// [SECTION] Same arrivals -------------------------------------------------------

TEST(CompareArrivals, SameSeedGivesEveryVariantTheSameArrivalStream) {
  const Scenario base = poisson_pool();
  const std::vector<CompareVariant> extra = {
      variant("stealing", {{"pool.strategy", "work_stealing"}}),
      variant("dynamic", {{"pool.strategy", "dynamic"}, {"pool.max_workers", "8"}}),
      variant("per task", {{"pool.strategy", "thread_per_task"}}),
  };
  ComparisonOptions options;
  options.seed = 12345;
  Comparison comparison(plan_variants(base, extra), options);  // built, not started: no timing involved
  ASSERT_EQ(comparison.size(), 4U);

  const std::vector<PlannedJob> reference = generate_arrivals(comparison.run(0).scenario().workload, 300);
  ASSERT_EQ(reference.size(), 300U);
  EXPECT_EQ(comparison.run(0).scenario().workload.seed, 12345U);
  for (std::size_t i = 1; i < comparison.size(); ++i) {
    EXPECT_EQ(generate_arrivals(comparison.run(i).scenario().workload, 300), reference)
        << "variant " << comparison.label(i) << " sees different arrivals";
  }
  // And the seed matters: another seed gives another stream.
  WorkloadSpec other = comparison.run(0).scenario().workload;
  other.seed = 99;
  EXPECT_NE(generate_arrivals(other, 300), reference);
}

TEST(CompareArrivals, AVariantThatOverridesTheWorkloadIsFlagged) {
  const Scenario base = poisson_pool();
  const std::vector<CompareVariant> extra = {variant("faster arrivals", {{"workload.rate", "30"}})};
  const std::vector<VariantPlan> plans = plan_variants(base, extra);
  ASSERT_EQ(plans.size(), 2U);
  EXPECT_TRUE(workload_overrides(plans[0]).empty());
  EXPECT_EQ(workload_overrides(plans[1]), std::vector<std::string>{"workload.rate"});
}

// [SECTION] Variants ------------------------------------------------------------

TEST(CompareVariants, ParsesALabelAndItsAssignments) {
  const CompareVariant v = parse_variant("scaling: pool.strategy=dynamic, pool.max_workers=8");
  EXPECT_EQ(v.label, "scaling");
  ASSERT_EQ(v.overrides.size(), 2U);
  EXPECT_EQ(v.overrides[0], (Override{"pool.strategy", "dynamic"}));
  EXPECT_EQ(v.overrides[1], (Override{"pool.max_workers", "8"}));
}

TEST(CompareVariants, WithoutALabelTheAssignmentsNameTheVariant) {
  const CompareVariant v = parse_variant("pool.strategy=dynamic,pool.max_workers=8");
  EXPECT_EQ(v.label, "pool.strategy=dynamic,pool.max_workers=8");
  EXPECT_EQ(v.overrides.size(), 2U);
}

TEST(CompareVariants, RejectsAnItemThatIsNotKeyEqualsValue) {
  EXPECT_THROW(parse_variant("pool.strategy"), ScenarioError);
  EXPECT_THROW(parse_variant("label:"), ScenarioError);
}

TEST(CompareVariants, ScenarioCompareBlocksAreUsedWhenNoVariantIsGiven) {
  Scenario base = poisson_pool();
  base.compare = {variant("two", {{"pool.workers", "2"}}), variant("eight", {{"pool.workers", "8"}})};
  const std::vector<VariantPlan> plans = plan_variants(base, {});
  ASSERT_EQ(plans.size(), 2U);
  EXPECT_EQ(plans[0].label, "two");
  EXPECT_EQ(plans[0].scenario.pool.workers, 2);
  EXPECT_EQ(plans[1].scenario.pool.workers, 8);
}

TEST(CompareVariants, ASingleCompareBlockRunsBesideTheScenarioAsWritten) {
  Scenario base = poisson_pool();
  base.compare = {variant("eight", {{"pool.workers", "8"}})};
  const std::vector<VariantPlan> plans = plan_variants(base, {});
  ASSERT_EQ(plans.size(), 2U);
  EXPECT_EQ(plans[0].scenario.pool.workers, 4);
  EXPECT_EQ(plans[1].scenario.pool.workers, 8);
}

TEST(CompareVariants, RefusesFewerThanTwoOrMoreThanFour) {
  const Scenario base = poisson_pool();
  EXPECT_THROW(plan_variants(base, {}), ScenarioError);
  const std::vector<CompareVariant> four = {variant("a", {{"pool.workers", "1"}}), variant("b", {{"pool.workers", "2"}}),
                                            variant("c", {{"pool.workers", "3"}}), variant("d", {{"pool.workers", "5"}})};
  EXPECT_THROW(plan_variants(base, four), ScenarioError);  // + the base = 5
}

TEST(CompareVariants, AnInvalidOverrideNamesTheVariant) {
  const std::vector<CompareVariant> bad = {variant("broken", {{"pool.strategy", "magic"}})};
  try {
    plan_variants(poisson_pool(), bad);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
  }
}

// [SECTION] Best in row ---------------------------------------------------------

TEST(CompareTable, LowerIsBetterPicksTheSmallest) {
  const std::vector<double> v = {30, 10, 20};
  EXPECT_EQ(best_indices(v, Better::lower), std::vector<std::size_t>{1});
}

TEST(CompareTable, HigherIsBetterPicksTheLargest) {
  const std::vector<double> v = {30, 10, 20};
  EXPECT_EQ(best_indices(v, Better::higher), std::vector<std::size_t>{0});
}

TEST(CompareTable, TiedBestValuesAreAllMarked) {
  const std::vector<double> v = {5, 9, 5, 7};
  EXPECT_EQ(best_indices(v, Better::lower), (std::vector<std::size_t>{0, 2}));
}

TEST(CompareTable, NothingStandsOutWhenAllValuesAreEqual) {
  const std::vector<double> v = {0, 0, 0};
  EXPECT_TRUE(best_indices(v, Better::lower).empty());
}

TEST(CompareTable, UnavailableValuesAreIgnored) {
  const std::vector<double> v = {NAN, 4, 3};
  EXPECT_EQ(best_indices(v, Better::lower), std::vector<std::size_t>{2});
  const std::vector<double> single = {NAN, 4};
  EXPECT_TRUE(best_indices(single, Better::lower).empty());
}

TEST(CompareTable, RowsWithoutADirectionHighlightNothing) {
  const std::vector<double> v = {1, 2};
  EXPECT_TRUE(best_indices(v, Better::none).empty());
}

TEST(CompareTable, AVariantThatCompletedNothingIsNeverBestAtLatency) {
  // timeouts-retries: every attempt timed out early, so its waits look short.
  RunSummary done, none;
  done.wait_ms.p50_ms = 1200;
  done.jobs.completed = 36;
  none.wait_ms.p50_ms = 15;
  none.jobs.timed_out = 6;
  const std::vector<std::string> labels = {"done", "none"};
  const std::vector<RunSummary> summaries = {done, none};
  const ComparisonTable t = make_table(labels, summaries, 8U << 20);
  const auto row = std::find_if(t.rows.begin(), t.rows.end(), [](const TableRow& r) { return r.name == "wait p50"; });
  ASSERT_NE(row, t.rows.end());
  EXPECT_TRUE(row->best.empty());
  EXPECT_TRUE(std::any_of(t.rows.begin(), t.rows.end(), [](const TableRow& r) { return r.name == "timed out"; }))
      << "an outcome row appears once a variant has one";
  EXPECT_FALSE(std::any_of(t.rows.begin(), t.rows.end(), [](const TableRow& r) { return r.name == "failed"; }));
}

TEST(CompareTable, AVariantThatCancelledJobsIsNeverBestAtMakespanAndOutcomesHaveNoWinner) {
  // cancellation: cancelling 11 of 20 jobs ends the run sooner, for the wrong reason.
  RunSummary drain, cancel;
  drain.duration_s = 4.2;
  drain.jobs.completed = 20;
  cancel.duration_s = 2.1;
  cancel.jobs.completed = 9;
  cancel.jobs.cancelled = 11;
  const std::vector<std::string> labels = {"drain", "cancel"};
  const std::vector<RunSummary> summaries = {drain, cancel};
  const ComparisonTable t = make_table(labels, summaries, 8U << 20);
  auto row = [&](std::string_view name) {
    return *std::find_if(t.rows.begin(), t.rows.end(), [&](const TableRow& r) { return r.name == name; });
  };
  EXPECT_TRUE(row("makespan").best.empty());
  EXPECT_TRUE(row("cancelled").best.empty());
}

TEST(CompareTable, PriorityWaitsGetARowPerPriorityMostUrgentFirst) {
  RunSummary levels, fifo;
  levels.jobs.completed = fifo.jobs.completed = 10;
  levels.wait_by_priority = {{2, 5, {.p50_ms = 20}}, {0, 5, {.p50_ms = 900}}};
  fifo.wait_by_priority = {{2, 5, {.p50_ms = 400}}, {0, 5, {.p50_ms = 400}}};
  const std::vector<std::string> labels = {"levels", "fifo"};
  const std::vector<RunSummary> summaries = {levels, fifo};
  const ComparisonTable t = make_table(labels, summaries, 8U << 20);
  std::vector<std::string> names;
  for (const TableRow& r : t.rows) {
    if (r.name.starts_with("wait p50, priority")) names.push_back(r.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"wait p50, priority 2", "wait p50, priority 0"}));
}

TEST(CompareTable, MakeTableMarksTheBestVariantPerRow) {
  RunSummary pool, spawn;
  pool.strategy = "fixed";
  pool.wait_ms.p99_ms = 12;
  pool.threads_max = 4;
  pool.throughput_per_s = 50;
  pool.jobs.rejected = 0;
  spawn.strategy = "thread_per_task";
  spawn.wait_ms.p99_ms = 1;
  spawn.threads_max = 400;
  spawn.throughput_per_s = 49;
  spawn.jobs.rejected = 0;
  pool.jobs.completed = spawn.jobs.completed = 100;
  const std::vector<std::string> labels = {"pool", "spawn"};
  const std::vector<RunSummary> summaries = {pool, spawn};
  const ComparisonTable t = make_table(labels, summaries, 8U << 20);
  auto row = [&t](const std::string& name) -> const TableRow& {
    for (const TableRow& r : t.rows) {
      if (r.name == name) return r;
    }
    throw std::runtime_error("no row " + name);
  };
  EXPECT_EQ(row("wait p99").best, std::vector<std::size_t>{1});
  EXPECT_EQ(row("peak threads").best, std::vector<std::size_t>{0});
  EXPECT_EQ(row("throughput").best, std::vector<std::size_t>{0});
  EXPECT_TRUE(row("rejected").best.empty());
  EXPECT_TRUE(row("utilisation").best.empty());
  EXPECT_DOUBLE_EQ(row("thread stacks at peak (reserved, not resident)").values[1], 400 * 8.0);
  const std::string text = format_table(t);
  EXPECT_NE(text.find("Process peak RSS"), std::string::npos);
}

// [SECTION] Theory applicability ------------------------------------------------

TEST(TheoryFor, PoissonExponentialWorkerPoolIsErlangC) {
  const TheoryCheck t = theory_for(poisson_pool(4, 28), 2);
  EXPECT_EQ(t.fit, TheoryFit::exact);
  EXPECT_EQ(t.model, "M/M/c (Erlang C)");
  EXPECT_EQ(t.servers, 4);
  EXPECT_NEAR(t.offered_rho, 0.7, 1e-12);
  EXPECT_NEAR(t.prediction.mean_wait, mmc(28, 10, 4).mean_wait, 1e-12);
}

TEST(TheoryFor, NonExponentialServiceIsALabelledAllenCunneenApproximation) {
  Scenario s = poisson_pool(4, 28);
  s.workload.service = ServiceDistribution::fixed;
  TheoryCheck t = theory_for(s, 2);
  EXPECT_EQ(t.fit, TheoryFit::approximation);
  EXPECT_NE(t.model.find("Allen-Cunneen approximation"), std::string::npos);
  EXPECT_DOUBLE_EQ(t.cs2, 0.0);
  EXPECT_NEAR(t.prediction.mean_wait, mmc(28, 10, 4).mean_wait / 2, 1e-12);  // (1 + 0) / 2

  s.workload.service = ServiceDistribution::lognormal;
  s.workload.spread = 1.0;
  t = theory_for(s, 2);
  EXPECT_EQ(t.fit, TheoryFit::approximation);
  EXPECT_NEAR(t.cs2, std::exp(1.0) - 1.0, 1e-12);
}

TEST(TheoryFor, ServiceVariabilityMatchesEachDistribution) {
  WorkloadSpec w;
  w.service = ServiceDistribution::uniform;
  w.spread = 0.6;
  EXPECT_NEAR(service_cs2(w), 0.12, 1e-12);
  w.service = ServiceDistribution::bimodal;
  w.slow_fraction = 0.5;
  w.slow_factor = 3;  // modes 1 and 3 equally likely: mean 2, E[X²] 5, cs² = 5/4 − 1
  EXPECT_NEAR(service_cs2(w), 0.25, 1e-12);
  w.service_mean_ms = 10;
  EXPECT_NEAR(service_mean_ms(w), 20, 1e-12);
}

TEST(TheoryFor, ARefusingBoundedQueueIsMmck) {
  Scenario s = poisson_pool(4, 28);
  s.pool.queue_capacity = 6;
  s.pool.overflow = Overflow::reject;
  const TheoryCheck t = theory_for(s, 2);
  EXPECT_EQ(t.fit, TheoryFit::bounded);
  EXPECT_EQ(t.capacity, 10);
  EXPECT_NE(t.model.find("M/M/c/K"), std::string::npos);
  EXPECT_NEAR(t.prediction.p_block, mmck(28, 10, 4, 10).p_block, 1e-12);
}

TEST(TheoryFor, ABoundedQueueStaysStableEvenAboveFullLoad) {
  Scenario s = poisson_pool(4, 60);
  s.pool.queue_capacity = 6;
  s.pool.overflow = Overflow::reject;
  EXPECT_EQ(theory_for(s, 2).fit, TheoryFit::bounded);
}

TEST(TheoryFor, LoadAtOrAboveOneIsUnstable) {
  const TheoryCheck t = theory_for(poisson_pool(4, 40), 2);
  EXPECT_EQ(t.fit, TheoryFit::unstable);
  EXPECT_NE(t.reason.find("unstable: the queue grows without bound"), std::string::npos);
}

TEST(TheoryFor, SaysPlainlyWhenNoModelApplies) {
  Scenario s = poisson_pool();
  s.pool.strategy = Strategy::thread_per_task;
  EXPECT_EQ(theory_for(s, 2).fit, TheoryFit::not_applicable);
  s = poisson_pool();
  s.workload.arrival = ArrivalPattern::all_at_once;
  EXPECT_EQ(theory_for(s, 2).fit, TheoryFit::not_applicable);
  s = poisson_pool();
  s.pool.dispatch = Dispatch::round_robin;
  const TheoryCheck t = theory_for(s, 2);
  EXPECT_EQ(t.fit, TheoryFit::not_applicable);
  EXPECT_NE(t.reason.find("no queueing model applies"), std::string::npos);
}

// A bounded queue under overload (one worker of 1 s, 5 places, an arrival
// every 200 ms): the model describes the full queue, so P(refused) is measured
// over the span it was full (4 of every 5 arrivals refused), not diluted by
// the fill-up; before it fills, the overlay says it is not steady yet.
TEST(TheoryOverlay, ABoundedQueueIsMeasuredWhileFullAndNotSteadyBefore) {
  Scenario s = poisson_pool(1, 5);
  s.workload.service_mean_ms = 1000;
  s.pool.queue_capacity = 5;
  s.pool.overflow = Overflow::reject;
  const TheoryCheck check = theory_for(s, 2);
  ASSERT_EQ(check.fit, TheoryFit::bounded);

  std::vector<Event> events;
  std::deque<std::uint64_t> queue;
  std::uint64_t running = 0, next = 0;
  Nanos busy_until = 0;
  RunSummary summary;
  for (Nanos t = 0; t <= 20 * kSecond; t += 200 * kMillisecond) {
    if (running != 0 && busy_until <= t) {
      events.push_back(ev::finished(busy_until, running, 0, Outcome::completed, 0));
      running = 0;
      if (!queue.empty()) {
        running = queue.front();
        queue.pop_front();
        events.push_back(ev::started(busy_until, running, 0, 0));
        busy_until += kSecond;
      }
    }
    const std::uint64_t job = ++next;
    events.push_back(ev::submitted(t, job));
    ++summary.jobs.submitted;
    if (running == 0) {
      running = job;
      busy_until = t + kSecond;
      events.push_back(ev::started(t, job, 0, 0));
    } else if (queue.size() < 5) {
      queue.push_back(job);
      events.push_back(ev::enqueued(t, job, -1, static_cast<std::int64_t>(queue.size())));
    } else {
      events.push_back(ev::rejected(t, job, RejectReason::queue_full));
      ++summary.jobs.rejected;
    }
  }
  summary.jobs.completed = kSteadyJobs;  // the job-count rule is not what this test is about

  Timeline early(TimelineOptions{.servers = 1});
  std::vector<Event> first_second;
  for (const Event& e : events)
    if (e.t < kSecond) first_second.push_back(e);
  early.on_events(first_second);
  early.advance_to(kSecond);
  const Overlay before = make_overlay(check, summary, early, kSecond);
  EXPECT_FALSE(before.steady);
  EXPECT_NE(before.steady_note.find("has not filled"), std::string::npos) << before.steady_note;

  Timeline timeline(TimelineOptions{.servers = 1});
  timeline.on_events(events);
  timeline.advance_to(21 * kSecond);
  const Overlay o = make_overlay(check, summary, timeline, 21 * kSecond);
  EXPECT_TRUE(o.steady);
  EXPECT_NE(o.steady_note.find("full by 1.3 s"), std::string::npos) << o.steady_note;
  const auto refused = std::find_if(o.rows.begin(), o.rows.end(),
                                    [](const OverlayRow& r) { return r.name == "P(refused), while full"; });
  ASSERT_NE(refused, o.rows.end());
  EXPECT_NEAR(refused->measured, 0.8, 0.03);
  const double whole_run = static_cast<double>(summary.jobs.rejected) / static_cast<double>(summary.jobs.submitted);
  EXPECT_LT(whole_run, refused->measured);
}

// [SECTION] Occupancy (the measured side, in the Timeline) ---------------------------------------

TEST(TimelineOccupancy, LittlesLawHoldsOverAWindowThatStartsAndEndsEmpty) {
  Timeline occupancy(TimelineOptions{.servers = 1});
  const std::vector<Event> events = {
      ev::submitted(0, 1),
      ev::started(0, 1, -1, 0),
      ev::submitted(1 * kSecond, 2),  // finds the one worker busy
      ev::finished(2 * kSecond, 1, -1, Outcome::completed, 0),
      ev::started(2 * kSecond, 2, -1, 0),
      ev::finished(4 * kSecond, 2, -1, Outcome::completed, 0),
  };
  occupancy.on_events(events);
  const LittleLaw l = occupancy.little(4 * kSecond);
  // N(t): 1 on [0,1), 2 on [1,2), 1 on [2,4): area 5 over 4 s.
  EXPECT_DOUBLE_EQ(l.mean_in_system, 1.25);
  EXPECT_DOUBLE_EQ(l.arrival_rate, 0.5);
  EXPECT_DOUBLE_EQ(l.mean_sojourn_s, 2.5);  // (2 + 3) / 2
  EXPECT_DOUBLE_EQ(l.lambda_w, 1.25);
  EXPECT_DOUBLE_EQ(l.relative_gap, 0.0);
  EXPECT_DOUBLE_EQ(occupancy.p_arrival_finds_all_busy(), 0.5);
  EXPECT_DOUBLE_EQ(occupancy.mean_queue_beyond_servers(4 * kSecond), 0.25);
  EXPECT_DOUBLE_EQ(occupancy.waits().mean(), 0.5);  // waits 0 and 1 s
}

TEST(TimelineOccupancy, RefusedArrivalsAreNotAcceptedButEvictedOnesLeaveTheSystem) {
  Timeline occupancy(TimelineOptions{.servers = 1});
  const std::vector<Event> events = {
      ev::submitted(0, 1),
      ev::submitted(0, 2),
      ev::rejected(0, 2, RejectReason::queue_full),
      ev::rejected(kSecond, 1, RejectReason::dropped_oldest),
  };
  occupancy.on_events(events);
  EXPECT_EQ(occupancy.accepted(), 1U);
  EXPECT_EQ(occupancy.refused(), 1U);
  EXPECT_EQ(occupancy.counts().in_system, 0);
  EXPECT_DOUBLE_EQ(occupancy.little(kSecond).mean_sojourn_s, 1.0);
}

TEST(WaitBatchMeans, KeepsTheExactMeanWhileMergingBatches) {
  WaitBatchMeans b;
  for (int i = 0; i < 10'000; ++i) b.add(i % 10);
  EXPECT_EQ(b.count(), 10'000U);
  EXPECT_DOUBLE_EQ(b.mean(), 4.5);
  EXPECT_LE(b.batches(), WaitBatchMeans::kMaxBatches);
  EXPECT_GE(b.batches(), WaitBatchMeans::kMinBatches);
  EXPECT_TRUE(std::isfinite(b.ci95_half_width()));
  WaitBatchMeans few;
  few.add(1);
  EXPECT_TRUE(std::isnan(few.ci95_half_width()));
}

// [SECTION] JSON on a small live comparison --------------------------------------

void run_to_end(Comparison& comparison) {
  comparison.start();
  // Polling, not synchronising: the loop ends when the engines say they are done.
  while (!comparison.finished()) {
    comparison.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  comparison.stop();
}

TEST(CompareJson, IsAnArrayOfRunObjectsEachWithItsVariantLabel) {
  test::Watchdog watchdog(std::chrono::seconds(60), "a small comparison at high speed");
  Scenario base = poisson_pool(2, 100, 20);
  base.workload.service_mean_ms = 5;
  const std::vector<CompareVariant> extra = {variant("stealing", {{"pool.strategy", "work_stealing"}}),
                                             variant("per task", {{"pool.strategy", "thread_per_task"}})};
  ComparisonOptions options;
  options.speed = 20;
  Comparison comparison(plan_variants(base, extra), options);
  run_to_end(comparison);

  const nlohmann::json parsed = nlohmann::json::parse(comparison_to_json(comparison));
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 3U);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const nlohmann::json& o = parsed[i];
    EXPECT_EQ(o.at("variant").get<std::string>(), comparison.label(i));
    EXPECT_EQ(o.at("scenario").get<std::string>(), "test-mmc");
    EXPECT_EQ(o.at("jobs").at("submitted").get<std::uint64_t>(), 20U);
    EXPECT_EQ(o.at("jobs").at("completed").get<std::uint64_t>(), 20U);
    EXPECT_TRUE(o.at("wait_ms").contains("p99"));
    EXPECT_TRUE(o.at("theory").contains("model"));
    EXPECT_TRUE(o.at("little").contains("lambda_w"));
  }
  EXPECT_EQ(parsed[0].at("theory").at("fit").get<std::string>(), "exact");
  EXPECT_EQ(parsed[2].at("theory").at("fit").get<std::string>(), "not_applicable");

  const ComparisonTable table = comparison.table();
  std::ostringstream csv;
  write_comparison_csv(csv, table);
  const std::string text = csv.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);  // header + 3 variants
}

}  // namespace
}  // namespace poolviz
