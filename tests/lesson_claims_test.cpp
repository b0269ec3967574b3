// Lesson claims: the check language's parser (errors with file:line:col and the
// column inside the expression, unknown fields with "did you mean", variants by
// label or by override), the evaluator over RunSummary figures (held, did not
// hold, the measured figures), and every built-in scenario's [[lesson]] tables.
// No run here: the evaluator is fed hand-made summaries.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "poolviz/lesson.h"
#include "poolviz/run.h"
#include "poolviz/scenario.h"

namespace poolviz {
namespace {

// Line numbers:   1            2 ...
const std::string kBase = R"([scenario]
id = "demo"
title = "Demo"
summary = "One. Two."

[pool]
strategy = "fixed"
workers = 3

[workload]
arrival = "all_at_once"
count = 10
service_mean_ms = 100

[[compare]]
label = "3 workers"
set = []

[[compare]]
label = "CPU-bound, 32 workers"
set = ["pool.workers=32"]
)";

/// kBase plus one [[lesson]] whose check is on line 25, starting at column 10.
Scenario with_check(const std::string& check, const std::string& extra = "") {
  return parse_scenario(kBase + "\n[[lesson]]\nclaim = \"words\"\ncheck = \"" + check + "\"\n" + extra, "demo.toml");
}

ScenarioError check_error(const std::string& check, const std::string& extra = "") {
  try {
    (void)with_check(check, extra);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << check;
  return ScenarioError("", 0, 0, "", "");
}

constexpr int kCheckLine = 25;
constexpr int kCheckColumn = 10;  // first character inside the quotes of `check = "`

TEST(LessonClaims, ParsesALabelledVariantAndTheScenarioAsWritten) {
  const Scenario s = with_check("makespan[CPU-bound, 32 workers] >= 0.9 * makespan");
  ASSERT_EQ(s.lessons.size(), 1u);
  const LessonClaim& c = s.lessons[0];
  EXPECT_EQ(c.claim, "words");
  EXPECT_EQ(c.line, kCheckLine);
  ASSERT_EQ(c.variants.size(), 2u);
  EXPECT_EQ(c.variants[0].label, "CPU-bound, 32 workers");
  EXPECT_EQ(c.variants[0].key(), "pool.workers=32");
  EXPECT_EQ(c.variants[1].label, "as written");
  EXPECT_EQ(c.variants[1].key(), "");
}

TEST(LessonClaims, LabelsMatchIgnoringCaseAndSpacing) {
  const Scenario s = with_check("makespan[cpu-bound,   32 WORKERS] < 1");
  EXPECT_EQ(s.lessons[0].variants[0].label, "CPU-bound, 32 workers");
}

TEST(LessonClaims, AVariantWithTheSameOverridesIsOneRun) {
  const Scenario s = with_check("makespan[3 workers] <= makespan and makespan[pool.workers=32] < makespan['CPU-bound, 32 workers']");
  ASSERT_EQ(s.lessons[0].variants.size(), 2u);  // "3 workers" has no overrides = as written
}

TEST(LessonClaims, OverridesAreValidatedAndMayUseCores) {
  const Scenario s = with_check("makespan[pool.workers=cores, workload.count=20] > 0");
  EXPECT_EQ(s.lessons[0].variants[0].key(), "pool.workers=cores,workload.count=20");
  const Scenario run = claim_variant_scenario(s, s.lessons[0].variants[0], 6);
  EXPECT_EQ(run.pool.workers, 6);
  EXPECT_EQ(run.workload.count, 20u);
  EXPECT_TRUE(run.lessons.empty());
}

TEST(LessonClaims, SyntaxErrorNamesTheColumnInsideTheExpression) {
  const ScenarioError e = check_error("makespan <= 0.5 * ) + 1");
  EXPECT_EQ(e.source(), "demo.toml");
  EXPECT_EQ(e.line(), kCheckLine);
  EXPECT_EQ(e.column(), kCheckColumn + 18);  // the ")"
  EXPECT_EQ(e.key(), "lesson.check");
  EXPECT_NE(std::string(e.what()).find("demo.toml:25:28: lesson.check:"), std::string::npos) << e.what();
}

TEST(LessonClaims, UnknownFieldSuggestsTheClosestOne) {
  const ScenarioError e = check_error("makespan >= 2 * makespn[3 workers]");
  EXPECT_EQ(e.column(), kCheckColumn + 16);
  EXPECT_NE(e.message().find("unknown field \"makespn\"; did you mean \"makespan\"?"), std::string::npos)
      << e.message();
}

TEST(LessonClaims, UnknownLabelSuggestsTheClosestOne) {
  const ScenarioError e = check_error("makespan[3 worker] > 0");
  EXPECT_EQ(e.column(), kCheckColumn + 9);
  EXPECT_NE(e.message().find("did you mean \"3 workers\"?"), std::string::npos) << e.message();
}

TEST(LessonClaims, InvalidOverrideNamesTheKeyAndItsColumn) {
  const ScenarioError e = check_error("makespan[pool.workers=3, pool.wrkers=4] > 0");
  EXPECT_EQ(e.column(), kCheckColumn + 25);
  EXPECT_NE(e.message().find("pool.wrkers"), std::string::npos) << e.message();
}

TEST(LessonClaims, ACheckMustCompare) {
  EXPECT_NE(check_error("makespan * 2").message().find("must compare"), std::string::npos);
  EXPECT_NE(check_error("makespan = 2").message().find("=="), std::string::npos);
  EXPECT_NE(check_error("makespan < 2 and 3").message().find("joins comparisons"), std::string::npos);
  EXPECT_EQ(check_error("").column(), kCheckColumn);
}

TEST(LessonClaims, MissingClaimOrUnknownKeyIsAnError) {
  try {
    (void)parse_scenario(kBase + "\n[[lesson]]\ncheck = \"makespan < 1\"\n", "demo.toml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "lesson.claim");
  }
  const ScenarioError e = check_error("makespan < 1", "chek = \"x\"\n");
  EXPECT_NE(e.message().find("did you mean \"check\"?"), std::string::npos) << e.message();
  EXPECT_EQ(e.line(), kCheckLine + 1);
}

RunSummary summary_with_makespan(double seconds) {
  RunSummary s;
  s.duration_s = seconds;
  s.jobs.submitted = 50;
  s.jobs.rejected = 43;
  return s;
}

ClaimOutcome evaluate(const LessonClaim& claim, const std::map<std::string, RunSummary>& runs, int cores = 2) {
  return evaluate_claim(
      claim,
      [&](const ClaimVariant& v) -> const RunSummary* {
        const auto it = runs.find(v.key());
        return it == runs.end() ? nullptr : &it->second;
      },
      cores);
}

TEST(LessonClaims, AClaimThatHoldsReportsTheFiguresItRead) {
  const Scenario s = with_check("makespan[CPU-bound, 32 workers] >= 0.9 * makespan[3 workers]");
  const ClaimOutcome out = evaluate(s.lessons[0], {{"pool.workers=32", summary_with_makespan(3.31)},
                                                   {"", summary_with_makespan(3.26)}});
  EXPECT_TRUE(out.evaluated);
  EXPECT_TRUE(out.held);
  EXPECT_EQ(out.measured(), "CPU-bound, 32 workers: makespan 3.31 s; 3 workers: makespan 3.26 s");
}

TEST(LessonClaims, AClaimThatFailsSaysSoWithTheFigures) {
  const Scenario s = with_check("makespan[CPU-bound, 32 workers] >= 0.9 * makespan[3 workers]");
  const ClaimOutcome out = evaluate(s.lessons[0], {{"pool.workers=32", summary_with_makespan(0.44)},
                                                   {"", summary_with_makespan(3.26)}});
  EXPECT_TRUE(out.evaluated);
  EXPECT_FALSE(out.held);
  EXPECT_EQ(out.measured(), "CPU-bound, 32 workers: makespan 0.44 s; 3 workers: makespan 3.26 s");
}

TEST(LessonClaims, ChainsAndOrArithmeticAndCores) {
  const RunSummary run = summary_with_makespan(0.4);
  auto holds = [&](const std::string& check) {
    return evaluate(with_check(check).lessons[0], {{"", run}}, 2).held;
  };
  EXPECT_TRUE(holds("0.38 <= makespan <= 0.6"));
  EXPECT_FALSE(holds("0.41 <= makespan <= 0.6"));
  EXPECT_TRUE(holds("admitted == 7 and rejected == 43"));
  EXPECT_TRUE(holds("admitted == 8 or rejected == 43"));
  EXPECT_TRUE(holds("(admitted + rejected) / 2 == 25"));
  EXPECT_TRUE(holds("cores * 3.5 == admitted"));
  EXPECT_TRUE(holds("min(admitted, rejected) == 7 and max(1, 2, 3) == 3 and abs(-2) == 2"));
  EXPECT_TRUE(holds("-makespan < 0"));
  EXPECT_TRUE(holds("makespan * 1000 == 400"));  // equality within a relative 1e-9
}

TEST(LessonClaims, AClaimWhoseRunIsMissingIsNotEvaluated) {
  const Scenario s = with_check("makespan[CPU-bound, 32 workers] >= makespan");
  const ClaimOutcome out = evaluate(s.lessons[0], {{"", summary_with_makespan(1)}});
  EXPECT_FALSE(out.evaluated);
  EXPECT_FALSE(out.held);
  EXPECT_EQ(out.missing, "CPU-bound, 32 workers");
}

TEST(LessonClaims, ValuesAreWrittenWithoutScientificNotation) {
  EXPECT_EQ(format_claim_value(1963.2, "ms"), "1.96 s");
  EXPECT_EQ(format_claim_value(20.7, "ms"), "20.7 ms");
  EXPECT_EQ(format_claim_value(1e7, ""), "10000000");
  EXPECT_EQ(format_claim_value(0.43, "%"), "43 %");
  EXPECT_EQ(format_claim_value(6.49, "/s"), "6.49/s");
}

TEST(LessonClaims, EveryBuiltinScenarioStatesItsLessonAsClaims) {
  for (const Scenario& s : builtin_scenarios()) {
    SCOPED_TRACE(s.id);
    ASSERT_FALSE(s.lessons.empty());
    for (const LessonClaim& c : s.lessons) {
      EXPECT_FALSE(c.claim.empty());
      EXPECT_TRUE(c.expr != nullptr);
      EXPECT_FALSE(c.variants.empty());
      EXPECT_GT(c.line, 0);
      // Every run a claim reads can be built on this machine.
      for (const ClaimVariant& v : c.variants) EXPECT_NO_THROW((void)claim_variant_scenario(s, v, 2));
    }
  }
}

}  // namespace
}  // namespace poolviz
