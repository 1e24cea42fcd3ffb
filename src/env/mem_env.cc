// An Env that keeps files in memory (tests). Directories exist implicitly and by CreateDir.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "env/env.h"

namespace strata {
namespace {

struct MemFile {
  mutable std::mutex mu;
  std::string data;
};
using MemFilePtr = std::shared_ptr<MemFile>;

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(MemFilePtr f) : file_(std::move(f)) {}
  Status Read(size_t n, Slice* result, char* scratch) override {
    std::lock_guard<std::mutex> g(file_->mu);
    if (pos_ >= file_->data.size()) {
      *result = Slice();
      return Status::OK();
    }
    n = std::min(n, file_->data.size() - pos_);
    memcpy(scratch, file_->data.data() + pos_, n);
    pos_ += n;
    *result = Slice(scratch, n);
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    std::lock_guard<std::mutex> g(file_->mu);
    pos_ = std::min<uint64_t>(pos_ + n, file_->data.size());
    return Status::OK();
  }

 private:
  MemFilePtr file_;
  size_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(MemFilePtr f) : file_(std::move(f)) {}
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    std::lock_guard<std::mutex> g(file_->mu);
    if (offset > file_->data.size()) {
      *result = Slice();
      return Status::IOError("read past the end of an in-memory file");
    }
    n = std::min<size_t>(n, file_->data.size() - offset);
    memcpy(scratch, file_->data.data() + offset, n);
    *result = Slice(scratch, n);
    return Status::OK();
  }

 private:
  MemFilePtr file_;
};

class MemWritableFile final : public WritableFile {
 public:
  explicit MemWritableFile(MemFilePtr f) : file_(std::move(f)) {}
  Status Append(const Slice& data) override {
    std::lock_guard<std::mutex> g(file_->mu);
    file_->data.append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  MemFilePtr file_;
};

class MemFileLock final : public FileLock {
 public:
  explicit MemFileLock(std::string name) : name(std::move(name)) {}
  std::string name;
};

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

class MemEnv final : public Env {
 public:
  Status NewSequentialFile(const std::string& name,
                           std::unique_ptr<SequentialFile>* result) override {
    std::lock_guard<std::mutex> g(mu_);
    auto it = files_.find(name);
    if (it == files_.end()) return Status::NotFound(name + ": no such file");
    *result = std::make_unique<MemSequentialFile>(it->second);
    return Status::OK();
  }
  Status NewRandomAccessFile(const std::string& name,
                             std::unique_ptr<RandomAccessFile>* result) override {
    std::lock_guard<std::mutex> g(mu_);
    auto it = files_.find(name);
    if (it == files_.end()) return Status::NotFound(name + ": no such file");
    *result = std::make_unique<MemRandomAccessFile>(it->second);
    return Status::OK();
  }
  Status NewWritableFile(const std::string& name, std::unique_ptr<WritableFile>* result) override {
    std::lock_guard<std::mutex> g(mu_);
    STRATA_RETURN_IF_ERROR(CheckParentLocked(name));
    auto f = std::make_shared<MemFile>();
    files_[name] = f;
    *result = std::make_unique<MemWritableFile>(f);
    return Status::OK();
  }
  Status NewAppendableFile(const std::string& name,
                           std::unique_ptr<WritableFile>* result) override {
    std::lock_guard<std::mutex> g(mu_);
    STRATA_RETURN_IF_ERROR(CheckParentLocked(name));
    auto& f = files_[name];
    if (!f) f = std::make_shared<MemFile>();
    *result = std::make_unique<MemWritableFile>(f);
    return Status::OK();
  }
  bool FileExists(const std::string& name) override {
    std::lock_guard<std::mutex> g(mu_);
    return files_.count(name) > 0 || dirs_.count(name) > 0;
  }
  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    std::lock_guard<std::mutex> g(mu_);
    result->clear();
    if (dirs_.count(dir) == 0) return Status::NotFound(dir + ": no such directory");
    const std::string prefix = dir + "/";
    for (const auto& [name, file] : files_) {
      if (name.compare(0, prefix.size(), prefix) == 0 &&
          name.find('/', prefix.size()) == std::string::npos) {
        result->push_back(name.substr(prefix.size()));
      }
    }
    for (const auto& d : dirs_) {
      if (d.compare(0, prefix.size(), prefix) == 0 &&
          d.find('/', prefix.size()) == std::string::npos) {
        result->push_back(d.substr(prefix.size()));
      }
    }
    return Status::OK();
  }
  Status RemoveFile(const std::string& name) override {
    std::lock_guard<std::mutex> g(mu_);
    if (files_.erase(name) == 0) return Status::NotFound(name + ": no such file");
    return Status::OK();
  }
  Status CreateDir(const std::string& dir) override {
    std::lock_guard<std::mutex> g(mu_);
    for (std::string d = dir; !d.empty(); d = Parent(d)) dirs_.insert(d);
    return Status::OK();
  }
  Status RemoveDir(const std::string& dir) override {
    std::lock_guard<std::mutex> g(mu_);
    if (dirs_.erase(dir) == 0) return Status::NotFound(dir + ": no such directory");
    return Status::OK();
  }
  Status GetFileSize(const std::string& name, uint64_t* size) override {
    std::lock_guard<std::mutex> g(mu_);
    auto it = files_.find(name);
    if (it == files_.end()) return Status::NotFound(name + ": no such file");
    std::lock_guard<std::mutex> fg(it->second->mu);
    *size = it->second->data.size();
    return Status::OK();
  }
  Status RenameFile(const std::string& src, const std::string& target) override {
    std::lock_guard<std::mutex> g(mu_);
    auto it = files_.find(src);
    if (it == files_.end()) return Status::NotFound(src + ": no such file");
    MemFilePtr f = it->second;
    files_.erase(it);
    files_[target] = f;
    return Status::OK();
  }
  Status SyncDir(const std::string&) override { return Status::OK(); }
  Status LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) override {
    std::lock_guard<std::mutex> g(mu_);
    if (!locks_.insert(name).second) return Status::Busy(name + ": lock already held");
    if (!files_.count(name)) files_[name] = std::make_shared<MemFile>();
    *lock = std::make_unique<MemFileLock>(name);
    return Status::OK();
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    std::lock_guard<std::mutex> g(mu_);
    locks_.erase(static_cast<MemFileLock*>(lock.get())->name);
    return Status::OK();
  }
  uint64_t NowMicros() override { return Env::Default()->NowMicros(); }
  void SleepForMicroseconds(int micros) override { Env::Default()->SleepForMicroseconds(micros); }

 private:
  Status CheckParentLocked(const std::string& name) {
    std::string parent = Parent(name);
    if (!parent.empty() && dirs_.count(parent) == 0) {
      return Status::NotFound(name + ": parent directory does not exist");
    }
    return Status::OK();
  }

  std::mutex mu_;
  std::map<std::string, MemFilePtr> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace strata
