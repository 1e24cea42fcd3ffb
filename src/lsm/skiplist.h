// SkipList: the memtable's ordered index, in an arena.
//
// Thread safety: one writer at a time (the engine's write leader holds the write lock), any number
// of concurrent readers without locks. Nodes are never removed until the list is destroyed, and
// publication of a node uses release stores, so a reader sees either the old or the new link.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>

#include "base/arena.h"
#include "base/prefetch.h"
#include "base/random.h"

namespace strata::lsm {

template <typename Key, class Cmp>
class SkipList {
 private:
  struct Node;

 public:
  SkipList(Cmp cmp, Arena* arena)
      : compare_(cmp), arena_(arena), head_(NewNode(Key(), kMaxHeight)), rnd_(0xdeadbeef) {
    for (int i = 0; i < kMaxHeight; i++) {
      head_->SetNext(i, nullptr);
      splice_[i] = head_;
    }
  }
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // REQUIRES: nothing equal to key is in the list; external synchronization of writers.
  void Insert(const Key& key) {
    Node* prev[kMaxHeight];
    Node* x = FindGreaterOrEqual(key, prev);
    assert(x == nullptr || !Equal(key, x->key));
    (void)x;
    int height = RandomHeight();
    int max_height = GetMaxHeight();
    if (height > max_height) {
      for (int i = max_height; i < height; i++) prev[i] = head_;
      // Readers seeing the new height before the node find nullptr links from head_: harmless.
      max_height_.store(height, std::memory_order_relaxed);
    }
    x = NewNode(key, height);
    for (int i = 0; i < height; i++) {
      x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
      prev[i]->SetNext(i, x);
    }
  }

  // Inline insertion (keys that are pointers to bytes): AllocateKey returns room for `bytes` of
  // key data placed right after a new node, so a search touches one cache line per step instead
  // of two. Fill it, then call InsertAllocated(). Single writer, as for Insert.
  char* AllocateKey(size_t bytes) {
    pending_height_ = RandomHeight();
    const size_t node_size = sizeof(Node) + sizeof(std::atomic<Node*>) * (pending_height_ - 1);
    char* mem = arena_->AllocateAligned(node_size + bytes);
    pending_ = new (mem) Node(reinterpret_cast<Key>(mem + node_size));
    return mem + node_size;
  }
  void InsertAllocated() {
    Node* x = pending_;
    Node* prev[kMaxHeight];
    const int height = pending_height_;
    int max_height = GetMaxHeight();
    if (SpliceBrackets(x->key, max_height)) {
      // Keys arriving in order (auto-increment ids, time series) land right after the previous
      // insert: the remembered search path still brackets them, and no search is needed.
      for (int i = 0; i < max_height; i++) prev[i] = splice_[i];
    } else {
      FindGreaterOrEqual(x->key, prev);
    }
    if (height > max_height) {
      for (int i = max_height; i < height; i++) prev[i] = head_;
      max_height_.store(height, std::memory_order_relaxed);
      max_height = height;
    }
    for (int i = 0; i < height; i++) {
      x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
      prev[i]->SetNext(i, x);
    }
    for (int i = 0; i < max_height; i++) splice_[i] = i < height ? x : prev[i];
    pending_ = nullptr;
  }

  bool Contains(const Key& key) const {
    Node* x = FindGreaterOrEqual(key, nullptr);
    return x != nullptr && Equal(key, x->key);
  }

  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}
    bool Valid() const { return node_ != nullptr; }
    const Key& key() const { return node_->key; }
    void Next() { node_ = node_->Next(0); }
    void Prev() {
      node_ = list_->FindLessThan(node_->key);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  static constexpr int kMaxHeight = 12;

  struct Node {
    explicit Node(const Key& k) : key(k) {}
    Key const key;
    Node* Next(int n) { return next_[n].load(std::memory_order_acquire); }
    void SetNext(int n, Node* x) { next_[n].store(x, std::memory_order_release); }
    Node* NoBarrierNext(int n) { return next_[n].load(std::memory_order_relaxed); }
    void NoBarrierSetNext(int n, Node* x) { next_[n].store(x, std::memory_order_relaxed); }

   private:
    std::atomic<Node*> next_[1];  // the node is over-allocated to its height
  };

  Node* NewNode(const Key& key, int height) {
    char* mem = arena_->AllocateAligned(sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1));
    return new (mem) Node(key);
  }

  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }

  int RandomHeight() {
    int height = 1;
    while (height < kMaxHeight && rnd_.OneIn(4)) height++;  // branching factor 4
    return height;
  }

  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }
  bool KeyIsAfterNode(const Key& key, Node* n) const {
    return n != nullptr && compare_(n->key, key) < 0;
  }

  Node* FindGreaterOrEqual(const Key& key, Node** prev) const {
    Node* x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node* next = x->Next(level);
      // Start loading where the search goes if it steps down, while next's key is compared.
      if (level > 0) PrefetchForRead(x->NoBarrierNext(level - 1));
      if (KeyIsAfterNode(key, next)) {
        x = next;
      } else {
        if (prev != nullptr) prev[level] = x;
        if (level == 0) return next;
        level--;
      }
    }
  }

  // Whether the search path of the previous insert (splice_) is also the path of `key`: every
  // level's node is before key and its successor at that level is not. The nodes of a path are
  // ordered (higher levels at or before lower ones), so one comparison settles the left side.
  bool SpliceBrackets(const Key& key, int max_height) const {
    if (splice_[0] != head_ && compare_(splice_[0]->key, key) >= 0) return false;
    for (int i = 0; i < max_height; i++) {
      Node* next = splice_[i]->NoBarrierNext(i);
      if (next != nullptr && compare_(next->key, key) < 0) return false;
    }
    return true;
  }

  Node* FindLessThan(const Key& key) const {
    Node* x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node* next = x->Next(level);
      if (next == nullptr || compare_(next->key, key) >= 0) {
        if (level == 0) return x;
        level--;
      } else {
        x = next;
      }
    }
  }

  Node* FindLast() const {
    Node* x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node* next = x->Next(level);
      if (next == nullptr) {
        if (level == 0) return x;
        level--;
      } else {
        x = next;
      }
    }
  }

  Cmp const compare_;
  Arena* const arena_;
  Node* const head_;
  std::atomic<int> max_height_{1};
  Random rnd_;
  Node* pending_ = nullptr;
  int pending_height_ = 0;
  Node* splice_[kMaxHeight];  // the writer's last search path (a hint, re-checked on use)
};

}  // namespace strata::lsm
