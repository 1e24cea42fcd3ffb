// The document layer's stress and crash test, in the manner of `strata stress`/`crashtest`:
// `strata doc-stress` runs threads of inserts, updates ($set/$inc of indexed fields, array
// pushes and pulls), replaces, upserts and deletes, alone and in explicit transactions, on a
// collection with a unique, a plain and a multikey index, with sync writes, and records every
// acknowledged change in a DocExpectedState; `strata doc-crashtest` kills it with SIGKILL at random
// moments, reopens the database, runs Database::Check, and checks every acknowledged change and
// the indexes' answers against the oracle, again and again.
//
// The oracle keeps a version per document; the content of version v of document k is a pure
// function DocFor(k, v), and every update is written so that it turns DocFor(k, v) into
// DocFor(k, v + 1). So a version number says exactly what the document must contain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/kv.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools {

struct DocStressConfig {
  std::string dir;
  std::string expected_path;
  uint32_t num_docs = 2000;
  int threads = 4;
  uint64_t seed = 1;
  double duration_sec = 10;  // the crash test kills it long before
  size_t write_buffer_size = 256 << 10;
  kv::Compression compression = kv::Compression::kLZ4;
  // Also fail a unique-key write inside an explicit transaction and then commit the rest of it.
  bool txn_error_probes = true;
};

// The stress test's collection and its indexes.
inline constexpr char kDocCollection[] = "docs";
inline constexpr char kEmailIndex[] = "email_1";  // unique
inline constexpr char kScoreIndex[] = "score_1";  // plain
inline constexpr char kTagsIndex[] = "tags_1";    // multikey: every document has 2 or 3 tags
inline constexpr int kNumScores = 50;
inline constexpr int kNumTags = 16;

// Version v (>= 1) of document k. Fields: _id, v, email (unique; changes every other version),
// score, tags (a window over 16 tags that gains a tag at the end on even v and loses its first
// on odd v), profile {level, name}, pad (a variable-length string).
Value DocFor(uint32_t k, uint32_t v);
std::string DocEmail(uint32_t k, uint32_t v);
int64_t DocScore(uint32_t k, uint32_t v);
std::vector<std::string> DocTags(uint32_t k, uint32_t v);
std::string TagName(int t);

// Equality of documents regardless of field order (an update may append fields elsewhere).
bool SameDoc(const Value& a, const Value& b);
// When `doc` is some well-formed version of a stress document, returns true with its _id and
// version.
bool ParseDoc(const Value& doc, uint32_t* k, uint32_t* v);

DatabaseOptions DocDatabaseOptions(const DocStressConfig& config);
// Creates the collection and its three indexes where missing; an index left "building" by a
// crash is dropped and built again.
Status EnsureDocSchema(Database* db);

// The oracle: a memory-mapped file (MAP_SHARED, so it survives the writer's SIGKILL) with, per
// document, the last acknowledged version, the version of a change in flight, and which
// operation that change belongs to (operations with several documents are all-or-nothing).
// Versions: 31 bits, the high bit marks a deletion, 0 means never written.
class DocExpectedState {
 public:
  static constexpr uint32_t kDeleted = 0x80000000u;
  static constexpr uint32_t kNone = 0;
  // Counters kept in the file's header, summed over every run.
  enum Counter {
    kAckedChanges,        // documents inserted, changed or deleted by acknowledged calls
    kAckedTxns,           // explicit transactions committed
    kConflicts,           // explicit transactions refused with Conflict (they wrote nothing)
    kRejectedDuplicates,  // unique-key violations refused as they must be
    kReads,               // reads checked against the oracle inside the stress process
    kNumCounters
  };

  DocExpectedState() = default;
  DocExpectedState(const DocExpectedState&) = delete;
  DocExpectedState& operator=(const DocExpectedState&) = delete;
  ~DocExpectedState();

  Status Open(const std::string& path, uint32_t num_docs);

  uint32_t num_docs() const { return num_docs_; }
  uint32_t Committed(uint32_t k) const { return Load(4 * k); }
  uint32_t Pending(uint32_t k) const { return Load(4 * k + 1); }
  uint32_t PendingOp(uint32_t k) const { return Load(4 * k + 2); }
  // Recorded before the change is made; `op` is nonzero and shared by one operation's documents.
  void SetPending(uint32_t k, uint32_t version, uint32_t op);
  void Commit(uint32_t k);   // the change was acknowledged
  void Abandon(uint32_t k);  // the change was refused: it wrote nothing
  // After recovery: the database showed `observed` (the committed or the pending version).
  void Resolve(uint32_t k, uint32_t observed);

  void Add(Counter c, uint64_t n = 1);
  uint64_t Get(Counter c) const;

  static bool IsLive(uint32_t version) { return version != kNone && (version & kDeleted) == 0; }
  // The version a change of a document at `committed` writes.
  static uint32_t Next(uint32_t committed, bool deleted);
  static std::string Describe(uint32_t version);

 private:
  uint32_t Load(size_t slot) const;
  void Store(size_t slot, uint32_t value);

  uint64_t* header_ = nullptr;
  uint32_t* slots_ = nullptr;
  void* map_ = nullptr;
  uint32_t num_docs_ = 0;
  size_t length_ = 0;
};

// Runs the writer threads until the duration ends. 0 on success, 1 when a read or a result
// contradicted the oracle, 2 on an unexpected error from the database.
int RunDocStress(const DocStressConfig& config);

struct DocVerifyReport {
  uint64_t docs_live = 0, docs_deleted = 0;
  uint64_t pending_applied = 0, pending_lost = 0;
  uint64_t records = 0, index_entries = 0;  // as Check counted them
  uint64_t queries = 0;                     // index queries checked against the oracle
  std::vector<std::string> errors;
};

// Reopens the database; requires Check to find nothing; checks every document against the
// oracle (adopting in-flight changes that turned out durable, all of an operation or none), then
// queries through each index and compares the answers with the oracle.
Status VerifyDocDatabase(const DocStressConfig& config, DocExpectedState* state,
                         DocVerifyReport* report);

struct DocCrashTestConfig {
  DocStressConfig stress;
  std::string self_exe;  // the `strata` binary, run as `strata doc-stress ...`
  int kills = 10;
  double min_run_sec = 0.3;
  double max_run_sec = 1.5;
};

int RunDocCrashTest(const DocCrashTestConfig& config);

}  // namespace strata::tools
