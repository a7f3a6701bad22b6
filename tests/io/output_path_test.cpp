// check_output_path: what a run checks before sampling so that a mistyped output path fails at
// once rather than after the whole run.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "hypatia/io.hpp"
#include "support/errors.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
using testing::ScratchDirectory;

constexpr auto refuse = StreamTargets::refuse;
constexpr auto write_through = StreamTargets::write_through;

TEST(CheckOutputPath, AcceptsNewAndExistingFilesInAWritableDirectory) {
  ScratchDirectory scratch;
  EXPECT_NO_THROW(check_output_path(scratch / "new.nc", refuse));
  std::ofstream(scratch / "old.nc") << "x";
  EXPECT_NO_THROW(check_output_path(scratch / "old.nc", refuse));
  EXPECT_NO_THROW(check_output_path(scratch / "a" / "b" / "results.json", write_through, true));
  EXPECT_TRUE(scratch.entries() == std::vector<std::string>{"old.nc"});  // nothing created
}

TEST(CheckOutputPath, NamesWhatIsWrong) {
  ScratchDirectory scratch;
  expect_mentions(error_message([&] { check_output_path("", refuse); }), {"empty"});
  expect_mentions(error_message([&] { check_output_path(scratch.path(), refuse); }),
                  {scratch.path().string(), "is a directory"});
  const auto missing = scratch / "typo" / "out.nc";
  expect_mentions(
      error_message([&] { check_output_path(missing, refuse); }),
      {missing.string(), "directory '" + (scratch / "typo").string() + "'", "does not exist"});
  std::ofstream(scratch / "file") << "x";
  const auto under_a_file = scratch / "file" / "out.nc";
  expect_mentions(error_message([&] { check_output_path(under_a_file, refuse); }),
                  {under_a_file.string(), "is a regular file, not a directory"});
  expect_mentions(
      error_message([&] { check_output_path(scratch / "file" / "x" / "r.json", refuse, true); }),
      {"is a regular file, not a directory"});
}

TEST(CheckOutputPath, StreamsAreWrittenThroughOrRefused) {
  ScratchDirectory scratch;
  const auto fifo = scratch / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NO_THROW(check_output_path(fifo, write_through));
  expect_mentions(error_message([&] { check_output_path(fifo, refuse); }),
                  {fifo.string(), "a FIFO", "seekable regular file"});
  if (std::filesystem::is_character_file("/dev/null")) {
    EXPECT_NO_THROW(check_output_path("/dev/null", write_through));
    expect_mentions(error_message([&] { check_output_path("/dev/null", refuse); }),
                    {"/dev/null", "a character device"});
  }
}

}  // namespace
}  // namespace hypatia
