// kv conformance, part 2: iterators (directions, seeks, bounds, stability under concurrent
// writes) and snapshots.

#include <atomic>
#include <thread>

#include "kv_conformance.h"

namespace strata::kv::testing_util {
namespace {

// Keys b, d, f, ... (every other letter) with values B, D, F, ...
void FillLetters(Engine* engine) {
  for (char c = 'b'; c <= 'x'; c += 2) {
    ASSERT_TRUE(engine->Put(std::string(1, c), std::string(1, static_cast<char>(c - 32))).ok());
  }
}

std::string At(const Iterator& it) { return it.Valid() ? it.key().ToString() : "(end)"; }

ReadOptions Bounds(std::optional<std::string> lower, std::optional<std::string> upper) {
  ReadOptions ro;
  ro.lower_bound = std::move(lower);
  ro.upper_bound = std::move(upper);
  return ro;
}

TEST_P(KvConformance, IteratorWalksBothWays) {
  ASSERT_NO_FATAL_FAILURE(Open());
  {
    std::unique_ptr<Iterator> it = engine_->NewIterator(ReadOptions());
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    it->SeekToLast();
    EXPECT_FALSE(it->Valid());
    it->Seek("a");
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().ok());
  }
  ASSERT_NO_FATAL_FAILURE(FillLetters(engine_.get()));
  std::unique_ptr<Iterator> it = engine_->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_EQ(At(*it), "b");
  EXPECT_EQ(it->value().ToString(), "B");
  it->Next();
  EXPECT_EQ(At(*it), "d");
  it->Prev();
  EXPECT_EQ(At(*it), "b");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_EQ(At(*it), "x");
  it->Next();
  EXPECT_FALSE(it->Valid());
  // Change direction in the middle.
  it->Seek("k");
  EXPECT_EQ(At(*it), "l");
  it->Prev();
  EXPECT_EQ(At(*it), "j");
  it->Next();
  EXPECT_EQ(At(*it), "l");
  it->Next();
  EXPECT_EQ(At(*it), "n");
  EXPECT_TRUE(it->status().ok());
}

TEST_P(KvConformance, IteratorSeekAndSeekForPrev) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(FillLetters(engine_.get()));
  std::unique_ptr<Iterator> it = engine_->NewIterator(ReadOptions());
  it->Seek("");
  EXPECT_EQ(At(*it), "b");
  it->Seek("d");
  EXPECT_EQ(At(*it), "d");
  it->Seek("e");
  EXPECT_EQ(At(*it), "f");
  it->Seek("y");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("d");
  EXPECT_EQ(At(*it), "d");
  it->SeekForPrev("e");
  EXPECT_EQ(At(*it), "d");
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("zzz");
  EXPECT_EQ(At(*it), "x");
  it->SeekForPrev(std::string("d\x00", 2));
  EXPECT_EQ(At(*it), "d");
  it->Prev();
  EXPECT_EQ(At(*it), "b");
}

TEST_P(KvConformance, IteratorBounds) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(FillLetters(engine_.get()));
  // [d, j): d f h
  EXPECT_EQ(Scan(Bounds("d", "j")), (KV{{"d", "D"}, {"f", "F"}, {"h", "H"}}));
  EXPECT_EQ(Scan(Bounds("d", "j"), true), (KV{{"h", "H"}, {"f", "F"}, {"d", "D"}}));
  // Bounds between keys: [c, i) is d f h as well.
  EXPECT_EQ(Scan(Bounds("c", "i")).size(), 3u);
  EXPECT_EQ(Scan(Bounds("c", "i"), true).front().first, "h");
  // Lower only, upper only.
  EXPECT_EQ(Scan(Bounds("t", std::nullopt)), (KV{{"t", "T"}, {"v", "V"}, {"x", "X"}}));
  EXPECT_EQ(Scan(Bounds("t", std::nullopt), true).back().first, "t");
  EXPECT_EQ(Scan(Bounds(std::nullopt, "f")), (KV{{"b", "B"}, {"d", "D"}}));
  EXPECT_EQ(Scan(Bounds(std::nullopt, "f"), true), (KV{{"d", "D"}, {"b", "B"}}));
  // Empty ranges.
  EXPECT_TRUE(Scan(Bounds("f", "f")).empty());
  EXPECT_TRUE(Scan(Bounds("f", "f"), true).empty());
  EXPECT_TRUE(Scan(Bounds("j", "d")).empty());
  EXPECT_TRUE(Scan(Bounds("j", "d"), true).empty());
  EXPECT_TRUE(Scan(Bounds("e", "f")).empty());
  EXPECT_TRUE(Scan(Bounds("y", std::nullopt)).empty());
  EXPECT_TRUE(Scan(Bounds(std::nullopt, "b")).empty());
  EXPECT_TRUE(Scan(Bounds(std::nullopt, "b"), true).empty());

  // Seeks outside the bounds are clamped to them.
  std::unique_ptr<Iterator> it = engine_->NewIterator(Bounds("d", "j"));
  it->Seek("a");
  EXPECT_EQ(At(*it), "d");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("i");
  EXPECT_FALSE(it->Valid());
  it->Seek("z");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");
  EXPECT_EQ(At(*it), "h");
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("j");
  EXPECT_EQ(At(*it), "h");
  it->SeekForPrev("e");
  EXPECT_EQ(At(*it), "d");
  it->SeekForPrev("c");
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_EQ(At(*it), "h");
  it->SeekToFirst();
  EXPECT_EQ(At(*it), "d");
  EXPECT_TRUE(it->status().ok());
}

