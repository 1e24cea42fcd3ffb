// The POSIX Env: buffered appends, memory-mapped table reads, fcntl locks.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "env/env.h"

namespace strata {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::IOError(msg);
}

// Runs `io(done)` (a read or write of the bytes from `done` on) until `n` bytes went through or
// it returns 0 (the end of a file), retrying interrupted calls. *done counts the bytes moved.
template <typename IO>
Status TransferAll(const std::string& what, size_t n, size_t* done, IO io) {
  *done = 0;
  while (*done < n) {
    ssize_t r = io(*done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return PosixError(what, errno);
    }
    if (r == 0) break;
    *done += static_cast<size_t>(r);
  }
  return Status::OK();
}

// TransferAll for writes, where stopping short is an error.
template <typename IO>
Status WriteAll(const std::string& what, size_t n, IO io) {
  size_t done;
  STRATA_RETURN_IF_ERROR(TransferAll(what, n, &done, io));
  if (done < n) return Status::IOError(what + ": short write");
  return Status::OK();
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PosixSequentialFile() override { close(fd_); }

  Status Read(size_t n, Slice* result, char* scratch) override {
    size_t done;
    Status s =
        TransferAll(name_, n, &done, [&](size_t d) { return read(fd_, scratch + d, n - d); });
    *result = s.ok() ? Slice(scratch, done) : Slice();
    return s;
  }

  Status Skip(uint64_t n) override {
    if (lseek(fd_, static_cast<off_t>(n), SEEK_CUR) == static_cast<off_t>(-1)) {
      return PosixError(name_, errno);
    }
    return Status::OK();
  }

 private:
  std::string name_;
  int fd_;
};

// Reads through a read-only memory map: no system call and no copy per block.
class PosixMmapFile final : public RandomAccessFile {
 public:
  PosixMmapFile(std::string name, char* base, size_t length)
      : name_(std::move(name)), base_(base), length_(length) {}
  ~PosixMmapFile() override { munmap(base_, length_); }

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    if (offset > length_) {
      *result = Slice();
      return Status::IOError(name_ + ": read at offset " + std::to_string(offset) +
                             " past the end (" + std::to_string(length_) + " bytes)");
    }
    if (n > length_ - offset) n = length_ - offset;
    *result = Slice(base_ + offset, n);
    return Status::OK();
  }

 private:
  std::string name_;
  char* base_;
  size_t length_;
};

