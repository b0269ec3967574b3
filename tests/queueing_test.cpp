// Queueing formulas against published values (to 4 significant figures).
#include "poolviz/queueing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace poolviz {
namespace {

// Relative tolerance of 4 significant figures.
void expect_sig4(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::abs(expected) * 5e-4) << "expected " << expected;
}

TEST(Queueing, ErlangBMatchesTheTelephoneTable) {
  // Erlang B tables: 10 erlangs on 10 trunks block 21.46 %; 5 on 10 block 1.838 %.
  expect_sig4(erlang_b(10, 10.0), 0.2146);
  expect_sig4(erlang_b(10, 5.0), 0.01838);
}

TEST(Queueing, ErlangCMatchesClosedForms) {
  expect_sig4(erlang_c(1, 0.5), 0.5);        // M/M/1: P(wait) = rho
  expect_sig4(erlang_c(2, 1.0), 1.0 / 3.0);  // c = 2, a = 1
  expect_sig4(erlang_c(3, 2.0), 4.0 / 9.0);  // c = 3, a = 2
  expect_sig4(erlang_c(10, 8.0), 0.4092);    // call-centre table: 10 agents, 8 erlangs
}

TEST(Queueing, MmcMeanWaitMatchesTheTextbookExample) {
  // M/M/1, lambda = 0.5, mu = 1: Wq = rho / (mu - lambda) = 1 s, Lq = 0.5.
  const QueuePrediction one = mmc(0.5, 1.0, 1);
  expect_sig4(one.mean_wait, 1.0);
  expect_sig4(one.mean_queue, 0.5);
  expect_sig4(one.mean_sojourn, 2.0);
  // M/M/3, lambda = 2, mu = 1: Wq = C / (c mu - lambda) = (4/9) / 1.
  const QueuePrediction three = mmc(2.0, 1.0, 3);
  expect_sig4(three.mean_wait, 4.0 / 9.0);
  expect_sig4(three.utilization, 2.0 / 3.0);
  // Little's law holds inside the model.
  expect_sig4(three.mean_in_system, 2.0 * three.mean_sojourn);
}

TEST(Queueing, RhoAtOrAboveOneIsReportedUnstable) {
  const QueuePrediction p = mmc(3.0, 1.0, 3);
  EXPECT_FALSE(p.stable);
  EXPECT_TRUE(std::isinf(p.mean_wait));
  EXPECT_NE(p.note.find("unstable"), std::string::npos);
  EXPECT_FALSE(allen_cunneen(4.0, 1.0, 3, 1.0, 0.0).stable);
}

TEST(Queueing, AllenCunneenHalvesTheWaitForDeterministicService) {
  // M/D/1 (cs2 = 0): Pollaczek-Khinchine gives exactly half the M/M/1 wait.
  const QueuePrediction md1 = allen_cunneen(0.5, 1.0, 1, 1.0, 0.0);
  expect_sig4(md1.mean_wait, 0.5);
  EXPECT_NE(md1.model.find("approximation"), std::string::npos);
}

TEST(Queueing, MmckMatchesTheMM1KClosedForm) {
  // M/M/1/K: p_K = (1 - rho) rho^K / (1 - rho^(K+1)); rho = 0.5, K = 3 -> 1/15.
  const QueuePrediction p = mmck(0.5, 1.0, 1, 3);
  expect_sig4(p.p_block, 1.0 / 15.0);
  // p_n is proportional to 1, 1/2, 1/4, 1/8, so L = (1/2 + 2/4 + 3/8) / (15/8) = 11/15.
  expect_sig4(p.mean_in_system, 11.0 / 15.0);
  EXPECT_TRUE(p.stable);
}

TEST(Queueing, MmckWithAHugeBoundApproachesMmc) {
  const QueuePrediction bounded = mmck(2.0, 1.0, 3, 400);
  const QueuePrediction open = mmc(2.0, 1.0, 3);
  expect_sig4(bounded.mean_wait, open.mean_wait);
  expect_sig4(bounded.p_wait, open.p_wait);
}

TEST(Queueing, OverloadedBoundedQueueIsStableButRefuses) {
  const QueuePrediction p = mmck(10.0, 1.0, 2, 10);
  EXPECT_TRUE(p.stable);
  EXPECT_GT(p.p_block, 0.7);
  EXPECT_LE(p.utilization, 1.0);
}

}  // namespace
}  // namespace poolviz
