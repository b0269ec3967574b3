#include "poolviz/metrics.h"

#include <algorithm>
#include <bit>
#include <cmath>


namespace poolviz {

// [SECTION] Histogram -----------------------------------------------------------

namespace {
constexpr int kExactBelowBits = 6;  // values < 64 are exact
constexpr int kSubBuckets = 1 << Histogram::kSubBucketBits;
}  // namespace

int Histogram::bucket_of(std::int64_t value) {
  if (value < (1 << kExactBelowBits)) return static_cast<int>(std::max<std::int64_t>(value, 0));
  const auto v = static_cast<std::uint64_t>(value);
  const int e = 63 - std::countl_zero(v);  // 2^e <= v < 2^(e+1), e >= 6
  const int shift = e - kSubBucketBits;
  const int mantissa = static_cast<int>(v >> shift) - kSubBuckets;  // 0..31
  return (1 << kExactBelowBits) + (e - kExactBelowBits) * kSubBuckets + mantissa;
}

std::int64_t Histogram::bucket_low(int bucket) {
  if (bucket < (1 << kExactBelowBits)) return bucket;
  const int rest = bucket - (1 << kExactBelowBits);
  const int e = rest / kSubBuckets + kExactBelowBits;
  const int mantissa = rest % kSubBuckets + kSubBuckets;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(mantissa) << (e - kSubBucketBits));
}

std::int64_t Histogram::bucket_high(int bucket) {
  if (bucket < (1 << kExactBelowBits)) return bucket;
  const int rest = bucket - (1 << kExactBelowBits);
  const int e = rest / kSubBuckets + kExactBelowBits;
  const std::uint64_t width = 1ULL << (e - kSubBucketBits);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(bucket_low(bucket)) + width - 1);
}

void Histogram::record(std::int64_t value) {
  value = std::max<std::int64_t>(value, 0);
  ++buckets_[static_cast<std::size_t>(bucket_of(value))];
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += static_cast<double>(value);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::remove_bucket(int bucket, std::uint64_t n) {
  std::uint64_t& b = buckets_[static_cast<std::size_t>(std::clamp(bucket, 0, kBucketCount - 1))];
  n = std::min({n, b, count_});
  b -= n;
  count_ -= n;
  if (count_ == 0) reset();
}

void Histogram::reset() { *this = Histogram{}; }

std::int64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    seen += buckets_[static_cast<std::size_t>(b)];
    if (seen >= rank) {
      // The extreme ranks are known exactly (a p99 of ten jobs is their max),
      // unless a sliding window took that value back (then its bucket differs).
      if (rank == count_ && bucket_of(max_) == b) return max_;
      if (rank == 1 && bucket_of(min_) == b) return min_;
      const std::int64_t low = bucket_low(b);
      const std::int64_t mid = low + (bucket_high(b) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

LatencySummary summarize_ms(const Histogram& h) {
  LatencySummary s;
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = to_ms(h.percentile(50));
  s.p95_ms = to_ms(h.percentile(95));
  s.p99_ms = to_ms(h.percentile(99));
  s.max_ms = to_ms(h.max());
  return s;
}

// [SECTION] SampleRing ----------------------------------------------------------

void SampleRing::push(const Sample& sample) {
  if (size_ < slots_.size()) {
    slots_[(head_ + size_) % slots_.size()] = sample;
    ++size_;
  } else {
    slots_[head_] = sample;
    head_ = (head_ + 1) % slots_.size();
  }
}

}  // namespace poolviz
