#include "strata/iterator.h"

namespace strata {

void Iterator::SeekForPrev(const Slice& target) {
  Seek(target);
  if (!Valid()) {
    if (status().ok()) SeekToLast();
    return;
  }
  if (key().compare(target) > 0) Prev();
}

Status VisitForward(Iterator* it, FunctionRef<bool(const Slice& key, const Slice& value)> visit) {
  for (; it->Valid(); it->Next()) {
    if (!visit(it->key(), it->value())) break;
  }
  return it->status();
}

namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(Status s) : status_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(const Slice&) override {}
  void SeekForPrev(const Slice&) override {}
  void Next() override {}
  void Prev() override {}
  Slice key() const override { return Slice(); }
  Slice value() const override { return Slice(); }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

Iterator* NewEmptyIterator(Status status) { return new EmptyIterator(std::move(status)); }

}  // namespace strata
