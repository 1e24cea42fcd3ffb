// Database's change feed: listener tables and the commit hook that fans out to them.
#include "db/change_feed.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

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
namespace {

class ChangeFeed {
 public:
  // Returns whether this was the first listener (the hook must be installed).
  bool Add(uint64_t id, ChangeListener listener) {
    std::lock_guard<std::mutex> lock(mu_);
    listeners_.emplace(id, std::move(listener));
    return listeners_.size() == 1;
  }
  // Returns whether no listener is left. Once it returns, the listener is not called again:
  // the fan-out holds the same mutex.
  bool Remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    listeners_.erase(id);
    return listeners_.empty();
  }
  void Fanout(const std::vector<Change>& changes) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, listener] : listeners_) listener(changes);
  }
  uint64_t NextId() { return next_id_.fetch_add(1); }

  // Serializes adding and removing listeners with installing and removing the hook, so the hook
  // is installed exactly while the table is not empty. Taken before the Store's commit mutex.
  std::mutex install_mu;

 private:
  std::mutex mu_;  // guards listeners_; held while they are called
  std::map<uint64_t, ChangeListener> listeners_;
  std::atomic<uint64_t> next_id_{1};
};

// Database has no field for its feed, so the feeds live here, by database.
std::mutex feeds_mu;
std::unordered_map<const Database*, std::shared_ptr<ChangeFeed>>& Feeds() {
  static auto* feeds = new std::unordered_map<const Database*, std::shared_ptr<ChangeFeed>>();
  return *feeds;
}

std::shared_ptr<ChangeFeed> FeedOf(const Database* db, bool create) {
  std::lock_guard<std::mutex> lock(feeds_mu);
  auto& feeds = Feeds();
  auto it = feeds.find(db);
  if (it != feeds.end()) return it->second;
  if (!create) return nullptr;
  auto feed = std::make_shared<ChangeFeed>();
  feeds.emplace(db, feed);
  return feed;
}

}  // namespace

void ForgetChangeFeed(const Database* db, doc::Store* store) {
  std::shared_ptr<ChangeFeed> feed;
  {
    std::lock_guard<std::mutex> lock(feeds_mu);
    auto it = Feeds().find(db);
    if (it == Feeds().end()) return;
    feed = std::move(it->second);
    Feeds().erase(it);
  }
  std::lock_guard<std::mutex> lock(feed->install_mu);
  if (store != nullptr) store->SetCommitHook(nullptr);
}

}  // namespace db

uint64_t Database::AddChangeListener(ChangeListener listener) {
  if (store_ == nullptr || !listener) return 0;
  std::shared_ptr<db::ChangeFeed> feed = db::FeedOf(this, /*create=*/true);
  std::lock_guard<std::mutex> lock(feed->install_mu);
  uint64_t id = feed->NextId();
  if (feed->Add(id, std::move(listener))) {
    // The hook keeps the table alive for as long as the Store may call it.
    store_->SetCommitHook([feed](const std::vector<Change>& changes) { feed->Fanout(changes); });
  }
  return id;
}

void Database::RemoveChangeListener(uint64_t id) {
  std::shared_ptr<db::ChangeFeed> feed = db::FeedOf(this, /*create=*/false);
  if (feed == nullptr) return;
  std::lock_guard<std::mutex> lock(feed->install_mu);
  if (feed->Remove(id) && store_ != nullptr) store_->SetCommitHook(nullptr);
}

}  // namespace strata
