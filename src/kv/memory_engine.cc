// The "memory" backend: a std::map from key to the versions of that key, newest last.
//
// Every Write gets the next sequence number; a snapshot records the sequence it saw, and a read
// at a snapshot returns the newest version with seq <= that sequence. Versions no live snapshot
// can see are dropped as soon as a write touches their key, and the remaining ones when the
// snapshot that kept them is released. Iterators register a snapshot of their own, so a walk
// sees one consistent state however many writes happen meanwhile.

#include "kv/memory_engine.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "kv/peer_engines.h"

namespace strata::kv {

namespace {

struct Version {
  uint64_t seq;
  std::optional<std::string> value;  // nullopt: a deletion
};

using VersionMap = std::map<std::string, std::vector<Version>, std::less<>>;

// Shared by the engine, its snapshots and its iterators, so that either may outlive the other.
struct State {
  std::shared_mutex mu;
  VersionMap data;
  uint64_t last_seq = 0;
  // Sequences of live snapshots (iterators hold one too). Changed under an exclusive lock.
  std::multiset<uint64_t> snapshots;
  // Keys that may hold versions only some snapshot needs; pruned when a snapshot goes away.
  std::set<std::string, std::less<>> multi_version;
  uint64_t data_bytes = 0;  // keys plus every kept version's value

  // REQUIRES: mu held exclusively. Drops versions of it->second that no snapshot can see, and the
  // whole key when nothing visible remains. Returns false when the node was erased.
  bool Prune(VersionMap::iterator it) {
    std::vector<Version>& versions = it->second;
    std::vector<Version> kept;
    kept.reserve(versions.size());
    for (size_t i = 0; i < versions.size(); i++) {
      bool needed = i + 1 == versions.size();
      if (!needed) {
        // Needed when some snapshot s has versions[i].seq <= s < versions[i + 1].seq.
        auto s = snapshots.lower_bound(versions[i].seq);
        needed = s != snapshots.end() && *s < versions[i + 1].seq;
      }
      // A deletion with nothing older kept reads the same as no entry at all.
      if (needed && !versions[i].value && kept.empty()) needed = false;
      if (needed) {
        kept.push_back(std::move(versions[i]));
      } else if (versions[i].value) {
        data_bytes -= versions[i].value->size();
      }
    }
    if (kept.empty()) {
      data_bytes -= it->first.size();
      data.erase(it);
      return false;
    }
    versions = std::move(kept);
    return true;
  }

  // REQUIRES: mu held exclusively.
  void Apply(uint64_t seq, const Slice& key, const Slice* value) {
    auto it = data.find(key.view());
    if (it == data.end()) {
      if (value == nullptr) return;  // deleting an absent key changes nothing anyone can see
      it = data.emplace(key.ToString(), std::vector<Version>()).first;
      data_bytes += key.size();
    }
    std::vector<Version>& versions = it->second;
    std::optional<std::string> v;
    if (value != nullptr) {
      v = value->ToString();
      data_bytes += value->size();
    }
    if (!versions.empty() && versions.back().seq == seq) {
      // A second operation on the key in the same batch replaces the first.
      if (versions.back().value) data_bytes -= versions.back().value->size();
      versions.back().value = std::move(v);
    } else {
      versions.push_back({seq, std::move(v)});
    }
    if (versions.size() == 1 && versions[0].value) return;
    if (Prune(it) && !snapshots.empty() && it->second.size() > 1) {
      multi_version.insert(it->first);
    }
  }

  // REQUIRES: mu held exclusively.
  void ReleaseSnapshot(uint64_t seq) {
    snapshots.erase(snapshots.find(seq));
    for (auto k = multi_version.begin(); k != multi_version.end();) {
      auto it = data.find(*k);
      if (it == data.end() || !Prune(it) || it->second.size() <= 1) {
        k = multi_version.erase(k);
      } else {
        ++k;
      }
    }
  }

