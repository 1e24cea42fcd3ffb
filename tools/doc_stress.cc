#include "doc_stress.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "base/random.h"
#include "codec/json.h"

namespace strata::tools {

// ---- The documents -----------------------------------------------------------------------------

namespace {

// The tags window of version v: [lo, hi) over the ring of kNumTags tags, starting at k.
uint32_t TagsLo(uint32_t v) { return v / 2; }
uint32_t TagsHi(uint32_t v) { return (v + 1) / 2 + 2; }

std::string Pad(uint32_t k, uint32_t v) {
  const size_t n = (k * 2654435761u + v * 40503u) % 160;
  std::string s(n, 'a');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + (k + v + i) % 26);
  return s;
}

Value TagsValue(uint32_t k, uint32_t v) {
  Array tags;
  for (const std::string& t : DocTags(k, v)) tags.emplace_back(t);
  return Value(std::move(tags));
}

Value Id(uint32_t k) { return Value(static_cast<int64_t>(k)); }

}  // namespace

std::string TagName(int t) { return "t" + std::to_string(t); }

std::string DocEmail(uint32_t k, uint32_t v) {
  return "u" + std::to_string(k) + "." + std::to_string(v / 2) + "@doc.test";
}

int64_t DocScore(uint32_t k, uint32_t v) {
  return (static_cast<int64_t>(k) * 7 + static_cast<int64_t>(v) * 13) % kNumScores;
}

std::vector<std::string> DocTags(uint32_t k, uint32_t v) {
  std::vector<std::string> tags;
  for (uint32_t j = TagsLo(v); j < TagsHi(v); j++) tags.push_back(TagName((k + j) % kNumTags));
  return tags;
}

Value DocFor(uint32_t k, uint32_t v) {
  return Value::MakeObject({{"_id", Id(k)},
                            {"v", static_cast<int64_t>(v)},
                            {"email", DocEmail(k, v)},
                            {"score", DocScore(k, v)},
                            {"tags", TagsValue(k, v)},
                            {"profile", Value::MakeObject({{"level", static_cast<int64_t>(v % 7)},
                                                           {"name", "n" + std::to_string(k)}})},
                            {"pad", Pad(k, v)}});
}