TEST_P(KvConformance, IteratorIgnoresWritesAfterItsCreation) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(FillLetters(engine_.get()));
  std::unique_ptr<Iterator> it = engine_->NewIterator(ReadOptions());
  it->Seek("f");
  ASSERT_EQ(At(*it), "f");
  ASSERT_TRUE(Put("g", "new").ok());
  ASSERT_TRUE(Delete("h").ok());
  ASSERT_TRUE(Put("j", "changed").ok());
  ASSERT_TRUE(Put("a", "new").ok());
  it->Next();
  EXPECT_EQ(At(*it), "h");
  it->Next();
  EXPECT_EQ(At(*it), "j");
  EXPECT_EQ(it->value().ToString(), "J");
  it->SeekToFirst();
  EXPECT_EQ(At(*it), "b");
}

// Writers move amounts between 100 accounts in atomic batches; every iterator (and every read at a
// snapshot) must see the same total, however many batches land during its walk.
TEST_P(KvConformance, IteratorsSeeAConsistentStateUnderConcurrentWrites) {
  ASSERT_NO_FATAL_FAILURE(Open());
  constexpr int kAccounts = 100, kInitial = 1000;
  auto account = [](int i) {
    char buf[16];
    snprintf(buf, sizeof(buf), "acct%03d", i);
    return std::string(buf);
  };
  {
    WriteBatch b;
    for (int i = 0; i < kAccounts; i++) b.Put(account(i), std::to_string(kInitial));
    ASSERT_TRUE(engine_->Write(WriteOptions(), b).ok());
  }
  // A fixed amount of writing (rather than "until the readers finish") keeps LSM peers from
  // piling up versions that every walk must skip.
  constexpr int kTransfersPerWriter = 3000;
  std::atomic<int> writers_done{0};
  std::atomic<int> write_failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; w++) {
    writers.emplace_back([&, w] {
      uint64_t x = 12345 + w;
      // Each writer owns half of the accounts, so read-modify-write needs no lock.
      for (int n = 0; n < kTransfersPerWriter; n++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const int a = w * kAccounts / 2 + static_cast<int>((x >> 33) % (kAccounts / 2));
        const int b = w * kAccounts / 2 + static_cast<int>((x >> 13) % (kAccounts / 2));
        if (a == b) continue;
        std::string va, vb;
        if (!engine_->Get(ReadOptions(), account(a), &va).ok() ||
            !engine_->Get(ReadOptions(), account(b), &vb).ok()) {
          write_failures++;
          continue;
        }
        const int amount = static_cast<int>(x % 7);
        WriteBatch batch;
        batch.Put(account(a), std::to_string(std::stoi(va) - amount));
        batch.Put(account(b), std::to_string(std::stoi(vb) + amount));
        if (!engine_->Write(WriteOptions(), batch).ok()) write_failures++;
      }
      writers_done++;
    });
  }
  for (int round = 0; round < 5 || writers_done.load() < 2; round++) {
    std::unique_ptr<Iterator> it = engine_->NewIterator(ReadOptions());
    long total = 0;
    int count = 0;
    const bool backward = round % 2 == 1;
    for (backward ? it->SeekToLast() : it->SeekToFirst(); it->Valid();
         backward ? it->Prev() : it->Next()) {
      total += std::stol(it->value().ToString());
      count++;
      if (count % 10 == 0) std::this_thread::yield();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(count, kAccounts) << "round " << round;
    EXPECT_EQ(total, long{kAccounts} * kInitial) << "round " << round;

    std::shared_ptr<const Snapshot> snap = engine_->GetSnapshot();
    long snap_total = 0;
    for (int i = 0; i < kAccounts; i++) snap_total += std::stol(Get(account(i), snap));
    EXPECT_EQ(snap_total, long{kAccounts} * kInitial) << "round " << round;
    if (::testing::Test::HasFailure()) break;
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(write_failures.load(), 0);
}

TEST_P(KvConformance, SnapshotsIgnoreLaterWrites) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(Put("a", "a1").ok());
  ASSERT_TRUE(Put("b", "b1").ok());
  ASSERT_TRUE(Put("c", "c1").ok());
  std::shared_ptr<const Snapshot> s1 = engine_->GetSnapshot();
  ASSERT_NE(s1, nullptr);
  ASSERT_TRUE(Put("a", "a2").ok());  // overwrite
  ASSERT_TRUE(Delete("b").ok());     // delete
  ASSERT_TRUE(Put("d", "d2").ok());  // new key
  std::shared_ptr<const Snapshot> s2 = engine_->GetSnapshot();
  ASSERT_TRUE(Put("a", "a3").ok());
  ASSERT_TRUE(Put("b", "b3").ok());  // back after a delete
  ASSERT_TRUE(Delete("c").ok());
  ASSERT_TRUE(Delete("d").ok());
  ASSERT_TRUE(engine_->Flush().ok());  // snapshots survive flushes and compactions
  ASSERT_TRUE(engine_->CompactRange(nullptr, nullptr).ok());
  std::shared_ptr<const Snapshot> s3 = engine_->GetSnapshot();

  EXPECT_EQ(Get("a", s1), "a1");
  EXPECT_EQ(Get("b", s1), "b1");
  EXPECT_EQ(Get("c", s1), "c1");
  EXPECT_EQ(Get("d", s1), "NOT_FOUND");
  EXPECT_EQ(Get("a", s2), "a2");
  EXPECT_EQ(Get("b", s2), "NOT_FOUND");
  EXPECT_EQ(Get("d", s2), "d2");
  EXPECT_EQ(Get("a", s3), "a3");
  EXPECT_EQ(Get("c", s3), "NOT_FOUND");

  ReadOptions r1, r2, r3;
  r1.snapshot = s1;
  r2.snapshot = s2;
  r3.snapshot = s3;
  EXPECT_EQ(Scan(r1), (KV{{"a", "a1"}, {"b", "b1"}, {"c", "c1"}}));
  EXPECT_EQ(Scan(r2), (KV{{"a", "a2"}, {"c", "c1"}, {"d", "d2"}}));
  EXPECT_EQ(Scan(r2, true), (KV{{"d", "d2"}, {"c", "c1"}, {"a", "a2"}}));
  EXPECT_EQ(Scan(r3), (KV{{"a", "a3"}, {"b", "b3"}}));
  r2.lower_bound = "b";
  r2.upper_bound = "d";
  EXPECT_EQ(Scan(r2), (KV{{"c", "c1"}}));

  // Releasing one snapshot does not disturb the others, nor the latest state.
  s2.reset();
  r2.snapshot.reset();
  ASSERT_TRUE(Put("a", "a4").ok());
  EXPECT_EQ(Get("a", s1), "a1");
  EXPECT_EQ(Get("a", s3), "a3");
  EXPECT_EQ(Get("a"), "a4");
  EXPECT_EQ(Scan(r1), (KV{{"a", "a1"}, {"b", "b1"}, {"c", "c1"}}));
  s1.reset();
  r1.snapshot.reset();
  EXPECT_EQ(Scan(), (KV{{"a", "a4"}, {"b", "b3"}}));
}

