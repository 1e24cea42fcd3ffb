// ExpectedState: the crash test's oracle, a memory-mapped file beside the database that records,
// for every key, the last acknowledged version and the version of a write in flight. It lives in
// a MAP_SHARED mapping, so what the stress process stored survives its SIGKILL.
//
// A version is a 31-bit counter; the high bit marks a deletion; 0 means "never written".
// Protocol for one write: SetPending(k, v) → engine write (sync) → Commit(k). After a crash the
// key holds either the committed version or, if a write was in flight, the pending one.
#pragma once

#include <cstdint>
#include <string>

#include "strata/status.h"

namespace strata::tools {

class ExpectedState {
 public:
  static constexpr uint32_t kDeleted = 0x80000000u;
  static constexpr uint32_t kNone = 0;

  ExpectedState() = default;
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;
  ~ExpectedState();

  // Opens (creating zero-filled when absent) the state for `num_keys` keys.
  Status Open(const std::string& path, uint32_t num_keys);

  uint32_t num_keys() const { return num_keys_; }
  uint32_t Committed(uint32_t key) const { return slots_[2 * key]; }
  uint32_t Pending(uint32_t key) const { return slots_[2 * key + 1]; }
  void SetPending(uint32_t key, uint32_t version) { slots_[2 * key + 1] = version; }
  void Commit(uint32_t key) {
    slots_[2 * key] = slots_[2 * key + 1];
    slots_[2 * key + 1] = kNone;
  }
  void Abandon(uint32_t key) { slots_[2 * key + 1] = kNone; }
  // After recovery: the engine showed `observed` for key; adopt it (it is committed or pending).
  void Resolve(uint32_t key, uint32_t observed) {
    slots_[2 * key] = observed;
    slots_[2 * key + 1] = kNone;
  }

 private:
  volatile uint32_t* slots_ = nullptr;
  uint32_t num_keys_ = 0;
  size_t length_ = 0;
};

}  // namespace strata::tools
