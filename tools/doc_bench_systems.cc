#include "doc_bench_systems.h"

#include <sqlite3.h>

#include <cinttypes>
#include <cstdio>

#include "base/memory.h"
#include "base/random.h"
#include "strata/db.h"

namespace strata::tools {

std::string CityName(int n) { return "city" + std::to_string(n); }

Person MakePerson(uint64_t i, uint64_t num, uint64_t seed) {
  // splitmix64 of (seed, i): every document's fields are independent of its neighbours'.
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + (i + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  Random rnd(z ^ (z >> 31));
  Person p;
  p.id = static_cast<int64_t>(i + 1);
  char buf[32];
  snprintf(buf, sizeof(buf), "user%08" PRIu64, i);
  p.name = buf;
  p.email = p.name + "@example.com";
  p.city = CityName(static_cast<int>(rnd.Uniform(100)));
  p.age = 18 + static_cast<int64_t>(rnd.Uniform(73));
  p.score = static_cast<double>(rnd.Uniform(num)) + static_cast<double>(rnd.Uniform(1000)) / 1000.0;
  p.active = rnd.OneIn(2);
  return p;
}

namespace {

// ---- Strata ---------------------------------------------------------------------------------

// Built in place, as SQLite's side binds its columns without copies: an initializer list would
// copy every name and value once more.
Value ToValue(const Person& p) {
  Object fields;
  fields.reserve(6);
  fields.emplace_back("name", p.name);
  fields.emplace_back("email", p.email);
  fields.emplace_back("age", p.age);
  fields.emplace_back("city", p.city);
  fields.emplace_back("score", p.score);
  fields.emplace_back("active", p.active);
  return Value(std::move(fields));
}

class StrataDocs final : public DocSystem {
 public:
  explicit StrataDocs(std::string backend) : backend_(std::move(backend)) {}

  Status Open(const std::string& dir, bool indexes) override {
    DatabaseOptions o;
    o.backend = backend_;
    auto db = Database::Open(dir, o);
    if (!db.ok()) return db.status();
    db_ = std::move(db).value();
    CollectionOptions co;
    co.id_strategy = IdStrategy::kAutoIncrement;
    STRATA_RETURN_IF_ERROR(db_->CreateCollection("people", co));
    if (indexes) {
      STRATA_RETURN_IF_ERROR(db_->collection("people").CreateIndex({{"email", 1}}));
      STRATA_RETURN_IF_ERROR(db_->collection("people").CreateIndex({{"score", 1}}));
    }
    return Status::OK();
  }
  Status InsertOne(const Person& p) override {
    return db_->collection("people").InsertOne(ToValue(p)).status();
  }
  Status InsertBatch(const std::vector<Person>& batch) override {
    std::vector<Value> docs;
    docs.reserve(batch.size());
    for (const Person& p : batch) docs.push_back(ToValue(p));
    return db_->collection("people").InsertMany(std::move(docs)).status();
  }
  Status GetById(int64_t id, uint64_t* found) override {
    auto doc = db_->collection("people").Get(Value(id));
    if (doc.ok()) ++*found;
    return doc.ok() || doc.status().IsNotFound() ? Status::OK() : doc.status();
  }
  Status FindEmail(const std::string& email, uint64_t* found) override {
    return Drain(Value::MakeObject({{"email", email}}), found);
  }
  Status FindScoreRange(double lo, double hi, uint64_t* found) override {
    return Drain(Value::MakeObject({{"score", Value::MakeObject({{"$gte", lo}, {"$lt", hi}})}}),
                 found);
  }
  Status ScanFilter(int64_t min_age, const std::string& city, uint64_t* found) override {
    return Drain(
        Value::MakeObject({{"age", Value::MakeObject({{"$gt", min_age}})}, {"city", city}}), found);
  }
  Status GroupByCity(uint64_t* groups) override {
    Value pipeline = Value::MakeArray({Value::MakeObject(
        {{"$group", Value::MakeObject({{"_id", "$city"},
                                       {"n", Value::MakeObject({{"$sum", 1}})},
                                       {"age", Value::MakeObject({{"$avg", "$age"}})}})}})});
    auto out = db_->collection("people").Aggregate(pipeline);
    if (!out.ok()) return out.status();
    *groups += out->size();
    return Status::OK();
  }
  Status UpdateCity(const std::string& city, uint64_t* updated) override {
    auto r = db_->collection("people").UpdateMany(
        Value::MakeObject({{"city", city}}),
        Value::MakeObject({{"$inc", Value::MakeObject({{"age", 1}})}}));
    if (!r.ok()) return r.status();
    *updated += r->modified;
    return Status::OK();
  }
  Status Close() override {
    if (!db_) return Status::OK();
    Status s = db_->Close();
    db_.reset();
    return s;
  }

 private:
  Status Drain(const Value& filter, uint64_t* found) {
    auto cursor = db_->collection("people").Find(filter);
    if (!cursor.ok()) return cursor.status();
    Value doc;
    while (true) {
      auto more = (*cursor)->Next(&doc);
      if (!more.ok()) return more.status();
      if (!*more) return Status::OK();
      ++*found;
    }
  }

  std::string backend_;
  std::unique_ptr<Database> db_;
};

// ---- SQLite -----------------------------------------------------------------------------------

// SQLite keeps the system's allocator (glibc malloc) when the strata binary links jemalloc, as a
// program that uses SQLite has it: the comparison is Strata as shipped against SQLite as used.
// Each block's size lives in an 8-byte header, as in SQLite's own default allocator.
#ifdef __GLIBC__
extern "C" {
void* __libc_malloc(size_t n);
void __libc_free(void* p);
void* __libc_realloc(void* p, size_t n);
}

void* SystemMalloc(int n) {
  auto* p = static_cast<int64_t*>(__libc_malloc(static_cast<size_t>(n) + 8));
  if (p == nullptr) return nullptr;
  p[0] = n;
  return p + 1;
}
void SystemFree(void* p) {
  if (p != nullptr) __libc_free(static_cast<int64_t*>(p) - 1);
}
void* SystemRealloc(void* p, int n) {
  auto* q = static_cast<int64_t*>(
      __libc_realloc(static_cast<int64_t*>(p) - 1, static_cast<size_t>(n) + 8));
  if (q == nullptr) return nullptr;
  q[0] = n;
  return q + 1;
}
int SystemSize(void* p) {
  return p == nullptr ? 0 : static_cast<int>(static_cast<int64_t*>(p)[-1]);
}
int RoundUp8(int n) { return (n + 7) & ~7; }
int NoInit(void*) { return SQLITE_OK; }
void NoShutdown(void*) {}
#endif

// Before SQLite's first use in the process; false if SQLite was already initialized.
bool SqliteOnSystemAllocator() {
#ifdef __GLIBC__
  static const bool done = [] {
    if (!UsingJemalloc()) return true;
    static const sqlite3_mem_methods methods = {SystemMalloc, SystemFree, SystemRealloc, SystemSize,
                                                RoundUp8,     NoInit,     NoShutdown,    nullptr};
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) == SQLITE_OK;
  }();
  return done;
#else
  return true;
#endif
}

class SqliteDocs final : public DocSystem {
 public:
  ~SqliteDocs() override { (void)Close(); }

  Status Open(const std::string& dir, bool indexes) override {
    if (!SqliteOnSystemAllocator()) {
      return Status::Aborted("SQLite was initialized before its allocator could be set");
    }
    std::string path = dir + "/people.sqlite";
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return Error("open");
    STRATA_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    STRATA_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    STRATA_RETURN_IF_ERROR(
        Exec("CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, "
             "city TEXT, score REAL, active INTEGER)"));
    if (indexes) {
      STRATA_RETURN_IF_ERROR(Exec("CREATE INDEX people_email ON people(email)"));
      STRATA_RETURN_IF_ERROR(Exec("CREATE INDEX people_score ON people(score)"));
    }
    STRATA_RETURN_IF_ERROR(Prepare(
        "INSERT INTO people(name, email, age, city, score, active) VALUES(?,?,?,?,?,?)", &insert_));
    STRATA_RETURN_IF_ERROR(Prepare("SELECT * FROM people WHERE id = ?", &get_));
    STRATA_RETURN_IF_ERROR(Prepare("SELECT * FROM people WHERE email = ?", &email_));
    STRATA_RETURN_IF_ERROR(Prepare("SELECT * FROM people WHERE score >= ? AND score < ?", &range_));
    STRATA_RETURN_IF_ERROR(Prepare("SELECT * FROM people WHERE age > ? AND city = ?", &scan_));
    STRATA_RETURN_IF_ERROR(
        Prepare("SELECT city, COUNT(*), AVG(age) FROM people GROUP BY city", &group_));
    STRATA_RETURN_IF_ERROR(Prepare("UPDATE people SET age = age + 1 WHERE city = ?", &update_));
    return Status::OK();
  }
  Status InsertOne(const Person& p) override { return Insert(p); }
  Status InsertBatch(const std::vector<Person>& batch) override {
    STRATA_RETURN_IF_ERROR(Exec("BEGIN"));
    for (const Person& p : batch) STRATA_RETURN_IF_ERROR(Insert(p));
    return Exec("COMMIT");
  }
  Status GetById(int64_t id, uint64_t* found) override {
    sqlite3_bind_int64(get_, 1, id);
    return Drain(get_, found);
  }
  Status FindEmail(const std::string& email, uint64_t* found) override {
    sqlite3_bind_text(email_, 1, email.data(), static_cast<int>(email.size()), SQLITE_STATIC);
    return Drain(email_, found);
  }
  Status FindScoreRange(double lo, double hi, uint64_t* found) override {
    sqlite3_bind_double(range_, 1, lo);
    sqlite3_bind_double(range_, 2, hi);
    return Drain(range_, found);
  }
  Status ScanFilter(int64_t min_age, const std::string& city, uint64_t* found) override {
    sqlite3_bind_int64(scan_, 1, min_age);
    sqlite3_bind_text(scan_, 2, city.data(), static_cast<int>(city.size()), SQLITE_STATIC);
    return Drain(scan_, found);
  }
  Status GroupByCity(uint64_t* groups) override { return Drain(group_, groups); }
  Status UpdateCity(const std::string& city, uint64_t* updated) override {
    sqlite3_bind_text(update_, 1, city.data(), static_cast<int>(city.size()), SQLITE_STATIC);
    int rc = sqlite3_step(update_);
    sqlite3_reset(update_);
    if (rc != SQLITE_DONE) return Error("update");
    *updated += static_cast<uint64_t>(sqlite3_changes(db_));
    return Status::OK();
  }
  Status Close() override {
    for (sqlite3_stmt* s : {insert_, get_, email_, range_, scan_, group_, update_}) {
      if (s != nullptr) sqlite3_finalize(s);
    }
    insert_ = get_ = email_ = range_ = scan_ = group_ = update_ = nullptr;
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
    return Status::OK();
  }

 private:
  Status Error(const char* what) {
    return Status::IOError(std::string("sqlite ") + what + ": " +
                           (db_ != nullptr ? sqlite3_errmsg(db_) : "no database"));
  }
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      return Status::IOError(std::string("sqlite: ") + sql + ": " + msg);
    }
    return Status::OK();
  }
  Status Prepare(const char* sql, sqlite3_stmt** stmt) {
    if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) return Error(sql);
    return Status::OK();
  }
  Status Insert(const Person& p) {
    sqlite3_bind_text(insert_, 1, p.name.data(), static_cast<int>(p.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 2, p.email.data(), static_cast<int>(p.email.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 3, p.age);
    sqlite3_bind_text(insert_, 4, p.city.data(), static_cast<int>(p.city.size()), SQLITE_STATIC);
    sqlite3_bind_double(insert_, 5, p.score);
    sqlite3_bind_int(insert_, 6, p.active ? 1 : 0);
    int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    return rc == SQLITE_DONE ? Status::OK() : Error("insert");
  }
  // Steps through every row, reading each column as an application would.
  Status Drain(sqlite3_stmt* stmt, uint64_t* rows) {
    int rc;
    uint64_t sink = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      int n = sqlite3_column_count(stmt);
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(stmt, i) == SQLITE_TEXT) {
          sink += static_cast<uint64_t>(sqlite3_column_bytes(stmt, i));
        } else {
          sink += static_cast<uint64_t>(sqlite3_column_int64(stmt, i));
        }
      }
      ++*rows;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    (void)sink;
    return rc == SQLITE_DONE ? Status::OK() : Error("query");
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt *insert_ = nullptr, *get_ = nullptr, *email_ = nullptr, *range_ = nullptr,
               *scan_ = nullptr, *group_ = nullptr, *update_ = nullptr;
};

}  // namespace

std::unique_ptr<DocSystem> NewStrataDocSystem(const std::string& backend) {
  return std::make_unique<StrataDocs>(backend);
}
std::unique_ptr<DocSystem> NewSqliteDocSystem() { return std::make_unique<SqliteDocs>(); }

}  // namespace strata::tools
