// tests/support/accounting.h — the accounting invariant every executor keeps.
//
// Once an executor is idle or shut down, every submission has ended exactly once:
//   submitted = completed + failed + rejected + cancelled + timed_out
// and nothing is outstanding, in service or queued. Call expect_accounting()
// after wait_idle() or shutdown(); the failure message prints every counter.
#pragma once

#include <gtest/gtest.h>

#include <sstream>

#include "poolviz/executor.h"

namespace poolviz::test {

/// Every counter on one line, for failure messages.
inline std::string describe(const ExecutorStats& s) {
  std::ostringstream out;
  out << "submitted=" << s.submitted << " completed=" << s.completed << " failed=" << s.failed
      << " rejected=" << s.rejected << " cancelled=" << s.cancelled << " timed_out=" << s.timed_out
      << " retried=" << s.retried << " outstanding=" << s.outstanding
      << " in_service=" << s.in_service << " queue_depth=" << s.queue_depth;
  return out.str();
}

/// The invariant as a predicate: use as EXPECT_TRUE(accounting_holds(stats)).
inline ::testing::AssertionResult accounting_holds(const ExecutorStats& s) {
  if (s.submitted == s.ended() && s.outstanding == 0 && s.in_service == 0 && s.queue_depth == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "accounting broken: " << describe(s);
}

/// Records a non-fatal failure (with every counter) when the invariant does not hold.
inline void expect_accounting(const ExecutorStats& s) {
  EXPECT_TRUE(accounting_holds(s));
}

}  // namespace poolviz::test
