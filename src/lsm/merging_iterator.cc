#include "lsm/merging_iterator.h"

#include <memory>

namespace strata::lsm {
namespace {

// A linear scan over children picks the current one: the engine merges few iterators
// (memtables, L0 files, one per deeper level), where a heap does not pay off. Each child's
// validity and key are cached and refreshed only when that child moves, so a step costs one
// call into the child that moved plus comparisons of cached keys.
class MergingIterator final : public Iterator {
 public:
  MergingIterator(const Comparator* cmp, std::vector<Iterator*> children) : cmp_(cmp) {
    children_.reserve(children.size());
    for (Iterator* c : children)
      children_.push_back(Child{std::unique_ptr<Iterator>(c), Slice(), false});
  }

  bool Valid() const override { return current_ != nullptr; }

  void SeekToFirst() override {
    for (auto& c : children_) {
      c.iter->SeekToFirst();
      c.Refresh();
    }
    FindSmallest();
    forward_ = true;
  }

  void SeekToLast() override {
    for (auto& c : children_) {
      c.iter->SeekToLast();
      c.Refresh();
    }
    FindLargest();
    forward_ = false;
  }

  void Seek(const Slice& target) override {
    for (auto& c : children_) {
      c.iter->Seek(target);
      c.Refresh();
    }
    FindSmallest();
    forward_ = true;
  }

  void Next() override {
    // When changing direction, put every other child just after key().
    if (!forward_) {
      const std::string k = key().ToString();
      for (auto& c : children_) {
        if (&c == current_) continue;
        c.iter->Seek(k);
        if (c.iter->Valid() && cmp_->Compare(k, c.iter->key()) == 0) c.iter->Next();
        c.Refresh();
      }
      forward_ = true;
    }
    current_->iter->Next();
    current_->Refresh();
    FindSmallest();
  }

  void Prev() override {
    // When changing direction, put every other child just before key().
    if (forward_) {
      const std::string k = key().ToString();
      for (auto& c : children_) {
        if (&c == current_) continue;
        c.iter->Seek(k);
        if (c.iter->Valid()) {
          c.iter->Prev();
        } else if (c.iter->status().ok()) {
          c.iter->SeekToLast();
        }
        c.Refresh();
      }
      forward_ = false;
    }
    current_->iter->Prev();
    current_->Refresh();
    FindLargest();
  }

  Slice key() const override { return current_->key; }
  Slice value() const override { return current_->iter->value(); }

  Status status() const override {
    for (const auto& c : children_) {
      Status s = c.iter->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  struct Child {
    std::unique_ptr<Iterator> iter;
    Slice key;
    bool valid = false;
    void Refresh() {
      valid = iter->Valid();
      if (valid) key = iter->key();
    }
  };

  void FindSmallest() {
    Child* smallest = nullptr;
    bool failed = false;
    for (auto& c : children_) {
      if (c.valid) {
        if (smallest == nullptr || cmp_->Compare(c.key, smallest->key) < 0) smallest = &c;
      } else if (!c.iter->status().ok()) {
        failed = true;  // an error anywhere ends the iteration: never skip data silently
      }
    }
    current_ = failed ? nullptr : smallest;
  }

  void FindLargest() {
    Child* largest = nullptr;
    bool failed = false;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if (it->valid) {
        if (largest == nullptr || cmp_->Compare(it->key, largest->key) > 0) largest = &*it;
      } else if (!it->iter->status().ok()) {
        failed = true;
      }
    }
    current_ = failed ? nullptr : largest;
  }

  const Comparator* cmp_;
  std::vector<Child> children_;
  Child* current_ = nullptr;
  bool forward_ = true;
};

}  // namespace

Iterator* NewMergingIterator(const Comparator* cmp, std::vector<Iterator*> children) {
  if (children.size() == 1) return children[0];
  return new MergingIterator(cmp, std::move(children));
}

}  // namespace strata::lsm
