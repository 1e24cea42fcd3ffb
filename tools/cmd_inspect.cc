// `strata sst-dump`, `strata wal-dump` and `strata check`: look inside the engine's files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "base/text.h"
#include "commands.h"
#include "env/env.h"
#include "lsm/cache.h"
#include "lsm/check.h"
#include "lsm/dbformat.h"
#include "lsm/filename.h"
#include "lsm/table.h"
#include "lsm/table_builder.h"
#include "lsm/wal_reader.h"
#include "open_database.h"
#include "strata/db.h"

namespace strata::tools {
namespace {

std::string Escape(const Slice& s, size_t max = 64) { return PrintableBytes(s.view(), max); }

int SstDump(const std::string& path, bool show_entries, size_t limit) {
  Env* env = Env::Default();
  uint64_t size = 0;
  Status s = env->GetFileSize(path, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = env->NewRandomAccessFile(path, &file);
  lsm::InternalKeyComparator icmp(BytewiseComparator());
  lsm::TableOptions topt;
  topt.comparator = &icmp;
  std::unique_ptr<lsm::Table> table;
  if (s.ok()) s = lsm::Table::Open(topt, std::move(file), size, path, &table);
  if (!s.ok()) {
    fprintf(stderr, "sst-dump: %s\n", s.ToString().c_str());
    return 1;
  }
  const auto& p = table->properties();
  printf(
      "%s: %llu bytes, %llu entries, %llu data blocks (%llu bytes), filter %llu bytes, "
      "index %llu bytes, raw keys %llu bytes, raw values %llu bytes\n",
      path.c_str(), static_cast<unsigned long long>(size),
      static_cast<unsigned long long>(p.num_entries),
      static_cast<unsigned long long>(p.num_data_blocks),
      static_cast<unsigned long long>(p.data_bytes),
      static_cast<unsigned long long>(p.filter_bytes),
      static_cast<unsigned long long>(p.index_bytes),
      static_cast<unsigned long long>(p.raw_key_bytes),
      static_cast<unsigned long long>(p.raw_value_bytes));
  std::unique_ptr<Iterator> it(table->NewIterator(false));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    if (!show_entries || n >= limit) continue;
    lsm::ParsedInternalKey k;
    if (!lsm::ParseInternalKey(it->key(), &k)) {
      printf("  <unparsable key %s>\n", Escape(it->key()).c_str());
      continue;
    }
    printf("  '%s' @%llu %s => '%s'\n", Escape(k.user_key).c_str(),
           static_cast<unsigned long long>(k.sequence), k.type == lsm::kTypeValue ? "put" : "del",
           Escape(it->value()).c_str());
  }
  if (!it->status().ok()) {
    fprintf(stderr, "sst-dump: after %zu entries: %s\n", n, it->status().ToString().c_str());
    return 1;
  }
  printf("%zu entries read, every block checksum verified\n", n);
  return 0;
}

class BatchPrinter final : public WriteBatch::Handler {
 public:
  void Put(const Slice& key, const Slice& value) override {
    printf("    put '%s' => '%s'\n", Escape(key).c_str(), Escape(value).c_str());
  }
  void Delete(const Slice& key) override { printf("    del '%s'\n", Escape(key).c_str()); }
};

struct PrintReporter : public lsm::WalReader::Reporter {
  int problems = 0;
  void Corruption(size_t bytes, const Status& reason) override {
    printf("  CORRUPTION: %s (%zu bytes dropped)\n", reason.ToString().c_str(), bytes);
    problems++;
  }
};

int WalDump(const std::string& path, bool show_ops) {
  Env* env = Env::Default();
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(path, &file);
  if (!s.ok()) {
    fprintf(stderr, "wal-dump: %s\n", s.ToString().c_str());
    return 1;
  }
  uint64_t number = 0;
  lsm::FileType type;
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (!lsm::ParseFileName(base, &number, &type)) {
    fprintf(stderr,
            "wal-dump: %s: the name does not carry a log number (NNNNNN.wal or "
            "MANIFEST-NNNNNN)\n",
            path.c_str());
    return 1;
  }
  PrintReporter reporter;
  lsm::WalReader reader(file.get(), &reporter, true, number);
  Slice record;
  std::string scratch;
  uint64_t records = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    records++;
    if (type != lsm::FileType::kWal) {
      printf("  record at %llu: %zu bytes\n",
             static_cast<unsigned long long>(reader.LastRecordOffset()), record.size());
      continue;
    }
    WriteBatch batch;
    if (!batch.SetContents(record).ok()) {
      printf("  record at %llu: too short for a batch\n",
             static_cast<unsigned long long>(reader.LastRecordOffset()));
      reporter.problems++;
      continue;
    }
    printf("  record at %llu: sequence %llu, %u operations\n",
           static_cast<unsigned long long>(reader.LastRecordOffset()),
           static_cast<unsigned long long>(batch.Sequence()), batch.Count());
    if (show_ops) {
      BatchPrinter printer;
      Status bs = batch.Iterate(&printer);
      if (!bs.ok()) {
        printf("  CORRUPTION: %s\n", bs.ToString().c_str());
        reporter.problems++;
      }
    }
  }
  printf("%s: %llu records%s\n", path.c_str(), static_cast<unsigned long long>(records),
         reader.TailDropped() ? ", then an incomplete record at the tail" : "");
  return reporter.problems > 0 || !reader.status().ok() ? 1 : 0;
}

// The engine's files first (Strata's own backend), then the document layer: index entries,
// records and counters (Database::Check), repaired when asked.
int CheckDocuments(const std::string& dir, const std::string& backend, bool repair) {
  auto db = OpenExistingDatabase(dir, backend);
  if (!db.ok()) {
    fprintf(stderr, "check: %s\n", db.status().ToString().c_str());
    return 2;
  }
  auto report = (*db)->Check(repair);
  if (!report.ok()) {
    fprintf(stderr, "check: %s\n", report.status().ToString().c_str());
    return 2;
  }
  for (const auto& f : report->findings) {
    printf("%s: %s: %s%s%s\n", repair ? "REPAIRED" : "PROBLEM", f.kind.c_str(), f.where.c_str(),
           f.action.empty() ? "" : " -> ", f.action.c_str());
  }
  printf("documents: %llu collections, %llu records, %llu index entries: %s\n",
         static_cast<unsigned long long>(report->collections),
         static_cast<unsigned long long>(report->records),
         static_cast<unsigned long long>(report->index_entries),
         report->ok() ? "OK" : (std::to_string(report->findings.size()) + " finding(s)").c_str());
  Status closed = (*db)->Close();
  if (!closed.ok()) {
    fprintf(stderr, "check: %s\n", closed.ToString().c_str());
    return 2;
  }
  return report->ok() || repair ? 0 : 1;
}

int Check(const std::string& dir) {
  lsm::CheckReport report;
  Status s = lsm::CheckDB(dir, kv::Options(), &report);
  if (!s.ok()) {
    fprintf(stderr, "check: %s\n", s.ToString().c_str());
    return 2;
  }
  for (const auto& n : report.notes) printf("note: %s\n", n.c_str());
  for (const auto& p : report.problems) printf("PROBLEM: %s\n", p.c_str());
  printf("%s: %llu tables (%llu entries), %llu WALs (%llu records), %llu bytes verified: %s\n",
         dir.c_str(), static_cast<unsigned long long>(report.tables),
         static_cast<unsigned long long>(report.table_entries),
         static_cast<unsigned long long>(report.wals),
         static_cast<unsigned long long>(report.wal_records),
         static_cast<unsigned long long>(report.bytes_verified),
         report.ok() ? "OK" : (std::to_string(report.problems.size()) + " problem(s)").c_str());
  return report.ok() ? 0 : 1;
}

}  // namespace

void AddSstDumpCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("sst-dump", "Print a table file's properties and entries");
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto limit = std::make_shared<size_t>(1000);
  cmd->add_option("file", *path, "An NNNNNN.sst file")->required();
  cmd->add_flag("--summary", *quiet, "Only the properties and the verification");
  cmd->add_option("--limit", *limit, "Entries to print")->capture_default_str();
  cmd->callback([=]() { *exit_code = SstDump(*path, !*quiet, *limit); });
}

void AddWalDumpCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("wal-dump", "Print the records of a WAL (or MANIFEST) file");
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "An NNNNNN.wal or MANIFEST-NNNNNN file")->required();
  cmd->add_flag("--summary", *quiet, "Records only, not their operations");
  cmd->callback([=]() { *exit_code = WalDump(*path, !*quiet); });
}

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "check",
      "Verify a database directory: MANIFEST, every table's checksums and key order, "
      "the WALs still needed; then every record and index entry (--repair fixes them). "
      "Exit 0 when sound, 1 when damage was found");
  auto dir = std::make_shared<std::string>();
  auto backend = std::make_shared<std::string>("strata");
  auto repair = std::make_shared<bool>(false);
  cmd->add_option("dir", *dir, "Database directory (the server must not hold it)")->required();
  cmd->add_option("--backend", *backend, "Storage engine")->capture_default_str();
  cmd->add_flag("--repair", *repair,
                "Fix what the document check finds (orphan or missing index entries, "
                "undecodable records, counters)");
  cmd->callback([=]() {
    int files = *backend == "strata" ? Check(*dir) : 0;
    if (files == 2) {
      *exit_code = 2;
      return;
    }
    int docs = CheckDocuments(*dir, *backend, *repair);
    *exit_code = std::max(files, docs);
  });
}

}  // namespace strata::tools
