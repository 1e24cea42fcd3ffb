#include "lsm/db_iter.h"

#include <memory>

namespace strata::lsm {
namespace {

// Forward: the internal iterator is at the entry that yields key()/value().
// Reverse: the internal iterator is just before all entries of key(); the current entry's key and
// value are held in saved_key_ / saved_value_.
class DBIter final : public Iterator {
 public:
  DBIter(const Comparator* cmp, Iterator* iter, SequenceNumber s, std::optional<std::string> lower,
         std::optional<std::string> upper, std::function<void()> cleanup)
      : ucmp_(cmp),
        iter_(iter),
        sequence_(s),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        cleanup_(std::move(cleanup)) {}
  ~DBIter() override {
    iter_.reset();
    if (cleanup_) cleanup_();
  }

  bool Valid() const override { return valid_; }
  Slice key() const override {
    return direction_ == kForward ? ExtractUserKey(iter_->key()) : Slice(saved_key_);
  }
  Slice value() const override {
    return direction_ == kForward ? iter_->value() : Slice(saved_value_);
  }
  Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void Next() override;
  void Prev() override;
  void Seek(const Slice& target) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  enum Direction { kForward, kReverse };

  void FindNextUserEntry(bool skipping, std::string* skip);
  void FindPrevUserEntry();
  bool ParseKey(ParsedInternalKey* key);
  void CheckUpper() {
    if (valid_ && upper_ && ucmp_->Compare(key(), *upper_) >= 0) valid_ = false;
  }
  void CheckLower() {
    if (valid_ && lower_ && ucmp_->Compare(key(), *lower_) < 0) valid_ = false;
  }
  void ClearSavedValue() {
    if (saved_value_.capacity() > 1048576) {
      std::string empty;
      swap(empty, saved_value_);
    } else {
      saved_value_.clear();
    }
  }

