// MemorySampler: the peak of the process's anonymous resident memory (RssAnon) over a stretch of
// time, sampled by a background thread. VmHWM counts the pages of memory-mapped files too (table
// files, LMDB's map), so it cannot show whether an engine's own allocations stay in their bound;
// RssAnon does. Sampling (every 10 ms) can miss a spike shorter than that.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace strata::tools {

// Bytes of /proc/self/status field `field` ("VmRSS", "VmHWM", "RssAnon"); -1 when unreadable.
int64_t ProcStatusBytes(const char* field);

class MemorySampler {
 public:
  // Starts sampling; the baseline is RssAnon now.
  MemorySampler();
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;
  ~MemorySampler();

  // Stops sampling (once) and returns the highest RssAnon seen minus the baseline (never below
  // 0; -1 when /proc/self/status has no RssAnon).
  int64_t StopAndPeakGrowth();

  // The highest RssAnon (absolute bytes) since the previous call, or since the start, and the
  // allocator's allocated bytes when it was sampled (jemalloc only, else -1: the part of the
  // peak the program asked for; the rest is the allocator's slack). The next window starts now.
  // Shows which phase of a run reaches the peak.
  struct WindowPeak {
    int64_t anon;
    int64_t allocated;
  };
  WindowPeak TakeWindowPeak();

 private:
  void Loop();

  const int64_t baseline_;
  std::atomic<int64_t> peak_;
  std::mutex mu_;
  WindowPeak window_;  // guarded by mu_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace strata::tools
