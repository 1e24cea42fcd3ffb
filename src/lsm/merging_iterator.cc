#include "lsm/merging_iterator.h"

#include <memory>

namespace strata::lsm {
namespace {

// A linear scan over children picks the current one: the engine merges few iterators
// (memtables, L0 files, one per deeper level), where a heap does not pay off.
class MergingIterator final : public Iterator {
 public:
  MergingIterator(const Comparator* cmp, std::vector<Iterator*> children) : cmp_(cmp) {
    for (Iterator* c : children) children_.emplace_back(c);
  }

  bool Valid() const override { return current_ != nullptr; }

  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    FindSmallest();
    forward_ = true;
  }

  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    FindLargest();
    forward_ = false;
  }

  void Seek(const Slice& target) override {
    for (auto& c : children_) c->Seek(target);
    FindSmallest();
    forward_ = true;
  }

  void Next() override {
    // When changing direction, put every other child just after key().
    if (!forward_) {
      const std::string k = key().ToString();
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(k);
        if (c->Valid() && cmp_->Compare(k, c->key()) == 0) c->Next();
      }
      forward_ = true;
    }
    current_->Next();
    FindSmallest();
  }

  void Prev() override {
    // When changing direction, put every other child just before key().
    if (forward_) {
      const std::string k = key().ToString();
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(k);
        if (c->Valid()) {
          c->Prev();
        } else if (c->status().ok()) {
          c->SeekToLast();
        }
      }
      forward_ = false;
    }
    current_->Prev();
    FindLargest();
  }

  Slice key() const override { return current_->key(); }
  Slice value() const override { return current_->value(); }

  Status status() const override {
    for (const auto& c : children_) {
      Status s = c->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  void FindSmallest() {
    Iterator* smallest = nullptr;
    bool failed = false;
    for (auto& c : children_) {
      if (c->Valid()) {
        if (smallest == nullptr || cmp_->Compare(c->key(), smallest->key()) < 0) {
          smallest = c.get();
        }
      } else if (!c->status().ok()) {
        failed = true;  // an error anywhere ends the iteration: never skip data silently
      }
    }
    current_ = failed ? nullptr : smallest;
  }

  void FindLargest() {
    Iterator* largest = nullptr;
    bool failed = false;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      auto& c = *it;
      if (c->Valid()) {
        if (largest == nullptr || cmp_->Compare(c->key(), largest->key()) > 0) largest = c.get();
      } else if (!c->status().ok()) {
        failed = true;
      }
    }
    current_ = failed ? nullptr : largest;
  }

  const Comparator* cmp_;
  std::vector<std::unique_ptr<Iterator>> children_;
  Iterator* current_ = nullptr;
  bool forward_ = true;
};

}  // namespace

Iterator* NewMergingIterator(const Comparator* cmp, std::vector<Iterator*> children) {
  if (children.size() == 1) return children[0];
  return new MergingIterator(cmp, std::move(children));
}

}  // namespace strata::lsm