  const Comparator* const ucmp_;
  std::unique_ptr<Iterator> iter_;
  const SequenceNumber sequence_;
  const std::optional<std::string> lower_;
  const std::optional<std::string> upper_;
  std::function<void()> cleanup_;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  Direction direction_ = kForward;
  bool valid_ = false;
};

bool DBIter::ParseKey(ParsedInternalKey* ikey) {
  if (!ParseInternalKey(iter_->key(), ikey)) {
    status_ = Status::Corruption("unparsable internal key while iterating");
    return false;
  }
  return true;
}

void DBIter::Next() {
  if (direction_ == kReverse) {
    direction_ = kForward;
    // iter_ is before the entries of key(): step into them, then FindNextUserEntry skips them.
    if (!iter_->Valid()) {
      iter_->SeekToFirst();
    } else {
      iter_->Next();
    }
    if (!iter_->Valid()) {
      valid_ = false;
      saved_key_.clear();
      return;
    }
    // saved_key_ already holds the key to skip.
  } else {
    saved_key_.assign(ExtractUserKey(iter_->key()).data(), ExtractUserKey(iter_->key()).size());
    iter_->Next();
    if (!iter_->Valid()) {
      valid_ = false;
      saved_key_.clear();
      return;
    }
  }
  FindNextUserEntry(true, &saved_key_);
  CheckUpper();
}

void DBIter::FindNextUserEntry(bool skipping, std::string* skip) {
  // Loop until an entry for a user key not hidden by `skip` is found.
  do {
    ParsedInternalKey ikey;
    if (ParseKey(&ikey) && ikey.sequence <= sequence_) {
      switch (ikey.type) {
        case kTypeDeletion:
          // Hide every older entry of this key.
          skip->assign(ikey.user_key.data(), ikey.user_key.size());
          skipping = true;
          break;
        case kTypeValue:
          if (skipping && ucmp_->Compare(ikey.user_key, *skip) <= 0) {
            // hidden by a newer entry or a deletion
          } else {
            valid_ = true;
            saved_key_.clear();
            return;
          }
          break;
      }
    }
    if (!status_.ok()) break;
    iter_->Next();
  } while (iter_->Valid());
  saved_key_.clear();
  valid_ = false;
}

void DBIter::Prev() {
  if (direction_ == kForward) {
    // iter_ is at the current entry: walk back to before all entries of this user key.
    saved_key_.assign(ExtractUserKey(iter_->key()).data(), ExtractUserKey(iter_->key()).size());
    while (true) {
      iter_->Prev();
      if (!iter_->Valid()) {
        valid_ = false;
        saved_key_.clear();
        ClearSavedValue();
        return;
      }
      if (ucmp_->Compare(ExtractUserKey(iter_->key()), saved_key_) < 0) break;
    }
    direction_ = kReverse;
  }
  FindPrevUserEntry();
  CheckLower();
}

void DBIter::FindPrevUserEntry() {
  ValueType value_type = kTypeDeletion;
  if (iter_->Valid()) {
    do {
      ParsedInternalKey ikey;
      if (ParseKey(&ikey) && ikey.sequence <= sequence_) {
        if (value_type != kTypeDeletion && ucmp_->Compare(ikey.user_key, saved_key_) < 0) {
          break;  // a live entry of a later key was found: stop before this earlier key
        }
        value_type = ikey.type;
        if (value_type == kTypeDeletion) {
          saved_key_.clear();
          ClearSavedValue();
        } else {
          Slice raw_value = iter_->value();
          if (saved_value_.capacity() > raw_value.size() + 1048576) {
            std::string empty;
            swap(empty, saved_value_);
          }
          saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
          saved_value_.assign(raw_value.data(), raw_value.size());
        }
      }
      if (!status_.ok()) break;
      iter_->Prev();
    } while (iter_->Valid());
  }
  if (value_type == kTypeDeletion) {
    valid_ = false;
    saved_key_.clear();
    ClearSavedValue();
    direction_ = kForward;
  } else {
    valid_ = true;
  }
}

void DBIter::Seek(const Slice& target) {
  direction_ = kForward;
  ClearSavedValue();
  saved_key_.clear();
  Slice t = target;
  if (lower_ && ucmp_->Compare(t, *lower_) < 0) t = *lower_;
  AppendInternalKey(&saved_key_, t, sequence_, kValueTypeForSeek);
  iter_->Seek(saved_key_);
  if (iter_->Valid()) {
    FindNextUserEntry(false, &saved_key_);
  } else {
    valid_ = false;
  }
  CheckUpper();
}

void DBIter::SeekToFirst() {
  if (lower_) {
    Seek(*lower_);
    return;
  }
  direction_ = kForward;
  ClearSavedValue();
  iter_->SeekToFirst();
  if (iter_->Valid()) {
    FindNextUserEntry(false, &saved_key_);
  } else {
    valid_ = false;
  }
  CheckUpper();
}

void DBIter::SeekToLast() {
  direction_ = kReverse;
  ClearSavedValue();
  if (upper_) {
    // Position just before every entry of keys >= upper bound.
    std::string k;
    AppendInternalKey(&k, *upper_, kMaxSequenceNumber, kValueTypeForSeek);
    iter_->Seek(k);
    if (iter_->Valid()) {
      iter_->Prev();
    } else if (iter_->status().ok()) {
      iter_->SeekToLast();
    }
  } else {
    iter_->SeekToLast();
  }
  FindPrevUserEntry();
  CheckLower();
}

}  // namespace

Iterator* NewDBIterator(const Comparator* user_cmp, Iterator* internal, SequenceNumber sequence,
                        std::optional<std::string> lower_bound,
                        std::optional<std::string> upper_bound, std::function<void()> cleanup) {
  return new DBIter(user_cmp, internal, sequence, std::move(lower_bound), std::move(upper_bound),
                    std::move(cleanup));
}

}  // namespace strata::lsm
