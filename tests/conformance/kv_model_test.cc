// kv conformance, part 3: a randomized model test. A seeded loop of puts, deletes, batches,
// snapshot captures, reads and MultiGets (latest and at snapshots), iterator walks with random
// seeks, bounds and directions, flushes, compactions and reopens, checked step by step against
// std::map. A mismatch names the seed and the operation index, so it can be replayed.

#include <algorithm>
#include <sstream>

#include "base/random.h"
#include "kv_conformance.h"

namespace strata::kv::testing_util {
namespace {

using Model = std::map<std::string, std::string>;

class ModelRun {
 public:
  ModelRun(Engine* engine, uint64_t seed) : engine_(engine), rnd_(seed) {
    // Short keys over a small alphabet with the bytes that trip ordering bugs (0x00, 0x7f, 0x80,
    // 0xff), so that operations collide and prefixes abound.
    static constexpr char kAlphabet[] = {'\x00', '\x01', 'a', 'b', '\x7f', '\x80', '\xfe', '\xff'};
    keys_.push_back("");
    while (keys_.size() < 120) {
      std::string k;
      const size_t len = 1 + rnd_.Uniform(rnd_.OneIn(10) ? 40 : 6);
      for (size_t i = 0; i < len; i++) k.push_back(kAlphabet[rnd_.Uniform(sizeof(kAlphabet))]);
      keys_.push_back(k);
    }
  }

  const std::string& RandomKey() { return keys_[rnd_.Uniform(keys_.size())]; }
  // Sometimes a key no one wrote (for seeks and bounds).
  std::string RandomProbe() {
    if (rnd_.OneIn(4)) return RandomKey() + std::string(1, static_cast<char>(rnd_.Uniform(256)));
    return RandomKey();
  }
  std::string RandomValue() {
    const size_t len = rnd_.OneIn(8) ? 0 : rnd_.Uniform(rnd_.OneIn(20) ? 5000 : 60);
    std::string v(len, '\0');
    for (char& c : v) c = static_cast<char>(rnd_.Uniform(256));
    return v;
  }

  Random& rnd() { return rnd_; }
  Engine* engine() { return engine_; }
  void set_engine(Engine* e) { engine_ = e; }

  // Compares a point read against the model; describes a mismatch in *err.
  bool CheckGet(const Model& model, const std::string& key,
                const std::shared_ptr<const Snapshot>& snap, std::string* err) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string value;
    Status s = engine_->Get(ro, key, &value);
    auto it = model.find(key);
    if (it == model.end()) {
      if (s.IsNotFound()) return true;
      *err =
          "Get(" + Escape(key) + ") want NotFound, got " + (s.ok() ? Escape(value) : s.ToString());
      return false;
    }
    if (s.ok() && value == it->second) return true;
    *err = "Get(" + Escape(key) + ") want " + Escape(it->second) + ", got " +
           (s.ok() ? Escape(value) : s.ToString());
    return false;
  }

  // A MultiGet of 1-40 random probes (repeats allowed), each checked against the model.
  bool CheckMultiGet(const Model& model, const std::shared_ptr<const Snapshot>& snap,
                     std::string* err) {
    ReadOptions ro;
    ro.snapshot = snap;
    const size_t n = 1 + rnd_.Uniform(40);
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; i++) keys.push_back(RandomProbe());
    std::vector<Slice> slices(keys.begin(), keys.end());
    std::vector<std::string> values(n, "stale");
    std::vector<Status> statuses(n);
    engine_->MultiGet(ro, slices, values, statuses);
    for (size_t i = 0; i < n; i++) {
      auto it = model.find(keys[i]);
      const Status& s = statuses[i];
      if (it == model.end() ? s.IsNotFound() : s.ok() && values[i] == it->second) continue;
      *err = "MultiGet key " + std::to_string(i) + " of " + std::to_string(n) + " (" +
             Escape(keys[i]) + ") want " + (it == model.end() ? "NotFound" : Escape(it->second)) +
             ", got " + (s.ok() ? Escape(values[i]) : s.ToString());
      return false;
    }
    return true;
  }

