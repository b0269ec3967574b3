// poolviz/queueing.h — what queueing theory predicts for a pool, to set beside
// what the real pool measured.
//
// A fixed pool of c workers fed by Poisson arrivals (rate λ) with exponential
// service (rate μ per worker) is the M/M/c queue; Erlang C gives the chance a
// job waits and its mean wait. Non-exponential service is approximated by
// Allen–Cunneen (M/G/c), a bounded queue is M/M/c/K. All times in seconds.
#pragma once

#include <string>

namespace poolviz {

struct QueuePrediction {
  std::string model;       // "M/M/c (Erlang C)", "M/G/c (Allen–Cunneen approximation)", "M/M/c/K"
  bool stable = false;     // false: ρ ≥ 1 on an unbounded queue, the queue grows without bound
  double utilization = 0;  // ρ = λ / (c μ), per worker (carried load for M/M/c/K)
  double p_wait = 0;       // probability an arriving (accepted) job waits
  double mean_wait = 0;    // Wq: seconds in queue
  double mean_queue = 0;   // Lq: jobs in queue
  double mean_sojourn = 0; // W = Wq + 1/μ
  double mean_in_system = 0;  // L = λ_eff W (Little's law)
  double p_block = 0;      // M/M/c/K: probability an arrival is refused
  std::string note;        // plain words: why unstable, what is approximated
};

/// Erlang B blocking probability for c servers and offered load a = λ/μ.
double erlang_b(int c, double a);
/// Erlang C: probability that an arrival waits, c servers, offered load a = λ/μ (< c).
double erlang_c(int c, double a);

/// M/M/c: Poisson arrivals `lambda`/s, exponential service `mu`/s per worker, c workers.
QueuePrediction mmc(double lambda, double mu, int c);
/// Allen–Cunneen for G/G/c: Wq ≈ Wq(M/M/c) × (ca² + cs²) / 2, where ca² and cs²
/// are the squared coefficients of variation of inter-arrival and service times.
QueuePrediction allen_cunneen(double lambda, double mu, int c, double ca2, double cs2);
/// M/M/c/K: at most K jobs in the system (c in service + K − c waiting).
QueuePrediction mmck(double lambda, double mu, int c, int k);

}  // namespace poolviz
