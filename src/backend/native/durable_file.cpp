#include "backend/native/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "hypatia/error.hpp"

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& action, const fs::path& path, int error_number) {
  throw Error("native: cannot " + action + " " + path.string() + ": " + errno_text(error_number));
}

// Closes the descriptor on every path out of a function.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  // close() reports delayed write errors (NFS, quota), so a writer must look at its result.
  int release_and_close() {
    const int status = ::close(fd_);
    fd_ = -1;
    return status;
  }

 private:
  int fd_;
};

void sync_descriptor(int fd, const fs::path& path) {
  if (::fsync(fd) != 0) fail("flush", path, errno);
}

void sync_directory(const fs::path& directory) {
  Descriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) fail("open the directory", directory, errno);
  sync_descriptor(dir.get(), directory);
}

// A failed rename leaves no temporary file behind.
void rename_or_remove(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(from.c_str());
    throw Error("native: cannot rename " + from.string() + " to " + to.string() + ": " +
                errno_text(error_number));
  }
}

}  // namespace

std::string errno_text(int error_number) {
  char buffer[256];
  // GNU strerror_r returns the message, which may or may not be `buffer`.
  return ::strerror_r(error_number, buffer, sizeof buffer);
}

std::string read_whole_file(const fs::path& path) {
  Descriptor in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) fail("read", path, errno);
  std::string bytes;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t count = ::read(in.get(), chunk, sizeof chunk);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) fail("read", path, errno);
    if (count == 0) return bytes;
    bytes.append(chunk, static_cast<std::size_t>(count));
  }
}

fs::path temporary_name(const fs::path& path) {
  fs::path temporary = path;
  temporary += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
  return temporary;
}

void write_file_atomically(const fs::path& path, const std::string& bytes, Flush flush) {
  const fs::path temporary = temporary_name(path);
  Descriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) fail("create", temporary, errno);
  auto give_up = [&](int error_number) {
    ::unlink(temporary.c_str());
    fail("write", temporary, error_number);
  };
  for (std::size_t written = 0; written < bytes.size();) {
    const ssize_t count = ::write(out.get(), bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) give_up(errno);
    written += static_cast<std::size_t>(count);
  }
  if (flush == Flush::to_disk && ::fsync(out.get()) != 0) give_up(errno);
  if (out.release_and_close() != 0) give_up(errno);
  if (flush == Flush::to_disk) {
    rename_durably(temporary, path);
  } else {
    rename_or_remove(temporary, path);
  }
}

void sync_file(const fs::path& path) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) fail("open", path, errno);
  sync_descriptor(file.get(), path);
}

void rename_durably(const fs::path& from, const fs::path& to) {
  rename_or_remove(from, to);
  sync_directory(to.has_parent_path() ? to.parent_path() : fs::path("."));
}

}  // namespace hypatia::native