  // A Scan with random bounds, often within one first byte (the prefix of FirstBytePrefix, so
  // Strata may read the range in place), stopped after a few entries or not.
  bool CheckScan(const Model& full, const std::shared_ptr<const Snapshot>& snap, std::string* err) {
    ReadOptions ro;
    ro.snapshot = snap;
    const std::string lower = rnd_.OneIn(5) ? std::string() : RandomProbe();
    std::string upper;
    bool bounded = true;
    const uint64_t pick = rnd_.Uniform(4);
    if (pick == 0) {
      bounded = false;
    } else if (pick == 1 || lower.empty() || static_cast<uint8_t>(lower[0]) == 0xff) {
      upper = RandomProbe();
    } else {
      upper = std::string(1, static_cast<char>(lower[0] + 1));
    }
    const size_t limit = rnd_.OneIn(2) ? SIZE_MAX : 1 + rnd_.Uniform(6);
    KV got, want;
    const Slice upper_slice(upper);
    Status s = engine_->Scan(ro, lower, bounded ? &upper_slice : nullptr,
                             [&](const Slice& k, const Slice& v) {
                               got.emplace_back(k.ToString(), v.ToString());
                               return got.size() < limit;
                             });
    for (auto m = full.lower_bound(lower);
         m != full.end() && (!bounded || m->first < upper) && want.size() < limit; ++m) {
      want.emplace_back(m->first, m->second);
    }
    if (s.ok() && got == want) return true;
    *err = "Scan [" + Escape(lower) + ", " + (bounded ? Escape(upper) : "end") + ") limit " +
           std::to_string(limit) + ": ";
    if (!s.ok()) {
      *err += s.ToString();
      return false;
    }
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) i++;
    *err += "got " + std::to_string(got.size()) + " entries, want " + std::to_string(want.size()) +
            "; entry " + std::to_string(i) + " is " +
            (i < got.size() ? Escape(got[i].first) : "missing") + ", want " +
            (i < want.size() ? Escape(want[i].first) : "none");
    return false;
  }

  // A walk with random bounds, seeks and steps in both directions, mirrored on the model.
  bool CheckWalk(const Model& full, const std::shared_ptr<const Snapshot>& snap, std::string* err) {
    ReadOptions ro;
    ro.snapshot = snap;
    if (rnd_.OneIn(2)) ro.lower_bound = RandomProbe();
    if (rnd_.OneIn(2)) ro.upper_bound = RandomProbe();
    Model model;
    for (const auto& [k, v] : full) {
      if (ro.lower_bound && k < *ro.lower_bound) continue;
      if (ro.upper_bound && k >= *ro.upper_bound) continue;
      model.emplace(k, v);
    }
    std::ostringstream trace;
    trace << "walk lower=" << (ro.lower_bound ? Escape(*ro.lower_bound) : "none")
          << " upper=" << (ro.upper_bound ? Escape(*ro.upper_bound) : "none") << ":";
    std::unique_ptr<Iterator> it = engine_->NewIterator(ro);
    auto pos = model.end();  // model position; end() == not valid
    const int steps = 1 + static_cast<int>(rnd_.Uniform(30));
    for (int step = 0; step < steps; step++) {
      const uint64_t op = (step == 0 || pos == model.end()) ? rnd_.Uniform(4) : rnd_.Uniform(10);
      if (op == 0) {
        trace << " SeekToFirst";
        it->SeekToFirst();
        pos = model.begin();
      } else if (op == 1) {
        trace << " SeekToLast";
        it->SeekToLast();
        pos = model.empty() ? model.end() : std::prev(model.end());
      } else if (op == 2) {
        const std::string t = RandomProbe();
        trace << " Seek(" << Escape(t) << ")";
        it->Seek(t);
        pos = model.lower_bound(t);
      } else if (op == 3) {
        const std::string t = RandomProbe();
        trace << " SeekForPrev(" << Escape(t) << ")";
        it->SeekForPrev(t);
        pos = model.upper_bound(t);
        pos = pos == model.begin() ? model.end() : std::prev(pos);
      } else if (op < 7) {
        trace << " Next";
        it->Next();
        ++pos;
      } else {
        trace << " Prev";
        it->Prev();
        pos = pos == model.begin() ? model.end() : std::prev(pos);
      }
      const bool want_valid = pos != model.end();
      if (it->Valid() != want_valid || !it->status().ok()) {
        *err = trace.str() + " -> valid=" + std::to_string(it->Valid()) + " want " +
               std::to_string(want_valid) + (want_valid ? " at " + Escape(pos->first) : "") +
               " status=" + it->status().ToString();
        return false;
      }
      if (want_valid &&
          (it->key().ToString() != pos->first || it->value().ToString() != pos->second)) {
        *err = trace.str() + " -> at " + Escape(it->key().ToString()) + " want " +
               Escape(pos->first) + (it->key().ToString() == pos->first ? " (value differs)" : "");
        return false;
      }
    }
    return true;
  }

 private:
  Engine* engine_;
  Random rnd_;
  std::vector<std::string> keys_;
};

