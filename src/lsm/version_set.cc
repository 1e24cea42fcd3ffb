// VersionSet: applying edits, the MANIFEST, recovery.
#include "lsm/version_set.h"

#include <algorithm>

#include "lsm/filename.h"
#include "lsm/wal_reader.h"

namespace strata::lsm {

// Accumulates edits on top of a base version and writes the result into a new Version.
class VersionBuilder {
 public:
  VersionBuilder(VersionSet* vset, Version* base) : vset_(vset), base_(base) { base_->Ref(); }
  ~VersionBuilder() {
    for (auto& level : added_) {
      for (FileMetaData* f : level) {
        if (--f->refs <= 0) delete f;
      }
    }
    base_->Unref();
  }

  void Apply(const VersionEdit& edit) {
    for (const auto& [level, key] : edit.compact_pointers_) {
      vset_->compact_pointer_[level] = key.Encode().ToString();
    }
    for (const auto& [level, number] : edit.deleted_files_) deleted_[level].insert(number);
    for (const auto& [level, meta] : edit.new_files_) {
      auto* f = new FileMetaData(meta);
      f->refs = 1;
      f->being_compacted = false;
      deleted_[level].erase(f->number);
      added_[level].push_back(f);
    }
  }

  Status SaveTo(Version* v) {
    const InternalKeyComparator& icmp = *vset_->icmp_;
    for (int level = 0; level < kNumLevels; level++) {
      std::vector<FileMetaData*> files;
      for (FileMetaData* f : base_->files_[level]) {
        if (!deleted_[level].count(f->number)) files.push_back(f);
      }
      for (FileMetaData* f : added_[level]) {
        if (!deleted_[level].count(f->number)) files.push_back(f);
      }
      if (level == 0) {
        std::sort(files.begin(), files.end(),
                  [](FileMetaData* a, FileMetaData* b) { return a->number < b->number; });
      } else {
        std::sort(files.begin(), files.end(), [&](FileMetaData* a, FileMetaData* b) {
          int r = icmp.Compare(a->smallest.Encode(), b->smallest.Encode());
          return r != 0 ? r < 0 : a->number < b->number;
        });
        for (size_t i = 1; i < files.size(); i++) {
          if (icmp.Compare(files[i - 1]->largest.Encode(), files[i]->smallest.Encode()) >= 0) {
            return Status::Corruption(
                "MANIFEST: overlapping tables #" + std::to_string(files[i - 1]->number) + " and #" +
                std::to_string(files[i]->number) + " in level " + std::to_string(level));
          }
        }
      }
      for (FileMetaData* f : files) {
        f->refs++;
        v->files_[level].push_back(f);
      }
    }
    return Status::OK();
  }

 private:
  VersionSet* vset_;
  Version* base_;
  std::set<uint64_t> deleted_[kNumLevels];
  std::vector<FileMetaData*> added_[kNumLevels];
};

VersionSet::VersionSet(std::string dir, const kv::Options* options, TableCache* table_cache,
                       const InternalKeyComparator* icmp)
    : dir_(std::move(dir)),
      env_(options->env),
      options_(options),
      table_cache_(table_cache),
      icmp_(icmp) {
  AppendVersion(new Version(this));
}

VersionSet::~VersionSet() {
  current_->Unref();
  // Every other version must have been released by now.
}

void VersionSet::AppendVersion(Version* v) {
  if (current_ != nullptr) current_->Unref();
  current_ = v;
  v->Ref();
  v->prev_ = dummy_versions_.prev_;
  v->next_ = &dummy_versions_;
  v->prev_->next_ = v;
  v->next_->prev_ = v;
}

uint64_t VersionSet::MaxBytesForLevel(int level) const {
  uint64_t result = options_->max_bytes_for_level_base;
  for (int l = 1; l < level; l++) result *= options_->level_size_multiplier;
  return result;
}

void VersionSet::Finalize(Version* v) {
  double best_score = -1;
  int best_level = -1;
  for (int level = 0; level < kNumLevels - 1; level++) {
    double score;
    if (level == 0) {
      // Count files, not bytes: each L0 file costs a probe on every read.
      score = v->files_[0].size() / static_cast<double>(options_->l0_compaction_trigger);
    } else {
      score = static_cast<double>(v->NumLevelBytes(level)) / MaxBytesForLevel(level);
    }
    if (score > best_score) {
      best_score = score;
      best_level = level;
    }
  }
  v->compaction_level_ = best_level;
  v->compaction_score_ = best_score;
}

uint64_t VersionSet::PendingCompactionBytes() const {
  uint64_t pending = 0;
  const Version* v = current_;
  if (v->files_[0].size() >= static_cast<size_t>(options_->l0_compaction_trigger)) {
    pending += v->NumLevelBytes(0);
  }
  for (int level = 1; level < kNumLevels - 1; level++) {
    uint64_t bytes = v->NumLevelBytes(level);
    if (bytes > MaxBytesForLevel(level)) pending += bytes - MaxBytesForLevel(level);
  }
  return pending;
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) const {
  for (const Version* v = dummy_versions_.next_; v != &dummy_versions_; v = v->next_) {
    for (const auto& level : v->files_) {
      for (const FileMetaData* f : level) live->insert(f->number);
    }
  }
}

Status VersionSet::WriteSnapshot(WalWriter* log, uint64_t* bytes) {
  VersionEdit edit;
  edit.SetComparatorName(icmp_->user_comparator()->Name());
  edit.SetLogNumber(log_number_);
  edit.SetNextFile(next_file_number_);
  edit.SetLastSequence(LastSequence());
  for (int level = 0; level < kNumLevels; level++) {
    if (!compact_pointer_[level].empty()) {
      InternalKey key;
      key.DecodeFrom(compact_pointer_[level]);
      edit.SetCompactPointer(level, key);
    }
    for (const FileMetaData* f : current_->files_[level]) edit.AddFile(level, *f);
  }
  std::string record;
  edit.EncodeTo(&record);
  *bytes += record.size();
  return log->AddRecord(record);
}

Status VersionSet::WriteSnapshotManifest() {
  const uint64_t number = NewFileNumber();
  const std::string name = ManifestFileName(dir_, number);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(name, &file));
  auto log = std::make_unique<WalWriter>(file.get(), number);
  uint64_t bytes = 0;
  Status s = WriteSnapshot(log.get(), &bytes);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = SetCurrentFile(env_, dir_, number);
  if (!s.ok()) {
    log.reset();
    file.reset();
    env_->RemoveFile(name);
    return s.WithContext("writing " + name);
  }
  manifest_bytes_written_ += bytes;
  manifest_log_ = std::move(log);
  manifest_file_ = std::move(file);
  manifest_file_number_ = number;
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  while (manifest_busy_) manifest_cv_.wait(*lock);
  manifest_busy_ = true;
  if (edit->flushed_file_) {
    const FileMetaData& f = *edit->flushed_file_;
    edit->AddFile(current_->PickLevelForMemTableOutput(f.smallest.user_key(), f.largest.user_key()),
                  f);
    edit->flushed_file_.reset();
  }
  if (!edit->has_log_number_) edit->SetLogNumber(log_number_);
  edit->SetNextFile(next_file_number_);
  edit->SetLastSequence(LastSequence());

