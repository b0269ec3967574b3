// poolviz/compat_thread.h — the C++20 thread vocabulary the engine uses, from
// the standard library where it has it and from here where it does not.
//
// [SECTION] Choice           — std:: aliases, or our own (POOLVIZ_COMPAT_THREADS)
// [SECTION] stop_source / stop_token / stop_callback
// [SECTION] jthread
// [SECTION] condition_variable_any (the stop_token waits)
// [SECTION] atomic_ref (load and store)
// [SECTION] from_chars_double
//
// Why: the browser build uses Debian's emscripten 3.1.6, whose libc++ 13 has
// no <stop_token>, std::jthread, std::atomic_ref, nor from_chars for double.
// The engine names poolviz::jthread etc. everywhere; on a full standard
// library they ARE the std:: types. Defining POOLVIZ_COMPAT_THREADS (CMake
// option of the same name) forces our own on the desktop too, so the core test
// suite checks them there and the two paths cannot drift.
//
// Contract of our own types: the std:: contract, restricted to the members the
// engine uses (listed in each class). Thread-safety as std::.
#pragma once

#include <charconv>
#include <condition_variable>
#include <string_view>
#include <system_error>
#include <thread>
#include <version>

// [SECTION] Choice ------------------------------------------------------------

#if defined(POOLVIZ_COMPAT_THREADS) || !defined(__cpp_lib_jthread)
#define POOLVIZ_OWN_STOP_TOKEN 1
#else
#define POOLVIZ_OWN_STOP_TOKEN 0
#include <stop_token>
#endif
#if defined(POOLVIZ_COMPAT_THREADS) || !defined(__cpp_lib_atomic_ref)
#define POOLVIZ_OWN_ATOMIC_REF 1
#else
#define POOLVIZ_OWN_ATOMIC_REF 0
#include <atomic>
#endif

#if POOLVIZ_OWN_STOP_TOKEN
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#endif

namespace poolviz {

#if !POOLVIZ_OWN_STOP_TOKEN
using std::condition_variable_any;
using std::jthread;
using std::nostopstate;
using std::nostopstate_t;
using std::stop_callback;
using std::stop_source;
using std::stop_token;
#else

// [SECTION] stop_source / stop_token / stop_callback ---------------------------

namespace compat_detail {

/// A registered callback: a node of the state's intrusive list.
struct StopCallbackNode {
  void (*invoke)(StopCallbackNode*) = nullptr;
  StopCallbackNode* prev = nullptr;
  StopCallbackNode* next = nullptr;
  bool* destroyed = nullptr;  // set by ~stop_callback when it runs inside its own callback
  bool done = false;          // its callback has returned (guarded by the state's mutex)
};

/// The shared stop state. `requested` is written once, under `mutex`, before
/// any callback runs; readers load it with acquire so what the requester wrote
/// before request_stop() is visible to whoever sees the stop.
struct StopState {
  std::atomic<bool> requested{false};
  std::mutex mutex;
  std::condition_variable callback_done;
  StopCallbackNode* head = nullptr;
  StopCallbackNode* running = nullptr;
  std::thread::id requester;

  bool request() {
    std::unique_lock lock(mutex);
    if (requested.load(std::memory_order_relaxed)) return false;
    requested.store(true, std::memory_order_release);
    requester = std::this_thread::get_id();
    // Each callback runs without the lock (it may register or deregister others).
    while (head != nullptr) {
      StopCallbackNode* node = head;
      head = node->next;
      if (head != nullptr) head->prev = nullptr;
      node->prev = node->next = nullptr;
      running = node;
      bool destroyed = false;
      node->destroyed = &destroyed;
      lock.unlock();
      node->invoke(node);
      lock.lock();
      running = nullptr;
      if (!destroyed) {
        node->destroyed = nullptr;
        node->done = true;
      }
      callback_done.notify_all();
    }
    return true;
  }

  /// False when the stop was already requested: then the caller runs its callback itself.
  bool add(StopCallbackNode* node) {
    std::lock_guard lock(mutex);
    if (requested.load(std::memory_order_relaxed)) return false;
    node->next = head;
    if (head != nullptr) head->prev = node;
    head = node;
    return true;
  }

  /// Deregisters `node`; when its callback is running on another thread, waits for it to return.
  void remove(StopCallbackNode* node) {
    std::unique_lock lock(mutex);
    if (node->prev != nullptr || head == node) {
      if (node->prev != nullptr) node->prev->next = node->next;
      if (head == node) head = node->next;
      if (node->next != nullptr) node->next->prev = node->prev;
      return;
    }
    if (running == node && requester == std::this_thread::get_id()) {
      *node->destroyed = true;  // destroyed from inside its own callback: nothing to wait for
      return;
    }
    callback_done.wait(lock, [&] { return node->done || running != node; });
  }
};

}  // namespace compat_detail

struct nostopstate_t {
  explicit nostopstate_t() = default;
};
inline constexpr nostopstate_t nostopstate{};

template <class Callback>
class stop_callback;

/// Members: stop_requested, stop_possible, swap, ==.
class stop_token {
 public:
  stop_token() noexcept = default;
  [[nodiscard]] bool stop_requested() const noexcept {
    return state_ != nullptr && state_->requested.load(std::memory_order_acquire);
  }
  [[nodiscard]] bool stop_possible() const noexcept { return state_ != nullptr; }
  void swap(stop_token& other) noexcept { state_.swap(other.state_); }
  friend bool operator==(const stop_token& a, const stop_token& b) noexcept { return a.state_ == b.state_; }

