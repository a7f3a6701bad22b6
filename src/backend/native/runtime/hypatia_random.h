#pragma once

// Counter-based random draws in the precompiled runtime library (Philox4x64-10 from Random123).
// The reference kernels (src/ops/random.cpp) and generated code call these same functions, so
// both backends produce the same draws, bit for bit.
//
// A state is three int64 words: seed, stream, counter (read as unsigned). Element i (row-major
// position in the draws) of a draw reads the Philox blocks with key (seed, stream) and counter
// (state counter, i, block, distribution); a sampler that rejects takes the next block of the same
// element. So a value depends only on the state, its position and its parameters: not on the
// number of draws, the evaluation order, the thread or the backend.
//
// Each function has the runtime signature and reads its operands' layout from `ints`:
//   buffers: the state (int64[3]), the parameters (float64), the draws (float64, or int64 for
//            counts and categories), the next state (int64[3]: the counter advanced by one);
//   ints:    the draws' rank and dims, then per parameter one element stride per draw dim (0 where
//            it broadcasts); hr_random_categorical then the number of categories (the weights'
//            last axis, which its strides do not cover).
// Each returns 0, or nonzero when a parameter lies outside the distribution's domain (the draws
// are then unspecified).

#include <cstdint>

#define HR_RANDOM_FUNCTION(name) \
  extern "C" int name(void* const* buffers, const std::int64_t* ints, const double* reals)

HR_RANDOM_FUNCTION(hr_random_uniform);      // () -> float64 in the open interval (0, 1)
HR_RANDOM_FUNCTION(hr_random_normal);       // () -> float64, mean 0, variance 1
HR_RANDOM_FUNCTION(hr_random_exponential);  // () -> float64, rate 1
HR_RANDOM_FUNCTION(hr_random_gamma);        // (alpha > 0) -> float64, scale 1
HR_RANDOM_FUNCTION(hr_random_poisson);      // (0 <= rate <= 1e15) -> int64
HR_RANDOM_FUNCTION(hr_random_binomial);     // (integer 0 <= n <= 2^53, 0 <= p <= 1) -> int64
HR_RANDOM_FUNCTION(hr_random_categorical);  // (weights >= 0, finite, positive sum) -> int64 index

#undef HR_RANDOM_FUNCTION
