// poolviz/run_reaper.h — stopping and destroying Runs on a thread of their own.
//
// Stopping a Run joins every thread it started. In the browser a thread that
// an engine thread creates (thread-per-task's spawns) only starts once the
// page's main thread has read a message from it; a main thread that joined
// such a thread would wait for itself, and the page would hang. So the page's
// GUI never stops a Run on its own thread: it retires the Run here, and one
// long-lived thread, made once when the page starts, stops (cancel) and
// destroys it while the GUI goes on drawing.
//
//   RunReaper reaper;                 // the thread starts here
//   run->detach(&my_sink);            // nothing of the caller's stays attached
//   reaper.retire(std::move(run));    // returns at once
//
// Contract: retire() is thread-safe and never waits for a Run. The retired Run
// must have no sink attached that may die before it (detach them first): its
// final drain runs on the reaper's thread. The destructor finishes every Run
// retired so far, then joins the thread.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "poolviz/compat_thread.h"
#include "poolviz/run.h"

namespace poolviz {

class RunReaper {
 public:
  RunReaper();
  ~RunReaper();
  RunReaper(const RunReaper&) = delete;
  RunReaper& operator=(const RunReaper&) = delete;

  /// Hands `run` over: the reaper's thread stops it (cancel) and destroys it.
  void retire(std::unique_ptr<Run> run);
  /// Hands a thread over (a background sweep, say): its stop is requested and
  /// the reaper's thread joins it. What it touches must live as long as it runs.
  void retire(poolviz::jthread thread);
  /// Runs and threads retired and not finished yet (the one at hand included).
  std::size_t pending() const;
  /// Blocks until every Run retired so far is destroyed and every thread joined (tests, shutdown).
  void wait_idle();

 private:
  void main(poolviz::stop_token stop);

  mutable std::mutex mutex_;
  poolviz::condition_variable_any changed_;
  std::deque<std::unique_ptr<Run>> queue_;
  std::deque<poolviz::jthread> threads_;
  std::size_t busy_ = 0;    // 1 while a Run is being stopped, outside the queue
  poolviz::jthread thread_;  // last: started once the rest exists, joined first
};

}  // namespace poolviz
