#pragma once

// Writers write to a temporary sibling of their target and rename it into place only when
// everything succeeded, so a failure never leaves a half-written file under the target's name. A
// target that is a link is resolved first (the link stays a link); a stream target (/dev/stdout,
// a FIFO: see io/output_path.hpp) is written in place, as it cannot be renamed over.

#include <filesystem>

namespace hypatia::io {

class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path target);
  ~TemporaryFile();  // removes the temporary unless committed
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile(TemporaryFile&& other) noexcept;
  TemporaryFile& operator=(TemporaryFile&&) = delete;

  // Where to write: the temporary, or the stream itself.
  const std::filesystem::path& path() const { return temporary_; }
  const std::filesystem::path& target() const { return target_; }
  // Renames the (closed) temporary over the target; throws hypatia::Error naming both.
  void commit();

 private:
  std::filesystem::path target_;       // as given, for messages
  std::filesystem::path destination_;  // its links resolved
  std::filesystem::path temporary_;
  bool committed_ = false;
};

}  // namespace hypatia::io
