#include "backend/native/cache_entry.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "backend/native/cache_key.hpp"
#include "backend/native/durable_file.hpp"
#include "hypatia/error.hpp"

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

std::string seal_text(const std::string& key, const std::string& object_bytes) {
  return "hypatia cache entry\nkey " + key + "\nsize " + std::to_string(object_bytes.size()) +
         "\nhash " + hash_hex(object_bytes) + "\n";
}

}  // namespace

fs::path entry_object(const fs::path& dir, const std::string& key) {
  return dir / (key + ".so");
}

fs::path entry_seal(const fs::path& dir, const std::string& key) {
  return dir / (key + ".sum");
}

bool entry_is_sound(const fs::path& dir, const std::string& key) {
  const fs::path object = entry_object(dir, key);
  struct stat info;
  if (::stat(object.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  if (info.st_uid != ::geteuid() || (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) return false;
  try {
    // The seal is small; compare it first so that a missing one costs no read of the object.
    const std::string seal = read_whole_file(entry_seal(dir, key));
    if (seal.rfind(
            "hypatia cache entry\nkey " + key + "\nsize " + std::to_string(info.st_size) + "\n",
            0) != 0) {
      return false;
    }
    return seal == seal_text(key, read_whole_file(object));
  } catch (const Error&) {
    return false;
  }
}

void store_entry(const fs::path& dir, const std::string& key, const fs::path& compiled_object) {
  // The compiler's output mode follows the umask (0775 under 002), which entry_is_sound refuses.
  if (::chmod(compiled_object.c_str(), 0700) != 0) {
    throw Error("native: cannot make " + compiled_object.string() +
                " private: " + errno_text(errno));
  }
  // The compiler closed its output without fsync; the hash is of exactly what is renamed.
  sync_file(compiled_object);
  const std::string seal = seal_text(key, read_whole_file(compiled_object));
  rename_durably(compiled_object, entry_object(dir, key));
  write_file_atomically(entry_seal(dir, key), seal);
}

}  // namespace hypatia::native
