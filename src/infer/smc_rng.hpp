#pragma once

// SMC's own counter-based randomness. Every random decision has an address: (seed, run, purpose,
// stage, index). A stream at one address yields the same numbers whichever thread draws them and
// whatever was drawn elsewhere, so results do not depend on the thread count.

#include <Random123/philox.h>
#include <Random123/boxmuller.hpp>

#include <cstdint>

namespace hypatia::smc {

// Tagged so SMC's streams never share a counter with another user of the same (seed, run) key.
enum class RandomPurpose : std::uint64_t {
  resampling = 0x534d4300000001,  // "SMC" + 1
  mutation = 0x534d4300000002,
};

class PhiloxStream {
 public:
  PhiloxStream(std::uint64_t seed, std::uint64_t run, RandomPurpose purpose, std::uint64_t stage,
               std::uint64_t index)
      : key_{{seed, run}}, counter_{{static_cast<std::uint64_t>(purpose), stage, index, 0}} {}

  // Uniform on the open interval (0, 1): 52 random bits centred in their cell, so neither end
  // is reachable (r123::u01 can round up to 1).
  double uniform() {
    constexpr double kCell = 0x1p-52;
    return (static_cast<double>(next_word() >> 12) + 0.5) * kCell;
  }

  double standard_normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    const std::uint64_t first = next_word();
    const r123::double2 pair = r123::boxmuller(first, next_word());
    spare_normal_ = pair.y;
    has_spare_normal_ = true;
    return pair.x;
  }

 private:
  std::uint64_t next_word() {
    if (used_ == kWordsPerBlock) {
      block_ = generator_(counter_, key_);
      ++counter_[3];
      used_ = 0;
    }
    return block_[used_++];
  }

  r123::Philox4x64 generator_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type counter_;
  r123::Philox4x64::ctr_type block_{};
  static constexpr std::size_t kWordsPerBlock = r123::Philox4x64::ctr_type::static_size;
  std::size_t used_ = kWordsPerBlock;
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace hypatia::smc
