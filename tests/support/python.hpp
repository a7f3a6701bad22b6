#pragma once

// Runs checks written in Python with Debian's /usr/bin/python3 (which has numpy, scipy, xarray;
// the python3 first on PATH may not).

#include <string>
#include <vector>

namespace hypatia::testing {

struct ProcessResult {
  int exit_status = -1;  // the process's exit code; -1 when it could not run or was killed
  std::string output;    // stdout and stderr together
};

// Runs `/usr/bin/python3 <arguments...>`, each argument shell-quoted.
ProcessResult run_python(const std::vector<std::string>& arguments);

}  // namespace hypatia::testing
