#include "hypatia/infer/rng.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace hypatia {

CounterRng::CounterRng(std::uint64_t seed, std::uint64_t stream, std::uint64_t substream)
    : key_{seed, stream}, counter_{0, substream, 0, 0}, block_{} {}

void CounterRng::refill() {
  r123::Philox4x64 philox;
  const r123::Philox4x64::ctr_type counter = {{counter_[0], counter_[1], counter_[2], counter_[3]}};
  const r123::Philox4x64::key_type key = {{key_[0], key_[1]}};
  const r123::Philox4x64::ctr_type output = philox(counter, key);
  for (int i = 0; i < 4; ++i) block_[i] = output.v[i];
  ++counter_[0];
  used_ = 0;
}

std::uint64_t CounterRng::next_u64() {
  if (used_ == 4) refill();
  return block_[used_++];
}

double CounterRng::uniform() {
  // The top 53 bits, shifted by half a unit so neither 0 nor 1 can come out.
  constexpr double unit = 0x1.0p-53;
  return (static_cast<double>(next_u64() >> 11) + 0.5) * unit;
}

double CounterRng::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Box-Muller: two uniforms give two independent normals; keep the second for the next call.
  const double radius = std::sqrt(-2.0 * std::log(uniform()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

double CounterRng::exponential() {
  return -std::log(uniform());
}

}  // namespace hypatia
