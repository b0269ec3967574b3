#include "poolviz/queueing.h"

#include <cmath>
#include <vector>

namespace poolviz {

double erlang_b(int c, double a) {
  // The recursion B(k) = a B(k-1) / (k + a B(k-1)) never overflows, unlike a^c / c!.
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c(int c, double a) {
  if (a >= c) return 1.0;
  const double b = erlang_b(c, a);
  return c * b / (c - a * (1.0 - b));
}

namespace {
QueuePrediction unstable(std::string model, double rho) {
  QueuePrediction p;
  p.model = std::move(model);
  p.utilization = rho;
  p.p_wait = 1.0;
  p.mean_wait = p.mean_queue = p.mean_sojourn = p.mean_in_system = INFINITY;
  p.note = "unstable: arrivals outpace the workers (rho >= 1), the queue grows without bound";
  return p;
}
}  // namespace

QueuePrediction mmc(double lambda, double mu, int c) {
  const double a = lambda / mu;
  const double rho = a / c;
  if (rho >= 1.0) return unstable("M/M/c (Erlang C)", rho);
  QueuePrediction p;
  p.model = "M/M/c (Erlang C)";
  p.stable = true;
  p.utilization = rho;
  p.p_wait = erlang_c(c, a);
  p.mean_wait = p.p_wait / (c * mu - lambda);
  p.mean_queue = lambda * p.mean_wait;
  p.mean_sojourn = p.mean_wait + 1.0 / mu;
  p.mean_in_system = lambda * p.mean_sojourn;
  return p;
}

QueuePrediction allen_cunneen(double lambda, double mu, int c, double ca2, double cs2) {
  QueuePrediction p = mmc(lambda, mu, c);
  p.model = "G/G/c (Allen-Cunneen approximation)";
  if (!p.stable) return p;
  p.mean_wait *= (ca2 + cs2) / 2.0;
  p.mean_queue = lambda * p.mean_wait;
  p.mean_sojourn = p.mean_wait + 1.0 / mu;
  p.mean_in_system = lambda * p.mean_sojourn;
  p.note = "approximation: service is not exponential";
  return p;
}

QueuePrediction mmck(double lambda, double mu, int c, int k) {
  QueuePrediction p;
  p.model = "M/M/c/K";
  p.stable = true;  // a bounded queue is always stable: excess arrivals are refused
  if (k < c) k = c;
  const double a = lambda / mu;
  const double rho = a / c;
  // Unnormalised p_n, computed by ratios to stay finite for large c and K.
  std::vector<double> w(static_cast<std::size_t>(k) + 1);
  w[0] = 1.0;
  for (int n = 1; n <= k; ++n) w[static_cast<std::size_t>(n)] = w[static_cast<std::size_t>(n) - 1] * (n <= c ? a / n : rho);
  double total = 0;
  for (double x : w) total += x;
  double lq = 0, l = 0, waits = 0;
  for (int n = 0; n <= k; ++n) {
    const double pn = w[static_cast<std::size_t>(n)] / total;
    l += n * pn;
    if (n > c) lq += (n - c) * pn;
    if (n >= c && n < k) waits += pn;  // an accepted arrival finding all c busy
  }
  p.p_block = w[static_cast<std::size_t>(k)] / total;
  const double lambda_eff = lambda * (1.0 - p.p_block);
  p.utilization = lambda_eff / (c * mu);
  p.p_wait = p.p_block < 1.0 ? waits / (1.0 - p.p_block) : 1.0;
  p.mean_queue = lq;
  p.mean_in_system = l;
  p.mean_wait = lambda_eff > 0 ? lq / lambda_eff : 0;
  p.mean_sojourn = lambda_eff > 0 ? l / lambda_eff : 0;
  if (rho >= 1.0) p.note = "overloaded: the queue stays near full and refuses the excess";
  return p;
}

}  // namespace poolviz
