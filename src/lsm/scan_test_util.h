// A helper the lsm tests share: a forward scan checked against a model.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

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

}  // namespace strata::lsm
