#include "poolviz/occupancy.h"

#include <algorithm>
#include <cmath>

#include "poolviz/job.h"

namespace poolviz {

// [SECTION] WaitBatchMeans ------------------------------------------------------

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

// [SECTION] Occupancy -----------------------------------------------------------

void Occupancy::integrate_to(Nanos t) {
  if (t <= last_t_) return;
  const double dt = static_cast<double>(t - last_t_);
  area_ += static_cast<double>(in_system_) * dt;
  if (servers_ > 0 && in_system_ > servers_) queue_area_ += static_cast<double>(in_system_ - servers_) * dt;
  last_t_ = t;
}

void Occupancy::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) {
    integrate_to(e.t);
    switch (e.kind) {
      case EventKind::submitted: {
        JobRecord record;
        record.submitted = e.t;
        record.found_busy = servers_ > 0 && in_system_ >= servers_;
        jobs_[e.job] = record;
        ++in_system_;
        ++accepted_;
        if (record.found_busy) ++found_busy_;
        break;
      }
      case EventKind::started: {
        const auto it = jobs_.find(e.job);
        if (it == jobs_.end() || it->second.started) break;
        it->second.started = true;
        waits_.add(to_seconds(e.t - it->second.submitted));
        break;
      }
      case EventKind::rejected:
      case EventKind::finished: {
        const auto it = jobs_.find(e.job);
        if (it == jobs_.end()) break;  // its submitted event was dropped
        const bool refused_at_door = e.kind == EventKind::rejected &&
                                     e.code != static_cast<std::uint8_t>(RejectReason::dropped_oldest);
        if (refused_at_door) {
          // Never accepted: it neither counts as an arrival of the queue nor as a departure.
          --accepted_;
          ++refused_;
          if (it->second.found_busy) --found_busy_;
        } else {
          ++left_;
          sojourn_sum_s_ += to_seconds(e.t - it->second.submitted);
        }
        jobs_.erase(it);
        --in_system_;
        break;
      }
      default: break;
    }
  }
}

LittleLaw Occupancy::little(Nanos now) const {
  LittleLaw l;
  const Nanos end = std::max(now, last_t_);
  l.window_s = to_seconds(end);
  l.in_system_now = in_system_;
  if (end <= 0) return l;
  const double area = area_ + static_cast<double>(in_system_) * static_cast<double>(end - last_t_);
  l.mean_in_system = area / static_cast<double>(end);
  l.arrival_rate = static_cast<double>(accepted_) / l.window_s;
  l.mean_sojourn_s = left_ ? sojourn_sum_s_ / static_cast<double>(left_) : 0.0;
  l.lambda_w = l.arrival_rate * l.mean_sojourn_s;
  l.relative_gap = l.lambda_w > 0 ? (l.mean_in_system - l.lambda_w) / l.lambda_w : 0.0;
  return l;
}

double Occupancy::mean_queue_beyond_servers(Nanos now) const {
  const Nanos end = std::max(now, last_t_);
  if (end <= 0 || servers_ <= 0) return 0;
  double area = queue_area_;
  if (in_system_ > servers_) area += static_cast<double>(in_system_ - servers_) * static_cast<double>(end - last_t_);
  return area / static_cast<double>(end);
}

double Occupancy::p_arrival_finds_all_busy() const {
  if (servers_ <= 0) return NAN;
  return accepted_ ? static_cast<double>(found_busy_) / static_cast<double>(accepted_) : 0.0;
}

}  // namespace poolviz
