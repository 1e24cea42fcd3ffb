#include "server/backup.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "doc/keyspace.h"
#include "strata/write_batch.h"

namespace strata::server {
namespace {

Status CheckEmptyTarget(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return Status::AlreadyExists(dir + " exists and is not empty; choose a new directory");
  }
  return Status::OK();
}

// Streams every key of `source` (as of `snapshot`) into `target` in bounded batches.
Result<BackupReport> Copy(kv::Engine* source, std::shared_ptr<const kv::Snapshot> snapshot,
                          kv::Engine* target) {
  auto start = std::chrono::steady_clock::now();
  BackupReport report;
  kv::ReadOptions read;
  read.snapshot = std::move(snapshot);
  read.fill_cache = false;
  std::unique_ptr<Iterator> it = source->NewIterator(read);
  WriteBatch batch;
  size_t batch_bytes = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(it->key(), it->value());
    batch_bytes += it->key().size() + it->value().size();
    ++report.keys;
    if (batch_bytes >= (4u << 20)) {
      STRATA_RETURN_IF_ERROR(target->Write(kv::WriteOptions(), batch));
      report.bytes += batch_bytes;
      batch.Clear();
      batch_bytes = 0;
    }
  }
  STRATA_RETURN_IF_ERROR(it->status());
  if (batch.Count() > 0) STRATA_RETURN_IF_ERROR(target->Write(kv::WriteOptions(), batch));
  report.bytes += batch_bytes;
  STRATA_RETURN_IF_ERROR(target->Flush());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace

Result<BackupReport> BackupTo(kv::Engine* source, const std::string& backend,
                              const std::string& dir) {
  STRATA_RETURN_IF_ERROR(CheckEmptyTarget(dir));
  kv::Options options;
  options.create_if_missing = true;
  options.error_if_exists = false;
  options.prefix_extractor = doc::KeyspacePrefixExtractor();
  auto target = kv::Engine::Open(backend, dir, options);
  if (!target.ok()) return target.status().WithContext(dir);
  auto report = Copy(source, source->GetSnapshot(), target->get());
  Status closed = (*target)->Close();
  if (!report.ok()) return report.status();
  STRATA_RETURN_IF_ERROR(closed);
  return report;
}

Result<BackupReport> RestoreFrom(const std::string& backup_dir, const std::string& data_dir,
                                 const std::string& backend) {
  STRATA_RETURN_IF_ERROR(CheckEmptyTarget(data_dir));
  kv::Options options;
  options.create_if_missing = false;
  auto source = kv::Engine::Open(backend, backup_dir, options);
  if (!source.ok()) return source.status().WithContext(backup_dir);
  // Copying key by key (rather than the files) reads every block once more, so a damaged backup
  // is reported by its checksums here instead of after the restore.
  auto report = BackupTo(source->get(), backend, data_dir);
  Status closed = (*source)->Close();
  if (!report.ok()) return report.status();
  STRATA_RETURN_IF_ERROR(closed);
  return report;
}

}  // namespace strata::server
