#pragma once

// A compile cache entry is <key>.so with a seal <key>.sum beside it (the key, the object's size
// and its hash). An entry is loaded only when the seal matches the object: a truncated, garbage,
// swapped or patched object is rebuilt instead of crashing the process or computing wrong values.

#include <filesystem>
#include <string>

namespace hypatia::native {

std::filesystem::path entry_object(const std::filesystem::path& dir, const std::string& key);
std::filesystem::path entry_seal(const std::filesystem::path& dir, const std::string& key);

// True when the object is there, belongs to this user, cannot be written by others and matches
// its seal. Anything else (missing, unreadable, damaged) is false: the caller rebuilds.
bool entry_is_sound(const std::filesystem::path& dir, const std::string& key);

// Moves a freshly compiled object into place and seals it; both written durably.
void store_entry(const std::filesystem::path& dir, const std::string& key,
                 const std::filesystem::path& compiled_object);

}  // namespace hypatia::native
