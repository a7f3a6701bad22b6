#pragma once

// Reading and writing the compile cache's files with POSIX calls, so that every failure becomes an
// Error naming the path and the system's reason (errno), and a written file survives a crash.

#include <filesystem>
#include <string>

namespace hypatia::native {

// "No space left on device" and friends: strerror of `error_number`, thread-safe.
std::string errno_text(int error_number);

// The whole file; throws an Error naming the path and the reason when it cannot be read.
std::string read_whole_file(const std::filesystem::path& path);

// Whether a write waits until the file is on the disk. A file whose reader checks its contents
// against a hash it carries need not wait (the JIT's cache entries): after a power cut it may be
// empty or torn, which the reader detects and rebuilds, so the wait buys nothing.
enum class Flush { to_disk, left_to_the_system };

// Writes `bytes` to a new file beside `path` (mode 0600), flushes it to disk, renames it onto
// `path` and flushes the directory, so a reader sees either the old file or the complete new one,
// also after a power cut (with Flush::left_to_the_system: until a power cut).
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes,
                           Flush flush = Flush::to_disk);

// fsync of a file that another process wrote (the compiler's output) before it is renamed.
void sync_file(const std::filesystem::path& path);

// Renames and flushes the directory that holds `to`.
void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// A name beside `path` no other writer uses: path.tmp.<pid>.<random>.
std::filesystem::path temporary_name(const std::filesystem::path& path);

}  // namespace hypatia::native
