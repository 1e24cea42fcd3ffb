// The fixture of the kv conformance suite: one parameterized suite (KvConformance), run over
// every name in kv::Engine::Backends(); the parameter is the backend name, so
// --gtest_filter='*/lmdb' picks one backend. Tests live in several files of this folder; the
// suite is instantiated once, in kv_conformance_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/kv.h"

namespace strata::kv::testing_util {

using KV = std::vector<std::pair<std::string, std::string>>;

class KvConformance : public ::testing::TestWithParam<std::string> {
 public:  // the model test (a free function) drives the fixture too
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("strata_kv_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    options_.create_if_missing = true;
  }

  void TearDown() override {
    if (engine_) engine_->Close();
    engine_.reset();
    Engine::Destroy(backend(), dir_, options_);
    std::filesystem::remove_all(dir_);
  }

  const std::string& backend() const { return GetParam(); }
  // "memory" keeps nothing across a close and has no files to lock or check.
  bool persistent() const { return backend() != "memory"; }

  Status TryOpen(const Options& options) {
    if (engine_) engine_->Close();
    engine_.reset();
    Result<std::unique_ptr<Engine>> r = Engine::Open(backend(), dir_, options);
    if (!r.ok()) return r.status();
    engine_ = std::move(r.value());
    return Status::OK();
  }
  // Opens with options_; a failure ends the test.
  void Open() {
    Status s = TryOpen(options_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Reopen() {
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    Open();
  }

  Status Put(const std::string& k, const std::string& v) { return engine_->Put(k, v); }
  Status Delete(const std::string& k) { return engine_->Delete(k); }
  // The value, or "NOT_FOUND", or the error.
  std::string Get(const std::string& k, std::shared_ptr<const Snapshot> snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = std::move(snapshot);
    std::string value;
    Status s = engine_->Get(ro, k, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  // Every entry visible through `ro`, forward or backward (then reported in reverse order).
  KV Scan(const ReadOptions& ro = ReadOptions(), bool backward = false) {
    KV out;
    std::unique_ptr<Iterator> it = engine_->NewIterator(ro);
    if (backward) {
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
        out.emplace_back(it->key().ToString(), it->value().ToString());
      }
    } else {
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        out.emplace_back(it->key().ToString(), it->value().ToString());
      }
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return out;
  }

  std::string dir_;
  Options options_;
  std::unique_ptr<Engine> engine_;
};

inline KV ToKV(const std::map<std::string, std::string>& m) { return KV(m.begin(), m.end()); }

// Printable form of binary keys for failure messages.
inline std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace strata::kv::testing_util