TEST_P(KvConformance, IteratorAtASnapshotOutlivesLaterWrites) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(FillLetters(engine_.get()));
  ReadOptions ro;
  ro.snapshot = engine_->GetSnapshot();
  std::unique_ptr<Iterator> it = engine_->NewIterator(ro);
  ro.snapshot.reset();  // the iterator keeps what it needs
  for (char c = 'a'; c <= 'z'; c++) ASSERT_TRUE(Put(std::string(1, c), "later").ok());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_NE(it->value().ToString(), "later");
    n++;
  }
  EXPECT_EQ(n, 12);
}

TEST_P(KvConformance, ManySnapshotsOfOneKey) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::vector<std::shared_ptr<const Snapshot>> snaps;
  for (int i = 0; i < 50; i++) {
    if (i % 7 == 3) {
      ASSERT_TRUE(Delete("k").ok());
    } else {
      ASSERT_TRUE(Put("k", std::to_string(i)).ok());
    }
    snaps.push_back(engine_->GetSnapshot());
  }
  // Release every third, then check the rest.
  for (size_t i = 0; i < snaps.size(); i += 3) snaps[i].reset();
  ASSERT_TRUE(Put("k", "last").ok());
  for (size_t i = 0; i < snaps.size(); i++) {
    if (!snaps[i]) continue;
    EXPECT_EQ(Get("k", snaps[i]), i % 7 == 3 ? "NOT_FOUND" : std::to_string(i)) << i;
  }
  EXPECT_EQ(Get("k"), "last");
}

}  // namespace
}  // namespace strata::kv::testing_util
