// FaultInjectionEnv: an Env that wraps another one (usually a MemEnv) and injects the failures
// a storage engine must survive: lost unsynced data at a crash, torn writes, failed fsync, full
// disk.
//
// What a crash loses (SimulateCrash):
//  - every byte appended to a file after its last successful Sync. With SetTornWrites(true),
//    the appends before the last unsynced one are kept and the last one keeps a random prefix
//    (possibly empty): the file ends in a torn write, as when the OS wrote pages in order and the
//    machine died in the middle of the last one.
//  - files created (by NewWritableFile / NewAppendableFile) since the last SyncDir of their
//    directory: removed, even if their data was synced.
//  - renames not followed by a SyncDir of both directories: undone; a target the rename replaced
//    gets back its old contents (saved at rename time).
//  - NewWritableFile on an existing file truncates it for good: its old contents are gone, and
//    only what is synced afterwards survives.
// What a crash does not undo: RemoveFile, CreateDir and RemoveDir, which take effect at once
// (the harsher choice for an engine that deletes files another file still names).
// Only files written through this Env are tracked; every other file is treated as durable.
// Names must be spelled consistently ("dir/name" with the same "dir" given to SyncDir).
//
// After SimulateCrash, file handles opened before it fail every call but Close (the process they
// belonged to is dead): destroy the engine, crash, then reopen it on this Env.
//
// Thread safety: thread-safe (one mutex; calls into the base Env are made while holding it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "env/env.h"

namespace strata {

class FaultInjectionWritableFile;

class FaultInjectionEnv final : public Env {
 public:
  // Wraps `base`, which must outlive this Env. `seed` drives the torn-write lengths.
  explicit FaultInjectionEnv(Env* base, uint64_t seed = 301);
  ~FaultInjectionEnv() override;

  FaultInjectionEnv(const FaultInjectionEnv&) = delete;
  FaultInjectionEnv& operator=(const FaultInjectionEnv&) = delete;

  Env* base() const { return base_; }

  // --- Controls ---

  // Drops everything not durable (see the top of this file), as a power failure would; then
  // treats what is left as durable. Returns the first error of the base Env while doing so.
  Status SimulateCrash();
  // While set, WritableFile::Sync and SyncDir return IOError (and make nothing durable).
  void SetFailSync(bool fail);
  // While set, WritableFile::Append returns IOError and appends nothing.
  void SetFailWrites(bool fail);
  // While set, WritableFile::Append and Sync return NoSpace and do nothing.
  void SetNoSpace(bool no_space);
  // An Append that would take BytesAppended() past `n` returns NoSpace and appends nothing
  // (the disk holds n bytes; smaller appends that still fit succeed). -1 disables.
  void SetFailAfterBytes(int64_t n);
  // At SimulateCrash, keep a random prefix of each file's last unsynced Append (see above).
  void SetTornWrites(bool torn);
  // Clears every control, zeroes the counters, and treats everything written so far as durable.
  void ResetState();

  // --- Counters (since construction or ResetState) ---

  // Successful WritableFile::Sync calls.
  uint64_t SyncCount() const;
  // Successful SyncDir calls.
  uint64_t DirSyncCount() const;
  // Bytes accepted by WritableFile::Append.
  uint64_t BytesAppended() const;

  // --- Env ---

  Status NewSequentialFile(const std::string& name,
                           std::unique_ptr<SequentialFile>* result) override;
  Status NewRandomAccessFile(const std::string& name,
                             std::unique_ptr<RandomAccessFile>* result) override;
  Status NewWritableFile(const std::string& name, std::unique_ptr<WritableFile>* result) override;
  Status NewAppendableFile(const std::string& name, std::unique_ptr<WritableFile>* result) override;
  bool FileExists(const std::string& name) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override;
  Status RemoveFile(const std::string& name) override;
  Status CreateDir(const std::string& dir) override;
  Status RemoveDir(const std::string& dir) override;
  Status GetFileSize(const std::string& name, uint64_t* size) override;
  Status RenameFile(const std::string& src, const std::string& target) override;
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) override;
  Status UnlockFile(std::unique_ptr<FileLock> lock) override;
  uint64_t NowMicros() override;
  void SleepForMicroseconds(int micros) override;

 private:
  friend class FaultInjectionWritableFile;

  // What is known about a file written through this Env. Shared with its open handles, and
  // moved along when the file is renamed.
  struct FileState {
    uint64_t size = 0;               // current length
    uint64_t synced_size = 0;        // length that survives a crash
    uint64_t last_append_start = 0;  // where the last Append began
  };
  using FileStatePtr = std::shared_ptr<FileState>;

  // A directory entry change that is lost at a crash until its directories are synced.
  struct DirOp {
    enum class Kind { kCreate, kRename } kind = Kind::kCreate;
    std::string name;    // the created file, or the rename source
    std::string target;  // the rename target
    std::set<std::string> unsynced_dirs;
    // The file a rename replaced, restored when the rename is undone.
    bool replaced = false;
    std::string replaced_contents;
    FileStatePtr replaced_state;
  };

  // Called by the open files; `epoch` is the crash epoch the handle was opened in.
  Status FileAppend(WritableFile* file, FileState* state, uint64_t epoch, const Slice& data);
  Status FileFlush(WritableFile* file, uint64_t epoch);
  Status FileSync(WritableFile* file, FileState* state, uint64_t epoch);

  // Opens `name` through the base env and wraps it; `truncate` selects NewWritableFile.
  Status OpenWritable(const std::string& name, bool truncate,
                      std::unique_ptr<WritableFile>* result);
  Status UndoLocked(const DirOp& op);
  Status ReadBaseFile(const std::string& name, std::string* contents);
  Status WriteBaseFile(const std::string& name, const Slice& contents);

  Env* const base_;
  mutable std::mutex mu_;
  Random rnd_;
  std::map<std::string, FileStatePtr> files_;
  std::vector<DirOp> pending_ops_;  // in the order they were made
  uint64_t epoch_ = 0;              // incremented by SimulateCrash

  bool fail_sync_ = false;
  bool fail_writes_ = false;
  bool no_space_ = false;
  int64_t fail_after_bytes_ = -1;
  bool torn_writes_ = false;

  uint64_t sync_count_ = 0;
  uint64_t dir_sync_count_ = 0;
  uint64_t bytes_appended_ = 0;
};

}  // namespace strata
