// Arena placement by lifetime: buffers alive at the same step never share bytes, views keep what
// they view alive, and a chain of intermediates needs far less than the sum of their sizes.

#include "backend/native/arena_plan.hpp"

#include <gtest/gtest.h>

#include <random>

namespace hypatia::native {
namespace {

BufferId add_buffer(Program& program, std::int64_t size,
                    Buffer::Role role = Buffer::Role::temporary, BufferId alias_of = -1) {
  Buffer buffer;
  buffer.role = role;
  buffer.shape = {size};
  buffer.alias_of = alias_of;
  program.buffers.push_back(buffer);
  return static_cast<BufferId>(program.buffers.size() - 1);
}

// out[i] = sum of the sources' element i (one loop nest, one step).
void add_step(Program& program, BufferId out, const std::vector<BufferId>& sources) {
  Scalar value = literal(0.0);
  for (BufferId source : sources) {
    value = apply("add", "({0} + {1})",
                  {value, load(source, Index{0, {{0, 1}}, nullptr, 0}, DType::float64)},
                  DType::float64);
  }
  LoopNest nest{.extents = {program.buffers[out].size()}};
  nest.body.push_back({out, Index{0, {{0, 1}}, nullptr, 0}, value});
  program.steps.emplace_back(std::move(nest));
}

// Checks the placement against the lifetimes by brute force over all pairs.
void expect_no_live_overlap(const Program& program, const ArenaPlan& plan, std::int64_t alignment) {
  const auto lifetimes = buffer_lifetimes(program);
  for (std::size_t a = 0; a < program.buffers.size(); ++a) {
    if (plan.offsets[a] < 0) continue;
    EXPECT_EQ(plan.offsets[a] % alignment, 0) << a;
    const std::int64_t a_end = plan.offsets[a] + program.buffers[a].size() * 8;
    EXPECT_LE(a_end, plan.end) << a;
    for (std::size_t b = a + 1; b < program.buffers.size(); ++b) {
      if (plan.offsets[b] < 0) continue;
      const auto [a_first, a_last] = lifetimes[a];
      const auto [b_first, b_last] = lifetimes[b];
      const bool live_together =
          a_first < 0 || b_first < 0 || !(a_last < b_first || b_last < a_first);
      const std::int64_t b_end = plan.offsets[b] + program.buffers[b].size() * 8;
      const bool bytes_overlap = plan.offsets[a] < b_end && plan.offsets[b] < a_end;
      EXPECT_FALSE(live_together && bytes_overlap) << "buffers " << a << " and " << b;
    }
  }
}

TEST(ArenaPlan, ChainOfIntermediatesReusesStorage) {
  Program program;
  const BufferId input = add_buffer(program, 1000, Buffer::Role::input);
  BufferId previous = input;
  std::vector<BufferId> temporaries;
  for (int k = 0; k < 10; ++k) {
    temporaries.push_back(add_buffer(program, 1000));
    add_step(program, temporaries.back(), {previous});
    previous = temporaries.back();
  }
  const BufferId output = add_buffer(program, 1000, Buffer::Role::output);
  add_step(program, output, {previous});

  const ArenaPlan plan = plan_arena(program, 128, 64);
  expect_no_live_overlap(program, plan, 64);
  EXPECT_EQ(plan.offsets[input], -1);
  EXPECT_EQ(plan.offsets[output], -1);
  // Each intermediate is live for two consecutive steps: two slots serve all ten.
  EXPECT_EQ(plan.end, 128 + 2 * 8000);
}

TEST(ArenaPlan, ViewKeepsItsStorageAlive) {
  Program program;
  const BufferId input = add_buffer(program, 64, Buffer::Role::input);
  const BufferId first = add_buffer(program, 64);
  const BufferId view = add_buffer(program, 64, Buffer::Role::temporary, first);
  const BufferId second = add_buffer(program, 64);
  const BufferId third = add_buffer(program, 64);
  const BufferId output = add_buffer(program, 64, Buffer::Role::output);
  add_step(program, first, {input});   // step 0
  add_step(program, second, {input});  // step 1
  add_step(program, third, {second});  // step 2: `first` is not named, but its view is read next
  add_step(program, output, {third, view});
  const ArenaPlan plan = plan_arena(program, 0, 64);
  EXPECT_EQ(plan.offsets[view], -1);
  const auto lifetimes = buffer_lifetimes(program);
  EXPECT_EQ(lifetimes[first], std::make_pair(0, 3));
  EXPECT_EQ(lifetimes[second], std::make_pair(1, 2));
  expect_no_live_overlap(program, plan, 64);
  EXPECT_NE(plan.offsets[first], plan.offsets[third]);
}

TEST(ArenaPlan, RandomProgramsNeverShareLiveBytes) {
  std::mt19937_64 rng(2026);
  for (int trial = 0; trial < 200; ++trial) {
    Program program;
    std::vector<BufferId> defined = {add_buffer(program, 3, Buffer::Role::input)};
    const int steps = 1 + static_cast<int>(rng() % 25);
    for (int s = 0; s < steps; ++s) {
      const BufferId out = add_buffer(program, 1 + static_cast<std::int64_t>(rng() % 300));
      std::vector<BufferId> sources;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
        sources.push_back(defined[rng() % defined.size()]);
      }
      add_step(program, out, sources);
      defined.push_back(out);
    }
    add_buffer(program, 7);  // never used
    const ArenaPlan plan = plan_arena(program, 64, 64);
    expect_no_live_overlap(program, plan, 64);
  }
}

}  // namespace
}  // namespace hypatia::native