 private:
  friend class stop_source;
  template <class Callback>
  friend class stop_callback;
  explicit stop_token(std::shared_ptr<compat_detail::StopState> state) noexcept : state_(std::move(state)) {}
  std::shared_ptr<compat_detail::StopState> state_;
};

/// Members: request_stop, get_token, stop_requested, stop_possible, swap, ==.
class stop_source {
 public:
  stop_source() : state_(std::make_shared<compat_detail::StopState>()) {}
  explicit stop_source(nostopstate_t) noexcept {}
  bool request_stop() noexcept { return state_ != nullptr && state_->request(); }
  [[nodiscard]] stop_token get_token() const noexcept { return stop_token(state_); }
  [[nodiscard]] bool stop_requested() const noexcept {
    return state_ != nullptr && state_->requested.load(std::memory_order_acquire);
  }
  [[nodiscard]] bool stop_possible() const noexcept { return state_ != nullptr; }
  void swap(stop_source& other) noexcept { state_.swap(other.state_); }
  friend bool operator==(const stop_source& a, const stop_source& b) noexcept { return a.state_ == b.state_; }

 private:
  std::shared_ptr<compat_detail::StopState> state_;
};

/// Runs `callback` once when the token's stop is requested (at once, in the
/// constructor, when it already was). The destructor deregisters it and, if
/// the callback is running on another thread, waits until it returns.
template <class Callback>
class stop_callback : private compat_detail::StopCallbackNode {
 public:
  using callback_type = Callback;

  template <class C>
    requires std::is_constructible_v<Callback, C>
  explicit stop_callback(const stop_token& token, C&& callback) : callback_(std::forward<C>(callback)) {
    this->invoke = [](StopCallbackNode* node) { std::invoke(static_cast<stop_callback*>(node)->callback_); };
    if (token.state_ == nullptr) return;
    if (token.state_->add(this)) {
      state_ = token.state_;
    } else {
      std::invoke(callback_);
    }
  }
  ~stop_callback() {
    if (state_ != nullptr) state_->remove(this);
  }
  stop_callback(const stop_callback&) = delete;
  stop_callback& operator=(const stop_callback&) = delete;

 private:
  Callback callback_;
  std::shared_ptr<compat_detail::StopState> state_;
};

template <class Callback>
stop_callback(stop_token, Callback) -> stop_callback<Callback>;

// [SECTION] jthread ------------------------------------------------------------

/// A std::thread that requests stop and joins when destroyed. Its function
/// gets the thread's stop_token as first argument when it accepts one.
/// Members: the std::thread ones, request_stop, get_stop_source, get_stop_token.
class jthread {
 public:
  using id = std::thread::id;
  using native_handle_type = std::thread::native_handle_type;

  jthread() noexcept : source_(nostopstate) {}
  template <class F, class... Args>
    requires(!std::is_same_v<std::remove_cvref_t<F>, jthread>)
  explicit jthread(F&& f, Args&&... args) : source_() {
    if constexpr (std::is_invocable_v<std::decay_t<F>, stop_token, std::decay_t<Args>...>) {
      thread_ = std::thread(std::forward<F>(f), source_.get_token(), std::forward<Args>(args)...);
    } else {
      thread_ = std::thread(std::forward<F>(f), std::forward<Args>(args)...);
    }
  }
  ~jthread() { stop_and_join(); }
  jthread(const jthread&) = delete;
  jthread& operator=(const jthread&) = delete;
  jthread(jthread&&) noexcept = default;
  jthread& operator=(jthread&& other) noexcept {
    if (this != &other) {
      stop_and_join();
      thread_ = std::move(other.thread_);
      source_ = std::move(other.source_);
    }
    return *this;
  }

  [[nodiscard]] bool joinable() const noexcept { return thread_.joinable(); }
  void join() { thread_.join(); }
  void detach() { thread_.detach(); }
  [[nodiscard]] id get_id() const noexcept { return thread_.get_id(); }
  [[nodiscard]] native_handle_type native_handle() { return thread_.native_handle(); }
  [[nodiscard]] stop_source get_stop_source() noexcept { return source_; }
  [[nodiscard]] stop_token get_stop_token() const noexcept { return source_.get_token(); }
  bool request_stop() noexcept { return source_.request_stop(); }
  void swap(jthread& other) noexcept {
    std::swap(thread_, other.thread_);
    source_.swap(other.source_);
  }
  [[nodiscard]] static unsigned hardware_concurrency() noexcept { return std::thread::hardware_concurrency(); }

