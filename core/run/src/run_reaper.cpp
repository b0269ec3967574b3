#include "poolviz/run_reaper.h"

#include <utility>

namespace poolviz {

RunReaper::RunReaper() : thread_([this](poolviz::stop_token stop) { main(std::move(stop)); }) {}

RunReaper::~RunReaper() {
  wait_idle();
  thread_.request_stop();
  thread_.join();
}

void RunReaper::retire(std::unique_ptr<Run> run) {
  if (!run) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(run));
  }
  changed_.notify_all();
}

void RunReaper::retire(poolviz::jthread thread) {
  if (!thread.joinable()) return;
  thread.request_stop();
  {
    std::lock_guard lock(mutex_);
    threads_.push_back(std::move(thread));
  }
  changed_.notify_all();
}

std::size_t RunReaper::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + threads_.size() + busy_;
}

void RunReaper::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && threads_.empty() && busy_ == 0; });
}

void RunReaper::main(poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!changed_.wait(lock, stop, [this] { return !queue_.empty() || !threads_.empty(); })) return;
    std::unique_ptr<Run> run;
    poolviz::jthread thread;
    if (!queue_.empty()) {
      run = std::move(queue_.front());
      queue_.pop_front();
    } else {
      thread = std::move(threads_.front());
      threads_.pop_front();
    }
    busy_ = 1;
    lock.unlock();
    if (run) {
      run->stop(ShutdownMode::cancel);  // joins the Run's threads: here, never on the caller's
      run.reset();
    } else {
      thread.join();
    }
    lock.lock();
    busy_ = 0;
    changed_.notify_all();
  }
}

}  // namespace poolviz
