#include "io/output_path.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"

namespace hypatia {
namespace io {

bool is_stream(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  return std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
         !std::filesystem::is_directory(status);
}

std::string file_kind(const std::filesystem::path& path) {
  std::error_code error;
  switch (std::filesystem::status(path, error).type()) {
    case std::filesystem::file_type::regular:
      return "a regular file";
    case std::filesystem::file_type::directory:
      return "a directory";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::block:
      return "a block device";
    case std::filesystem::file_type::fifo:
      return "a FIFO (named pipe)";
    case std::filesystem::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

std::filesystem::path resolve_links(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) return path;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(path, error);
  return error ? path : resolved;
}

}  // namespace io

void check_output_path(const std::filesystem::path& path, StreamTargets streams,
                       bool creates_directories) {
  if (path.empty()) throw Error("the output path is empty; name a file to write");
  const std::string where = "cannot write '" + path.string() + "': ";
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (std::filesystem::is_directory(status)) {
    throw Error(where + "it is a directory; name a file (inside it)");
  }
  if (io::is_stream(path)) {
    if (streams == StreamTargets::refuse) {
      throw Error(where + "it is " + io::file_kind(path) +
                  ", and this format needs a seekable regular file; write to a file instead");
    }
    if (::access(path.c_str(), W_OK) != 0) throw Error(where + std::strerror(errno));
    return;
  }
  if (!path.has_filename()) throw Error(where + "the path names a directory; name a file");
  // The writer creates a temporary next to the file (its link resolved) and renames it over.
  std::filesystem::path directory = io::resolve_links(path).parent_path();
  if (directory.empty()) directory = ".";
  if (creates_directories) {
    // The writer creates the missing directories: the first existing ancestor must take them.
    while (!std::filesystem::exists(std::filesystem::symlink_status(directory, error)) &&
           directory.has_relative_path() && directory.parent_path() != directory) {
      directory = directory.parent_path();
      if (directory.empty()) directory = ".";
    }
  }
  const auto directory_status = std::filesystem::status(directory, error);
  if (!std::filesystem::exists(directory_status)) {
    throw Error(where + "cannot create it: the directory '" + directory.string() +
                "' does not exist");
  }
  if (!std::filesystem::is_directory(directory_status)) {
    throw Error(where + "cannot create it: '" + directory.string() + "' is " +
                io::file_kind(directory) + ", not a directory");
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    throw Error(where + "cannot create it in the directory '" + directory.string() +
                "': " + std::strerror(errno));
  }
}

}  // namespace hypatia