struct SnapshotCopy {
  std::shared_ptr<const Snapshot> snapshot;
  Model model;
};

// Runs `ops` random operations; returns "" or a description of the first mismatch.
std::string RunModel(KvConformance* fixture, uint64_t seed, int ops, bool persistent) {
  std::unique_ptr<Engine>& engine = fixture->engine_;
  ModelRun run(engine.get(), seed);
  Random& rnd = run.rnd();
  Model model;
  std::vector<SnapshotCopy> snaps;
  std::string err;
  auto fail = [&](int i, const std::string& what) {
    return "seed " + std::to_string(seed) + ", operation " + std::to_string(i) + ": " + what;
  };
  for (int i = 0; i < ops; i++) {
    const uint64_t dice = rnd.Uniform(1000);
    Status s;
    if (dice < 300) {
      const std::string k = run.RandomKey(), v = run.RandomValue();
      WriteOptions wo;
      if (rnd.OneIn(200)) wo.sync = true;
      s = engine->Put(wo, k, v);
      if (s.ok()) model[k] = v;
    } else if (dice < 430) {
      const std::string k = run.RandomKey();
      s = engine->Delete(k);
      if (s.ok()) model.erase(k);
    } else if (dice < 530) {
      WriteBatch batch;
      Model after = model;
      const int n = 1 + static_cast<int>(rnd.Uniform(12));
      for (int j = 0; j < n; j++) {
        const std::string k = run.RandomKey();
        if (rnd.OneIn(3)) {
          batch.Delete(k);
          after.erase(k);
        } else {
          const std::string v = run.RandomValue();
          batch.Put(k, v);
          after[k] = v;
        }
      }
      s = engine->Write(WriteOptions(), batch);
      if (s.ok()) model = std::move(after);
    } else if (dice < 560) {
      if (snaps.size() >= 6) snaps.erase(snaps.begin() + rnd.Uniform(snaps.size()));
      snaps.push_back({engine->GetSnapshot(), model});
    } else if (dice < 570) {
      if (!snaps.empty()) snaps.erase(snaps.begin() + rnd.Uniform(snaps.size()));
    } else if (dice < 690) {
      if (!run.CheckGet(model, run.RandomProbe(), nullptr, &err)) return fail(i, err);
    } else if (dice < 720) {
      if (!run.CheckMultiGet(model, nullptr, &err)) return fail(i, err);
    } else if (dice < 820) {
      if (!snaps.empty()) {
        const SnapshotCopy& sc = snaps[rnd.Uniform(snaps.size())];
        const bool ok = rnd.OneIn(5) ? run.CheckMultiGet(sc.model, sc.snapshot, &err)
                                     : run.CheckGet(sc.model, run.RandomKey(), sc.snapshot, &err);
        if (!ok) return fail(i, "at a snapshot: " + err);
      }
    } else if (dice < 960 && rnd.OneIn(3)) {
      const bool at_snapshot = !snaps.empty() && rnd.OneIn(2);
      const SnapshotCopy* sc = at_snapshot ? &snaps[rnd.Uniform(snaps.size())] : nullptr;
      if (!run.CheckScan(sc ? sc->model : model, sc ? sc->snapshot : nullptr, &err)) {
        return fail(i, (sc ? "at a snapshot: " : "") + err);
      }
    } else if (dice < 960) {
      if (!snaps.empty() && rnd.OneIn(2)) {
        const SnapshotCopy& sc = snaps[rnd.Uniform(snaps.size())];
        if (!run.CheckWalk(sc.model, sc.snapshot, &err)) return fail(i, "at a snapshot: " + err);
      } else if (!run.CheckWalk(model, nullptr, &err)) {
        return fail(i, err);
      }
    } else if (dice < 966) {
      s = engine->Flush();
    } else if (dice < 970) {
      std::string a = run.RandomProbe(), b = run.RandomProbe();
      if (b < a) std::swap(a, b);
      const Slice as(a), bs(b);
      s = rnd.OneIn(3) ? engine->CompactRange(nullptr, nullptr) : engine->CompactRange(&as, &bs);
    } else if (dice < 973) {
      if (persistent) {
        snaps.clear();  // snapshots do not survive a close
        s = engine->Close();
        engine.reset();
        if (s.ok()) s = fixture->TryOpen(fixture->options_);
        if (!s.ok()) return fail(i, "reopen: " + s.ToString());
        run.set_engine(engine.get());
      }
    } else {
      // A full comparison, both directions.
      KV fwd = fixture->Scan(ReadOptions(), false);
      KV bwd = fixture->Scan(ReadOptions(), true);
      std::reverse(bwd.begin(), bwd.end());
      if (fwd != ToKV(model)) return fail(i, "full forward scan differs from the model");
      if (bwd != ToKV(model)) return fail(i, "full backward scan differs from the model");
    }
    if (!s.ok()) return fail(i, "unexpected error " + s.ToString());
  }
  KV fwd = fixture->Scan(ReadOptions(), false);
  if (fwd != ToKV(model)) return fail(ops, "final scan differs from the model");
  return "";
}

