#include "env/fault_injection_env.h"

#include <algorithm>

namespace strata {

namespace {

// The directory holding `name`, as SyncDir would be given it.
std::string DirOf(const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return name.substr(0, slash);
}

std::string NormalizeDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir.empty() ? "." : dir;
}

}  // namespace

// A WritableFile whose calls go through the env's controls.
class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionEnv* env, std::unique_ptr<WritableFile> base,
                             FaultInjectionEnv::FileStatePtr state, uint64_t epoch)
      : env_(env), base_(std::move(base)), state_(std::move(state)), epoch_(epoch) {}

  Status Append(const Slice& data) override {
    return env_->FileAppend(base_.get(), state_.get(), epoch_, data);
  }
  Status Flush() override { return env_->FileFlush(base_.get(), epoch_); }
  Status Sync() override { return env_->FileSync(base_.get(), state_.get(), epoch_); }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* const env_;
  std::unique_ptr<WritableFile> base_;
  const FaultInjectionEnv::FileStatePtr state_;
  const uint64_t epoch_;
};

FaultInjectionEnv::FaultInjectionEnv(Env* base, uint64_t seed) : base_(base), rnd_(seed) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

// --- Controls ---

void FaultInjectionEnv::SetFailSync(bool fail) {
  std::lock_guard<std::mutex> g(mu_);
  fail_sync_ = fail;
}

void FaultInjectionEnv::SetFailWrites(bool fail) {
  std::lock_guard<std::mutex> g(mu_);
  fail_writes_ = fail;
}

void FaultInjectionEnv::SetNoSpace(bool no_space) {
  std::lock_guard<std::mutex> g(mu_);
  no_space_ = no_space;
}

void FaultInjectionEnv::SetFailAfterBytes(int64_t n) {
  std::lock_guard<std::mutex> g(mu_);
  fail_after_bytes_ = n;
}

void FaultInjectionEnv::SetTornWrites(bool torn) {
  std::lock_guard<std::mutex> g(mu_);
  torn_writes_ = torn;
}

void FaultInjectionEnv::ResetState() {
  std::lock_guard<std::mutex> g(mu_);
  fail_sync_ = fail_writes_ = no_space_ = torn_writes_ = false;
  fail_after_bytes_ = -1;
  sync_count_ = dir_sync_count_ = bytes_appended_ = 0;
  // Keep tracking the files (open handles still write to them), but from a durable start.
  for (auto& [name, state] : files_) {
    state->synced_size = state->size;
    state->last_append_start = state->size;
  }
  pending_ops_.clear();
}

uint64_t FaultInjectionEnv::SyncCount() const {
  std::lock_guard<std::mutex> g(mu_);
  return sync_count_;
}

uint64_t FaultInjectionEnv::DirSyncCount() const {
  std::lock_guard<std::mutex> g(mu_);
  return dir_sync_count_;
}

uint64_t FaultInjectionEnv::BytesAppended() const {
  std::lock_guard<std::mutex> g(mu_);
  return bytes_appended_;
}

Status FaultInjectionEnv::SimulateCrash() {
  std::lock_guard<std::mutex> g(mu_);
  Status result;
  auto keep_first_error = [&result](const Status& s) {
    if (result.ok() && !s.ok()) result = s;
  };

  // Undo directory changes newest first, so each one sees the names it made.
  for (auto it = pending_ops_.rbegin(); it != pending_ops_.rend(); ++it) {
    keep_first_error(UndoLocked(*it));
  }
  pending_ops_.clear();

  // Cut every file back to what was synced (or into a torn last write).
  for (auto& [name, state] : files_) {
    uint64_t keep = state->synced_size;
    if (torn_writes_ && state->size > state->last_append_start &&
        state->last_append_start >= state->synced_size) {
      const uint64_t last_append = state->size - state->last_append_start;
      keep = state->last_append_start + rnd_.Uniform(last_append);
    }
    if (keep >= state->size) continue;
    std::string contents;
    Status s = ReadBaseFile(name, &contents);
    if (s.IsNotFound()) continue;  // removed by hand behind our back
    if (s.ok() && contents.size() > keep) {
      s = WriteBaseFile(name, Slice(contents.data(), keep));
    }
    keep_first_error(s.WithContext("simulated crash: truncating " + name));
  }
  files_.clear();
  // Handles of the dead process stop working.
  epoch_++;
  return result;
}

