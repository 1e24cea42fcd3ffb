#include "lsm/filename.h"

#include <cstdio>

namespace strata::lsm {
namespace {

std::string MakeFileName(const std::string& dir, uint64_t number, const char* suffix) {
  char buf[64];
  snprintf(buf, sizeof(buf), "/%06llu.%s", static_cast<unsigned long long>(number), suffix);
  return dir + buf;
}

bool ParseNumber(const std::string& s, uint64_t* number) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *number = v;
  return true;
}

}  // namespace

std::string WalFileName(const std::string& dir, uint64_t number) {
  return MakeFileName(dir, number, "wal");
}
std::string TableFileName(const std::string& dir, uint64_t number) {
  return MakeFileName(dir, number, "sst");
}
std::string TempFileName(const std::string& dir, uint64_t number) {
  return MakeFileName(dir, number, "tmp");
}
std::string ManifestFileName(const std::string& dir, uint64_t number) {
  char buf[64];
  snprintf(buf, sizeof(buf), "/MANIFEST-%06llu", static_cast<unsigned long long>(number));
  return dir + buf;
}
std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }
std::string LockFileName(const std::string& dir) { return dir + "/LOCK"; }

bool ParseFileName(const std::string& name, uint64_t* number, FileType* type) {
  if (name == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrent;
    return true;
  }
  if (name == "LOCK") {
    *number = 0;
    *type = FileType::kLock;
    return true;
  }
  if (name == "LOG" || name == "LOG.old") {
    *number = 0;
    *type = FileType::kInfoLog;
    return true;
  }
  if (name.rfind("MANIFEST-", 0) == 0) {
    *type = FileType::kManifest;
    return ParseNumber(name.substr(9), number);
  }
  size_t dot = name.find('.');
  if (dot == std::string::npos || !ParseNumber(name.substr(0, dot), number)) return false;
  std::string suffix = name.substr(dot + 1);
  if (suffix == "wal") {
    *type = FileType::kWal;
  } else if (suffix == "sst") {
    *type = FileType::kTable;
  } else if (suffix == "tmp") {
    *type = FileType::kTemp;
  } else {
    return false;
  }
  return true;
}

Status SetCurrentFile(Env* env, const std::string& dir, uint64_t manifest_number) {
  std::string manifest = ManifestFileName(dir, manifest_number);
  std::string contents = manifest.substr(dir.size() + 1) + "\n";
  std::string tmp = TempFileName(dir, manifest_number);
  Status s = WriteStringToFile(env, contents, tmp, /*sync=*/true);
  if (s.ok()) s = env->RenameFile(tmp, CurrentFileName(dir));
  if (s.ok()) s = env->SyncDir(dir);
  if (!s.ok()) env->RemoveFile(tmp);
  return s;
}

}  // namespace strata::lsm
