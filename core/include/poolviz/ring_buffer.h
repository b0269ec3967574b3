// poolviz/ring_buffer.h — a growable FIFO of movable values in one
// power-of-two array: the storage behind the FIFO job queues.
//
// Why not std::deque: a Job is ~120 bytes, so a deque node holds four of them
// and every fourth push allocates (and every fourth pop frees) a node. A ring
// allocates only when it doubles, and a pop is an index increment.
//
// Contract: not thread-safe (the owning queue's mutex guards it). push_back()
// moves the value in, pop_front() moves it out and destroys the slot, so a
// popped value holds no resources in the ring. Capacity doubles when full and
// is given back when the ring empties from above kKeepWhenEmpty slots, so a
// flood's peak does not stay resident once the queue is idle again.
// Iteration (begin/end) visits values front to back.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <utility>

namespace poolviz {

template <class T>
class RingBuffer {
 public:
  /// Capacity kept when the ring empties; above it the storage is freed.
  static constexpr std::size_t kKeepWhenEmpty = 1024;
  static constexpr std::size_t kFirstCapacity = 16;

  RingBuffer() = default;
  ~RingBuffer() { release(); }
  RingBuffer(RingBuffer&& other) noexcept
      : slots_(std::exchange(other.slots_, nullptr)), capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)), size_(std::exchange(other.size_, 0)) {}
  RingBuffer& operator=(RingBuffer&& other) noexcept {
    if (this != &other) {
      release();
      slots_ = std::exchange(other.slots_, nullptr);
      capacity_ = std::exchange(other.capacity_, 0);
      head_ = std::exchange(other.head_, 0);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }

  void push_back(T&& value) {
    if (size_ == capacity_) grow();
    std::construct_at(slot(head_ + size_), std::move(value));
    ++size_;
  }

  T& front() {
    assert(size_ > 0);
    return *slot(head_);
  }
  const T& front() const {
    assert(size_ > 0);
    return *slot(head_);
  }

  /// Moves the oldest value out. Precondition: !empty().
  T pop_front() {
    assert(size_ > 0);
    T* p = slot(head_);
    T value(std::move(*p));
    std::destroy_at(p);
    head_ = (head_ + 1) & (capacity_ - 1);
    if (--size_ == 0) {
      head_ = 0;
      if (capacity_ > kKeepWhenEmpty) release();
    }
    return value;
  }

  /// Destroys every value (and frees a large array).
  void clear() {
    while (!empty()) pop_front();
  }

  // Front-to-back iteration (read or move-from in place; then clear()).
  template <class Ring, class Value>
  class Iter {
   public:
    Iter(Ring* ring, std::size_t i) : ring_(ring), i_(i) {}
    Value& operator*() const { return *ring_->slot(ring_->head_ + i_); }
    Value* operator->() const { return &**this; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }

   private:
    Ring* ring_;
    std::size_t i_;
  };
  using iterator = Iter<RingBuffer, T>;
  using const_iterator = Iter<const RingBuffer, const T>;
  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  // Physical slot of logical position `pos` (head_-relative positions wrap).
  T* slot(std::size_t pos) const { return slots_ + (pos & (capacity_ - 1)); }

  void grow() {
    const std::size_t bigger = capacity_ == 0 ? kFirstCapacity : capacity_ * 2;
    T* fresh = std::allocator<T>{}.allocate(bigger);
    for (std::size_t i = 0; i < size_; ++i) {
      T* old = slot(head_ + i);
      std::construct_at(fresh + i, std::move(*old));
      std::destroy_at(old);
    }
    if (slots_ != nullptr) std::allocator<T>{}.deallocate(slots_, capacity_);
    slots_ = fresh;
    capacity_ = bigger;
    head_ = 0;
  }

  void release() {
    for (std::size_t i = 0; i < size_; ++i) std::destroy_at(slot(head_ + i));
    if (slots_ != nullptr) std::allocator<T>{}.deallocate(slots_, capacity_);
    slots_ = nullptr;
    capacity_ = head_ = size_ = 0;
  }

  T* slots_ = nullptr;
  std::size_t capacity_ = 0;  // 0 or a power of two
  std::size_t head_ = 0;      // physical index of the front
  std::size_t size_ = 0;
};

}  // namespace poolviz
