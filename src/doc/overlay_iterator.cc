// Staged writes over a base iterator, both directions.
#include <map>
#include <optional>
#include <string>

#include "doc/transaction.h"

namespace strata::doc {

namespace {

using Overlay = StagedWrites;

class OverlayIterator final : public Iterator {
 public:
  OverlayIterator(std::unique_ptr<Iterator> base, const Overlay* overlay, std::string lower,
                  std::string upper)
      : base_(std::move(base)),
        overlay_(overlay),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {}

  bool Valid() const override { return current_ != kNone; }
  Status status() const override { return base_->status(); }
  Slice key() const override { return current_ == kBase ? base_->key() : Slice(ov_->first); }
  Slice value() const override {
    return current_ == kBase ? base_->value() : Slice(*ov_->second.value);
  }

  void SeekToFirst() override { Seek(lower_); }
  void SeekToLast() override {
    base_->SeekToLast();
    ov_ = upper_.empty() ? overlay_->end() : overlay_->lower_bound(upper_);
    StepOverlayBack();
    SettleBackward();
  }
  void Seek(const Slice& target) override {
    std::string t = target.ToString();
    if (t < lower_) t = lower_;
    base_->Seek(t);
    ov_ = overlay_->lower_bound(t);
    ov_valid_ = ov_ != overlay_->end();
    SettleForward();
  }
  void SeekForPrev(const Slice& target) override {
    std::string t = target.ToString();
    base_->SeekForPrev(t);
    ov_ = overlay_->upper_bound(t);
    if (!upper_.empty()) {
      auto up = overlay_->lower_bound(upper_);
      if (up != overlay_->end() && (ov_ == overlay_->end() || up->first < ov_->first)) ov_ = up;
    }
    StepOverlayBack();
    SettleBackward();
  }
  void Next() override {
    if (!forward_) {
      std::string k = key().ToString();
      Seek(k);  // lands on k, which is visible
    }
    if (current_ == kBase) {
      base_->Next();
    } else {
      ++ov_;
      ov_valid_ = ov_ != overlay_->end();
    }
    SettleForward();
  }
  void Prev() override {
    if (forward_) {
      std::string k = key().ToString();
      SeekForPrev(k);
    }
    if (current_ == kBase) {
      base_->Prev();
    } else {
      StepOverlayBack();
    }
    SettleBackward();
  }

 private:
  enum Source { kNone, kBase, kOverlay };

  bool OverlayInRange() const {
    if (!ov_valid_) return false;
    if (!upper_.empty() && ov_->first >= upper_) return false;
    return ov_->first >= lower_;
  }
  // Moves the overlay cursor to the previous entry (or marks it exhausted).
  void StepOverlayBack() {
    if (ov_ == overlay_->begin()) {
      ov_valid_ = false;
      return;
    }
    --ov_;
    ov_valid_ = true;
  }

  void SettleForward() {
    forward_ = true;
    while (true) {
      bool b = base_->Valid();
      bool o = OverlayInRange();
      if (!b && !o) {
        current_ = kNone;
        return;
      }
      int c = !b ? 1 : (!o ? -1 : base_->key().compare(Slice(ov_->first)));
      if (c < 0) {
        current_ = kBase;
        return;
      }
      if (c == 0) base_->Next();  // the staged write shadows the stored value
      if (ov_->second.value) {
        current_ = kOverlay;
        return;
      }
      ++ov_;  // a staged delete
      ov_valid_ = ov_ != overlay_->end();
    }
  }

  void SettleBackward() {
    forward_ = false;
    while (true) {
      bool b = base_->Valid();
      bool o = OverlayInRange();
      if (!b && !o) {
        current_ = kNone;
        return;
      }
      int c = !b ? -1 : (!o ? 1 : base_->key().compare(Slice(ov_->first)));
      if (c > 0) {
        current_ = kBase;
        return;
      }
      if (c == 0) base_->Prev();
      if (ov_->second.value) {
        current_ = kOverlay;
        return;
      }
      StepOverlayBack();
    }
  }

  std::unique_ptr<Iterator> base_;
  const Overlay* overlay_;
  std::string lower_, upper_;
  Overlay::const_iterator ov_;
  bool ov_valid_ = false;
  bool forward_ = true;
  Source current_ = kNone;
};

}  // namespace

std::unique_ptr<Iterator> NewOverlayIterator(std::unique_ptr<Iterator> base, const Overlay* overlay,
                                             std::string lower, std::string upper) {
  return std::make_unique<OverlayIterator>(std::move(base), overlay, std::move(lower),
                                           std::move(upper));
}

}  // namespace strata::doc