Status FaultInjectionEnv::UndoLocked(const DirOp& op) {
  if (op.kind == DirOp::Kind::kCreate) {
    files_.erase(op.name);
    Status s = base_->RemoveFile(op.name);
    return s.IsNotFound() ? Status::OK() : s;
  }
  // Undo a rename: move the file back, then restore what it replaced.
  if (base_->FileExists(op.target)) {
    STRATA_RETURN_IF_ERROR(base_->RenameFile(op.target, op.name));
    auto it = files_.find(op.target);
    if (it != files_.end()) {
      files_[op.name] = it->second;
      files_.erase(it);
    }
  }
  if (op.replaced) {
    STRATA_RETURN_IF_ERROR(WriteBaseFile(op.target, op.replaced_contents));
    if (op.replaced_state) {
      // Cut back below, like any other file.
      op.replaced_state->size = op.replaced_contents.size();
      files_[op.target] = op.replaced_state;
    }
  }
  return Status::OK();
}

Status FaultInjectionEnv::ReadBaseFile(const std::string& name, std::string* contents) {
  contents->clear();
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewSequentialFile(name, &file));
  constexpr size_t kChunk = 64 * 1024;
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  while (true) {
    Slice part;
    STRATA_RETURN_IF_ERROR(file->Read(kChunk, &part, scratch.get()));
    if (part.empty()) return Status::OK();
    contents->append(part.data(), part.size());
  }
}

Status FaultInjectionEnv::WriteBaseFile(const std::string& name, const Slice& contents) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewWritableFile(name, &file));
  Status s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  Status c = file->Close();
  return s.ok() ? c : s;
}

// --- Open files ---

Status FaultInjectionEnv::FileAppend(WritableFile* file, FileState* state, uint64_t epoch,
                                     const Slice& data) {
  std::lock_guard<std::mutex> g(mu_);
  if (epoch != epoch_) return Status::IOError("append through a file opened before a crash");
  if (fail_writes_) return Status::IOError("injected write failure");
  if (no_space_) return Status::NoSpace("injected: no space left on device");
  if (fail_after_bytes_ >= 0 &&
      bytes_appended_ + data.size() > static_cast<uint64_t>(fail_after_bytes_)) {
    return Status::NoSpace("injected: no space left after " + std::to_string(fail_after_bytes_) +
                           " bytes");
  }
  STRATA_RETURN_IF_ERROR(file->Append(data));
  state->last_append_start = state->size;
  state->size += data.size();
  bytes_appended_ += data.size();
  return Status::OK();
}

Status FaultInjectionEnv::FileFlush(WritableFile* file, uint64_t epoch) {
  std::lock_guard<std::mutex> g(mu_);
  if (epoch != epoch_) return Status::IOError("flush of a file opened before a crash");
  return file->Flush();
}

Status FaultInjectionEnv::FileSync(WritableFile* file, FileState* state, uint64_t epoch) {
  std::lock_guard<std::mutex> g(mu_);
  if (epoch != epoch_) return Status::IOError("sync of a file opened before a crash");
  if (fail_sync_) return Status::IOError("injected sync failure");
  if (no_space_) return Status::NoSpace("injected: no space left on device (sync)");
  STRATA_RETURN_IF_ERROR(file->Sync());
  state->synced_size = state->size;
  sync_count_++;
  return Status::OK();
}

Status FaultInjectionEnv::OpenWritable(const std::string& name, bool truncate,
                                       std::unique_ptr<WritableFile>* result) {
  std::lock_guard<std::mutex> g(mu_);
  const bool existed = base_->FileExists(name);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(truncate ? base_->NewWritableFile(name, &file)
                                  : base_->NewAppendableFile(name, &file));
  auto it = files_.find(name);
  if (truncate || it == files_.end()) {
    // A new, truncated or untracked file: what is in it now is all that is durable.
    uint64_t size = 0;
    if (!truncate && existed) STRATA_RETURN_IF_ERROR(base_->GetFileSize(name, &size));
    auto state = std::make_shared<FileState>();
    state->size = state->synced_size = state->last_append_start = size;
    it = files_.insert_or_assign(name, std::move(state)).first;
  }
  if (!existed) {
    DirOp op;
    op.kind = DirOp::Kind::kCreate;
    op.name = name;
    op.unsynced_dirs = {DirOf(name)};
    pending_ops_.push_back(std::move(op));
  }
  *result = std::make_unique<FaultInjectionWritableFile>(this, std::move(file), it->second, epoch_);
  return Status::OK();
}

