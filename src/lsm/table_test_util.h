// Helpers of the table tests: tables built into and read from strings, models, probes.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "base/random.h"
#include "env/env.h"
#include "lsm/table.h"
#include "lsm/table_builder.h"

namespace strata::lsm::table_test {

using Model = std::map<std::string, std::string>;

// A WritableFile over a string.
class StringSink final : public WritableFile {
 public:
  Status Append(const Slice& data) override {
    contents_.append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  const std::string& contents() const { return contents_; }

 private:
  std::string contents_;
};

// A RandomAccessFile over a string; `mmap_like` hands out pointers into its own memory, as a
// memory-mapped file does.
class StringSource final : public RandomAccessFile {
 public:
  StringSource(std::string contents, bool mmap_like, std::atomic<int>* reads = nullptr)
      : contents_(std::move(contents)), mmap_like_(mmap_like), reads_(reads) {}
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    if (reads_ != nullptr) (*reads_)++;
    if (offset > contents_.size()) return Status::IOError("read past end");
    n = std::min<size_t>(n, contents_.size() - offset);
    if (mmap_like_) {
      *result = Slice(contents_.data() + offset, n);
    } else {
      memcpy(scratch, contents_.data() + offset, n);
      *result = Slice(scratch, n);
    }
    return Status::OK();
  }

 private:
  const std::string contents_;
  const bool mmap_like_;
  std::atomic<int>* reads_;
};

inline TableOptions BytewiseOptions(kv::Compression compression = kv::Compression::kNone) {
  TableOptions options;
  options.comparator = BytewiseComparator();
  options.compression = compression;
  options.filter_user_keys = false;
  return options;
}

template <typename Map>
std::string BuildTable(const TableOptions& options, const Map& model) {
  StringSink sink;
  TableBuilder builder(options, &sink);
  for (const auto& [k, v] : model) builder.Add(k, v);
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_EQ(builder.FileSize(), sink.contents().size());
  EXPECT_EQ(builder.NumEntries(), model.size());
  return sink.contents();
}

inline Status OpenTable(const TableOptions& options, const std::string& contents,
                        std::unique_ptr<Table>* table, bool mmap_like = false,
                        std::atomic<int>* reads = nullptr) {
  return Table::Open(options, std::make_unique<StringSource>(contents, mmap_like, reads),
                     contents.size(), "test.sst", table);
}

inline std::string RandomKey(Random* rnd) {
  static const char* kPrefixes[] = {"", "user/", "user/0000", "idx:name:"};
  std::string k = kPrefixes[rnd->Uniform(4)];
  const int len = 1 + static_cast<int>(rnd->Uniform(16));
  for (int i = 0; i < len; i++) k.push_back(static_cast<char>('a' + rnd->Uniform(26)));
  return k;
}

// Compressible: words repeat.
inline std::string RandomValue(Random* rnd) {
  static const char* kWords[] = {"alpha ", "beta ", "gamma ", "delta ", "epsilon "};
  std::string v;
  const int words = static_cast<int>(rnd->Uniform(30));
  for (int i = 0; i < words; i++) v += kWords[rnd->Uniform(5)];
  return v;
}

// InternalGet of `probe`: *called says whether it handed back an entry, *found its key.
inline Status ProbeGet(const Table& table, const std::string& probe, std::string* found,
                       bool* called) {
  struct Out {
    std::string* found;
    bool* called;
  } out{found, called};
  *called = false;
  return table.InternalGet(probe, true, &out, [](void* arg, const Slice& k, const Slice&) {
    auto* o = static_cast<Out*>(arg);
    *o->found = k.ToString();
    *o->called = true;
  });
}

inline Model RandomModel(int n, uint64_t seed) {
  Random rnd(seed);
  Model model;
  while (static_cast<int>(model.size()) < n) model[RandomKey(&rnd)] = RandomValue(&rnd);
  return model;
}

}  // namespace strata::lsm::table_test
