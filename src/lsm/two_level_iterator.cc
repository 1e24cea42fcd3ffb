#include "lsm/two_level_iterator.h"

#include <memory>
#include <string>

namespace strata::lsm {
namespace {

class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(Iterator* index_iter, BlockFunction block_function)
      : block_function_(std::move(block_function)), index_iter_(index_iter) {}

  bool Valid() const override { return data_iter_ != nullptr && data_iter_->Valid(); }
  Slice key() const override { return data_iter_->key(); }
  Slice value() const override { return data_iter_->value(); }

  Status status() const override {
    if (!index_iter_->status().ok()) return index_iter_->status();
    if (data_iter_ != nullptr) return data_iter_->status();
    return Status::OK();
  }

  void Seek(const Slice& target) override {
    steps_ = 0;
    index_iter_->Seek(target);
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->Seek(target);
    SkipEmptyDataBlocksForward();
  }

  void SeekToFirst() override {
    steps_ = 0;
    index_iter_->SeekToFirst();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    SkipEmptyDataBlocksForward();
  }

  void SeekToLast() override {
    steps_ = 0;
    index_iter_->SeekToLast();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToLast();
    SkipEmptyDataBlocksBackward();
  }

  void Next() override {
    data_iter_->Next();
    SkipEmptyDataBlocksForward();
  }

  void Prev() override {
    data_iter_->Prev();
    SkipEmptyDataBlocksBackward();
  }

 private:
  // True when the current block failed: stay on it so that status() reports the error.
  bool DataError() const { return data_iter_ != nullptr && !data_iter_->status().ok(); }

  void SkipEmptyDataBlocksForward() {
    while (data_iter_ == nullptr || !data_iter_->Valid()) {
      if (DataError()) return;
      if (!index_iter_->Valid()) {
        SetDataIterator(nullptr);
        return;
      }
      index_iter_->Next();
      if (steps_ < kLongScanBlocks) ++steps_;
      InitDataBlock();
      if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    }
  }

  void SkipEmptyDataBlocksBackward() {
    while (data_iter_ == nullptr || !data_iter_->Valid()) {
      if (DataError()) return;
      if (!index_iter_->Valid()) {
        SetDataIterator(nullptr);
        return;
      }
      index_iter_->Prev();
      if (steps_ < kLongScanBlocks) ++steps_;
      InitDataBlock();
      if (data_iter_ != nullptr) data_iter_->SeekToLast();
    }
  }

  void SetDataIterator(Iterator* data_iter) { data_iter_.reset(data_iter); }

  void InitDataBlock() {
    if (!index_iter_->Valid()) {
      SetDataIterator(nullptr);
      return;
    }
    const Slice handle = index_iter_->value();
    if (data_iter_ != nullptr && data_iter_->status().ok() && handle == Slice(data_block_handle_)) {
      return;  // already on this block: keep it (and its cache pin)
    }
    // Release the old block before opening the new one.
    SetDataIterator(nullptr);
    data_block_handle_.assign(handle.data(), handle.size());
    SetDataIterator(block_function_(handle, steps_ >= kLongScanBlocks));
  }

  // Declared first, destroyed last: the function may own what the iterators read (the table).
  BlockFunction block_function_;
  std::unique_ptr<Iterator> index_iter_;
  std::unique_ptr<Iterator> data_iter_;  // may be nullptr
  std::string data_block_handle_;        // index value data_iter_ was opened from
  int steps_ = 0;  // blocks stepped into since the last seek (up to kLongScanBlocks)
};

}  // namespace

Iterator* NewTwoLevelIterator(Iterator* index_iter, BlockFunction block_function) {
  return new TwoLevelIterator(index_iter, std::move(block_function));
}

}  // namespace strata::lsm
