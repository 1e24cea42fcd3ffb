// Helpers of the fault tests: a history of numbered writes with the state any prefix of it
// yields, a checker that a database holds exactly such a prefix, and an Env that fails the
// operations on chosen files.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "env/env.h"
#include "lsm/db.h"
#include "strata/kv.h"
#include "strata/write_batch.h"

namespace strata::fault {

// Writes numbered 0, 1, 2, ...; write i puts a unique key seq/i, overwrites one of a few hot
// keys, sometimes deletes an old seq key, and sets meta/last = i. So the state after writes
// [0, m) is a function of m, and meta/last tells m.
class History {
 public:
  using Op = std::pair<std::string, std::optional<std::string>>;  // nullopt: delete

  size_t size() const { return writes_.size(); }

  // Appends write number size() (tagged with `generation`, so that a lost write coming back
  // later is noticed) and returns its batch.
  WriteBatch Next(int generation, Random* rnd) {
    const size_t i = writes_.size();
    std::vector<Op> ops;
    std::string tag = "g" + std::to_string(generation) + "#" + std::to_string(i) + ":";
    std::string padding(rnd->Uniform(400) + 20, static_cast<char>('a' + rnd->Uniform(26)));
    ops.emplace_back(SeqKey(i), tag + padding);
    ops.emplace_back(HotKey(i % 97), tag);
    if (i >= 700 && i % 3 == 0) ops.emplace_back(SeqKey(i - 700), std::nullopt);
    ops.emplace_back("meta/last", std::to_string(i));
    WriteBatch batch;
    for (const Op& op : ops) {
      if (op.second) {
        batch.Put(op.first, *op.second);
      } else {
        batch.Delete(op.first);
      }
    }
    writes_.push_back(std::move(ops));
    return batch;
  }
  // Forgets writes [m, size()).
  void Truncate(size_t m) { writes_.resize(m); }

  std::map<std::string, std::string> State(size_t m) const {
    std::map<std::string, std::string> state;
    for (size_t i = 0; i < m && i < writes_.size(); i++) {
      for (const Op& op : writes_[i]) {
        if (op.second) {
          state[op.first] = *op.second;
        } else {
          state.erase(op.first);
        }
      }
    }
    return state;
  }

  static std::string SeqKey(size_t i) {
    char buf[32];
    snprintf(buf, sizeof(buf), "seq/%08zu", i);
    return buf;
  }
  static std::string HotKey(size_t i) {
    char buf[32];
    snprintf(buf, sizeof(buf), "hot/%03zu", i);
    return buf;
  }

 private:
  std::vector<std::vector<Op>> writes_;
};

// Engine options over `env` that make a small test flush and compact often.
inline kv::Options SmallEngineOptions(Env* env) {
  kv::Options options;
  options.env = env;
  options.create_if_missing = true;
  options.write_buffer_size = 256 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.block_cache_size = 1 << 20;
  return options;
}

// Opens Strata's LSM in `dir` into *db, closing the engine *db held first.
inline Status ReopenEngine(const std::string& dir, const kv::Options& options,
                           std::unique_ptr<kv::Engine>* db) {
  db->reset();
  auto r = lsm::OpenDB(dir, options);
  if (!r.ok()) return r.status();
  *db = std::move(r.value());
  return Status::OK();
}

// Checks that `db` holds exactly the state of writes [0, m) of `history` for some m, which it
// stores in *m. Reads with a full scan and with Get.
inline testing::AssertionResult HoldsPrefix(kv::Engine* db, const History& history, size_t* m) {
  std::string last;
  Status s = db->Get(kv::ReadOptions(), "meta/last", &last);
  if (s.IsNotFound()) {
    *m = 0;
  } else if (s.ok()) {
    *m = std::stoull(last) + 1;
  } else {
    return testing::AssertionFailure() << "Get(meta/last): " << s.ToString();
  }
  if (*m > history.size()) {
    return testing::AssertionFailure()
           << "meta/last says " << *m << " writes, but only " << history.size() << " were made";
  }
  const std::map<std::string, std::string> want = history.State(*m);
  std::unique_ptr<Iterator> it = db->NewIterator(kv::ReadOptions());
  auto w = want.begin();
  size_t seen = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++w, ++seen) {
    if (w == want.end()) {
      return testing::AssertionFailure()
             << "prefix " << *m << ": extra key " << it->key().ToString() << " = "
             << it->value().ToString().substr(0, 40);
    }
    if (it->key().ToString() != w->first) {
      return testing::AssertionFailure()
             << "prefix " << *m << ": found key " << it->key().ToString() << ", expected "
             << w->first << " (a lost or resurrected write)";
    }
    if (it->value().ToString() != w->second) {
      return testing::AssertionFailure()
             << "prefix " << *m << ": " << w->first << " = " << it->value().ToString().substr(0, 40)
             << ", expected " << w->second.substr(0, 40);
    }
  }
  if (!it->status().ok()) {
    return testing::AssertionFailure() << "scan: " << it->status().ToString();
  }
  if (w != want.end()) {
    return testing::AssertionFailure()
           << "prefix " << *m << ": key " << w->first << " missing (scan saw " << seen << " of "
           << want.size() << ")";
  }
  // Point reads go through memtables, bloom filters and indexes: check a sample.
  size_t n = 0;
  for (const auto& [key, value] : want) {
    if (n++ % 7 != 0) continue;
    std::string got;
    s = db->Get(kv::ReadOptions(), key, &got);
    if (!s.ok() || got != value) {
      return testing::AssertionFailure()
             << "Get(" << key << "): " << s.ToString() << " " << got.substr(0, 40) << ", expected "
             << value.substr(0, 40);
    }
  }
  for (size_t i = *m; i < *m + 5; i++) {
    std::string got;
    s = db->Get(kv::ReadOptions(), History::SeqKey(i), &got);
    if (!s.IsNotFound()) {
      return testing::AssertionFailure()
             << "Get(" << History::SeqKey(i) << ") past the prefix: " << s.ToString();
    }
  }
  return testing::AssertionSuccess();
}

