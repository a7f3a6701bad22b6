// The kernel form's Loop step, rendered and compiled from hand-built programs: status codes of a
// body (here an IndexCheck two loops deep) end the loops and reach the caller with their message.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "backend/native/compiler.hpp"
#include "backend/native/kernel_ir.hpp"
#include "backend/native/render_cpp.hpp"
#include "support/fresh_cache_directory.hpp"

namespace hypatia::native {
namespace {

using Entry = int (*)(void* const*, void* const*, void* const*, unsigned char*);

BufferId add(Program& program, Buffer::Role role, DType dtype, Shape shape, int position = -1) {
  Buffer buffer;
  buffer.role = role;
  buffer.dtype = dtype;
  buffer.shape = std::move(shape);
  buffer.position = position;
  program.buffers.push_back(buffer);
  return static_cast<BufferId>(program.buffers.size() - 1);
}

// A loop over `steps` slices of an int64 `input` of shape `slice`, running `body` on each.
Loop loop_over(BufferId input, std::int64_t steps, std::shared_ptr<const Program> body) {
  Loop loop;
  loop.steps = steps;
  loop.body = std::move(body);
  loop.inputs = {{input, true}};
  return loop;
}

// outer: IndexCheck (always passes), then for each row r of indices (3, 2): for each entry e of
// r: check e in [-2, 2).
Program nested_checks() {
  auto inner = std::make_shared<Program>();
  inner->inputs = {add(*inner, Buffer::Role::input, DType::int64, {}, 0)};
  inner->steps.push_back(IndexCheck{inner->inputs[0], 2, "inner check"});

  auto middle = std::make_shared<Program>();
  middle->inputs = {add(*middle, Buffer::Role::input, DType::int64, {2}, 0)};
  middle->steps.push_back(loop_over(middle->inputs[0], 2, inner));

  Program outer;
  outer.inputs = {add(outer, Buffer::Role::input, DType::int64, {3, 2}, 0)};
  outer.steps.push_back(IndexCheck{outer.inputs[0], 100, "outer check"});
  outer.steps.push_back(loop_over(outer.inputs[0], 3, middle));
  return outer;
}

TEST(NativeLoop, StatusOfANestedBodyReachesTheCaller) {
  const RenderedProgram rendered = render_cpp(nested_checks());
  ASSERT_EQ(rendered.error_messages.size(), 2u);
  EXPECT_EQ(rendered.error_messages[1], "inner check");

  CompilerOptions options;
  options.flags = {"-O1", "-std=c++20", "-fPIC", "-shared"};
  options.extra = {"-I" HYPATIA_FIXTURE_DIR "/../../src/backend/native/runtime"};
  options.cache_dir = hypatia::testing::fresh_cache_directory();
  const CompileResult compiled = compile_and_load(rendered.source, options);
  auto entry = reinterpret_cast<Entry>(compiled.library->symbol("hypatia_entry"));
  auto arena =
      std::make_unique<unsigned char[]>(static_cast<std::size_t>(rendered.arena_bytes) + 1);

  auto run = [&](std::vector<std::int64_t> indices) {
    void* inputs[] = {indices.data()};
    return entry(inputs, nullptr, nullptr, arena.get());
  };
  EXPECT_EQ(run({0, 1, -2, -1, 1, 0}), 0);
  EXPECT_EQ(run({0, 1, -2, -1, 1, 2}), 2);  // the last entry, two loops deep
  EXPECT_EQ(run({0, 1, -3, -1, 1, 0}), 2);
}

}  // namespace
}  // namespace hypatia::native
