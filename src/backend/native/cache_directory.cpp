#include "backend/native/cache_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "backend/native/durable_file.hpp"
#include "hypatia/error.hpp"

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void refuse(const fs::path& dir, const std::string& reason) {
  throw Error("native: cannot use the compile cache directory " + dir.string() + ": " + reason +
              " (set HYPATIA_CACHE_DIR to a directory of your own)");
}

// mkdir -p with mode 0700 for what it creates; an existing directory is left to the check.
void make_private_directories(const fs::path& dir) {
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0) return;
  if (errno != ENOENT) refuse(dir, errno_text(errno));
  const fs::path parent = dir.parent_path();
  if (!parent.empty() && parent != dir) make_private_directories(parent);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) refuse(dir, errno_text(errno));
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* dir = std::getenv("HYPATIA_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "hypatia";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "hypatia";
  std::error_code ignored;
  fs::path temporary = fs::temp_directory_path(ignored);
  if (temporary.empty()) temporary = "/tmp";
  return temporary / ("hypatia-cache-" + std::to_string(::geteuid()));
}

void prepare_cache_dir(const fs::path& dir) {
  make_private_directories(dir);
  // stat follows a symbolic link (~/.cache on another disk): what is checked is where code is read.
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0) refuse(dir, errno_text(errno));
  if (!S_ISDIR(info.st_mode)) refuse(dir, "it is not a directory");
  if (info.st_uid != ::geteuid()) {
    refuse(dir, "it belongs to user id " + std::to_string(info.st_uid) + ", not to this user (" +
                    std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
    refuse(dir, std::string("other users can write to it (mode ") + mode +
                    "); make it private with chmod go-w");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) refuse(dir, errno_text(errno));
}

}  // namespace hypatia::native
