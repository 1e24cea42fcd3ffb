#include "stress.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "base/random.h"

namespace strata::tools {

std::string StressKey(uint32_t key) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%08u", key);
  return buf;
}

std::string StressValue(uint32_t key, uint32_t version) {
  char buf[48];
  int n = snprintf(buf, sizeof(buf), "k=%u,v=%u,", key, version);
  std::string v(buf, n);
  // A length that depends on both, so a mixed-up value cannot pass as the right one.
  const size_t filler = (key * 2654435761u + version * 40503u) % 180;
  for (size_t i = 0; i < filler; i++)
    v.push_back(static_cast<char>('a' + (key + version + i) % 26));
  return v;
}

bool ParseStressValue(const Slice& value, uint32_t* key, uint32_t* version) {
  std::string s = value.ToString();
  unsigned k, v;
  if (sscanf(s.c_str(), "k=%u,v=%u,", &k, &v) != 2) return false;
  *key = k;
  *version = v;
  return StressValue(k, v) == s;
}

namespace {

kv::Options EngineOptions(const StressConfig& config) {
  kv::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = config.write_buffer_size;
  o.compression = config.compression;
  // Small files and levels, so flushes and compactions happen within seconds.
  o.target_file_size = 256 << 10;
  o.max_bytes_for_level_base = 1 << 20;
  o.block_cache_size = 8 << 20;
  return o;
}

bool IsLive(uint32_t version) {
  return version != ExpectedState::kNone && (version & ExpectedState::kDeleted) == 0;
}

std::string Describe(uint32_t version) {
  if (version == ExpectedState::kNone) return "absent";
  if (version & ExpectedState::kDeleted) {
    return "deleted (v" + std::to_string(version & ~ExpectedState::kDeleted) + ")";
  }
  return "v" + std::to_string(version);
}

uint32_t NextVersion(uint32_t committed, bool deleted) {
  uint32_t v = (committed & ~ExpectedState::kDeleted) + 1;
  if (v >= ExpectedState::kDeleted) v = 1;
  return deleted ? (v | ExpectedState::kDeleted) : v;
}

struct Shared {
  kv::Engine* db;
  ExpectedState* state;
  const StressConfig* config;
  std::atomic<bool> stop{false};
  std::atomic<int> failure{0};
  std::atomic<uint64_t> ops{0};
};

void Fail(Shared* shared, int code, const std::string& what) {
  fprintf(stderr, "stress: %s\n", what.c_str());
  int expected = 0;
  shared->failure.compare_exchange_strong(expected, code);
  shared->stop = true;
}

// Each thread owns the keys k with k % threads == id, so its reads of them are exact.
void StressThread(Shared* shared, int id) {
  const StressConfig& cfg = *shared->config;
  Random rnd(cfg.seed * 7919 + id);
  const uint32_t per_thread = (cfg.num_keys - id + cfg.threads - 1) / cfg.threads;
  auto pick = [&]() { return static_cast<uint32_t>(id + cfg.threads * rnd.Uniform(per_thread)); };
  kv::WriteOptions wo;
  wo.sync = cfg.sync;
  std::string value;
  while (!shared->stop) {
    const uint64_t dice = rnd.Uniform(100);
    if (dice < 75) {  // put, delete, or an atomic batch of a few keys
      const int n = dice < 60 ? 1 : 2 + static_cast<int>(rnd.Uniform(4));
      WriteBatch batch;
      uint32_t keys[8];
      int count = 0;
      for (int i = 0; i < n; i++) {
        uint32_t k = pick();
        bool dup = false;
        for (int j = 0; j < count; j++) dup |= keys[j] == k;
        if (dup) continue;
        keys[count++] = k;
        const bool del = rnd.OneIn(5);
        const uint32_t v = NextVersion(shared->state->Committed(k), del);
        shared->state->SetPending(k, v);  // recorded before the write is made
        if (del) {
          batch.Delete(StressKey(k));
        } else {
          batch.Put(StressKey(k), StressValue(k, v));
        }
      }
      Status s = shared->db->Write(wo, batch);
      if (!s.ok()) {
        for (int j = 0; j < count; j++) shared->state->Abandon(keys[j]);
        return Fail(shared, 2, "write failed: " + s.ToString());
      }
      for (int j = 0; j < count; j++) shared->state->Commit(keys[j]);
    } else if (dice < 95) {  // point read of an owned key: must be exactly the committed version
      uint32_t k = pick();
      Status s = shared->db->Get(kv::ReadOptions(), StressKey(k), &value);
      const uint32_t expected = shared->state->Committed(k);
      if (s.IsNotFound()) {
        if (IsLive(expected))
          return Fail(shared, 1, StressKey(k) + ": not found, expected " + Describe(expected));
      } else if (!s.ok()) {
        return Fail(shared, 2, "read failed: " + s.ToString());
      } else {
        uint32_t pk, pv;
        if (!ParseStressValue(value, &pk, &pv) || pk != k || pv != expected) {
          return Fail(shared, 1,
                      StressKey(k) + ": read '" + value.substr(0, 40) + "', expected " +
                          Describe(expected));
        }
      }
    } else {  // a short scan: every value must be well-formed and belong to its key
      auto it = shared->db->NewIterator(kv::ReadOptions());
      int steps = 0;
      for (it->Seek(StressKey(pick())); it->Valid() && steps < 50; it->Next(), steps++) {
        uint32_t pk, pv;
        if (!ParseStressValue(it->value(), &pk, &pv) || StressKey(pk) != it->key().ToString()) {
          return Fail(shared, 1, "scan met a bad entry at " + it->key().ToString());
        }
      }
      if (!it->status().ok()) return Fail(shared, 2, "scan failed: " + it->status().ToString());
    }
    shared->ops++;
  }
}

}  // namespace

