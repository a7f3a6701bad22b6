#include "backend/native/compiler.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "hypatia/error.hpp"

namespace hypatia::native {
namespace {

namespace fs = std::filesystem;

class CompilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.cache_dir = fs::temp_directory_path() /
                         ("hypatia-compiler-test-" +
                          std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(options_.cache_dir);
    options_.flags = {"-O1", "-std=c++20", "-fPIC", "-shared"};
  }
  void TearDown() override { fs::remove_all(options_.cache_dir); }

  CompilerOptions options_;
};

TEST_F(CompilerTest, CompilesLoadsAndCaches) {
  const std::string source = "extern \"C\" double twice(double x) { return 2 * x; }\n";
  CompileResult first = compile_and_load(source, options_);
  EXPECT_FALSE(first.cache_hit);
  auto twice = reinterpret_cast<double (*)(double)>(first.library->symbol("twice"));
  EXPECT_EQ(twice(21.0), 42.0);

  CompileResult second = compile_and_load(source, options_);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.key, first.key);
  // No temporary files are left behind.
  for (const auto& entry : fs::directory_iterator(options_.cache_dir)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST_F(CompilerTest, FlagsArePartOfTheKey) {
  const std::string source = "extern \"C\" int one() { return 1; }\n";
  CompileResult a = compile_and_load(source, options_);
  options_.flags.push_back("-DSOMETHING");
  CompileResult b = compile_and_load(source, options_);
  EXPECT_NE(a.key, b.key);
  EXPECT_FALSE(b.cache_hit);
}

TEST_F(CompilerTest, FailedCompileKeepsSourceAndReportsCompilerMessage) {
  try {
    compile_and_load("this is not C++;\n", options_);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(".cpp"), std::string::npos) << message;
    EXPECT_NE(message.find("error"), std::string::npos) << message;
    const std::size_t start = message.find(options_.cache_dir.string());
    ASSERT_NE(start, std::string::npos) << message;
    const std::string path = message.substr(start, message.find(".cpp", start) + 4 - start);
    EXPECT_TRUE(fs::exists(path)) << path;
  }
}

TEST_F(CompilerTest, MissingSymbolIsAnError) {
  CompileResult result = compile_and_load("extern \"C\" int one() { return 1; }\n", options_);
  EXPECT_THROW(result.library->symbol("two"), Error);
}

}  // namespace
}  // namespace hypatia::native