// --- Env ---

Status FaultInjectionEnv::NewSequentialFile(const std::string& name,
                                            std::unique_ptr<SequentialFile>* result) {
  return base_->NewSequentialFile(name, result);
}

Status FaultInjectionEnv::NewRandomAccessFile(const std::string& name,
                                              std::unique_ptr<RandomAccessFile>* result) {
  return base_->NewRandomAccessFile(name, result);
}

Status FaultInjectionEnv::NewWritableFile(const std::string& name,
                                          std::unique_ptr<WritableFile>* result) {
  return OpenWritable(name, /*truncate=*/true, result);
}

Status FaultInjectionEnv::NewAppendableFile(const std::string& name,
                                            std::unique_ptr<WritableFile>* result) {
  return OpenWritable(name, /*truncate=*/false, result);
}

bool FaultInjectionEnv::FileExists(const std::string& name) { return base_->FileExists(name); }

Status FaultInjectionEnv::GetChildren(const std::string& dir, std::vector<std::string>* result) {
  return base_->GetChildren(dir, result);
}

Status FaultInjectionEnv::RemoveFile(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  STRATA_RETURN_IF_ERROR(base_->RemoveFile(name));
  files_.erase(name);
  return Status::OK();
}

Status FaultInjectionEnv::CreateDir(const std::string& dir) { return base_->CreateDir(dir); }

Status FaultInjectionEnv::RemoveDir(const std::string& dir) { return base_->RemoveDir(dir); }

Status FaultInjectionEnv::GetFileSize(const std::string& name, uint64_t* size) {
  return base_->GetFileSize(name, size);
}

Status FaultInjectionEnv::RenameFile(const std::string& src, const std::string& target) {
  std::lock_guard<std::mutex> g(mu_);
  DirOp op;
  op.kind = DirOp::Kind::kRename;
  op.name = src;
  op.target = target;
  op.unsynced_dirs = {DirOf(src), DirOf(target)};
  if (base_->FileExists(target)) {
    // Saved so that undoing the rename can bring the replaced file back.
    op.replaced = true;
    STRATA_RETURN_IF_ERROR(ReadBaseFile(target, &op.replaced_contents));
    auto it = files_.find(target);
    if (it != files_.end()) op.replaced_state = it->second;
  }
  STRATA_RETURN_IF_ERROR(base_->RenameFile(src, target));
  auto it = files_.find(src);
  if (it != files_.end()) {
    files_[target] = it->second;
    files_.erase(it);
  } else {
    files_.erase(target);
  }
  pending_ops_.push_back(std::move(op));
  return Status::OK();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> g(mu_);
  if (fail_sync_) return Status::IOError("injected directory sync failure: " + dir);
  STRATA_RETURN_IF_ERROR(base_->SyncDir(dir));
  const std::string d = NormalizeDir(dir);
  for (auto& op : pending_ops_) op.unsynced_dirs.erase(d);
  std::erase_if(pending_ops_, [](const DirOp& op) { return op.unsynced_dirs.empty(); });
  dir_sync_count_++;
  return Status::OK();
}

Status FaultInjectionEnv::LockFile(const std::string& name, std::unique_ptr<FileLock>* lock) {
  return base_->LockFile(name, lock);
}

Status FaultInjectionEnv::UnlockFile(std::unique_ptr<FileLock> lock) {
  return base_->UnlockFile(std::move(lock));
}

uint64_t FaultInjectionEnv::NowMicros() { return base_->NowMicros(); }

void FaultInjectionEnv::SleepForMicroseconds(int micros) { base_->SleepForMicroseconds(micros); }

}  // namespace strata