int RunStress(const StressConfig& config) {
  ExpectedState state;
  Status s = state.Open(config.expected_path, config.num_keys);
  if (!s.ok()) {
    fprintf(stderr, "stress: %s\n", s.ToString().c_str());
    return 2;
  }
  auto opened = kv::Engine::Open(config.backend, config.dir, EngineOptions(config));
  if (!opened.ok()) {
    fprintf(stderr, "stress: open: %s\n", opened.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<kv::Engine> db = std::move(opened.value());
  Shared shared;
  shared.db = db.get();
  shared.state = &state;
  shared.config = &config;
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; i++) threads.emplace_back(StressThread, &shared, i);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(config.duration_sec * 1000));
  while (!shared.stop && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  shared.stop = true;
  for (auto& t : threads) t.join();
  s = db->Close();
  if (!s.ok() && shared.failure == 0) {
    fprintf(stderr, "stress: close: %s\n", s.ToString().c_str());
    return 2;
  }
  fprintf(stderr, "stress: %llu operations\n", static_cast<unsigned long long>(shared.ops.load()));
  return shared.failure;
}

Status VerifyDatabase(const StressConfig& config, ExpectedState* state, VerifyReport* report) {
  auto opened = kv::Engine::Open(config.backend, config.dir, EngineOptions(config));
  if (!opened.ok()) return opened.status().WithContext("reopening after the crash");
  std::unique_ptr<kv::Engine> db = std::move(opened.value());
  std::string value;
  uint64_t live = 0;
  for (uint32_t k = 0; k < state->num_keys(); k++) {
    Status s = db->Get(kv::ReadOptions(), StressKey(k), &value);
    uint32_t observed;
    if (s.IsNotFound()) {
      observed = ExpectedState::kNone;
    } else if (!s.ok()) {
      return s.WithContext("reading " + StressKey(k));
    } else {
      uint32_t pk;
      if (!ParseStressValue(value, &pk, &observed) || pk != k) {
        report->errors.push_back(StressKey(k) + ": malformed value '" + value.substr(0, 40) + "'");
        continue;
      }
    }
    const uint32_t committed = state->Committed(k);
    const uint32_t pending = state->Pending(k);
    auto matches = [&](uint32_t expected) {
      return IsLive(expected) ? observed == expected : observed == ExpectedState::kNone;
    };
    if (matches(committed)) {
      if (pending != ExpectedState::kNone && !matches(pending)) report->pending_lost++;
      state->Resolve(k, committed);
    } else if (pending != ExpectedState::kNone && matches(pending)) {
      report->pending_applied++;
      state->Resolve(k, pending);
    } else {
      report->errors.push_back(
          StressKey(k) + ": engine has " + Describe(observed) +
          ", but the last acknowledged write left " + Describe(committed) +
          (pending != ExpectedState::kNone ? " (in flight: " + Describe(pending) + ")" : ""));
      continue;
    }
    if (observed != ExpectedState::kNone) live++;
  }
  report->keys_present = live;

  // Scans in both directions must see exactly the live keys, in order.
  for (int direction = 0; direction < 2; direction++) {
    auto it = db->NewIterator(kv::ReadOptions());
    uint64_t seen = 0;
    std::string prev;
    for (direction == 0 ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
         direction == 0 ? it->Next() : it->Prev()) {
      std::string key = it->key().ToString();
      if (seen > 0 && (direction == 0 ? key <= prev : key >= prev)) {
        report->errors.push_back("scan out of order at " + key);
        break;
      }
      uint32_t pk, pv;
      if (!ParseStressValue(it->value(), &pk, &pv) || StressKey(pk) != key ||
          state->Committed(pk) != pv) {
        report->errors.push_back("scan: " + key + " holds an entry the oracle does not expect");
      }
      prev = std::move(key);
      seen++;
    }
    if (!it->status().ok()) return it->status().WithContext("scanning after the crash");
    if (seen != live) {
      report->errors.push_back(std::string(direction == 0 ? "forward" : "backward") + " scan saw " +
                               std::to_string(seen) + " keys, point reads found " +
                               std::to_string(live));
    }
  }
  return db->Close();
}

}  // namespace strata::tools
