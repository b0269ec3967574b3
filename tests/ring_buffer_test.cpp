// RingBuffer: the growable FIFO behind the job queues.
#include "poolviz/ring_buffer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace poolviz {
namespace {

// Counts live instances, so that a leaked or doubly destroyed value shows.
struct Tracked {
  static inline int live = 0;
  explicit Tracked(int v) : value(std::make_unique<int>(v)) { ++live; }
  Tracked(Tracked&& o) noexcept : value(std::move(o.value)) { ++live; }
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { --live; }
  std::unique_ptr<int> value;
};

TEST(RingBuffer, StartsEmptyWithoutStorage) {
  RingBuffer<int> ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.size(), 0U);
  EXPECT_EQ(ring.capacity(), 0U);
  EXPECT_EQ(ring.begin(), ring.end());
}

TEST(RingBuffer, PopsInPushOrder) {
  RingBuffer<int> ring;
  for (int i = 0; i < 5; ++i) ring.push_back(int{i});
  ASSERT_EQ(ring.size(), 5U);
  EXPECT_EQ(ring.front(), 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ring.pop_front(), i);
  EXPECT_TRUE(ring.empty());
}

TEST(RingBuffer, KeepsOrderWhenGrowingAcrossTheWrap) {
  RingBuffer<int> ring;
  int next_in = 0, next_out = 0;
  // Move the head off slot 0 so that the next growth copies a wrapped range.
  for (int i = 0; i < 10; ++i) ring.push_back(int{next_in++});
  for (int i = 0; i < 7; ++i) EXPECT_EQ(ring.pop_front(), next_out++);
  for (int i = 0; i < 100; ++i) ring.push_back(int{next_in++});
  EXPECT_GE(ring.capacity(), ring.size());
  EXPECT_EQ(ring.capacity() & (ring.capacity() - 1), 0U) << "capacity is a power of two";
  while (!ring.empty()) EXPECT_EQ(ring.pop_front(), next_out++);
  EXPECT_EQ(next_out, next_in);
}

TEST(RingBuffer, InterleavedPushAndPopStayFifoOverManyLaps) {
  RingBuffer<std::string> ring;
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 3; ++i) ring.push_back(std::to_string(next_in++));
    for (int i = 0; i < 2; ++i) EXPECT_EQ(ring.pop_front(), std::to_string(next_out++));
  }
  while (!ring.empty()) EXPECT_EQ(ring.pop_front(), std::to_string(next_out++));
  EXPECT_EQ(next_out, next_in);
}

TEST(RingBuffer, IteratesFrontToBack) {
  RingBuffer<int> ring;
  for (int i = 0; i < 20; ++i) ring.push_back(int{i});
  for (int i = 0; i < 15; ++i) ring.pop_front();
  for (int i = 20; i < 30; ++i) ring.push_back(int{i});
  std::vector<int> seen;
  for (int v : ring) seen.push_back(v);
  std::vector<int> expected;
  for (int i = 15; i < 30; ++i) expected.push_back(i);
  EXPECT_EQ(seen, expected);
}

TEST(RingBuffer, DestroysEveryValueExactlyOnce) {
  Tracked::live = 0;
  {
    RingBuffer<Tracked> ring;
    for (int i = 0; i < 50; ++i) ring.push_back(Tracked(i));
    EXPECT_EQ(Tracked::live, 50);
    for (int i = 0; i < 20; ++i) {
      Tracked t = ring.pop_front();
      EXPECT_EQ(*t.value, i);
    }
    EXPECT_EQ(Tracked::live, 30);
    RingBuffer<Tracked> moved(std::move(ring));
    EXPECT_TRUE(ring.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.size(), 30U);
    EXPECT_EQ(*moved.front().value, 20);
  }
  EXPECT_EQ(Tracked::live, 0) << "the destructor destroys what is left";
}

TEST(RingBuffer, ClearDestroysValues) {
  Tracked::live = 0;
  RingBuffer<Tracked> ring;
  for (int i = 0; i < 5; ++i) ring.push_back(Tracked(i));
  ring.clear();
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(Tracked::live, 0);
}

TEST(RingBuffer, GivesBackALargeArrayWhenItEmpties) {
  RingBuffer<int> ring;
  const auto big = static_cast<int>(RingBuffer<int>::kKeepWhenEmpty * 4);
  for (int i = 0; i < big; ++i) ring.push_back(int{i});
  EXPECT_GT(ring.capacity(), RingBuffer<int>::kKeepWhenEmpty);
  for (int i = 0; i < big; ++i) ring.pop_front();
  EXPECT_EQ(ring.capacity(), 0U);
  ring.push_back(7);  // and works again afterwards
  EXPECT_EQ(ring.pop_front(), 7);
}

TEST(RingBuffer, KeepsASmallArrayWhenItEmpties) {
  RingBuffer<int> ring;
  for (int i = 0; i < 100; ++i) ring.push_back(int{i});
  const std::size_t capacity = ring.capacity();
  while (!ring.empty()) ring.pop_front();
  EXPECT_EQ(ring.capacity(), capacity) << "no allocation churn for a queue that empties often";
}

}  // namespace
}  // namespace poolviz
