#include "lsm/check.h"

#include <set>

#include "lsm/cache.h"
#include "lsm/filename.h"
#include "lsm/version_set.h"
#include "lsm/wal_reader.h"

namespace strata::lsm {
namespace {

struct CheckReporter : public WalReader::Reporter {
  std::vector<std::string> findings;
  std::string file;
  void Corruption(size_t bytes, const Status& reason) override {
    findings.push_back(file + ": " + reason.ToString() + " (" + std::to_string(bytes) +
                       " bytes dropped)");
  }
};

void CheckTable(const InternalKeyComparator& icmp, TableCache* cache, int level,
                const FileMetaData& f, const std::string& name, Env* env, CheckReport* report) {
  uint64_t size = 0;
  Status s = env->GetFileSize(name, &size);
  if (!s.ok()) {
    report->problems.push_back(name + ": named by the MANIFEST (level " + std::to_string(level) +
                               ") but missing: " + s.ToString());
    return;
  }
  if (size != f.file_size) {
    report->problems.push_back(name + ": " + std::to_string(size) +
                               " bytes, the MANIFEST recorded " + std::to_string(f.file_size));
    return;
  }
  std::unique_ptr<Iterator> it(cache->NewIterator(/*fill_cache=*/false, f.number, f.file_size));
  std::string prev;
  uint64_t entries = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Slice key = it->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      report->problems.push_back(name + ": unparsable key at entry " + std::to_string(entries));
      return;
    }
    if (entries > 0 && icmp.Compare(prev, key) >= 0) {
      report->problems.push_back(name + ": keys out of order at entry " + std::to_string(entries));
      return;
    }
    if (icmp.Compare(key, f.smallest.Encode()) < 0 || icmp.Compare(key, f.largest.Encode()) > 0) {
      report->problems.push_back(name + ": entry " + std::to_string(entries) +
                                 " lies outside the bounds the MANIFEST recorded");
      return;
    }
    prev.assign(key.data(), key.size());
    entries++;
  }
  if (!it->status().ok()) {
    report->problems.push_back(name + ": " + it->status().ToString());
    return;
  }
  if (f.num_entries != 0 && entries != f.num_entries) {
    report->problems.push_back(name + ": " + std::to_string(entries) +
                               " entries, the MANIFEST recorded " + std::to_string(f.num_entries));
  }
  report->tables++;
  report->table_entries += entries;
  report->bytes_verified += size;
}

}  // namespace

Status CheckDB(const std::string& dir, const kv::Options& in_options, CheckReport* report) {
  kv::Options options = in_options;
  if (options.env == nullptr) options.env = Env::Default();
  Env* env = options.env;
  if (!env->FileExists(CurrentFileName(dir))) {
    return Status::InvalidArgument(dir + ": not a Strata database (no CURRENT file)");
  }
  std::unique_ptr<FileLock> lock;
  STRATA_RETURN_IF_ERROR(env->LockFile(LockFileName(dir), &lock));

  InternalKeyComparator icmp(BytewiseComparator());
  std::unique_ptr<Cache> block_cache = NewLRUCache(8 << 20);
  TableOptions topt;
  topt.comparator = &icmp;
  topt.block_cache = block_cache.get();
  topt.prefix_extractor = options.prefix_extractor.get();
  TableCache table_cache(dir, env, topt, 64);
  Status result;
  {
    VersionSet versions(dir, &options, &table_cache, &icmp);
    Status s = versions.Recover();
    if (!s.ok()) {
      report->problems.push_back("MANIFEST: " + s.ToString());
    } else {
      std::set<uint64_t> live;
      versions.AddLiveFiles(&live);
      Version* v = versions.current();
      for (int level = 0; level < kNumLevels; level++) {
        for (const FileMetaData* f : v->files(level)) {
          CheckTable(icmp, &table_cache, level, *f, TableFileName(dir, f->number), env, report);
        }
      }
      std::vector<std::string> children;
      env->GetChildren(dir, &children);
      for (const std::string& name : children) {
        uint64_t number;
        FileType type;
        if (!ParseFileName(name, &number, &type)) continue;
        if (type == FileType::kTable && !live.count(number)) {
          report->notes.push_back(name +
                                  ": not named by the MANIFEST (left by an interrupted "
                                  "flush or compaction; removed at the next open)");
        }
        if (type != FileType::kWal || number < versions.LogNumber()) continue;
        const std::string path = dir + "/" + name;
        std::unique_ptr<SequentialFile> file;
        s = env->NewSequentialFile(path, &file);
        if (!s.ok()) {
          report->problems.push_back(path + ": " + s.ToString());
          continue;
        }
        CheckReporter reporter;
        reporter.file = path;
        WalReader reader(file.get(), &reporter, /*checksum=*/true, number);
        Slice record;
        std::string scratch;
        while (reader.ReadRecord(&record, &scratch)) report->wal_records++;
        // Damage followed by valid records is real; damage at the very end is a torn write.
        auto& dest = reader.CorruptionInMiddle() ? report->problems : report->notes;
        dest.insert(dest.end(), reporter.findings.begin(), reporter.findings.end());
        if (!reader.status().ok())
          report->problems.push_back(path + ": " + reader.status().ToString());
        if (reader.TailDropped()) {
          report->notes.push_back(path +
                                  ": ends in an incomplete record (a write interrupted "
                                  "by a crash; never acknowledged as synced)");
        }
        uint64_t size = 0;
        env->GetFileSize(path, &size);
        report->bytes_verified += size;
        report->wals++;
      }
    }
  }
  env->UnlockFile(std::move(lock));
  return result;
}

}  // namespace strata::lsm
