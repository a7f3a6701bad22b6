// The compile cache loads only what its key promises: a damaged entry is rebuilt, and the key
// changes with the contents of everything that goes into the object.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "backend/native/cache_key.hpp"
#include "backend/native/compiler_fixture.hpp"

namespace hypatia::native {
namespace {

namespace fs = std::filesystem;

using CompilerCache = CompilerFixture;

TEST_F(CompilerCache, EntryIsSealedAndReusedWhenSound) {
  bool hit = true;
  EXPECT_EQ(compile_and_call(value_source("42.5"), &hit), 42.5);
  EXPECT_FALSE(hit);
  EXPECT_TRUE(fs::exists(seal(last_key_)));
  EXPECT_EQ(compile_and_call(value_source("42.5"), &hit), 42.5);
  EXPECT_TRUE(hit);
}

// Today's main dlopens the truncated file: SIGBUS or a load error, in every later run.
TEST_F(CompilerCache, TruncatedObjectIsRebuilt) {
  compile_and_call(value_source("2.5"));
  fs::resize_file(object(last_key_), fs::file_size(object(last_key_)) / 2);
  bool hit = true;
  EXPECT_EQ(compile_and_call(value_source("2.5"), &hit), 2.5);
  EXPECT_FALSE(hit);
  EXPECT_EQ(compile_and_call(value_source("2.5"), &hit), 2.5);
  EXPECT_TRUE(hit);
}

TEST_F(CompilerCache, GarbageObjectIsRebuilt) {
  compile_and_call(value_source("3.5"));
  write_text(object(last_key_), std::string(5000, 'x'));
  bool hit = true;
  EXPECT_EQ(compile_and_call(value_source("3.5"), &hit), 3.5);
  EXPECT_FALSE(hit);
}

// Another entry's object under this key loads fine and computes the other function's values.
TEST_F(CompilerCache, SwappedObjectIsDetected) {
  compile_and_call(value_source("2.0"));
  const std::string two = last_key_;
  compile_and_call(value_source("3.0"));
  const std::string three = last_key_;
  fs::copy_file(object(three), object(two), fs::copy_options::overwrite_existing);
  bool hit = true;
  EXPECT_EQ(compile_and_call(value_source("2.0"), &hit), 2.0);
  EXPECT_FALSE(hit);

  // Object and seal swapped together: the seal names the other key.
  fs::copy_file(object(three), object(two), fs::copy_options::overwrite_existing);
  fs::copy_file(seal(three), seal(two), fs::copy_options::overwrite_existing);
  EXPECT_EQ(compile_and_call(value_source("2.0"), &hit), 2.0);
  EXPECT_FALSE(hit);
}

// One changed byte, here the constant the function returns, so loading it gives a wrong value.
TEST_F(CompilerCache, PatchedByteIsDetected) {
  const double original = 1234.5, patched = 9999.0;
  compile_and_call(value_source("1234.5"));
  std::string bytes = read_text(object(last_key_));
  const std::string needle(reinterpret_cast<const char*>(&original), sizeof original);
  const std::size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << "the constant is not in the object";
  std::memcpy(bytes.data() + at, &patched, sizeof patched);
  write_text(object(last_key_), bytes);
  bool hit = true;
  EXPECT_EQ(compile_and_call(value_source("1234.5"), &hit), original);
  EXPECT_FALSE(hit);
}

// The runtime's headers are found through -I; editing one (same path, new contents) must not
// find the object compiled from the old contents.
TEST_F(CompilerCache, IncludedHeaderContentsArePartOfTheKey) {
  const fs::path runtime = scratch_ / "runtime";
  fs::copy(HYPATIA_FIXTURE_DIR "/../../src/backend/native/runtime", runtime);
  const fs::path header = runtime / "hypatia_runtime.h";
  ASSERT_TRUE(fs::exists(header));
  const std::string original = read_text(header);
  write_text(header, original + "\n#define HYPATIA_TEST_VALUE 1.0\n");
  options_.extra = {"-I" + runtime.string()};
  const std::string source =
      "#include \"hypatia_runtime.h\"\n" + value_source("HYPATIA_TEST_VALUE");
  EXPECT_EQ(compile_and_call(source), 1.0);
  const std::string before = last_key_;

  write_text(header, original + "\n#define HYPATIA_TEST_VALUE 2.0\n");
  bool hit = true;
  EXPECT_EQ(compile_and_call(source, &hit), 2.0);
  EXPECT_FALSE(hit);
  EXPECT_NE(last_key_, before);

  // A header the source does not include directly is covered too (they include each other).
  write_text(runtime / "hypatia_linalg.h", read_text(runtime / "hypatia_linalg.h") + "\n");
  EXPECT_EQ(compile_and_call(source, &hit), 2.0);
  EXPECT_FALSE(hit);
}

// The runtime header's precompiled form, one per cache directory, flags and header contents.
std::vector<fs::path> precompiled_headers(const fs::path& cache_dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(cache_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("pch-", 0) == 0 &&
        name.find(".tmp.") == std::string::npos) {
      found.push_back(entry.path() / "hypatia_runtime.h.gch");
    }
  }
  return found;
}

TEST_F(CompilerCache, RuntimeHeaderIsPrecompiledOnceAndDamageIsRepaired) {
  const fs::path runtime = scratch_ / "runtime";
  fs::copy(HYPATIA_FIXTURE_DIR "/../../src/backend/native/runtime", runtime);
  options_.compiler = "g++";  // GCC's .gch (other compilers ignore the file)
  options_.extra = {"-I" + runtime.string()};
  const auto source = [](const std::string& value) {
    return "#include \"hypatia_runtime.h\"\n" + value_source("hr_lgamma(" + value + ")");
  };
  EXPECT_DOUBLE_EQ(compile_and_call(source("4.0")), std::log(6.0));
  std::vector<fs::path> headers = precompiled_headers(options_.cache_dir);
  ASSERT_EQ(headers.size(), 1u);
  ASSERT_TRUE(fs::is_regular_file(headers[0]));
  EXPECT_DOUBLE_EQ(compile_and_call(source("5.0")), std::log(24.0));
  EXPECT_EQ(precompiled_headers(options_.cache_dir), headers);  // reused, not made again

  // GCC stops at a truncated .gch: the compile still succeeds (without it), and the next one
  // makes a sound precompiled header again.
  fs::resize_file(headers[0], fs::file_size(headers[0]) / 3);
  EXPECT_DOUBLE_EQ(compile_and_call(source("6.0")), std::log(120.0));
  EXPECT_DOUBLE_EQ(compile_and_call(source("7.0")), std::log(720.0));
  headers = precompiled_headers(options_.cache_dir);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_GT(fs::file_size(headers[0]), 1000000u);
}

// A CXX wrapper prints the wrapped compiler's --version banner, but what it compiles may differ.
TEST_F(CompilerCache, CompilerWrapperIsPartOfTheKey) {
  options_.compiler = "g++";
  const std::string source = value_source("WRAPPED_VALUE");
  options_.flags.push_back("-DWRAPPED_VALUE=1.0");
  EXPECT_EQ(compile_and_call(source), 1.0);
  const std::string plain = last_key_;

  // The wrapper's -U and -D come after ours, so its value wins.
  options_.compiler =
      script("wrapped-g++", "exec g++ \"$@\" -UWRAPPED_VALUE -DWRAPPED_VALUE=2.0\n");
  bool hit = true;
  EXPECT_EQ(compile_and_call(source, &hit), 2.0);
  EXPECT_FALSE(hit);
  EXPECT_NE(last_key_, plain);
}

// ccache's g++ is a symbolic link to ccache, which looks at the name it is called by: the key
// hashes the file the link resolves to, but the compiler is still run by the given name.
TEST_F(CompilerCache, CompilerIsRunByTheNameItWasGiven) {
  const fs::path dispatcher = script("dispatcher",
                                     "case \"$(basename \"$0\")\" in\n"
                                     "  linked-g++) exec g++ \"$@\" ;;\n"
                                     "  *) echo \"called as $0\" >&2; exit 1 ;;\n"
                                     "esac\n");
  const fs::path link = scratch_ / "linked-g++";
  fs::create_symlink(dispatcher, link);
  options_.compiler = link.string();
  EXPECT_EQ(compile_and_call(value_source("5.0")), 5.0);
}

// -march=native is keyed by what it means on this machine, so a cache shared between machines
// (or a CPU upgrade) never loads code built for other instructions.
TEST(CompilerTarget, NativeIsResolvedToTheCpuAndItsFeatures) {
  const std::string native = resolved_target("g++", {"-O3", "-march=native"});
  EXPECT_EQ(native.find("native"), std::string::npos) << native;
  EXPECT_NE(native.find("-march="), std::string::npos) << native;
  // The features are this CPU's: AVX-512 exactly when /proc/cpuinfo lists it.
  std::ifstream cpuinfo("/proc/cpuinfo");
  const std::string cpu{std::istreambuf_iterator<char>(cpuinfo), std::istreambuf_iterator<char>()};
  const bool has_avx512 = cpu.find(" avx512f") != std::string::npos;
  EXPECT_EQ(native.find("-mavx512f ") != std::string::npos, has_avx512) << native;
  // Named targets are kept as they are; different targets never share a key.
  EXPECT_NE(resolved_target("g++", {"-march=x86-64-v4"}),
            resolved_target("g++", {"-march=x86-64-v2"}));
}

}  // namespace
}  // namespace hypatia::native
