// A helper the lsm tests share: a forward scan checked against a model.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "strata/function_ref.h"
#include "strata/iterator.h"

namespace strata::lsm {

// From SeekToFirst, `it` yields exactly the entries of `model`, in order. Callers wrap it in
// ASSERT_NO_FATAL_FAILURE to stop at the first mismatch. The iterator's status is the caller's
// to check (corruption tests expect errors).
inline void ExpectForwardScan(Iterator* it, const std::map<std::string, std::string>& model) {
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(it->key().ToString(), m->first);
    ASSERT_EQ(it->value().ToString(), m->second);
  }
  ASSERT_EQ(m, model.end());
}

// A short scan from `target` (a Block's or a Table's ScanFrom, run by `scan` with the visitor
// it is given) that stops after `want` entries: it must hand over the model's entries from
// target on, in order, want of them or up to the model's end. Returns how many it handed
// over; the scan's status is the caller's to check.
inline size_t ExpectShortScan(
    const std::map<std::string, std::string>& model, const std::string& target, size_t want,
    FunctionRef<void(FunctionRef<bool(const Slice&, const Slice&)>)> scan) {
  auto expect = model.lower_bound(target);
  size_t seen = 0;
  scan([&](const Slice& k, const Slice& v) {
    EXPECT_NE(expect, model.end()) << "scan from '" << target << "'";
    if (expect == model.end()) return false;
    EXPECT_EQ(k.ToString(), expect->first) << "scan from '" << target << "'";
    EXPECT_EQ(v.ToString(), expect->second) << "scan from '" << target << "'";
    ++expect;
    return ++seen < want;
  });
  EXPECT_TRUE(seen == want || expect == model.end()) << "scan from '" << target << "'";
  return seen;
}

}  // namespace strata::lsm
