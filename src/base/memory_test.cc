#include "base/memory.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace strata {
namespace {

// Test binaries do not link jemalloc, so they name glibc's allocator; the strata binary's own
// allocator is checked by the bench_doc_names_the_allocator test.
TEST(MemoryTest, NamesTheAllocatorAndReleasesFreedMemory) {
  EXPECT_FALSE(UsingJemalloc());
  EXPECT_STREQ(AllocatorName(), "glibc malloc");
  std::vector<std::unique_ptr<std::string>> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(std::make_unique<std::string>(1000, 'x'));
  blocks.clear();
  ReleaseFreeMemory();  // must not disturb anything still allocated
  ReturnFreedPages();
  auto after = std::make_unique<std::string>(100, 'y');
  EXPECT_EQ(after->size(), 100u);
  const AllocatorBytes bytes = ReadAllocatorBytes();  // jemalloc's statistics only
  EXPECT_EQ(bytes.allocated, -1);
  EXPECT_EQ(bytes.resident, -1);
}

}  // namespace
}  // namespace strata
