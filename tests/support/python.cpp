#include "support/python.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace hypatia::testing {
namespace {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char character : text) {
    if (character == '\'') {
      quoted += "'\\''";
    } else {
      quoted += character;
    }
  }
  return quoted + "'";
}

}  // namespace

ProcessResult run_python(const std::vector<std::string>& arguments) {
  std::string command = "/usr/bin/python3";
  for (const std::string& argument : arguments) command += " " + shell_quote(argument);
  command += " 2>&1";
  ProcessResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.output = "could not start: " + command;
    return result;
  }
  std::array<char, 4096> buffer;
  while (std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    result.output.append(buffer.data(), count);
  }
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

}  // namespace hypatia::testing
