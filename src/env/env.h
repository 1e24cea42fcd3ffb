// Env: every file and clock access of Strata's storage layers goes through an Env, so that tests
// can swap in an in-memory file system or one that injects faults (lost unsynced data, failed
// fsync, full disk, torn writes).
//
// Thread safety: Env implementations are thread-safe. File objects are not; the engine gives each
// one to one thread at a time, except RandomAccessFile, which is read concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

// Read sequentially from the start (WAL replay, MANIFEST).
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes; *result points into scratch (or the file's own memory). Fewer bytes
  // than asked, and an empty result at the end, are not errors.
  virtual Status Read(size_t n, Slice* result, char* scratch) = 0;
  virtual Status Skip(uint64_t n) = 0;
};

// Read at any offset, concurrently (tables).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset. *result may point into scratch or into memory the file owns
  // (a memory map), valid while the file is open.
  virtual Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const = 0;
};

// Appended sequentially (WAL, tables, MANIFEST). Appends are buffered until Flush or Sync.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(const Slice& data) = 0;
  // Hands buffered data to the operating system (survives a process crash).
  virtual Status Flush() = 0;
  // Makes appended data durable (survives a machine crash).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A held lock on a file; released by Env::UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The POSIX file system. Never deleted.
  static Env* Default();

  virtual Status NewSequentialFile(const std::string& name,
                                   std::unique_ptr<SequentialFile>* result) = 0;
  virtual Status NewRandomAccessFile(const std::string& name,
                                     std::unique_ptr<RandomAccessFile>* result) = 0;
  // Creates or truncates.
  virtual Status NewWritableFile(const std::string& name,
                                 std::unique_ptr<WritableFile>* result) = 0;
  // Creates or appends.
  virtual Status NewAppendableFile(const std::string& name,
                                   std::unique_ptr<WritableFile>* result) = 0;

  // A file for a write-ahead log. Appends must survive a crash of the process once Append
  // returns (Flush is a no-op), and Sync makes them durable. The POSIX Env appends through a
  // memory map, with no system call per append; the default is NewWritableFile.
  virtual Status NewLogFile(const std::string& name, std::unique_ptr<WritableFile>* result) {
    return NewWritableFile(name, result);
  }

  virtual bool FileExists(const std::string& name) = 0;
  // Names (not paths) of the entries of `dir`.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* result) = 0;
  virtual Status RemoveFile(const std::string& name) = 0;
  // Creates `dir` and missing parents; OK when it exists.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status RemoveDir(const std::string& dir) = 0;
  virtual Status GetFileSize(const std::string& name, uint64_t* size) = 0;
  // Atomically replaces `target` with `src`.
  virtual Status RenameFile(const std::string& src, const std::string& target) = 0;
  // Makes the creation, removal and renaming of entries in `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Busy (with a message naming the file) when another process or this one holds the lock.
  virtual Status LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) = 0;
  virtual Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;

  virtual uint64_t NowMicros() = 0;
  virtual void SleepForMicroseconds(int micros) = 0;
};

// A file system held in memory (for tests). Thread-safe. The caller owns it.
std::unique_ptr<Env> NewMemEnv();

// Convenience: writes `data` to `name` and syncs it.
Status WriteStringToFile(Env* env, const Slice& data, const std::string& name, bool sync);
Status ReadFileToString(Env* env, const std::string& name, std::string* data);

}  // namespace strata
