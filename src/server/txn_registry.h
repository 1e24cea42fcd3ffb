// Transactions that clients hold open across requests (POST /txn, then operations with the
// transaction's id, then commit or cancel). One request at a time uses a transaction: Acquire
// locks it. Transactions idle for longer than the timeout are cancelled by Sweep.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "strata/db.h"

namespace strata::server {

class TxnRegistry {
 public:
  struct Entry {
    std::mutex mu;  // held by the request using the transaction
    std::unique_ptr<Transaction> txn;
    std::string owner;  // API key id that began it: only it may use it
    std::chrono::steady_clock::time_point last_used;
  };

  // Registers a new transaction and returns its id.
  std::string Add(std::unique_ptr<Transaction> txn, const std::string& owner);
  // The transaction `id`, locked; NotFound for an unknown or expired id, PermissionDenied for
  // another key's transaction.
  Result<std::pair<std::shared_ptr<Entry>, std::unique_lock<std::mutex>>> Acquire(
      const std::string& id, const std::string& owner);
  // Forgets a transaction (after commit or cancel).
  void Remove(const std::string& id);
  // Cancels transactions idle longer than `idle`; returns how many.
  size_t Sweep(std::chrono::milliseconds idle);
  // Cancels every transaction (before the database closes).
  void Clear() { Sweep(std::chrono::milliseconds(-1)); }
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  uint64_t next_ = 1;
};

}  // namespace strata::server
