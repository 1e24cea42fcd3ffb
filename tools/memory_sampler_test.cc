#include "memory_sampler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

namespace strata::tools {
namespace {

TEST(MemorySamplerTest, SeesMemoryTouchedAndFreedWhileSampling) {
  if (ProcStatusBytes("RssAnon") < 0) GTEST_SKIP() << "no RssAnon in /proc/self/status";
  MemorySampler sampler;
  {
    // 64 MiB written (so resident), held across several samples, then freed before the stop.
    constexpr size_t kBytes = 64 << 20;
    std::unique_ptr<char[]> block(new char[kBytes]);
    std::memset(block.get(), 1, kBytes);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  const int64_t growth = sampler.StopAndPeakGrowth();
  EXPECT_GE(growth, 60 << 20);
  EXPECT_LT(growth, 200 << 20);
}

TEST(MemorySamplerTest, WindowPeaksSeeOnlyTheirOwnStretch) {
  if (ProcStatusBytes("RssAnon") < 0) GTEST_SKIP() << "no RssAnon in /proc/self/status";
  MemorySampler sampler;
  const int64_t start = ProcStatusBytes("RssAnon");
  {
    constexpr size_t kBytes = 64 << 20;
    std::unique_ptr<char[]> block(new char[kBytes]);
    std::memset(block.get(), 1, kBytes);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  EXPECT_GE(sampler.TakeWindowPeak().anon, start + (60 << 20));
  // The 64 MiB are gone; the next window holds only what is resident now.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_LT(sampler.TakeWindowPeak().anon, start + (32 << 20));
  EXPECT_GE(sampler.StopAndPeakGrowth(), 60 << 20);  // the whole run's peak is kept
}

TEST(MemorySamplerTest, NoGrowthWhenNothingIsAllocated) {
  if (ProcStatusBytes("RssAnon") < 0) GTEST_SKIP() << "no RssAnon in /proc/self/status";
  MemorySampler sampler;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_LT(sampler.StopAndPeakGrowth(), 16 << 20);
}

}  // namespace
}  // namespace strata::tools
