// bench/textbook_pool.h — the mutex + condition-variable pool every tutorial
// shows, as the baseline the benchmarks hold poolviz against.
//
// Contract: post() from any thread; the destructor runs every posted task,
// then joins. Deliberately plain (one lock, one deque of std::function, one
// condvar): it is the yardstick, so it must not be tuned.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace poolviz::bench {

class TextbookPool {
 public:
  explicit TextbookPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~TextbookPool() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  TextbookPool(const TextbookPool&) = delete;
  TextbookPool& operator=(const TextbookPool&) = delete;

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();  // the mutex orders this after a worker's empty check
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return done_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // done_ and drained
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;  // guards tasks_ and done_
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace poolviz::bench
