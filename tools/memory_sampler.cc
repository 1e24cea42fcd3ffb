#include "memory_sampler.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "base/memory.h"

namespace strata::tools {

int64_t ProcStatusBytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t len = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, len, field) == 0 && line.size() > len && line[len] == ':') {
      return std::strtoll(line.c_str() + len + 1, nullptr, 10) * 1024;  // the unit is kB
    }
  }
  return -1;
}

MemorySampler::MemorySampler()
    : baseline_(ProcStatusBytes("RssAnon")), peak_(baseline_), window_{baseline_, -1} {
  if (baseline_ >= 0) thread_ = std::thread([this] { Loop(); });
}

MemorySampler::~MemorySampler() { StopAndPeakGrowth(); }

void MemorySampler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const int64_t now = ProcStatusBytes("RssAnon");
    if (now > peak_.load(std::memory_order_relaxed)) peak_.store(now, std::memory_order_relaxed);
    lock.lock();
    if (now > window_.anon) window_ = {now, ReadAllocatorBytes().allocated};
    cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stop_; });
  }
}

int64_t MemorySampler::StopAndPeakGrowth() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (baseline_ < 0) return -1;
  const int64_t last = ProcStatusBytes("RssAnon");
  return std::max<int64_t>(0, std::max(peak_.load(), last) - baseline_);
}

MemorySampler::WindowPeak MemorySampler::TakeWindowPeak() {
  const WindowPeak now{ProcStatusBytes("RssAnon"), ReadAllocatorBytes().allocated};
  std::lock_guard<std::mutex> lock(mu_);
  const WindowPeak peak = window_.anon >= now.anon ? window_ : now;
  window_ = now;  // the next window starts here
  return peak;
}

}  // namespace strata::tools
