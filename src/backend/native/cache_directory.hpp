#pragma once

// Where compiled code is cached, and the check that nobody else can put code there: Hypatia
// loads what it finds in this directory into the process, so a directory another user can write
// would let that user run code as us.

#include <filesystem>

namespace hypatia::native {

// $HYPATIA_CACHE_DIR, else $XDG_CACHE_HOME/hypatia, else ~/.cache/hypatia, else
// <temp>/hypatia-cache-<uid> (per user: the shared temporary directory is writable by all).
std::filesystem::path default_cache_dir();

// Creates `dir` (mode 0700) if needed and checks that it is a directory owned by this user that
// neither the group nor others can write. Throws an Error naming the directory and what is wrong
// (with the system's reason when a call fails) otherwise.
void prepare_cache_dir(const std::filesystem::path& dir);

}  // namespace hypatia::native
