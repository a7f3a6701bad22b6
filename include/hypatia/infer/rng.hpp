#pragma once

// A counter-based random number stream (Philox4x64-10 from Random123). A stream is a pure function
// of its key (seed, stream) and its counter, so chains or particles drawing from their own streams
// give the same numbers whatever the number of threads or the order they run in.

#include <array>
#include <cstdint>

namespace hypatia {

class CounterRng {
 public:
  // `stream` separates independent users of one seed (a chain, a particle); `substream` separates
  // purposes within a stream (initialization, momenta, resampling, ...).
  CounterRng(std::uint64_t seed, std::uint64_t stream, std::uint64_t substream = 0);

  std::uint64_t next_u64();
  // Uniform on the open interval (0, 1): safe to take the log of.
  double uniform();
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  double normal();
  // Exponential with rate 1.
  double exponential();

 private:
  void refill();

  std::array<std::uint64_t, 2> key_;
  std::array<std::uint64_t, 4> counter_;
  std::array<std::uint64_t, 4> block_;
  int used_ = 4;  // outputs of block_ already handed out
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
};

}  // namespace hypatia
