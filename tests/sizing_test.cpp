// Pool sizing helpers: cpu-bound work gets one worker per hardware thread,
// io-bound work a multiple of it (LESSONS, cpu-vs-io-sizing).
#include <gtest/gtest.h>

#include "poolviz/sizing.h"

namespace poolviz {
namespace {

TEST(Sizing, CpuBoundWorkGetsOneWorkerPerHardwareThread) {
  EXPECT_EQ(cpu_bound_workers(8), 8);
  EXPECT_EQ(cpu_bound_workers(1), 1);
  EXPECT_EQ(cpu_bound_workers(), hardware_workers());
}

TEST(Sizing, IoBoundWorkGetsAMultipleOfTheHardwareThreads) {
  EXPECT_EQ(io_bound_workers(8), 16);       // the tutorials' 2 × cores
  EXPECT_EQ(io_bound_workers(8, 4.0), 32);  // "or more"
  EXPECT_EQ(io_bound_workers(3, 1.5), 5);   // 004's mixed figure, rounded up
  EXPECT_EQ(io_bound_workers(8, 0.5), 8);   // never below the cpu-bound figure
  EXPECT_EQ(io_bound_workers(), 2 * hardware_workers());
}

TEST(Sizing, BlockingWorkScalesWithTheWaitToComputeRatio) {
  EXPECT_EQ(blocking_workers(0.0, 8), 8);
  EXPECT_EQ(blocking_workers(1.0, 8), 16);
  EXPECT_EQ(blocking_workers(9.0, 4), 40);  // waits 90 % of the time
  EXPECT_EQ(blocking_workers(-1.0, 4), 4);
}

TEST(Sizing, EveryHelperAnswersAtLeastOneWorker) {
  EXPECT_GE(hardware_workers(), 1);
  EXPECT_EQ(cpu_bound_workers(0), 1);
  EXPECT_EQ(io_bound_workers(0), 2);
  EXPECT_EQ(workers_for(WorkKind::cpu, 0), 1);
}

TEST(Sizing, SyntheticWorkKindsPickTheirPreset) {
  EXPECT_EQ(workers_for(WorkKind::cpu, 6), 6);
  EXPECT_EQ(workers_for(WorkKind::io, 6), 12);
}

}  // namespace
}  // namespace poolviz
