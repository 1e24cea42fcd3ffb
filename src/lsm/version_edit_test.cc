#include "lsm/version_edit.h"

#include <gtest/gtest.h>

namespace strata::lsm {
namespace {

std::string Hex(const std::string& s) {
  std::string r;
  char buf[4];
  for (unsigned char c : s) {
    snprintf(buf, sizeof(buf), "%02x", c);
    r += buf;
  }
  return r;
}

TEST(VersionEditTest, DocumentedTestVector) {
  VersionEdit edit;
  edit.SetComparatorName("strata.Bytewise");
  edit.SetLogNumber(5);
  edit.SetNextFile(9);
  edit.SetLastSequence(100);
  FileMetaData f;
  f.number = 7;
  f.file_size = 4096;
  f.num_entries = 10;
  f.smallest = InternalKey("a", 1, kTypeValue);
  f.largest = InternalKey("z", 2, kTypeValue);
  edit.AddFile(1, f);
  std::string encoded;
  edit.EncodeTo(&encoded);
  // docs/formats/manifest.md shows these bytes field by field.
  EXPECT_EQ(Hex(encoded),
            "010f7374726174612e4279746577697365"  // comparator
            "0205"
            "0309"
            "0464"  // log number, next file, last sequence
            "0701078020"
            "0a"                      // new file: level 1, #7, 4096 bytes, 10 entries
            "09610101000000000000"    // smallest "a"@1
            "097a0102000000000000");  // largest "z"@2
}

TEST(VersionEditTest, RoundTrip) {
  VersionEdit edit;
  edit.SetComparatorName("strata.Bytewise");
  edit.SetLogNumber(123456789);
  edit.SetNextFile(42);
  edit.SetLastSequence(1ull << 40);
  edit.SetCompactPointer(2, InternalKey("m", 5, kTypeDeletion));
  edit.RemoveFile(3, 17);
  FileMetaData f;
  f.number = 99;
  f.file_size = 1 << 30;
  f.smallest = InternalKey(std::string("\0\xff", 2), 1, kTypeValue);
  f.largest = InternalKey("zz", 3, kTypeDeletion);
  edit.AddFile(4, f);
  std::string a, b;
  edit.EncodeTo(&a);
  VersionEdit parsed;
  ASSERT_TRUE(parsed.DecodeFrom(a).ok());
  parsed.EncodeTo(&b);
  EXPECT_EQ(a, b);
}

TEST(VersionEditTest, DamagedRecordsAreCorruption) {
  VersionEdit edit;
  edit.SetLogNumber(5);
  FileMetaData f;
  f.number = 7;
  f.smallest = InternalKey("a", 1, kTypeValue);
  f.largest = InternalKey("z", 2, kTypeValue);
  edit.AddFile(1, f);
  std::string encoded;
  edit.EncodeTo(&encoded);
  // Bytes 0-1 are the log-number field; a cut anywhere inside the new-file entry after it
  // must be reported (a cut between fields is a shorter, valid edit).
  ASSERT_EQ(encoded[2], 7);
  for (size_t cut = 3; cut < encoded.size(); cut++) {
    VersionEdit parsed;
    Status s = parsed.DecodeFrom(Slice(encoded.data(), cut));
    EXPECT_TRUE(s.IsCorruption()) << "cut at " << cut;
  }
  std::string bad = encoded;
  bad[0] = 99;  // unknown tag
  VersionEdit parsed;
  Status s = parsed.DecodeFrom(bad);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("unknown tag"), std::string::npos);
  std::string bad_level = encoded;
  bad_level[3] = 9;  // level 9 of the new-file entry does not exist
  EXPECT_TRUE(parsed.DecodeFrom(bad_level).IsCorruption());
}

}  // namespace
}  // namespace strata::lsm
