// Choosing compactions (leveled: L0 by file count, deeper levels by size) and their bookkeeping.
#include <algorithm>

#include "lsm/merging_iterator.h"
#include "lsm/version_set.h"

namespace strata::lsm {
namespace {

// The smallest and largest internal keys of `files`.
void GetRange(const InternalKeyComparator& icmp, const std::vector<FileMetaData*>& files,
              InternalKey* smallest, InternalKey* largest) {
  for (size_t i = 0; i < files.size(); i++) {
    FileMetaData* f = files[i];
    if (i == 0 || icmp.Compare(f->smallest.Encode(), smallest->Encode()) < 0) {
      *smallest = f->smallest;
    }
    if (i == 0 || icmp.Compare(f->largest.Encode(), largest->Encode()) > 0) *largest = f->largest;
  }
}

uint64_t TotalFileSize(const std::vector<FileMetaData*>& files) {
  uint64_t sum = 0;
  for (const FileMetaData* f : files) sum += f->file_size;
  return sum;
}

}  // namespace

void AddBoundaryInputs(const InternalKeyComparator& icmp,
                       const std::vector<FileMetaData*>& level_files,
                       std::vector<FileMetaData*>* inputs) {
  if (inputs->empty()) return;
  const Comparator* ucmp = icmp.user_comparator();
  const InternalKey* largest = &inputs->front()->largest;
  for (const FileMetaData* f : *inputs) {
    if (icmp.Compare(f->largest.Encode(), largest->Encode()) > 0) largest = &f->largest;
  }
  while (true) {
    // The first file past `largest` that begins with its user key holds older versions of it.
    FileMetaData* next = nullptr;
    for (FileMetaData* f : level_files) {
      if (icmp.Compare(f->smallest.Encode(), largest->Encode()) > 0 &&
          ucmp->Compare(f->smallest.user_key(), largest->user_key()) == 0 &&
          (next == nullptr || icmp.Compare(f->smallest.Encode(), next->smallest.Encode()) < 0)) {
        next = f;
      }
    }
    if (next == nullptr) return;
    inputs->push_back(next);
    largest = &next->largest;
  }
}

Compaction::Compaction(const kv::Options* options, int level, Version* input_version)
    : level_(level),
      max_output_file_size_(options->target_file_size),
      max_grandparent_overlap_(10 * options->target_file_size),
      input_version_(input_version) {
  input_version_->Ref();
}

void Compaction::ReleaseInputs() {
  if (input_version_ != nullptr) {
    input_version_->Unref();
    input_version_ = nullptr;
  }
}

bool Compaction::IsTrivialMove() const {
  return num_input_files(0) == 1 && num_input_files(1) == 0 &&
         TotalFileSize(grandparents_) <= max_grandparent_overlap_;
}

void Compaction::AddInputDeletions() {
  for (int which = 0; which < 2; which++) {
    for (FileMetaData* f : inputs_[which]) edit_.RemoveFile(level_ + which, f->number);
  }
}

bool Compaction::IsBaseLevelForKey(const Slice& user_key) {
  const Comparator* ucmp = input_version_->vset_->icmp()->user_comparator();
  for (int lvl = level_ + 2; lvl < kNumLevels; lvl++) {
    const auto& files = input_version_->files_[lvl];
    while (level_ptrs_[lvl] < files.size()) {
      FileMetaData* f = files[level_ptrs_[lvl]];
      if (ucmp->Compare(user_key, f->largest.user_key()) <= 0) {
        if (ucmp->Compare(user_key, f->smallest.user_key()) >= 0) return false;
        break;
      }
      level_ptrs_[lvl]++;  // keys only grow, so this file is behind us for good
    }
  }
  return true;
}

bool Compaction::ShouldStopBefore(const Slice& internal_key) {
  const InternalKeyComparator* icmp = input_version_->vset_->icmp();
  while (grandparent_index_ < grandparents_.size() &&
         icmp->Compare(internal_key, grandparents_[grandparent_index_]->largest.Encode()) > 0) {
    if (seen_key_) overlapped_bytes_ += grandparents_[grandparent_index_]->file_size;
    grandparent_index_++;
  }
  seen_key_ = true;
  if (overlapped_bytes_ > max_grandparent_overlap_) {
    overlapped_bytes_ = 0;
    return true;
  }
  return false;
}

std::unique_ptr<Compaction> VersionSet::PickCompaction() {
  if (current_->compaction_score_ < 1) return nullptr;
  const int level = current_->compaction_level_;
  std::unique_ptr<Compaction> c(new Compaction(options_, level, current_));

  // Start after where the last compaction of this level ended, wrapping around.
  for (FileMetaData* f : current_->files_[level]) {
    if (compact_pointer_[level].empty() ||
        icmp_->Compare(f->largest.Encode(), compact_pointer_[level]) > 0) {
      c->inputs_[0].push_back(f);
      break;
    }
  }
  if (c->inputs_[0].empty() && !current_->files_[level].empty()) {
    c->inputs_[0].push_back(current_->files_[level][0]);
  }
  if (c->inputs_[0].empty()) {
    c->ReleaseInputs();
    return nullptr;
  }
  if (level == 0) {
    InternalKey smallest, largest;
    GetRange(*icmp_, c->inputs_[0], &smallest, &largest);
    current_->GetOverlappingInputs(0, &smallest, &largest, &c->inputs_[0]);
  }
  SetupOtherInputs(c.get());
  return c;
}

void VersionSet::SetupOtherInputs(Compaction* c) {
  const int level = c->level();
  AddBoundaryInputs(*icmp_, current_->files_[level], &c->inputs_[0]);
  InternalKey smallest, largest;
  GetRange(*icmp_, c->inputs_[0], &smallest, &largest);
  // Overlap is by user key, so the next level's inputs take in every version of the last key.
  current_->GetOverlappingInputs(level + 1, &smallest, &largest, &c->inputs_[1]);

  InternalKey all_start, all_limit;
  std::vector<FileMetaData*> all = c->inputs_[0];
  all.insert(all.end(), c->inputs_[1].begin(), c->inputs_[1].end());
  GetRange(*icmp_, all, &all_start, &all_limit);
  if (level + 2 < kNumLevels) {
    current_->GetOverlappingInputs(level + 2, &all_start, &all_limit, &c->grandparents_);
  }
  compact_pointer_[level] = largest.Encode().ToString();
  c->edit_.SetCompactPointer(level, largest);
}

std::unique_ptr<Compaction> VersionSet::CompactRange(int level, const InternalKey* begin,
                                                     const InternalKey* end) {
  std::vector<FileMetaData*> inputs;
  current_->GetOverlappingInputs(level, begin, end, &inputs);
  if (inputs.empty()) return nullptr;
  // Bound the work of one step; the caller loops until the range is done.
  if (level > 0) {
    uint64_t total = 0;
    for (size_t i = 0; i < inputs.size(); i++) {
      total += inputs[i]->file_size;
      if (total >= 25 * options_->target_file_size) {
        inputs.resize(i + 1);
        break;
      }
    }
  }
  std::unique_ptr<Compaction> c(new Compaction(options_, level, current_));
  c->inputs_[0] = std::move(inputs);
  SetupOtherInputs(c.get());
  return c;
}

Iterator* VersionSet::MakeInputIterator(Compaction* c) {
  std::vector<Iterator*> list;
  for (int which = 0; which < 2; which++) {
    if (c->inputs_[which].empty()) continue;
    if (c->level() + which == 0) {
      for (FileMetaData* f : c->inputs_[which]) {
        list.push_back(table_cache_->NewIterator(/*fill_cache=*/false, f->number, f->file_size));
      }
    } else {
      list.push_back(c->input_version_->NewConcatenatingIterator(false, c->inputs_[which]));
    }
  }
  return NewMergingIterator(icmp_, std::move(list));
}

}  // namespace strata::lsm
