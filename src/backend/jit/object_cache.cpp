#include "backend/jit/object_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "backend/native/cache_key.hpp"
#include "backend/native/durable_file.hpp"
#include "hypatia/error.hpp"

namespace hypatia::jit {
namespace fs = std::filesystem;
namespace {

// Bumped when what an entry holds, how it is checked or what the key covers changes.
constexpr std::string_view kFormat = "hypatia jit object 1";

std::string header(const std::string& key, std::string_view object) {
  return std::string(kFormat) + "\nkey " + key + "\nsize " + std::to_string(object.size()) +
         "\nhash " + native::hash_hex(object) + "\n\n";
}

// The value of the header line "<name> <value>\n" that starts at `at`; advances past it.
bool header_field(const std::string& bytes, std::size_t& at, std::string_view name,
                  std::string& value) {
  const std::size_t end = bytes.find('\n', at);
  if (end == std::string::npos || bytes.compare(at, name.size(), name) != 0 ||
      bytes[at + name.size()] != ' ') {
    return false;
  }
  value = bytes.substr(at + name.size() + 1, end - at - name.size() - 1);
  at = end + 1;
  return true;
}

CachedObject damaged(std::string problem) {
  return {EntryState::damaged, {}, std::move(problem)};
}

}  // namespace

std::string object_key(const TargetIdentity& target, std::string_view ir_bitcode) {
  std::string text(kFormat);
  for (const std::string* field :
       {&target.llvm_version, &target.triple, &target.cpu, &target.features, &target.codegen}) {
    // Each field's length first: no two different identities run together into the same text.
    text += "\n" + std::to_string(field->size()) + " " + *field;
  }
  text += "\n";
  text += ir_bitcode;
  return native::hash_hex(text);
}

fs::path entry_path(const fs::path& dir, const std::string& key) {
  return dir / (key + ".jit");
}

CachedObject read_entry(const fs::path& dir, const std::string& key) {
  const fs::path path = entry_path(dir, key);
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return damaged("cannot look at " + path.string() + ": " + native::errno_text(errno));
  }
  // Code is loaded from here into the process: only a file this user alone can write will do.
  if (!S_ISREG(info.st_mode)) return damaged(path.string() + " is not a regular file");
  if (info.st_uid != ::geteuid() || (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return damaged(path.string() + " belongs to another user or others can write to it");
  }
  std::string bytes;
  try {
    bytes = native::read_whole_file(path);
  } catch (const Error& error) {
    // Removed by another process since the stat: a miss like any other.
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return {};
    return damaged(error.what());
  }

  std::size_t at = bytes.find('\n');
  std::string named_key, size, hash;
  if (at == std::string::npos || std::string_view(bytes).substr(0, at) != kFormat) {
    return damaged(path.string() + " does not start with \"" + std::string(kFormat) + "\"");
  }
  ++at;
  if (!header_field(bytes, at, "key", named_key) || !header_field(bytes, at, "size", size) ||
      !header_field(bytes, at, "hash", hash) || at >= bytes.size() || bytes[at] != '\n') {
    return damaged(path.string() + " has a damaged header");
  }
  ++at;
  if (named_key != key) {
    return damaged(path.string() + " holds the entry for key " + named_key + ", not " + key);
  }
  const std::string_view object = std::string_view(bytes).substr(at);
  if (size != std::to_string(object.size())) {
    return damaged(path.string() + " holds " + std::to_string(object.size()) +
                   " bytes of object code; its header says " + size);
  }
  if (hash != native::hash_hex(object)) {
    return damaged(path.string() + ": the object code does not match the hash in its header");
  }
  return {EntryState::sound, std::string(object), {}};
}

void write_entry(const fs::path& dir, const std::string& key, std::string_view object) {
  std::string bytes = header(key, object);
  bytes += object;
  // No wait for the disk: a torn entry fails its hash and is rebuilt, never loaded.
  native::write_file_atomically(entry_path(dir, key), bytes, native::Flush::left_to_the_system);
}

}  // namespace hypatia::jit