// For empty files (mmap of length 0 is not allowed) and as a fallback.
class PosixPreadFile final : public RandomAccessFile {
 public:
  PosixPreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PosixPreadFile() override { close(fd_); }

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    size_t done;
    Status s = TransferAll(name_, n, &done, [&](size_t d) {
      return pread(fd_, scratch + d, n - d, static_cast<off_t>(offset + d));
    });
    *result = s.ok() ? Slice(scratch, done) : Slice();
    return s;
  }

 private:
  std::string name_;
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close();
  }

  Status Append(const Slice& data) override {
    const char* p = data.data();
    size_t n = data.size();
    size_t copy = std::min(n, kBufferSize - pos_);
    memcpy(buf_ + pos_, p, copy);
    p += copy;
    n -= copy;
    pos_ += copy;
    if (n == 0) return Status::OK();
    STRATA_RETURN_IF_ERROR(FlushBuffer());
    if (n < kBufferSize) {
      memcpy(buf_, p, n);
      pos_ = n;
      return Status::OK();
    }
    return WriteUnbuffered(p, n);
  }

  Status Flush() override { return FlushBuffer(); }

  Status Sync() override {
    STRATA_RETURN_IF_ERROR(FlushBuffer());
    if (fdatasync(fd_) != 0) return PosixError(name_ + ": fdatasync", errno);
    return Status::OK();
  }

  Status Close() override {
    Status s = FlushBuffer();
    if (fd_ >= 0 && close(fd_) != 0 && s.ok()) s = PosixError(name_ + ": close", errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kBufferSize = 64 << 10;

  Status FlushBuffer() {
    Status s = WriteUnbuffered(buf_, pos_);
    pos_ = 0;
    return s;
  }

  Status WriteUnbuffered(const char* p, size_t n) {
    return WriteAll(name_ + ": write", n, [&](size_t d) { return write(fd_, p + d, n - d); });
  }

  std::string name_;
  int fd_;
  char buf_[kBufferSize];
  size_t pos_ = 0;
};

// A log file appended through a memory map: an append is a memcpy into the page cache, so it
// survives a crash of the process without a write() per record. The file grows in chunks that
// are first written with zeros: a full disk is then an error here, never a SIGBUS on a later
// store, and the blocks are allocated and written, so a Sync is a plain data flush without the
// journal commit that allocating or converting extents would cost at every fdatasync. After a
// crash the file may end in zeros past the last record; the WAL reader takes zeros at the tail
// for the end of the log. Close trims the file to its contents.
class PosixMmapLogFile final : public WritableFile {
 public:
  PosixMmapLogFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PosixMmapLogFile() override {
    if (fd_ >= 0) Close();
  }

  Status Append(const Slice& data) override {
    const char* p = data.data();
    size_t n = data.size();
    while (n > 0) {
      if (pos_ == map_size_) STRATA_RETURN_IF_ERROR(MapNextChunk());
      const size_t copy = std::min(n, map_size_ - pos_);
      memcpy(base_ + pos_, p, copy);
      pos_ += copy;
      p += copy;
      n -= copy;
    }
    return Status::OK();
  }

  Status Flush() override { return Status::OK(); }  // the bytes are already in the page cache

  Status Sync() override {
    // fdatasync writes back every dirty page of the file, those dirtied through the map too.
    if (fdatasync(fd_) != 0) return PosixError(name_ + ": fdatasync", errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    Status s = Unmap();
    if (ftruncate(fd_, static_cast<off_t>(map_offset_ + pos_)) != 0 && s.ok()) {
      s = PosixError(name_ + ": ftruncate", errno);
    }
    if (close(fd_) != 0 && s.ok()) s = PosixError(name_ + ": close", errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kChunk = 1 << 20;

  Status Unmap() {
    if (base_ == nullptr) return Status::OK();
    Status s;
    if (munmap(base_, map_size_) != 0) s = PosixError(name_ + ": munmap", errno);
    base_ = nullptr;
    return s;
  }

  Status MapNextChunk() {
    const uint64_t offset = map_offset_ + map_size_;
    STRATA_RETURN_IF_ERROR(Unmap());
    map_offset_ = offset;
    map_size_ = 0;
    pos_ = 0;
    static const char kZeros[64 << 10] = {};
    STRATA_RETURN_IF_ERROR(WriteAll(name_ + ": reserving space", kChunk, [&](size_t d) {
      return pwrite(fd_, kZeros, std::min(sizeof(kZeros), kChunk - d),
                    static_cast<off_t>(offset + d));
    }));
    void* p =
        mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(offset));
    if (p == MAP_FAILED) return PosixError(name_ + ": mmap", errno);
    base_ = static_cast<char*>(p);
    map_size_ = kChunk;
    return Status::OK();
  }

  std::string name_;
  int fd_;
  char* base_ = nullptr;
  uint64_t map_offset_ = 0;  // file offset of base_
  size_t map_size_ = 0;
  size_t pos_ = 0;  // bytes used in the current map
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  int fd_;
  std::string name_;
};

class PosixEnv final : public Env {
 public:
  Status NewSequentialFile(const std::string& name,
                           std::unique_ptr<SequentialFile>* result) override {
    int fd = open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(name, errno);
    *result = std::make_unique<PosixSequentialFile>(name, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& name,
                             std::unique_ptr<RandomAccessFile>* result) override {
    int fd = open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(name, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      Status s = PosixError(name, errno);
      close(fd);
      return s;
    }
    if (st.st_size > 0) {
      void* base = mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) {
        close(fd);  // the mapping stays valid
        *result = std::make_unique<PosixMmapFile>(name, static_cast<char*>(base), st.st_size);
        return Status::OK();
      }
    }
    *result = std::make_unique<PosixPreadFile>(name, fd);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& name, std::unique_ptr<WritableFile>* result) override {
    int fd = open(name.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(name, errno);
    *result = std::make_unique<PosixWritableFile>(name, fd);
    return Status::OK();
  }

  Status NewLogFile(const std::string& name, std::unique_ptr<WritableFile>* result) override {
    int fd = open(name.c_str(), O_TRUNC | O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(name, errno);
    *result = std::make_unique<PosixMmapLogFile>(name, fd);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& name,
                           std::unique_ptr<WritableFile>* result) override {
    int fd = open(name.c_str(), O_APPEND | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(name, errno);
    *result = std::make_unique<PosixWritableFile>(name, fd);
    return Status::OK();
  }

  bool FileExists(const std::string& name) override { return access(name.c_str(), F_OK) == 0; }

  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    result->clear();
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    while (struct dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      result->emplace_back(e->d_name);
    }
    closedir(d);
    return Status::OK();
  }

  Status RemoveFile(const std::string& name) override {
    if (unlink(name.c_str()) != 0) return PosixError(name, errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (dir.empty()) return Status::InvalidArgument("empty directory name");
    for (size_t pos = 1; pos <= dir.size(); pos++) {
      if (pos != dir.size() && dir[pos] != '/') continue;
      std::string prefix = dir.substr(0, pos);
      if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return PosixError(prefix, errno);
    }
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) return PosixError(dir, errno);
    if (!S_ISDIR(st.st_mode)) return Status::IOError(dir + ": exists and is not a directory");
    return Status::OK();
  }

  Status RemoveDir(const std::string& dir) override {
    if (rmdir(dir.c_str()) != 0) return PosixError(dir, errno);
    return Status::OK();
  }

  Status GetFileSize(const std::string& name, uint64_t* size) override {
    struct stat st;
    if (stat(name.c_str(), &st) != 0) {
      *size = 0;
      return PosixError(name, errno);
    }
    *size = st.st_size;
    return Status::OK();
  }

  Status RenameFile(const std::string& src, const std::string& target) override {
    if (rename(src.c_str(), target.c_str()) != 0) return PosixError(src, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, errno);
    Status s;
    if (fsync(fd) != 0) s = PosixError(dir + ": fsync", errno);
    close(fd);
    return s;
  }

  Status LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) override {
    // fcntl locks do not exclude the same process, so this process's locks are tracked too.
    std::lock_guard<std::mutex> guard(mu_);
    if (!locked_.insert(name).second) {
      return Status::Busy(name + ": already held by this process (is the database open twice?)");
    }
    int fd = open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      locked_.erase(name);
      return PosixError(name, errno);
    }
    struct flock f = {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &f) != 0) {
      int err = errno;
      close(fd);
      locked_.erase(name);
      if (err == EACCES || err == EAGAIN) {
        return Status::Busy(name + ": held by another process (is a server running on it?)");
      }
      return PosixError(name + ": lock", err);
    }
    *lock = std::make_unique<PosixFileLock>(fd, name);
    return Status::OK();
  }

  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* l = static_cast<PosixFileLock*>(lock.get());
    std::lock_guard<std::mutex> guard(mu_);
    struct flock f = {};
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    Status s;
    if (fcntl(l->fd_, F_SETLK, &f) != 0) s = PosixError(l->name_ + ": unlock", errno);
    close(l->fd_);
    locked_.erase(l->name_);
    return s;
  }

  uint64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void SleepForMicroseconds(int micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

 private:
  std::mutex mu_;
  std::set<std::string> locked_;
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never deleted: used until exit
  return env;
}

Status WriteStringToFile(Env* env, const Slice& data, const std::string& name, bool sync) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env->NewWritableFile(name, &file));
  Status s = file->Append(data);
  if (s.ok() && sync) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (!s.ok()) env->RemoveFile(name);
  return s;
}

Status ReadFileToString(Env* env, const std::string& name, std::string* data) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env->NewSequentialFile(name, &file));
  constexpr size_t kBuf = 8192;
  std::unique_ptr<char[]> space(new char[kBuf]);
  while (true) {
    Slice fragment;
    STRATA_RETURN_IF_ERROR(file->Read(kBuf, &fragment, space.get()));
    if (fragment.empty()) break;
    data->append(fragment.data(), fragment.size());
  }
  return Status::OK();
}

}  // namespace strata