// Deletes every key: each seed starts from an empty store.
void Clear(KvConformance* fixture) {
  std::unique_ptr<Iterator> it = fixture->engine_->NewIterator(ReadOptions());
  WriteBatch clear;
  for (it->SeekToFirst(); it->Valid(); it->Next()) clear.Delete(it->key());
  it.reset();
  ASSERT_TRUE(fixture->engine_->Write(WriteOptions(), clear).ok());
}

TEST_P(KvConformance, RandomizedAgainstAModel) {
  // Small buffers so that flushes and compactions also happen on their own.
  options_.write_buffer_size = 64 << 10;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    const std::string err = RunModel(this, seed, 3000, persistent());
    ASSERT_TRUE(err.empty()) << backend() << ": " << err;
    ASSERT_NO_FATAL_FAILURE(Clear(this));
  }
}

// Prefixes of one byte (the empty key is its own), so that ranges within one first byte let
// Strata read them in place from the one memtable or table that may hold them.
class FirstBytePrefix final : public PrefixExtractor {
 public:
  const char* Name() const override { return "test.first-byte"; }
  size_t PrefixLength(Slice key) const override { return key.empty() ? 0 : 1; }
  size_t RangePrefixLength(Slice lower, Slice upper) const override {
    if (lower.empty() || static_cast<uint8_t>(lower[0]) == 0xff) return 0;
    const char limit = static_cast<char>(lower[0] + 1);
    return upper.compare(Slice(&limit, 1)) <= 0 ? 1 : 0;
  }
};

TEST_P(KvConformance, RandomizedAgainstAModelWithAPrefixExtractor) {
  options_.write_buffer_size = 64 << 10;
  options_.prefix_extractor = std::make_shared<FirstBytePrefix>();
  ASSERT_NO_FATAL_FAILURE(Open());
  for (uint64_t seed : {7, 8}) {
    const std::string err = RunModel(this, seed, 3000, persistent());
    ASSERT_TRUE(err.empty()) << backend() << ": " << err;
    ASSERT_NO_FATAL_FAILURE(Clear(this));
  }
}

}  // namespace
}  // namespace strata::kv::testing_util
