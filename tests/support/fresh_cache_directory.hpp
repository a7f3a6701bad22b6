#pragma once

// A compile cache directory for this test process: created empty and private by mkdtemp on first
// use and removed at exit, so a test that names its cache never loads code an earlier run left.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace hypatia::testing {

inline const std::filesystem::path& fresh_cache_directory() {
  struct Directory {
    std::filesystem::path path;
    ~Directory() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Directory directory = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "hypatia-test-cache-XXXXXX");
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
    return Directory{pattern};
  }();
  return directory.path;
}

}  // namespace hypatia::testing