// Which operations FileFailEnv fails, on files whose name contains its pattern.
enum class FailOp { kAppend, kSync, kCreate, kRename };

inline const char* FailOpName(FailOp op) {
  switch (op) {
    case FailOp::kAppend:
      return "Append";
    case FailOp::kSync:
      return "Sync";
    case FailOp::kCreate:
      return "Create";
    case FailOp::kRename:
      return "Rename";
  }
  return "?";
}

// An Env over another one that, while armed, fails one kind of operation on the files whose
// name contains a pattern (for example "MANIFEST" or ".sst"). Counts the failures it injected.
class FileFailEnv final : public Env {
 public:
  explicit FileFailEnv(Env* target) : target_(target) {}

  void Arm(const std::string& pattern, FailOp op) {
    std::lock_guard<std::mutex> g(mu_);
    pattern_ = pattern;
    op_ = op;
    armed_ = true;
  }
  void Disarm() {
    std::lock_guard<std::mutex> g(mu_);
    armed_ = false;
  }
  int Injected() const {
    std::lock_guard<std::mutex> g(mu_);
    return injected_;
  }

  // True (and counted) when `op` on `name` must fail now.
  bool ShouldFail(const std::string& name, FailOp op) {
    std::lock_guard<std::mutex> g(mu_);
    if (!armed_ || op != op_ || name.find(pattern_) == std::string::npos) return false;
    injected_++;
    return true;
  }

  Status NewSequentialFile(const std::string& name,
                           std::unique_ptr<SequentialFile>* result) override {
    return target_->NewSequentialFile(name, result);
  }
  Status NewRandomAccessFile(const std::string& name,
                             std::unique_ptr<RandomAccessFile>* result) override {
    return target_->NewRandomAccessFile(name, result);
  }
  Status NewWritableFile(const std::string& name, std::unique_ptr<WritableFile>* result) override {
    return OpenWritable(name, result, false);
  }
  Status NewAppendableFile(const std::string& name,
                           std::unique_ptr<WritableFile>* result) override {
    return OpenWritable(name, result, true);
  }
  bool FileExists(const std::string& name) override { return target_->FileExists(name); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    return target_->GetChildren(dir, result);
  }
  Status RemoveFile(const std::string& name) override { return target_->RemoveFile(name); }
  Status CreateDir(const std::string& dir) override { return target_->CreateDir(dir); }
  Status RemoveDir(const std::string& dir) override { return target_->RemoveDir(dir); }
  Status GetFileSize(const std::string& name, uint64_t* size) override {
    return target_->GetFileSize(name, size);
  }
  Status RenameFile(const std::string& src, const std::string& target) override {
    if (ShouldFail(target, FailOp::kRename) || ShouldFail(src, FailOp::kRename)) {
      return Status::IOError("injected rename failure: " + src + " -> " + target);
    }
    return target_->RenameFile(src, target);
  }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) override {
    return target_->LockFile(name, lock);
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return target_->UnlockFile(std::move(lock));
  }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  void SleepForMicroseconds(int micros) override { target_->SleepForMicroseconds(micros); }

 private:
  class File final : public WritableFile {
   public:
    File(FileFailEnv* env, std::string name, std::unique_ptr<WritableFile> base)
        : env_(env), name_(std::move(name)), base_(std::move(base)) {}
    Status Append(const Slice& data) override {
      if (env_->ShouldFail(name_, FailOp::kAppend)) {
        return Status::IOError("injected append failure: " + name_);
      }
      return base_->Append(data);
    }
    Status Flush() override { return base_->Flush(); }
    Status Sync() override {
      if (env_->ShouldFail(name_, FailOp::kSync)) {
        return Status::IOError("injected sync failure: " + name_);
      }
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }

   private:
    FileFailEnv* const env_;
    const std::string name_;
    std::unique_ptr<WritableFile> base_;
  };

  Status OpenWritable(const std::string& name, std::unique_ptr<WritableFile>* result, bool append) {
    if (ShouldFail(name, FailOp::kCreate)) {
      return Status::IOError("injected create failure: " + name);
    }
    std::unique_ptr<WritableFile> base;
    STRATA_RETURN_IF_ERROR(append ? target_->NewAppendableFile(name, &base)
                                  : target_->NewWritableFile(name, &base));
    *result = std::make_unique<File>(this, name, std::move(base));
    return Status::OK();
  }

  Env* const target_;
  mutable std::mutex mu_;
  bool armed_ = false;
  std::string pattern_;
  FailOp op_ = FailOp::kAppend;
  int injected_ = 0;
};

}  // namespace strata::fault
