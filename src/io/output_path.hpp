#pragma once

// What an output path names once symbolic links are followed, for the writers and for
// check_output_path: a file to replace through a temporary sibling, or a stream (a character
// device, FIFO or socket such as /dev/stdout or /dev/null) to write straight into.

#include <filesystem>
#include <string>

namespace hypatia::io {

// Whether `path` exists and, links followed, is neither a regular file nor a directory.
bool is_stream(const std::filesystem::path& path);

// "a directory", "a character device", ...: for messages.
std::string file_kind(const std::filesystem::path& path);

// The file a rename must replace: `path` with its links resolved, so that writing through a
// link replaces the file it points to rather than the link.
std::filesystem::path resolve_links(const std::filesystem::path& path);

}  // namespace hypatia::io
