#pragma once

// Where generated code finds the runtime library it links and the headers it includes. They are
// looked up from the runtime library this process has loaded, so that an installed Hypatia works
// from wherever its prefix was moved; only a library run from its build tree uses the build
// tree's paths.

#include <filesystem>

namespace hypatia::native {

struct RuntimeLocation {
  std::filesystem::path library;      // libhypatia_runtime.so as loaded
  std::filesystem::path include_dir;  // holds hypatia_runtime.h
};

// Looked up once per process; throws an Error naming the directory searched when the installed
// headers are missing.
const RuntimeLocation& runtime_location();

}  // namespace hypatia::native
