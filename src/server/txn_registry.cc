#include "server/txn_registry.h"

#include <fmt/format.h>

#include <random>

namespace strata::server {

std::string TxnRegistry::Add(std::unique_ptr<Transaction> txn, const std::string& owner) {
  auto entry = std::make_shared<Entry>();
  entry->txn = std::move(txn);
  entry->owner = owner;
  entry->last_used = std::chrono::steady_clock::now();
  // A counter plus random bits: ids are not guessable across keys (owner is checked anyway).
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = fmt::format("t{}-{:08x}", next_++, static_cast<uint32_t>(rng()));
  entries_[id] = std::move(entry);
  return id;
}

Result<std::pair<std::shared_ptr<TxnRegistry::Entry>, std::unique_lock<std::mutex>>>
TxnRegistry::Acquire(const std::string& id, const std::string& owner) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      return Status::NotFound("transaction '" + id + "' is unknown, finished or expired");
    }
    entry = it->second;
  }
  if (entry->owner != owner) {
    return Status::PermissionDenied("transaction '" + id + "' belongs to another key");
  }
  std::unique_lock<std::mutex> use(entry->mu);
  if (entry->txn == nullptr) {
    return Status::NotFound("transaction '" + id + "' is finished or expired");
  }
  entry->last_used = std::chrono::steady_clock::now();
  return std::make_pair(std::move(entry), std::move(use));
}

void TxnRegistry::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id);
}

size_t TxnRegistry::Sweep(std::chrono::milliseconds idle) {
  std::vector<std::shared_ptr<Entry>> expired;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      std::unique_lock<std::mutex> use(it->second->mu, std::try_to_lock);
      if (use.owns_lock() && now - it->second->last_used > idle) {
        expired.push_back(it->second);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& entry : expired) {
    std::lock_guard<std::mutex> use(entry->mu);
    if (entry->txn != nullptr) entry->txn->Cancel();
    entry->txn.reset();
  }
  return expired.size();
}

size_t TxnRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace strata::server