 private:
  void stop_and_join() {
    if (thread_.joinable()) {
      source_.request_stop();
      thread_.join();
    }
  }
  std::thread thread_;
  stop_source source_;
};

// [SECTION] condition_variable_any ----------------------------------------------

/// std::condition_variable_any plus the stop_token waits of C++20 (wait,
/// wait_until, wait_for with a token and a predicate): a stop request wakes
/// the waiter, which then returns pred().
///
/// No lost wake-up: the waiter checks the stop while holding `stop_mutex_`
/// and releases it only inside the base's wait (as part of the lock it
/// unlocks), after the base has taken its own internal mutex; the stop
/// callback takes `stop_mutex_` before notifying, so its notify_all cannot run
/// between the check and the wait. Lock order: the caller's lock, then
/// `stop_mutex_` (the callback may run under the caller's lock).
class condition_variable_any : public std::condition_variable_any {
 public:
  using std::condition_variable_any::wait;
  using std::condition_variable_any::wait_for;
  using std::condition_variable_any::wait_until;

  template <class Lock, class Predicate>
  bool wait(Lock& lock, stop_token stoken, Predicate pred) {
    return wait_stoppable(lock, stoken, pred, [&](auto& both) { std::condition_variable_any::wait(both); });
  }
  template <class Lock, class Clock, class Duration, class Predicate>
  bool wait_until(Lock& lock, stop_token stoken, const std::chrono::time_point<Clock, Duration>& abs_time,
                  Predicate pred) {
    return wait_stoppable(lock, stoken, pred, [&](auto& both) {
      if (std::condition_variable_any::wait_until(both, abs_time) == std::cv_status::timeout) return true;
      return false;
    });
  }
  template <class Lock, class Rep, class Period, class Predicate>
  bool wait_for(Lock& lock, stop_token stoken, const std::chrono::duration<Rep, Period>& rel_time, Predicate pred) {
    return wait_until(lock, std::move(stoken), std::chrono::steady_clock::now() + rel_time, std::move(pred));
  }

 private:
  template <class Lock>
  struct BothLocks {
    Lock& user;
    std::unique_lock<std::mutex>& internal;
    void lock() {
      user.lock();
      internal.lock();
    }
    void unlock() {
      internal.unlock();
      user.unlock();
    }
  };

  /// `wait_once(both)` blocks once; it returns true when the time is up.
  template <class Lock, class Predicate, class WaitOnce>
  bool wait_stoppable(Lock& lock, const stop_token& stoken, Predicate& pred, WaitOnce wait_once) {
    if (stoken.stop_requested()) return pred();
    poolviz::stop_callback wake(stoken, [this] {
      std::lock_guard guard(stop_mutex_);
      notify_all();
    });
    while (!pred()) {
      std::unique_lock internal(stop_mutex_);
      if (stoken.stop_requested()) return false;
      BothLocks<Lock> both{lock, internal};
      bool timed_out = false;
      if constexpr (std::is_void_v<decltype(wait_once(both))>) {
        wait_once(both);
      } else {
        timed_out = wait_once(both);
      }
      internal.unlock();
      if (timed_out) return pred();
    }
    return true;
  }

  std::mutex stop_mutex_;
};

#endif  // POOLVIZ_OWN_STOP_TOKEN

// [SECTION] atomic_ref -----------------------------------------------------------

#if !POOLVIZ_OWN_ATOMIC_REF
using std::atomic_ref;
#else
/// Atomic load and store on an object that is not a std::atomic (GCC/Clang
/// __atomic builtins, which std::atomic_ref itself is built on). Members: load, store.
template <class T>
class atomic_ref {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8);

 public:
  explicit atomic_ref(T& object) noexcept : object_(&object) {}
  T load(std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return __atomic_load_n(object_, builtin_order(order));
  }
  void store(T value, std::memory_order order = std::memory_order_seq_cst) const noexcept {
    __atomic_store_n(object_, value, builtin_order(order));
  }

 private:
  static constexpr int builtin_order(std::memory_order order) noexcept {
    switch (order) {
      case std::memory_order_relaxed: return __ATOMIC_RELAXED;
      case std::memory_order_consume: return __ATOMIC_CONSUME;
      case std::memory_order_acquire: return __ATOMIC_ACQUIRE;
      case std::memory_order_release: return __ATOMIC_RELEASE;
      case std::memory_order_acq_rel: return __ATOMIC_ACQ_REL;
      case std::memory_order_seq_cst: return __ATOMIC_SEQ_CST;
    }
    return __ATOMIC_SEQ_CST;
  }
  T* object_;
};
#endif

// [SECTION] from_chars_double ------------------------------------------------------

/// std::from_chars for a double in the general format: no leading space, no
/// '+', no hex; result_out_of_range when the value does not fit. Uses
/// std::from_chars where the library has it for double, else strtod in the
/// "C" locale. Defined in compat_thread.cpp.
std::from_chars_result from_chars_double(const char* first, const char* last, double& value) noexcept;

}  // namespace poolviz
