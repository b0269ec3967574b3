// WaitBatchMeans (poolviz/timeline.h): the noise of a mean of correlated waits,
// by batch means, in bounded memory.
#include "poolviz/timeline.h"

#include <cmath>

namespace poolviz {

void WaitBatchMeans::add(double value) {
  total_ += value;
  ++count_;
  open_sum_ += value;
  if (++open_count_ < batch_size_) return;
  sums_.push_back(open_sum_);
  open_sum_ = 0;
  open_count_ = 0;
  if (sums_.size() == kMaxBatches) {
    // Merge neighbours: 64 batches of n become 32 of 2n, memory stays fixed.
    for (std::size_t i = 0; i < kMaxBatches / 2; ++i) sums_[i] = sums_[2 * i] + sums_[2 * i + 1];
    sums_.resize(kMaxBatches / 2);
    batch_size_ *= 2;
  }
}

double WaitBatchMeans::ci95_half_width() const {
  const std::size_t n = sums_.size();
  if (n < kMinBatches) return NAN;
  const double size = static_cast<double>(batch_size_);
  double mean = 0;
  for (double s : sums_) mean += s / size;
  mean /= static_cast<double>(n);
  double squares = 0;
  for (double s : sums_) squares += (s / size - mean) * (s / size - mean);
  const double sd = std::sqrt(squares / static_cast<double>(n - 1));
  // Student's t at 95 % for 9..63 degrees of freedom lies in 2.26..2.00; 2.1 is
  // within 8 % of it everywhere, honest enough for "within the noise".
  return 2.1 * sd / std::sqrt(static_cast<double>(n));
}

}  // namespace poolviz
