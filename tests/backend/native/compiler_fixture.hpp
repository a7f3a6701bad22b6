#pragma once

// A compile cache of its own for each test (under a scratch directory removed afterwards), quick
// flags, and helpers to load a compiled function and to tamper with a cache entry's files.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "backend/native/compiler.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia::native {

class CompilerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // Private whatever the umask: a group-writable cache directory is refused.
    std::filesystem::permissions(scratch_.path(), std::filesystem::perms::owner_all);
    options_.cache_dir = scratch_ / "cache";
    options_.flags = {"-O1", "-std=c++20", "-fPIC", "-shared"};
  }

  // Compiles `source`, calls its `extern "C" double value()` and lets the library go again (a
  // test may then change the file on disk without touching mapped memory).
  double compile_and_call(const std::string& source, bool* cache_hit = nullptr) {
    CompileResult result = compile_and_load(source, options_);
    if (cache_hit) *cache_hit = result.cache_hit;
    last_key_ = result.key;
    return reinterpret_cast<double (*)()>(result.library->symbol("value"))();
  }

  std::filesystem::path object(const std::string& key) const {
    return options_.cache_dir / (key + ".so");
  }
  std::filesystem::path seal(const std::string& key) const {
    return options_.cache_dir / (key + ".sum");
  }

  // An executable shell script in the scratch directory.
  std::filesystem::path script(const std::string& name, const std::string& text) const {
    const std::filesystem::path path = scratch_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << text;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }

  static void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  static std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  hypatia::testing::ScratchDirectory scratch_;
  CompilerOptions options_;
  std::string last_key_;
};

inline std::string value_source(const std::string& expression) {
  return "extern \"C\" double value() { return " + expression + "; }\n";
}

}  // namespace hypatia::native