  auto* v = new Version(this);
  Status s;
  {
    VersionBuilder builder(this, current_);
    builder.Apply(*edit);
    s = builder.SaveTo(v);
  }
  Finalize(v);
  std::string record;
  edit->EncodeTo(&record);

  if (s.ok()) {
    lock->unlock();  // the MANIFEST write and sync happen without the engine mutex
    s = manifest_log_->AddRecord(record);
    if (s.ok()) s = manifest_file_->Sync();
    lock->lock();
  }
  if (s.ok()) {
    manifest_bytes_written_ += record.size();
    AppendVersion(v);
    log_number_ = edit->log_number_;
  } else {
    delete v;
  }
  manifest_busy_ = false;
  manifest_cv_.notify_all();
  return s;
}

namespace {

struct ManifestReporter : public WalReader::Reporter {
  Status* status;
  std::string file;
  void Corruption(size_t bytes, const Status& reason) override {
    if (status->ok()) *status = reason.WithContext(file);
  }
};

}  // namespace

Status VersionSet::Recover() {
  std::string current;
  STRATA_RETURN_IF_ERROR(ReadFileToString(env_, CurrentFileName(dir_), &current));
  if (current.empty() || current.back() != '\n') {
    return Status::Corruption(CurrentFileName(dir_) + ": does not end with a newline");
  }
  current.resize(current.size() - 1);
  uint64_t manifest_number;
  FileType type;
  if (!ParseFileName(current, &manifest_number, &type) || type != FileType::kManifest) {
    return Status::Corruption(CurrentFileName(dir_) + ": names '" + current +
                              "', which is not a MANIFEST");
  }
  const std::string manifest = dir_ + "/" + current;
  std::unique_ptr<SequentialFile> file;
  Status s = env_->NewSequentialFile(manifest, &file);
  if (!s.ok()) {
    return Status::Corruption(manifest + ": named by CURRENT but cannot be read: " + s.ToString());
  }

  bool have_log_number = false, have_next_file = false, have_last_sequence = false;
  uint64_t log_number = 0, next_file = 0;
  SequenceNumber last_sequence = 0;
  VersionBuilder builder(this, current_);
  ManifestReporter reporter;
  reporter.status = &s;
  reporter.file = manifest;
  {
    WalReader reader(file.get(), &reporter, /*checksum=*/true, manifest_number);
    Slice record;
    std::string scratch;
    int records = 0;
    while (reader.ReadRecord(&record, &scratch) && s.ok()) {
      records++;
      VersionEdit edit;
      s = edit.DecodeFrom(record);
      if (!s.ok()) {
        s = s.WithContext(manifest + " record " + std::to_string(records));
        break;
      }
      if (edit.has_comparator_ && edit.comparator_ != icmp_->user_comparator()->Name()) {
        s = Status::InvalidArgument(manifest + ": written with comparator " + edit.comparator_ +
                                    ", opened with " + icmp_->user_comparator()->Name());
        break;
      }
      builder.Apply(edit);
      if (edit.has_log_number_) {
        log_number = edit.log_number_;
        have_log_number = true;
      }
      if (edit.has_next_file_number_) {
        next_file = edit.next_file_number_;
        have_next_file = true;
      }
      if (edit.has_last_sequence_) {
        last_sequence = edit.last_sequence_;
        have_last_sequence = true;
      }
    }
  }
  STRATA_RETURN_IF_ERROR(s);
  if (!have_next_file || !have_log_number || !have_last_sequence) {
    return Status::Corruption(manifest + ": incomplete (missing " +
                              std::string(!have_next_file    ? "next file number"
                                          : !have_log_number ? "log number"
                                                             : "last sequence number") +
                              ")");
  }
  auto* v = new Version(this);
  s = builder.SaveTo(v);
  if (!s.ok()) {
    delete v;
    return s.WithContext(manifest);
  }
  Finalize(v);
  AppendVersion(v);
  manifest_file_number_ = manifest_number;
  next_file_number_ = next_file;
  MarkFileNumberUsed(manifest_number);
  MarkFileNumberUsed(log_number);
  log_number_ = log_number;
  SetLastSequence(last_sequence);
  return Status::OK();
}

}  // namespace strata::lsm