  // REQUIRES: mu held. The value of `versions` visible at `seq`, or nullptr.
  static const std::string* Visible(const std::vector<Version>& versions, uint64_t seq) {
    for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
      if (v->seq <= seq) return v->value ? &*v->value : nullptr;
    }
    return nullptr;
  }
};

class MemorySnapshot final : public Snapshot {
 public:
  MemorySnapshot(std::shared_ptr<State> state, uint64_t seq)
      : state_(std::move(state)), seq_(seq) {}
  ~MemorySnapshot() override {
    std::unique_lock lock(state_->mu);
    state_->ReleaseSnapshot(seq_);
  }
  const State* state() const { return state_.get(); }
  uint64_t seq() const { return seq_; }

 private:
  std::shared_ptr<State> state_;
  uint64_t seq_;
};

std::shared_ptr<const MemorySnapshot> NewSnapshot(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mu);
  state->snapshots.insert(state->last_seq);
  return std::make_shared<MemorySnapshot>(state, state->last_seq);
}

// Walks the map at a snapshot. Each step takes the shared lock and finds its place again by key
// (writers may erase map nodes in between); the current key and value are copied out so that
// key() and value() stay valid while writers run.
class MemoryIterator final : public Iterator {
 public:
  MemoryIterator(std::shared_ptr<State> state, std::shared_ptr<const MemorySnapshot> snapshot)
      : state_(std::move(state)), snapshot_(std::move(snapshot)), seq_(snapshot_->seq()) {}

  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.begin(), /*forward=*/true);
  }
  void SeekToLast() override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.end(), /*forward=*/false);
  }
  void Seek(const Slice& target) override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.lower_bound(target.view()), /*forward=*/true);
  }
  void SeekForPrev(const Slice& target) override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.upper_bound(target.view()), /*forward=*/false);
  }
  void Next() override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.upper_bound(key_), /*forward=*/true);
  }
  void Prev() override {
    std::shared_lock lock(state_->mu);
    Position(state_->data.lower_bound(key_), /*forward=*/false);
  }
  Slice key() const override { return key_; }
  Slice value() const override { return value_; }
  Status status() const override { return Status::OK(); }

 private:
  // Forward: the first visible entry at or after `it`. Backward: the last one before `it`.
  void Position(VersionMap::iterator it, bool forward) {
    const VersionMap& data = state_->data;
    valid_ = false;
    const std::string* value = nullptr;
    if (forward) {
      for (; it != data.end(); ++it) {
        if ((value = State::Visible(it->second, seq_)) != nullptr) break;
      }
      valid_ = it != data.end();
    } else {
      while (it != data.begin()) {
        --it;
        if ((value = State::Visible(it->second, seq_)) != nullptr) {
          valid_ = true;
          break;
        }
      }
    }
    if (!valid_) return;
    key_ = it->first;
    value_ = *value;
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<const MemorySnapshot> snapshot_;
  const uint64_t seq_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
};

class BatchCollector final : public WriteBatch::Handler {
 public:
  struct Op {
    Slice key;
    std::optional<Slice> value;
  };
  explicit BatchCollector(const Options& options) : options_(options) {}
  void Put(const Slice& key, const Slice& value) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, &value);
    ops_.push_back({key, value});
  }
  void Delete(const Slice& key) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, nullptr);
    ops_.push_back({key, std::nullopt});
  }
  const Status& status() const { return status_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  const Options& options_;
  Status status_;
  std::vector<Op> ops_;
};

class MemoryEngine final : public Engine {
 public:
  explicit MemoryEngine(const Options& options)
      : options_(options), state_(std::make_shared<State>()) {}

  std::string_view Name() const override { return "memory"; }