bool SameDoc(const Value& a, const Value& b) {
  if (a.is_object() && b.is_object()) {
    if (a.as_object().size() != b.as_object().size()) return false;
    for (const auto& [name, value] : a.as_object()) {
      const Value* other = b.Find(name);
      if (other == nullptr || !SameDoc(value, *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) return false;
    for (size_t i = 0; i < a.as_array().size(); i++) {
      if (!SameDoc(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  return a == b;
}

bool ParseDoc(const Value& doc, uint32_t* k, uint32_t* v) {
  if (!doc.is_object()) return false;
  const Value* id = doc.Find("_id");
  const Value* version = doc.Find("v");
  if (id == nullptr || version == nullptr || !id->is_int() || !version->is_int()) return false;
  if (id->as_int() < 0 || id->as_int() > UINT32_MAX || version->as_int() < 1 ||
      version->as_int() >= DocExpectedState::kDeleted) {
    return false;
  }
  *k = static_cast<uint32_t>(id->as_int());
  *v = static_cast<uint32_t>(version->as_int());
  return SameDoc(doc, DocFor(*k, *v));
}

DatabaseOptions DocDatabaseOptions(const DocStressConfig& config) {
  DatabaseOptions o;
  o.backend = "strata";
  o.engine.sync = true;
  o.engine.write_buffer_size = config.write_buffer_size;
  o.engine.compression = config.compression;
  // Small files and levels, so flushes and compactions happen within seconds.
  o.engine.target_file_size = 256 << 10;
  o.engine.max_bytes_for_level_base = 1 << 20;
  o.engine.block_cache_size = 8 << 20;
  return o;
}

Status EnsureDocSchema(Database* db) {
  bool exists = false;
  for (const CollectionInfo& info : db->ListCollections()) exists |= info.name == kDocCollection;
  if (!exists) {
    CollectionOptions options;
    options.id_strategy = IdStrategy::kUser;
    Status s = db->CreateCollection(kDocCollection, options);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
  }
  Collection coll = db->collection(kDocCollection);
  struct Wanted {
    const char* name;
    const char* field;
    bool unique;
  };
  for (const Wanted& w : {Wanted{kEmailIndex, "email", true}, Wanted{kScoreIndex, "score", false},
                          Wanted{kTagsIndex, "tags", false}}) {
    auto indexes = coll.ListIndexes();
    if (!indexes.ok()) return indexes.status();
    bool ready = false;
    for (const IndexInfo& info : *indexes) {
      if (info.name != w.name) continue;
      if (info.state == "ready") {
        ready = true;
      } else {
        STRATA_RETURN_IF_ERROR(coll.DropIndex(w.name));  // a build a crash interrupted
      }
    }
    if (ready) continue;
    IndexOptions options;
    options.name = w.name;
    options.unique = w.unique;
    STRATA_RETURN_IF_ERROR(coll.CreateIndex({{w.field, 1}}, options));
  }
  return Status::OK();
}

// ---- The oracle --------------------------------------------------------------------------------

namespace {
constexpr uint64_t kMagic = 0x3153525453434f44ull;  // "DOCSTRS1"
constexpr size_t kHeaderWords = 8;                  // magic, num_docs, counters
}  // namespace

DocExpectedState::~DocExpectedState() {
  if (map_ != nullptr) munmap(map_, length_);
}

Status DocExpectedState::Open(const std::string& path, uint32_t num_docs) {
  length_ = kHeaderWords * sizeof(uint64_t) + static_cast<size_t>(num_docs) * 4 * sizeof(uint32_t);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(path + ": " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || (st.st_size != 0 && static_cast<size_t>(st.st_size) != length_)) {
    close(fd);
    return Status::InvalidArgument(path +
                                   ": expected-state file is for a different document count");
  }
  const bool fresh = st.st_size == 0;
  if (fresh && ftruncate(fd, static_cast<off_t>(length_)) != 0) {
    close(fd);
    return Status::IOError(path + ": " + strerror(errno));
  }
  void* p = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return Status::IOError(path + ": mmap: " + strerror(errno));
  map_ = p;
  header_ = static_cast<uint64_t*>(p);
  slots_ = reinterpret_cast<uint32_t*>(header_ + kHeaderWords);
  num_docs_ = num_docs;
  if (fresh) {
    header_[0] = kMagic;
    header_[1] = num_docs;
  } else if (header_[0] != kMagic || header_[1] != num_docs) {
    return Status::InvalidArgument(path + ": not a doc-stress expected-state file");
  }
  return Status::OK();
}

// The other process may be killed between any two stores; each store is one aligned word.
uint32_t DocExpectedState::Load(size_t slot) const {
  return std::atomic_ref<uint32_t>(slots_[slot]).load(std::memory_order_seq_cst);
}

void DocExpectedState::Store(size_t slot, uint32_t value) {
  std::atomic_ref<uint32_t>(slots_[slot]).store(value, std::memory_order_seq_cst);
}

void DocExpectedState::SetPending(uint32_t k, uint32_t version, uint32_t op) {
  Store(4 * k + 2, op);
  Store(4 * k + 1, version);
}

void DocExpectedState::Commit(uint32_t k) {
  Store(4 * k, Pending(k));
  Store(4 * k + 1, kNone);
}

void DocExpectedState::Abandon(uint32_t k) { Store(4 * k + 1, kNone); }

void DocExpectedState::Resolve(uint32_t k, uint32_t observed) {
  Store(4 * k, observed);
  Store(4 * k + 1, kNone);
}

void DocExpectedState::Add(Counter c, uint64_t n) {
  std::atomic_ref<uint64_t>(header_[2 + c]).fetch_add(n, std::memory_order_relaxed);
}

uint64_t DocExpectedState::Get(Counter c) const {
  return std::atomic_ref<uint64_t>(header_[2 + c]).load(std::memory_order_relaxed);
}

uint32_t DocExpectedState::Next(uint32_t committed, bool deleted) {
  uint32_t v = (committed & ~kDeleted) + 1;
  if (v >= kDeleted) v = 1;
  return deleted ? (v | kDeleted) : v;
}

std::string DocExpectedState::Describe(uint32_t version) {
  if (version == kNone) return "absent";
  if (version & kDeleted)
    return "deleted (after v" + std::to_string((version & ~kDeleted) - 1) + ")";
  return "v" + std::to_string(version);
}

// ---- The writers -------------------------------------------------------------------------------

namespace {

struct Shared {
  Database* db;
  DocExpectedState* state;
  const DocStressConfig* config;
  std::atomic<bool> stop{false};
  std::atomic<int> failure{0};
};

// The update that turns version v of document k into version v + 1, in one of several shapes.
Value UpdateFor(uint32_t k, uint32_t v, Random* rnd) {
  const uint32_t n = v + 1;
  Value set = Value::MakeObject({{"email", DocEmail(k, n)},
                                 {"profile.level", static_cast<int64_t>(n % 7)},
                                 {"pad", Pad(k, n)}});
  Value inc = Value::MakeObject({{"v", 1}, {"score", DocScore(k, n) - DocScore(k, v)}});
  switch (rnd->Uniform(3)) {
    case 0:  // $set the whole tags array
      set.Set("tags", TagsValue(k, n));
      return Value::MakeObject({{"$inc", inc}, {"$set", set}});
    case 1: {  // one array change: even versions gain a tag at the end, odd ones lose the first
      Value update = Value::MakeObject({{"$inc", inc}, {"$set", set}});
      if (v % 2 == 0) {
        Value tag = TagName((k + TagsHi(v)) % kNumTags);
        update.Set(rnd->OneIn(2) ? "$push" : "$addToSet", Value::MakeObject({{"tags", tag}}));
      } else if (rnd->OneIn(2)) {
        update.Set("$pull", Value::MakeObject({{"tags", TagName((k + TagsLo(v)) % kNumTags)}}));
      } else {
        update.Set("$pop", Value::MakeObject({{"tags", -1}}));
      }
      return update;
    }
    default: {  // $set of every field
      Value all = DocFor(k, n);
      all.Erase("_id");
      return Value::MakeObject({{"$set", std::move(all)}});
    }
  }
}

// A filter that selects document k at version v, through _id or through an index.
Value FilterFor(uint32_t k, uint32_t v, Random* rnd) {
  switch (rnd->Uniform(4)) {
    case 0:
      return Value::MakeObject({{"email", DocEmail(k, v)}});
    case 1:
      return Value::MakeObject({{"email", DocEmail(k, v)}, {"score", DocScore(k, v)}});
    case 2:
      return Value::MakeObject({{"_id", Id(k)}, {"v", static_cast<int64_t>(v)}});
    default:
      return Value::MakeObject({{"_id", Id(k)}});
  }
}

std::string Text(const Value& v) { return codec::ToJson(v).substr(0, 300); }

constexpr uint32_t kHotPerThread = 4;

class Worker {
 public:
  Worker(Shared* shared, int id)
      : shared_(shared),
        state_(shared->state),
        cfg_(*shared->config),
        id_(id),
        op_(static_cast<uint32_t>(id) + 1),
        rnd_(cfg_.seed * 7919 + id),
        coll_(shared->db->collection(kDocCollection)) {}

  void Run() {
    while (!shared_->stop) {
      const uint64_t dice = rnd_.Uniform(100);
      bool go;
      if (dice < 45) {
        go = WriteOne(Pick());
      } else if (dice < 55) {
        go = WriteMany();
      } else if (dice < 70) {
        go = WriteTxn();
      } else if (dice < 75) {
        go = cfg_.txn_error_probes && rnd_.OneIn(2) ? ProbeTxn() : ProbeUnique();
      } else if (dice < 92) {
        go = ReadOwn(Pick());
      } else {
        go = ReadIndexes();
      }
      if (!go) return;
    }
  }

 private:
  // Each thread owns the documents k with k % threads == id, so its reads of them are exact.
  // A few of each thread's documents are hot, so that transactions reading them (ReadHot)
  // sometimes conflict with their owners' writes.
  uint32_t Pick() {
    uint32_t per = (cfg_.num_docs - id_ + cfg_.threads - 1) / cfg_.threads;
    if (rnd_.OneIn(8)) per = std::min<uint32_t>(per, kHotPerThread);
    return static_cast<uint32_t>(id_ + cfg_.threads * rnd_.Uniform(per));
  }

  // Up to `n` distinct owned documents whose liveness is `live`.
  std::vector<uint32_t> PickMany(size_t n, bool live) {
    std::vector<uint32_t> out;
    for (int tries = 0; tries < 16 && out.size() < n; tries++) {
      uint32_t k = Pick();
      if (DocExpectedState::IsLive(state_->Committed(k)) != live) continue;
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    }
    return out;
  }

  bool Fail(int code, const std::string& what) {
    fprintf(stderr, "doc-stress: thread %d: %s\n", id_, what.c_str());
    int expected = 0;
    shared_->failure.compare_exchange_strong(expected, code);
    shared_->stop = true;
    return false;
  }

  void Acked(const std::vector<uint32_t>& keys) {
    for (uint32_t k : keys) state_->Commit(k);
    state_->Add(DocExpectedState::kAckedChanges, keys.size());
  }

  // An insert, upsert, update, replace or delete of one document, autocommitted.
  bool WriteOne(uint32_t k) {
    const uint32_t c = state_->Committed(k);
    const std::string who = "doc " + std::to_string(k);
    if (!DocExpectedState::IsLive(c)) {
      const uint32_t n = DocExpectedState::Next(c, false);
      state_->SetPending(k, n, op_);
      if (rnd_.OneIn(3)) {  // an upsert that inserts
        Value all = DocFor(k, n);
        all.Erase("_id");
        auto r = coll_.UpdateOne(Value::MakeObject({{"_id", Id(k)}}),
                                 Value::MakeObject({{"$set", std::move(all)}}), /*upsert=*/true);
        if (!r.ok()) return Failed(k, who + ": upsert: " + r.status().ToString());
        if (r->matched != 0 || !r->upserted_id || *r->upserted_id != Id(k)) {
          return Fail(1, who + ": upsert of an absent document did not insert it");
        }
      } else {
        auto r = coll_.InsertOne(DocFor(k, n));
        if (!r.ok()) return Failed(k, who + ": insert: " + r.status().ToString());
        if (*r != Id(k)) return Fail(1, who + ": insert returned _id " + Text(*r));
      }
      Acked({k});
      return true;
    }
    const uint64_t dice = rnd_.Uniform(100);
    if (dice < 20) {  // delete
      state_->SetPending(k, DocExpectedState::Next(c, true), op_);
      auto r = coll_.DeleteOne(FilterFor(k, c, &rnd_));
      if (!r.ok()) return Failed(k, who + ": delete: " + r.status().ToString());
      if (*r != 1) return Fail(1, who + ": delete removed " + std::to_string(*r) + " documents");
    } else {
      state_->SetPending(k, DocExpectedState::Next(c, false), op_);
      Result<UpdateResult> r = Status::OK();
      if (dice < 35) {
        Value doc = DocFor(k, c + 1);
        if (rnd_.OneIn(2)) doc.Erase("_id");  // a replacement keeps the _id it replaces
        r = coll_.ReplaceOne(FilterFor(k, c, &rnd_), std::move(doc));
      } else {
        r = coll_.UpdateOne(FilterFor(k, c, &rnd_), UpdateFor(k, c, &rnd_));
      }
      if (!r.ok()) return Failed(k, who + ": update: " + r.status().ToString());
      if (r->matched != 1 || r->modified != 1) {
        return Fail(1, who + " at v" + std::to_string(c) + ": update matched " +
                           std::to_string(r->matched) + ", modified " +
                           std::to_string(r->modified));
      }
    }
    Acked({k});
    return true;
  }

  // A refused call wrote nothing (db.h), so its change is no longer in flight.
  bool Failed(uint32_t k, const std::string& what) {
    state_->Abandon(k);
    return Fail(2, what);
  }

  // InsertMany of absent documents or DeleteMany of live ones: all or nothing.
  bool WriteMany() {
    const bool insert = rnd_.OneIn(2);
    std::vector<uint32_t> keys = PickMany(2 + rnd_.Uniform(3), !insert);
    if (keys.empty()) return true;
    Array ids;
    std::vector<Value> docs;
    for (uint32_t k : keys) {
      const uint32_t n = DocExpectedState::Next(state_->Committed(k), !insert);
      state_->SetPending(k, n, op_);
      ids.push_back(Id(k));
      if (insert) docs.push_back(DocFor(k, n));
    }
    Status s;
    if (insert) {
      auto r = coll_.InsertMany(std::move(docs));
      s = r.status();
      if (s.ok() && r->size() != keys.size()) return Fail(1, "InsertMany returned too few ids");
    } else {
      auto r = coll_.DeleteMany(Value::MakeObject({{"_id", Value::MakeObject({{"$in", ids}})}}));
      s = r.status();
      if (s.ok() && *r != keys.size()) {
        return Fail(1, "DeleteMany of " + Text(Value(ids)) + " removed " + std::to_string(*r));
      }
    }
    if (!s.ok()) {
      for (uint32_t k : keys) state_->Abandon(k);
      return Fail(2, std::string(insert ? "InsertMany" : "DeleteMany") + ": " + s.ToString());
    }
    Acked(keys);
    return true;
  }

  // Checks, inside a transaction, that document k reads as its committed version.
  bool CheckInTxn(Transaction* txn, uint32_t k) {
    const uint32_t c = state_->Committed(k);
    auto got = txn->Get(kDocCollection, Id(k));
    if (got.status().IsNotFound() && !DocExpectedState::IsLive(c)) return true;
    if (!got.ok())
      return Fail(2, "txn get of doc " + std::to_string(k) + ": " + got.status().ToString());
    if (!DocExpectedState::IsLive(c) || !SameDoc(*got, DocFor(k, c))) {
      return Fail(1, "txn reads doc " + std::to_string(k) + " as " + Text(*got) + ", expected " +
                         DocExpectedState::Describe(c));
    }
    return true;
  }

  // Reads a hot document of any thread in `txn`: the read joins the transaction's read set, so a
  // commit by the owner in the meantime makes this transaction's commit a Conflict.
  bool ReadHot(Transaction* txn) {
    const uint32_t hot = std::min<uint32_t>(cfg_.num_docs, kHotPerThread * cfg_.threads);
    const uint32_t k = static_cast<uint32_t>(rnd_.Uniform(hot));
    if (k % cfg_.threads == static_cast<uint32_t>(id_)) return CheckInTxn(txn, k);
    auto got = txn->Get(kDocCollection, Id(k));
    if (got.status().IsNotFound()) return true;
    if (!got.ok())
      return Fail(2, "txn get of doc " + std::to_string(k) + ": " + got.status().ToString());
    uint32_t pk, pv;
    if (!ParseDoc(*got, &pk, &pv) || pk != k) {
      return Fail(1, "txn reads doc " + std::to_string(k) + " as " + Text(*got));
    }
    return true;
  }

  // One change of document k inside `txn`; its pending version is already recorded.
  bool ChangeInTxn(Transaction* txn, uint32_t k, uint32_t c, uint32_t n) {
    const std::string who = "txn " + std::to_string(txn->id()) + ", doc " + std::to_string(k);
    if (!DocExpectedState::IsLive(c)) {
      auto r = txn->Insert(kDocCollection, DocFor(k, n));
      if (!r.ok()) return Fail(2, who + ": insert: " + r.status().ToString());
    } else if (n & DocExpectedState::kDeleted) {
      auto r = txn->Delete(kDocCollection, FilterFor(k, c, &rnd_));
      if (!r.ok()) return Fail(2, who + ": delete: " + r.status().ToString());
      if (*r != 1) return Fail(1, who + ": delete removed " + std::to_string(*r));
    } else {
      Value update = rnd_.OneIn(4) ? DocFor(k, n) : UpdateFor(k, c, &rnd_);
      auto r = txn->Update(kDocCollection, FilterFor(k, c, &rnd_), update);
      if (!r.ok()) return Fail(2, who + ": update: " + r.status().ToString());
      if (r->matched != 1 || r->modified != 1) return Fail(1, who + ": update matched nothing");
    }
    return true;
  }

  // Ends a transaction whose documents `keys` are pending: commit (maybe in two phases), or
  // sometimes cancel. A Conflict wrote nothing.
  bool Finish(Transaction* txn, const std::vector<uint32_t>& keys) {
    if (rnd_.OneIn(10)) {
      txn->Cancel();
      for (uint32_t k : keys) state_->Abandon(k);
      return true;
    }
    Status s = rnd_.OneIn(3) ? txn->Prepare() : Status::OK();
    if (s.ok()) s = txn->Commit();
    if (s.IsConflict()) {
      for (uint32_t k : keys) state_->Abandon(k);
      state_->Add(DocExpectedState::kConflicts);
      return true;
    }
    if (!s.ok()) {
      for (uint32_t k : keys) state_->Abandon(k);
      return Fail(2, "commit: " + s.ToString());
    }
    Acked(keys);
    state_->Add(DocExpectedState::kAckedTxns);
    return true;
  }

  // An explicit transaction over 2-4 owned documents: inserts, updates and deletes.
  bool WriteTxn() {
    std::vector<uint32_t> keys;
    for (int i = 0, n = 2 + static_cast<int>(rnd_.Uniform(3)); i < n; i++) {
      uint32_t k = Pick();
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
    auto begun = shared_->db->BeginTransaction();
    if (!begun.ok()) return Fail(2, "begin: " + begun.status().ToString());
    Transaction* txn = begun->get();
    if (rnd_.OneIn(2) && !ReadHot(txn)) return false;
    for (uint32_t k : keys) {
      const uint32_t c = state_->Committed(k);
      const uint32_t n = DocExpectedState::Next(c, DocExpectedState::IsLive(c) && rnd_.OneIn(4));
      state_->SetPending(k, n, op_);
    }
    for (uint32_t k : keys) {
      const uint32_t c = state_->Committed(k);
      if (!CheckInTxn(txn, k) || !ChangeInTxn(txn, k, c, state_->Pending(k))) {
        for (uint32_t key : keys) state_->Abandon(key);  // the transaction cancels itself
        return false;
      }
    }
    return Finish(txn, keys);
  }

  // A unique-key violation by insert, update or replace must be refused and write nothing.
  bool ProbeUnique() {
    std::vector<uint32_t> live = PickMany(2, true);
    if (live.size() < 2) return true;
    const uint32_t a = live[0], b = live[1];
    const std::string taken = DocEmail(a, state_->Committed(a));
    Status s;
    uint32_t victim = b;
    std::vector<uint32_t> absent = PickMany(1, false);
    const uint64_t dice = rnd_.Uniform(3);
    if (dice == 0 && !absent.empty()) {
      victim = absent[0];
      Value doc = DocFor(victim, DocExpectedState::Next(state_->Committed(victim), false));
      doc.Set("email", taken);
      s = coll_.InsertOne(std::move(doc)).status();
    } else if (dice == 1) {
      Value doc = DocFor(b, state_->Committed(b) + 1);
      doc.Set("email", taken);
      s = coll_.ReplaceOne(Value::MakeObject({{"_id", Id(b)}}), std::move(doc)).status();
    } else {
      Value update = UpdateFor(b, state_->Committed(b), &rnd_);
      Value* set = update.Find("$set");
      set->Set("email", taken);
      s = coll_.UpdateOne(FilterFor(b, state_->Committed(b), &rnd_), update).status();
    }
    if (!s.IsAlreadyExists()) {
      return Fail(1, "a duplicate email '" + taken + "' for doc " + std::to_string(victim) +
                         " was not refused: " + s.ToString());
    }
    state_->Add(DocExpectedState::kRejectedDuplicates);
    return ReadOwn(victim) && ReadOwn(a);
  }

  // A transaction in which one update fails on a unique key: the failed call must leave nothing
  // behind, and the rest of the transaction commits.
  bool ProbeTxn() {
    std::vector<uint32_t> live = PickMany(3, true);
    if (live.size() < 3) return true;
    const uint32_t a = live[0], b = live[1], x = live[2];
    auto begun = shared_->db->BeginTransaction();
    if (!begun.ok()) return Fail(2, "begin: " + begun.status().ToString());
    Transaction* txn = begun->get();
    const uint32_t cx = state_->Committed(x);
    state_->SetPending(x, DocExpectedState::Next(cx, false), op_);
    if (!ChangeInTxn(txn, x, cx, state_->Pending(x))) {
      state_->Abandon(x);
      return false;
    }
    const uint32_t cb = state_->Committed(b);
    Value update = UpdateFor(b, cb, &rnd_);
    update.Find("$set")->Set("email", DocEmail(a, state_->Committed(a)));
    Status s = txn->Update(kDocCollection, Value::MakeObject({{"_id", Id(b)}}), update).status();
    if (!s.IsAlreadyExists()) {
      state_->Abandon(x);
      return Fail(1, "a duplicate email in a transaction was not refused: " + s.ToString());
    }
    state_->Add(DocExpectedState::kRejectedDuplicates);
    if (!Finish(txn, {x})) return false;
    return ReadOwn(b) && ReadOwn(x);
  }

  // An owned document must read exactly as the oracle says, by _id and through the email index.
  bool ReadOwn(uint32_t k) {
    const uint32_t c = state_->Committed(k);
    auto got = coll_.Get(Id(k));
    state_->Add(DocExpectedState::kReads);
    if (got.status().IsNotFound()) {
      if (DocExpectedState::IsLive(c)) {
        return Fail(1, "doc " + std::to_string(k) + " not found, expected " +
                           DocExpectedState::Describe(c));
      }
      return true;
    }
    if (!got.ok()) return Fail(2, "get: " + got.status().ToString());
    if (!DocExpectedState::IsLive(c) || !SameDoc(*got, DocFor(k, c))) {
      return Fail(1, "doc " + std::to_string(k) + " reads " + Text(*got) + ", expected " +
                         DocExpectedState::Describe(c));
    }
    auto found = coll_.Find(Value::MakeObject({{"email", DocEmail(k, c)}}));
    if (!found.ok()) return Fail(2, "find: " + found.status().ToString());
    auto docs = (*found)->ToVector();
    if (!docs.ok()) return Fail(2, "find: " + docs.status().ToString());
    if (docs->size() != 1 || !SameDoc((*docs)[0], *got)) {
      return Fail(1, "email of doc " + std::to_string(k) + " finds " +
                         std::to_string(docs->size()) + " documents");
    }
    return true;
  }

  // Index range queries over everyone's documents: each result must be a well-formed version
  // that matches the query, and this thread's documents must be at their committed version.
  bool ReadIndexes() {
    Value filter;
    int tag = -1;
    int64_t lo = 0, hi = 0;
    if (rnd_.OneIn(2)) {
      tag = static_cast<int>(rnd_.Uniform(kNumTags));
      filter = Value::MakeObject({{"tags", TagName(tag)}});
    } else {
      lo = static_cast<int64_t>(rnd_.Uniform(kNumScores));
      hi = lo + 3;
      filter = Value::MakeObject({{"score", Value::MakeObject({{"$gte", lo}, {"$lt", hi}})}});
    }
    FindOptions options;
    options.limit = 40;
    auto found = coll_.Find(filter, options);
    if (!found.ok()) return Fail(2, "find: " + found.status().ToString());
    auto docs = (*found)->ToVector();
    if (!docs.ok()) return Fail(2, "find: " + docs.status().ToString());
    for (const Value& doc : *docs) {
      uint32_t k, v;
      if (!ParseDoc(doc, &k, &v)) return Fail(1, Text(filter) + " found malformed " + Text(doc));
      bool match;
      if (tag >= 0) {
        auto tags = DocTags(k, v);
        match = std::find(tags.begin(), tags.end(), TagName(tag)) != tags.end();
      } else {
        match = DocScore(k, v) >= lo && DocScore(k, v) < hi;
      }
      if (!match) return Fail(1, Text(filter) + " found " + Text(doc));
      if (k % cfg_.threads == static_cast<uint32_t>(id_) && v != state_->Committed(k)) {
        return Fail(1, Text(filter) + " found doc " + std::to_string(k) + " at v" +
                           std::to_string(v) + ", expected " +
                           DocExpectedState::Describe(state_->Committed(k)));
      }
    }
    state_->Add(DocExpectedState::kReads);
    return true;
  }

  Shared* shared_;
  DocExpectedState* state_;
  const DocStressConfig& cfg_;
  const int id_;
  const uint32_t op_;  // one operation in flight per thread: the thread's number names it
  Random rnd_;
  Collection coll_;
};

}  // namespace

int RunDocStress(const DocStressConfig& config) {
  DocExpectedState state;
  Status s = state.Open(config.expected_path, config.num_docs);
  if (!s.ok()) {
    fprintf(stderr, "doc-stress: %s\n", s.ToString().c_str());
    return 2;
  }
  auto opened = Database::Open(config.dir, DocDatabaseOptions(config));
  if (!opened.ok()) {
    fprintf(stderr, "doc-stress: open: %s\n", opened.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<Database> db = std::move(opened).value();
  s = EnsureDocSchema(db.get());
  if (!s.ok()) {
    fprintf(stderr, "doc-stress: schema: %s\n", s.ToString().c_str());
    return 2;
  }
  Shared shared;
  shared.db = db.get();
  shared.state = &state;
  shared.config = &config;
  const uint64_t changes_before = state.Get(DocExpectedState::kAckedChanges);
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; i++) {
    threads.emplace_back([&shared, i]() { Worker(&shared, i).Run(); });
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(config.duration_sec * 1000));
  while (!shared.stop && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  shared.stop = true;
  for (auto& t : threads) t.join();
  s = db->Close();
  if (!s.ok() && shared.failure == 0) {
    fprintf(stderr, "doc-stress: close: %s\n", s.ToString().c_str());
    return 2;
  }
  fprintf(
      stderr, "doc-stress: %llu acknowledged document changes\n",
      static_cast<unsigned long long>(state.Get(DocExpectedState::kAckedChanges) - changes_before));
  return shared.failure;
}

}  // namespace strata::tools
