#pragma once

// The JIT's on-disk cache: one relocatable object file per program, named by a key that hashes
// everything the machine code depends on (the program's LLVM IR, the LLVM version, the target
// CPU and its features, the code generator's settings). An entry is one file, <key>.jit: a short
// text header (the key, the object's size and hash) followed by the object. It is written to a
// temporary name and renamed into place, so concurrent processes need no lock and never see half
// an entry; a damaged, truncated or misnamed entry fails its header check and is rebuilt. The
// directory is the g++ backend's (native/cache_directory.hpp), with the same privacy check.

#include <filesystem>
#include <string>
#include <string_view>

namespace hypatia::jit {

// What the machine code for a given IR depends on besides the IR itself.
struct TargetIdentity {
  std::string llvm_version;  // the libLLVM that runs, and the headers built against
  std::string triple;
  std::string cpu;       // the target machine's CPU name (znver4, skylake, ...)
  std::string features;  // the feature string the target machine is created with
  std::string codegen;   // optimization pipeline, opt level, FP contraction, relocation model
};

// 32 hex digits over the cache format, every field of `target` and the IR's bitcode.
std::string object_key(const TargetIdentity& target, std::string_view ir_bitcode);

std::filesystem::path entry_path(const std::filesystem::path& dir, const std::string& key);

enum class EntryState { missing, sound, damaged };

struct CachedObject {
  EntryState state = EntryState::missing;
  std::string object;   // sound: the object file's bytes
  std::string problem;  // damaged: what is wrong with it, for a person
};

// Reads and checks the entry for `key`: sound only when the file belongs to this user, nobody else
// can write it, and its header names this key, the object's size and its hash.
CachedObject read_entry(const std::filesystem::path& dir, const std::string& key);

// Writes the entry atomically (temporary file, then rename). Throws an Error naming the path and
// the system's reason when it cannot.
void write_entry(const std::filesystem::path& dir, const std::string& key, std::string_view object);

}  // namespace hypatia::jit
