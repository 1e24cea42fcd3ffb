// The static parts of kv::Engine: the backend registry (Open, Destroy, Backends), plus the size
// limits every kv backend checks and small helpers they share (bounded iterators, disk usage).

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "kv/memory_engine.h"
#include "kv/peer_engines.h"
#include "lsm/db.h"
#include "strata/kv.h"

namespace strata::kv {

namespace {

using OpenFn = Result<std::unique_ptr<Engine>> (*)(const std::string& dir, const Options& options);
using DestroyFn = Status (*)(const std::string& dir, const Options& options);

struct Backend {
  std::string_view name;
  OpenFn open;
  DestroyFn destroy;
};

// Built backends, "strata" first (the default).
const std::vector<Backend>& Registry() {
  static const std::vector<Backend> backends = {
    {"strata", &lsm::OpenDB, &lsm::DestroyDB},
    {"memory", &OpenMemoryEngine, &DestroyMemoryEngine},
#if STRATA_HAVE_ROCKSDB
    {"rocksdb", &OpenRocksDBEngine, &DestroyRocksDBEngine},
#endif
#if STRATA_HAVE_LEVELDB
    {"leveldb", &OpenLevelDBEngine, &DestroyLevelDBEngine},
#endif
#if STRATA_HAVE_LMDB
    {"lmdb", &OpenLMDBEngine, &DestroyLMDBEngine},
#endif
  };
  return backends;
}

struct MissingBackend {
  std::string_view name;
  std::string_view package;
};

// Known backends this build lacks, with the Debian package that would bring them.
std::vector<MissingBackend> Missing() {
  std::vector<MissingBackend> missing;
  if (!STRATA_HAVE_ROCKSDB) missing.push_back({"rocksdb", "librocksdb-dev"});
  if (!STRATA_HAVE_LEVELDB) missing.push_back({"leveldb", "libleveldb-dev"});
  if (!STRATA_HAVE_LMDB) missing.push_back({"lmdb", "liblmdb-dev"});
  return missing;
}

std::string AvailableList() {
  std::string list;
  for (const Backend& b : Registry()) {
    if (!list.empty()) list += ", ";
    list += b.name;
  }
  return list;
}

// The entry for `name`, or an error naming it and what is available.
Result<const Backend*> Find(std::string_view name) {
  for (const Backend& b : Registry()) {
    if (b.name == name) return &b;
  }
  for (const MissingBackend& m : Missing()) {
    if (m.name == name) {
      return Status::NotSupported("kv backend \"" + std::string(name) +
                                  "\" is not in this build (" + std::string(m.package) +
                                  " was not found at build time); available: " + AvailableList());
    }
  }
  return Status::InvalidArgument("unknown kv backend \"" + std::string(name) +
                                 "\"; available: " + AvailableList());
}

// Bounds applied on top of an unbounded iterator. `valid_` caches "base is valid and in range".
class BoundedIterator final : public Iterator {
 public:
  BoundedIterator(std::unique_ptr<Iterator> base, std::optional<std::string> lower,
                  std::optional<std::string> upper)
      : base_(std::move(base)), lower_(std::move(lower)), upper_(std::move(upper)) {
    // An empty range is never valid; checking once here keeps every move simple.
    empty_ = lower_ && upper_ && Slice(*lower_).compare(*upper_) >= 0;
  }

  bool Valid() const override { return valid_; }

  void SeekToFirst() override {
    if (empty_) return Invalidate();
    if (lower_) {
      base_->Seek(*lower_);
    } else {
      base_->SeekToFirst();
    }
    CheckUpper();
  }

  void SeekToLast() override {
    if (empty_) return Invalidate();
    if (upper_) {
      // The last key < upper: step back from the first key >= upper, or from the very end.
      base_->Seek(*upper_);
      if (base_->Valid()) {
        base_->Prev();
      } else if (base_->status().ok()) {
        base_->SeekToLast();
      }
    } else {
      base_->SeekToLast();
    }
    CheckLower();
  }

  void Seek(const Slice& target) override {
    if (empty_) return Invalidate();
    if (lower_ && target.compare(*lower_) < 0) return SeekToFirst();
    base_->Seek(target);
    CheckUpper();
  }

  void SeekForPrev(const Slice& target) override {
    if (empty_) return Invalidate();
    if (upper_ && target.compare(*upper_) >= 0) return SeekToLast();
    base_->SeekForPrev(target);
    CheckLower();
  }

  void Next() override {
    base_->Next();
    CheckUpper();
  }
  void Prev() override {
    base_->Prev();
    CheckLower();
  }
  Slice key() const override { return base_->key(); }
  Slice value() const override { return base_->value(); }
  Status status() const override { return base_->status(); }

 private:
  void Invalidate() { valid_ = false; }
  void CheckUpper() { valid_ = base_->Valid() && (!upper_ || base_->key().compare(*upper_) < 0); }
  void CheckLower() { valid_ = base_->Valid() && (!lower_ || base_->key().compare(*lower_) >= 0); }

  std::unique_ptr<Iterator> base_;
  std::optional<std::string> lower_;
  std::optional<std::string> upper_;
  bool empty_ = false;
  bool valid_ = false;
};

}  // namespace

std::unique_ptr<Iterator> NewBoundedIterator(std::unique_ptr<Iterator> base,
                                             std::optional<std::string> lower,
                                             std::optional<std::string> upper) {
  if (!lower && !upper) return base;
  return std::make_unique<BoundedIterator>(std::move(base), std::move(lower), std::move(upper));
}

uint64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const uint64_t allocated = static_cast<uint64_t>(st.st_blocks) * 512;
    total += std::min<uint64_t>(static_cast<uint64_t>(st.st_size), allocated);
  }
  return total;
}

Status RemoveDirIfEmpty(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return Status::OK();
  if (std::filesystem::is_empty(dir, ec) && !ec) {
    std::filesystem::remove(dir, ec);
    if (ec) return Status::IOError("remove " + dir + ": " + ec.message());
  }
  return Status::OK();
}

Result<std::unique_ptr<Engine>> Engine::Open(std::string_view backend, const std::string& dir,
                                             const Options& options) {
  Result<const Backend*> entry = Find(backend);
  if (!entry.ok()) return entry.status();
  return (*entry)->open(dir, options);
}

Status Engine::Destroy(std::string_view backend, const std::string& dir, const Options& options) {
  Result<const Backend*> entry = Find(backend);
  if (!entry.ok()) return entry.status();
  return (*entry)->destroy(dir, options);
}

std::vector<std::string> Engine::Backends() {
  std::vector<std::string> names;
  for (const Backend& b : Registry()) names.emplace_back(b.name);
  return names;
}

std::vector<std::string> Engine::MissingBackends() {
  std::vector<std::string> names;
  for (const MissingBackend& m : Missing()) {
    names.push_back(std::string(m.name) + ": not found at build (install " +
                    std::string(m.package) + ")");
  }
  return names;
}

// Engine's default Put/Delete/Get/GetProperty live in src/base/kv_engine.cc: Strata's LSM
// (below this layer) implements the interface too.

}  // namespace strata::kv
