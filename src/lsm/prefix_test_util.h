// Helpers the lsm tests of prefix filters and scans share: an extractor whose prefixes end at
// the first '|', and keys in numbered groups under it.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "env/env.h"
#include "lsm/db.h"
#include "strata/kv.h"

namespace strata::lsm {

// Keys "g<group>|<rest>" have the prefix "g<group>|"; keys without '|' are filtered whole.
class BarPrefix final : public kv::PrefixExtractor {
 public:
  explicit BarPrefix(const char* name = "test.bar-prefix") : name_(name) {}
  const char* Name() const override { return name_; }
  size_t PrefixLength(Slice key) const override {
    const void* bar = memchr(key.data(), '|', key.size());
    return bar == nullptr ? 0 : static_cast<const char*>(bar) - key.data() + 1;
  }
  // Every key in [P, P with '|' raised to '}') starts with P, whose only '|' ends it.
  size_t RangePrefixLength(Slice lower, Slice upper) const override {
    const size_t n = PrefixLength(lower);
    if (n == 0) return 0;
    std::string limit(lower.data(), n);
    limit.back() = '}';
    return upper.compare(Slice(limit)) <= 0 ? n : 0;
  }

 private:
  const char* name_;
};

inline std::string GroupKey(int group, int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "g%03d|%06d", group, i);
  return buf;
}
inline std::string GroupPrefix(int group) { return GroupKey(group, 0).substr(0, 5); }

// An engine in memory under BarPrefix, with small buffers and tables so that flushes and
// compactions happen often. Subclasses may set more of options_ before calling SetUp.
class PrefixDBFixture : public testing::Test {
 protected:
  void SetUp() override {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 32 << 10;
    options_.target_file_size = 32 << 10;
    options_.max_bytes_for_level_base = 128 << 10;
    options_.block_cache_size = 1 << 20;
    options_.prefix_extractor = std::make_shared<BarPrefix>();
    Reopen();
  }
  void Reopen() {
    db_.reset();
    auto r = OpenDB("/db", options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(r.value());
  }

  std::unique_ptr<Env> env_ = NewMemEnv();
  kv::Options options_;
  std::unique_ptr<kv::Engine> db_;
};

}  // namespace strata::lsm
