// Database's change feed: listener tables and the commit hook that fans out to them.
#include "db/change_feed.h"

#include <memory>

#include "codec/document.h"
#include "doc/store.h"

namespace strata {

Result<Value> Change::Document() const {
  if (op == Op::kDelete) return Value();
  Value doc;
  Status s = codec::DecodeDocument(value, &doc);
  if (!s.ok()) return s.WithContext("change of collection '" + collection + "'");
  return doc;
}

namespace db {

bool ChangeFeed::Add(uint64_t id, ChangeListener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.emplace(id, std::move(listener));
  return listeners_.size() == 1;
}

bool ChangeFeed::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.erase(id);
  return listeners_.empty();
}

void ChangeFeed::Fanout(const std::vector<Change>& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, listener] : listeners_) listener(changes);
}

}  // namespace db

uint64_t Database::AddChangeListener(ChangeListener listener) {
  if (store_ == nullptr || !listener) return 0;
  std::shared_ptr<db::ChangeFeed> feed = feed_;
  std::lock_guard<std::mutex> lock(feed->install_mu);
  uint64_t id = feed->NextId();
  if (feed->Add(id, std::move(listener))) {
    // The hook keeps the table alive for as long as the Store may call it.
    store_->SetCommitHook([feed](const std::vector<Change>& changes) { feed->Fanout(changes); });
  }
  return id;
}

void Database::RemoveChangeListener(uint64_t id) {
  if (feed_ == nullptr) return;
  std::lock_guard<std::mutex> lock(feed_->install_mu);
  if (feed_->Remove(id) && store_ != nullptr) store_->SetCommitHook(nullptr);
}

}  // namespace strata