  Status Get(const ReadOptions& options, const Slice& key, std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    uint64_t seq = 0;
    STRATA_RETURN_IF_ERROR(SnapshotSeq(options, &seq));
    std::shared_lock lock(state_->mu);
    auto it = state_->data.find(key.view());
    const std::string* v = nullptr;
    if (it != state_->data.end()) {
      v = options.snapshot ? State::Visible(it->second, seq)
                           : (it->second.back().value ? &*it->second.back().value : nullptr);
    }
    if (v == nullptr) return Status::NotFound();
    value->assign(*v);
    return Status::OK();
  }

  Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    // Check everything before touching the map: a batch applies fully or not at all.
    BatchCollector collector(options_);
    STRATA_RETURN_IF_ERROR(batch.Iterate(&collector));
    STRATA_RETURN_IF_ERROR(collector.status());
    {
      std::unique_lock lock(state_->mu);
      const uint64_t seq = ++state_->last_seq;
      for (const BatchCollector::Op& op : collector.ops()) {
        state_->Apply(seq, op.key, op.value ? &*op.value : nullptr);
      }
    }
    user_bytes_.fetch_add(batch.UserBytes(), std::memory_order_relaxed);
    return Status::OK();
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    Status s = CheckOpen();
    uint64_t seq = 0;
    if (s.ok()) s = SnapshotSeq(options, &seq);
    if (!s.ok()) return std::unique_ptr<Iterator>(NewEmptyIterator(s));
    auto snapshot = options.snapshot
                        ? std::static_pointer_cast<const MemorySnapshot>(options.snapshot)
                        : NewSnapshot(state_);
    return NewBoundedIterator(std::make_unique<MemoryIterator>(state_, std::move(snapshot)),
                              options.lower_bound, options.upper_bound);
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override { return NewSnapshot(state_); }

  Status Flush() override { return CheckOpen(); }
  Status CompactRange(const Slice* begin, const Slice* end) override { return CheckOpen(); }

  uint64_t ApproximateSize(const Slice& begin, const Slice& end) override {
    // Exact bytes of the latest keys and values in the range: there is no disk to estimate.
    std::shared_lock lock(state_->mu);
    uint64_t total = 0;
    for (auto it = state_->data.lower_bound(begin.view());
         it != state_->data.end() && Slice(it->first).compare(end) < 0; ++it) {
      const auto& latest = it->second.back().value;
      if (latest) total += it->first.size() + latest->size();
    }
    return total;
  }

  Stats GetStats() override {
    Stats stats;
    stats.user_bytes_written = user_bytes_.load(std::memory_order_relaxed);
    std::shared_lock lock(state_->mu);
    stats.memtable_bytes = state_->data_bytes;
    return stats;
  }

  Status Close() override {
    if (closed_.exchange(true)) return Status::InvalidArgument("memory: engine already closed");
    std::unique_lock lock(state_->mu);
    // Snapshots still held keep `state_` alive; drop the data itself now.
    state_->data.clear();
    state_->multi_version.clear();
    state_->data_bytes = 0;
    return Status::OK();
  }

 private:
  Status CheckOpen() const {
    if (closed_.load(std::memory_order_acquire)) {
      return Status::InvalidArgument("memory: engine is closed");
    }
    return Status::OK();
  }

  // The sequence to read at, checking that the snapshot came from this engine.
  Status SnapshotSeq(const ReadOptions& options, uint64_t* seq) const {
    if (!options.snapshot) return Status::OK();
    auto* snap = dynamic_cast<const MemorySnapshot*>(options.snapshot.get());
    if (snap == nullptr || snap->state() != state_.get()) {
      return Status::InvalidArgument("memory: snapshot belongs to another engine");
    }
    *seq = snap->seq();
    return Status::OK();
  }

  const Options options_;
  std::shared_ptr<State> state_;
  std::atomic<uint64_t> user_bytes_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<Engine> NewMemoryEngine(const Options& options) {
  return std::make_unique<MemoryEngine>(options);
}

Result<std::unique_ptr<Engine>> OpenMemoryEngine(const std::string& dir, const Options& options) {
  return NewMemoryEngine(options);
}

Status DestroyMemoryEngine(const std::string& dir, const Options& options) { return Status::OK(); }

}  // namespace strata::kv
