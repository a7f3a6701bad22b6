#include "io/temporary_file.hpp"

#include <unistd.h>

#include <atomic>
#include <string>
#include <system_error>
#include <utility>

#include "hypatia/error.hpp"
#include "io/output_path.hpp"

namespace hypatia::io {
namespace {

// Unique per process and per call, so concurrent writers (threads or processes) never share one.
std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  const std::string name = "." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                           "-" + std::to_string(counter++);
  return target.parent_path() / name;
}

}  // namespace

TemporaryFile::TemporaryFile(std::filesystem::path target)
    : target_(std::move(target)), destination_(resolve_links(target_)) {
  if (target_.filename().empty()) {
    throw Error("cannot write '" + target_.string() + "': the path names no file");
  }
  if (is_stream(destination_)) {
    temporary_ = destination_;  // written in place: nothing to rename, nothing to remove
    committed_ = true;
  } else {
    temporary_ = temporary_sibling(destination_);
  }
}

TemporaryFile::TemporaryFile(TemporaryFile&& other) noexcept
    : target_(std::move(other.target_)),
      destination_(std::move(other.destination_)),
      temporary_(std::move(other.temporary_)),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object no longer owns the temporary
}

TemporaryFile::~TemporaryFile() {
  if (committed_) return;
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void TemporaryFile::commit() {
  if (temporary_ == destination_) return;  // a stream, written in place
  std::error_code error;
  std::filesystem::rename(temporary_, destination_, error);
  if (error) {
    throw Error("cannot write '" + target_.string() + "': renaming the temporary file '" +
                temporary_.string() + "' into place failed: " + error.message());
  }
  committed_ = true;
}

}  // namespace hypatia::io
