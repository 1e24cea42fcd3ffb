#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "env/fault_injection_env.h"
#include "lsm/wal_reader.h"
#include "lsm/wal_writer.h"
#include "strata/write_batch.h"

namespace strata::lsm {
namespace {

using wal::kBlockSize;
using wal::kHeaderSize;
using wal::kMaxFragmentSize;

constexpr uint64_t kLogNumber = 7;

// A WritableFile that appends to a string; can be told to fail.
class StringSink final : public WritableFile {
 public:
  Status Append(const Slice& data) override {
    if (fail_) return Status::IOError("injected append failure");
    contents.append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override {
    flushes++;
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

  std::string contents;
  int flushes = 0;
  bool fail_ = false;
};

// A SequentialFile over a string; can return short reads and fail.
class StringSource final : public SequentialFile {
 public:
  explicit StringSource(std::string contents, size_t max_read = SIZE_MAX)
      : contents_(std::move(contents)), max_read_(max_read) {}
  Status Read(size_t n, Slice* result, char* scratch) override {
    if (fail_) return Status::IOError("injected read failure");
    n = std::min({n, max_read_, contents_.size() - pos_});
    memcpy(scratch, contents_.data() + pos_, n);
    pos_ += n;
    *result = Slice(scratch, n);
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    pos_ = std::min<uint64_t>(pos_ + n, contents_.size());
    return Status::OK();
  }
  bool fail_ = false;

 private:
  std::string contents_;
  size_t max_read_;
  size_t pos_ = 0;
};

class RecordingReporter final : public WalReader::Reporter {
 public:
  void Corruption(size_t bytes, const Status& reason) override {
    dropped_bytes += bytes;
    messages.push_back(reason.ToString());
  }
  size_t dropped_bytes = 0;
  std::vector<std::string> messages;
};

std::string BigString(const std::string& partial, size_t n) {
  std::string result;
  while (result.size() < n) result.append(partial);
  result.resize(n);
  return result;
}

std::string NumberString(int n) { return std::to_string(n) + "."; }

std::string RandomString(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rnd->Next());
  return s;
}

class WalTest : public testing::Test {
 protected:
  WalTest() : writer_(&sink_, kLogNumber) {}

  void Write(const std::string& payload) { ASSERT_TRUE(writer_.AddRecord(payload).ok()); }

  // Reads every record of `contents`; the reader stays available for inspection.
  std::vector<std::string> ReadAll(const std::string& contents, uint64_t initial_offset = 0,
                                   bool checksum = true, uint64_t log_number = kLogNumber,
                                   size_t max_read = SIZE_MAX) {
    source_ = std::make_unique<StringSource>(contents, max_read);
    reporter_ = RecordingReporter();
    reader_ = std::make_unique<WalReader>(source_.get(), &reporter_, checksum, log_number,
                                          initial_offset);
    std::vector<std::string> records;
    Slice record;
    std::string scratch;
    while (reader_->ReadRecord(&record, &scratch)) records.push_back(record.ToString());
    return records;
  }
  std::vector<std::string> ReadAll() { return ReadAll(sink_.contents); }

  // Overwrites byte `offset` of the log.
  void SetByte(size_t offset, char c) { sink_.contents[offset] = c; }
  void FlipByte(size_t offset) { sink_.contents[offset] ^= 0x5a; }
  // Rewrites the length field of the fragment at `offset` (leaving its checksum stale).
  void SetLength(size_t offset, uint16_t length) {
    sink_.contents[offset + 4] = static_cast<char>(length & 0xff);
    sink_.contents[offset + 5] = static_cast<char>(length >> 8);
  }
  unsigned char TypeAt(size_t offset) const {
    return static_cast<unsigned char>(sink_.contents[offset + 6]);
  }

  StringSink sink_;
  WalWriter writer_;
  std::unique_ptr<StringSource> source_;
  RecordingReporter reporter_;
  std::unique_ptr<WalReader> reader_;
};

TEST_F(WalTest, EmptyLog) {
  EXPECT_TRUE(ReadAll().empty());
  EXPECT_FALSE(reader_->CorruptionReported());
  EXPECT_FALSE(reader_->TailDropped());
  EXPECT_TRUE(reader_->status().ok());
}

TEST_F(WalTest, EmptyRecord) {
  Write("");
  EXPECT_EQ(sink_.contents.size(), kHeaderSize);
  EXPECT_EQ(TypeAt(0), wal::kFullType);
  EXPECT_EQ(ReadAll(), std::vector<std::string>{""});
}

TEST_F(WalTest, SmallRecords) {
  Write("foo");
  Write("bar");
  Write("");
  Write("xxxx");
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"foo", "bar", "", "xxxx"}));
  EXPECT_TRUE(reporter_.messages.empty());
  EXPECT_EQ(writer_.BytesWritten(), sink_.contents.size());
  EXPECT_EQ(sink_.flushes, 4);  // every record reaches the OS
}

TEST_F(WalTest, RecordFillingABlockExactly) {
  Write(BigString("a", kMaxFragmentSize));
  EXPECT_EQ(sink_.contents.size(), kBlockSize);
  EXPECT_EQ(TypeAt(0), wal::kFullType);
  Write("next");
  EXPECT_EQ(TypeAt(kBlockSize), wal::kFullType);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{BigString("a", kMaxFragmentSize), "next"}));
}

TEST_F(WalTest, BlockSizedRecordSpansTwoBlocks) {
  Write(BigString("b", kBlockSize));
  EXPECT_EQ(TypeAt(0), wal::kFirstType);
  EXPECT_EQ(TypeAt(kBlockSize), wal::kLastType);
  EXPECT_EQ(sink_.contents.size(), kBlockSize + 2 * kHeaderSize);
  EXPECT_EQ(ReadAll(), std::vector<std::string>{BigString("b", kBlockSize)});
}

TEST_F(WalTest, EveryFragmentType) {
  Write("small");
  const std::string big = BigString("xyz", 3 * kBlockSize);
  Write(big);
  Write("after");
  EXPECT_EQ(TypeAt(0), wal::kFullType);
  EXPECT_EQ(TypeAt(kHeaderSize + 5), wal::kFirstType);
  EXPECT_EQ(TypeAt(kBlockSize), wal::kMiddleType);
  EXPECT_EQ(TypeAt(2 * kBlockSize), wal::kMiddleType);
  EXPECT_EQ(TypeAt(3 * kBlockSize), wal::kLastType);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"small", big, "after"}));
  EXPECT_TRUE(reporter_.messages.empty());
}

TEST_F(WalTest, ShortTrailerIsZeroFilled) {
  // Leave 4 bytes (< header) at the end of the first block.
  const size_t n = kBlockSize - kHeaderSize - 4;
  Write(BigString("t", n));
  Write("next");
  EXPECT_EQ(sink_.contents.substr(kBlockSize - 4, 4), std::string(4, '\0'));
  EXPECT_EQ(TypeAt(kBlockSize), wal::kFullType);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{BigString("t", n), "next"}));
  EXPECT_EQ(reader_->LastRecordOffset(), kBlockSize);
}

TEST_F(WalTest, HeaderSizedTrailerGetsAnEmptyFirstFragment) {
  const size_t n = kBlockSize - 2 * kHeaderSize;
  Write(BigString("h", n));
  Write("next");
  EXPECT_EQ(TypeAt(kBlockSize - kHeaderSize), wal::kFirstType);
  EXPECT_EQ(TypeAt(kBlockSize), wal::kLastType);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{BigString("h", n), "next"}));
  EXPECT_EQ(reader_->LastRecordOffset(), kBlockSize - kHeaderSize);
}

TEST_F(WalTest, ManyRecordsWithOffsets) {
  Random rnd(301);
  std::vector<std::string> written;
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 2000; i++) {
    const size_t len = rnd.OneIn(50) ? rnd.Uniform(3 * kBlockSize) : rnd.Uniform(200);
    offsets.push_back(writer_.BytesWritten());
    written.push_back(RandomString(&rnd, len));
    Write(written.back());
  }
  EXPECT_EQ(writer_.BytesWritten(), sink_.contents.size());
  StringSource source(sink_.contents);
  WalReader reader(&source, &reporter_, true, kLogNumber);
  Slice record;
  std::string scratch;
  for (size_t i = 0; i < written.size(); i++) {
    ASSERT_TRUE(reader.ReadRecord(&record, &scratch)) << i;
    ASSERT_EQ(record.ToString(), written[i]) << i;
    // A record written in a block trailer starts in the next block.
    const uint64_t expected = kBlockSize - offsets[i] % kBlockSize < kHeaderSize
                                  ? offsets[i] + (kBlockSize - offsets[i] % kBlockSize)
                                  : offsets[i];
    ASSERT_EQ(reader.LastRecordOffset(), expected) << i;
  }
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
  EXPECT_EQ(reader.EndOfLastRecord(), sink_.contents.size());
  EXPECT_TRUE(reporter_.messages.empty());
}

TEST_F(WalTest, ShortReadsFromTheFile) {
  Write(BigString("s", 2 * kBlockSize + 100));
  Write("tail");
  EXPECT_EQ(ReadAll(sink_.contents, 0, true, kLogNumber, 1000),
            (std::vector<std::string>{BigString("s", 2 * kBlockSize + 100), "tail"}));
  EXPECT_TRUE(reporter_.messages.empty());
}

TEST_F(WalTest, AppendToExistingLog) {
  Write("one");
  Write(BigString("2", kBlockSize));
  WalWriter reopened(&sink_, kLogNumber, sink_.contents.size());
  ASSERT_TRUE(reopened.AddRecord("three").ok());
  ASSERT_TRUE(reopened.AddRecord(BigString("4", kBlockSize)).ok());
  EXPECT_EQ(reopened.BytesWritten(), sink_.contents.size());
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"one", BigString("2", kBlockSize), "three",
                                                 BigString("4", kBlockSize)}));
}

TEST_F(WalTest, ChecksumMismatchInTheMiddleIsReportedAndSkipped) {
  Write("first");                                                // offset 0
  Write(BigString("m", kBlockSize - 3 * kHeaderSize - 5 - 10));  // offset 16; rest of block 0
  Write("tenbytes!!");                                           // still in block 0
  Write("second block");                                         // block 1
  ASSERT_EQ(sink_.contents.size(), kBlockSize + kHeaderSize + 12);
  FlipByte(kHeaderSize + 5 + kHeaderSize + 100);  // payload of the second record
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"first", "second block"}));
  ASSERT_EQ(reporter_.messages.size(), 1u);
  EXPECT_NE(reporter_.messages[0].find("checksum mismatch at offset 16 "), std::string::npos)
      << reporter_.messages[0];
  // The rest of block 0 is dropped (the length field cannot be trusted).
  EXPECT_EQ(reporter_.dropped_bytes, kBlockSize - 16);
  EXPECT_TRUE(reader_->CorruptionReported());
  EXPECT_TRUE(reader_->CorruptionInMiddle());
  EXPECT_FALSE(reader_->TailDropped());
}

TEST_F(WalTest, DamagedLastRecordIsReportedButNotInTheMiddle) {
  Write("first");
  Write("second");
  FlipByte(sink_.contents.size() - 1);
  EXPECT_EQ(ReadAll(), std::vector<std::string>{"first"});
  ASSERT_EQ(reporter_.messages.size(), 1u);
  EXPECT_TRUE(reader_->CorruptionReported());
  EXPECT_FALSE(reader_->CorruptionInMiddle());
}

TEST_F(WalTest, BadLengthInTheMiddle) {
  Write("first");
  Write("second");
  Write(BigString("x", kBlockSize));  // makes block 0 full, so the bad length is not at EOF
  SetLength(kHeaderSize + 5, 60000);
  EXPECT_EQ(ReadAll(), std::vector<std::string>{"first"});
  ASSERT_GE(reporter_.messages.size(), 1u);
  EXPECT_NE(reporter_.messages[0].find("bad fragment length 60000 at offset 16 "),
            std::string::npos)
      << reporter_.messages[0];
  // The LAST fragment in block 1 has lost its FIRST: reported as well, and it is valid data.
  EXPECT_TRUE(reader_->CorruptionInMiddle());
}

TEST_F(WalTest, LengthBeyondTheBlockAtTheEndIsCorruptionNotATornTail) {
  Write("first");
  Write("second");
  SetLength(kHeaderSize + 5, kBlockSize);  // could never have been written
  EXPECT_EQ(ReadAll(), std::vector<std::string>{"first"});
  EXPECT_EQ(reporter_.messages.size(), 1u);
  EXPECT_FALSE(reader_->CorruptionInMiddle());
}

TEST_F(WalTest, MissingFirstFragment) {
  Write("first");
  Write(BigString("f", 2 * kBlockSize));
  Write("last");
  FlipByte(kHeaderSize + 5 + kHeaderSize);  // the FIRST fragment's payload
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"first", "last"}));
  // Checksum of the FIRST, then MIDDLE and LAST fragments without a start.
  EXPECT_EQ(reporter_.messages.size(), 3u);
  EXPECT_TRUE(reader_->CorruptionInMiddle());
}

TEST_F(WalTest, ChecksumNotVerifiedWhenDisabled) {
  Write("abc");
  FlipByte(kHeaderSize);
  EXPECT_EQ(ReadAll(sink_.contents, 0, /*checksum=*/false).size(), 1u);
  EXPECT_TRUE(reporter_.messages.empty());
}

TEST_F(WalTest, TornTailEndsTheLogSilently) {
  Write("first");
  Write("second");
  const std::string full = sink_.contents;
  for (size_t cut = kHeaderSize + 5 + 1; cut < full.size(); cut++) {
    EXPECT_EQ(ReadAll(full.substr(0, cut)), std::vector<std::string>{"first"}) << cut;
    EXPECT_TRUE(reporter_.messages.empty()) << cut;
    EXPECT_TRUE(reader_->TailDropped()) << cut;
    EXPECT_EQ(reader_->EndOfLastRecord(), kHeaderSize + 5);
  }
}

TEST_F(WalTest, TornMultiBlockRecordEndsTheLogSilently) {
  Write("first");
  Write(BigString("m", 3 * kBlockSize));
  for (size_t cut :
       {kBlockSize, kBlockSize + 5, 2 * kBlockSize + kHeaderSize + 1, sink_.contents.size() - 1}) {
    EXPECT_EQ(ReadAll(sink_.contents.substr(0, cut)), std::vector<std::string>{"first"}) << cut;
    EXPECT_TRUE(reporter_.messages.empty()) << cut;
    EXPECT_TRUE(reader_->TailDropped()) << cut;
  }
}

// Every prefix of a log is a log: it yields a prefix of the records and reports nothing.
TEST_F(WalTest, TruncatedAtEveryOffset) {
  std::vector<std::string> written = {"a", "", "bcdef", BigString("g", 100), "hi"};
  std::vector<uint64_t> ends;
  for (const auto& r : written) {
    Write(r);
    ends.push_back(sink_.contents.size());
  }
  const std::string full = sink_.contents;
  for (size_t cut = 0; cut <= full.size(); cut++) {
    const size_t complete = std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin();
    std::vector<std::string> expected(written.begin(), written.begin() + complete);
    EXPECT_EQ(ReadAll(full.substr(0, cut)), expected) << cut;
    EXPECT_TRUE(reporter_.messages.empty()) << cut;
    EXPECT_EQ(reader_->TailDropped(), complete == 0 ? cut > 0 : cut > ends[complete - 1]);
  }
}

TEST_F(WalTest, TruncatedMultiBlockLogYieldsAPrefix) {
  Random rnd(17);
  std::vector<std::string> written;
  std::vector<uint64_t> ends;
  while (sink_.contents.size() < 3 * kBlockSize) {
    written.push_back(RandomString(&rnd, rnd.OneIn(4) ? rnd.Uniform(kBlockSize) : 50));
    Write(written.back());
    ends.push_back(sink_.contents.size());
  }
  const std::string full = sink_.contents;
  for (size_t cut = 0; cut <= full.size(); cut += 1 + rnd.Uniform(300)) {
    const size_t complete = std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin();
    std::vector<std::string> expected(written.begin(), written.begin() + complete);
    ASSERT_EQ(ReadAll(full.substr(0, cut)), expected) << cut;
    ASSERT_TRUE(reporter_.messages.empty()) << cut;
  }
}

TEST_F(WalTest, RandomGarbageNeverCrashes) {
  Random rnd(99);
  for (int i = 0; i < 300; i++) {
    const std::string garbage = RandomString(&rnd, rnd.Uniform(3 * kBlockSize));
    for (bool checksum : {true, false}) ReadAll(garbage, 0, checksum);
    ReadAll(garbage, rnd.Uniform(3 * kBlockSize));
  }
}

// Bit flips anywhere never crash, and every record returned is one that was written.
TEST_F(WalTest, RandomDamageReturnsOnlyWrittenRecords) {
  Random rnd(7);
  std::vector<std::string> written;
  for (int i = 0; i < 60; i++) {
    written.push_back(RandomString(&rnd, rnd.OneIn(5) ? rnd.Uniform(2 * kBlockSize) : 40));
    Write(written.back());
  }
  const std::string full = sink_.contents;
  for (int trial = 0; trial < 300; trial++) {
    std::string damaged = full;
    for (int k = 0, n = 1 + rnd.Uniform(4); k < n; k++) {
      damaged[rnd.Uniform(damaged.size())] ^= static_cast<char>(1 + rnd.Uniform(255));
    }
    for (const auto& r : ReadAll(damaged)) {
      ASSERT_NE(std::find(written.begin(), written.end(), r), written.end()) << trial;
    }
  }
}

TEST_F(WalTest, StaleDataOfAnotherLogEndsTheLog) {
  // Log 6 filled the file; log 7 reuses it and writes less.
  StringSink old_file;
  WalWriter old_writer(&old_file, 6);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(old_writer.AddRecord(NumberString(i)).ok());
  Write("new1");
  Write("new2");
  std::string recycled = old_file.contents;
  recycled.replace(0, sink_.contents.size(), sink_.contents);
  EXPECT_EQ(ReadAll(recycled), (std::vector<std::string>{"new1", "new2"}));
  EXPECT_TRUE(reporter_.messages.empty());
  EXPECT_TRUE(reader_->TailDropped());
  // The log number is compared on its low 32 bits.
  EXPECT_EQ(ReadAll(old_file.contents, 0, true, 6 + (uint64_t{1} << 32)).size(), 100u);
  EXPECT_TRUE(ReadAll(old_file.contents, 0, true, 5).empty());
}

TEST_F(WalTest, ZeroFilledTailIsNotCorruption) {
  Write("first");
  Write("second");
  EXPECT_EQ(ReadAll(sink_.contents + std::string(3 * kBlockSize, '\0')),
            (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(reporter_.messages.empty());
  EXPECT_TRUE(reader_->TailDropped());
}

TEST_F(WalTest, ZerosFollowedByValidDataAreReported) {
  Write("first");
  Write("second");
  Write(BigString("x", kBlockSize));
  Write("last");
  // Zero the second record and the rest of block 0.
  const size_t start = kHeaderSize + 5;
  std::fill(sink_.contents.begin() + start, sink_.contents.begin() + kBlockSize, '\0');
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"first", "last"}));
  ASSERT_GE(reporter_.messages.size(), 1u);
  EXPECT_NE(reporter_.messages[0].find("zero-filled region followed by valid data at offset 16 "),
            std::string::npos)
      << reporter_.messages[0];
  EXPECT_TRUE(reader_->CorruptionInMiddle());
}

TEST_F(WalTest, InitialOffset) {
  std::vector<std::string> written = {"zero", BigString("one", 2 * kBlockSize), "two",
                                      BigString("three", kBlockSize - 100), "four"};
  std::vector<uint64_t> starts;
  for (const auto& r : written) {
    starts.push_back(writer_.BytesWritten());
    Write(r);
  }
  for (size_t i = 0; i < written.size(); i++) {
    // From a record's own offset, and from one byte before it.
    EXPECT_EQ(ReadAll(sink_.contents, starts[i]),
              std::vector<std::string>(written.begin() + i, written.end()))
        << i;
    EXPECT_TRUE(reporter_.messages.empty());
    if (i > 0) {
      EXPECT_EQ(ReadAll(sink_.contents, starts[i] - 1),
                std::vector<std::string>(written.begin() + i, written.end()))
          << i;
      EXPECT_TRUE(reporter_.messages.empty()) << i << " " << reporter_.messages[0];
    }
  }
  EXPECT_TRUE(ReadAll(sink_.contents, sink_.contents.size()).empty());
  EXPECT_TRUE(ReadAll(sink_.contents, sink_.contents.size() + 10).empty());
}

TEST_F(WalTest, ReadErrorIsNotCorruption) {
  Write("first");
  StringSource source(sink_.contents);
  source.fail_ = true;
  WalReader reader(&source, &reporter_, true, kLogNumber);
  Slice record;
  std::string scratch;
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
  EXPECT_TRUE(reader.status().IsIOError());
  EXPECT_FALSE(reader.CorruptionReported());
  EXPECT_EQ(reporter_.messages.size(), 1u);
}

TEST_F(WalTest, WriterErrorsAreSticky) {
  Write("ok");
  sink_.fail_ = true;
  EXPECT_TRUE(writer_.AddRecord("lost").IsIOError());
  sink_.fail_ = false;
  EXPECT_TRUE(writer_.AddRecord("after").IsIOError());
  EXPECT_EQ(writer_.BytesWritten(), kHeaderSize + 2);
  EXPECT_EQ(ReadAll(), std::vector<std::string>{"ok"});
}

TEST_F(WalTest, NullReporter) {
  Write("first");
  Write("second");
  FlipByte(kHeaderSize);
  StringSource source(sink_.contents);
  WalReader reader(&source, nullptr, true, kLogNumber);
  Slice record;
  std::string scratch;
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
  EXPECT_TRUE(reader.CorruptionReported());
}

// The test vector of docs/formats/wal.md: log number 7, two records whose payloads are
// WriteBatches (sequence 1: Put("a", "1"); sequence 2: Delete("a")).
TEST_F(WalTest, DocumentedTestVector) {
  WriteBatch put;
  put.SetSequence(1);
  put.Put("a", "1");
  WriteBatch del;
  del.SetSequence(2);
  del.Delete("a");
  Write(put.Contents());
  Write(del.Contents());

  const char* kExpectedHex =
      // record 1: checksum 0xacfdb58a, length 17, FULL, log number 7
      "8ab5fdac"
      "1100"
      "01"
      "07000000"
      // WriteBatch: sequence 1, count 1, Put a=1
      "0100000000000000"
      "01000000"
      "01"
      "0161"
      "0131"
      // record 2: checksum 0xdd192a9c, length 15, FULL, log number 7
      "9c2a19dd"
      "0f00"
      "01"
      "07000000"
      // WriteBatch: sequence 2, count 1, Delete a
      "0200000000000000"
      "01000000"
      "00"
      "0161";
  std::string hex;
  for (unsigned char c : sink_.contents) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  EXPECT_EQ(hex, kExpectedHex);

  WriteBatch read_back;
  const auto records = ReadAll();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(read_back.SetContents(records[1]).ok());
  EXPECT_EQ(read_back.Sequence(), 2u);
  EXPECT_EQ(read_back.Count(), 1u);
}

// A log written through a FaultInjectionEnv and cut by simulated crashes (with and without torn
// writes) always reads back as a prefix of what was written, holding at least what was synced,
// with nothing reported.
TEST(WalCrashTest, CrashesLeaveAPrefixWithoutCorruption) {
  std::unique_ptr<Env> mem = NewMemEnv();
  FaultInjectionEnv env(mem.get(), /*seed=*/42);
  ASSERT_TRUE(env.CreateDir("/db").ok());
  Random rnd(5);
  for (int trial = 0; trial < 60; trial++) {
    const bool torn = trial % 2 == 0;
    const std::string name = "/db/" + std::to_string(trial) + ".log";
    std::vector<std::string> written;
    size_t synced = 0;
    {
      std::unique_ptr<WritableFile> file;
      ASSERT_TRUE(env.NewWritableFile(name, &file).ok());
      ASSERT_TRUE(env.SyncDir("/db").ok());
      WalWriter writer(file.get(), trial);
      const int n = 1 + rnd.Uniform(20);
      for (int i = 0; i < n; i++) {
        written.push_back(RandomString(&rnd, rnd.OneIn(3) ? rnd.Uniform(2 * kBlockSize) : 30));
        ASSERT_TRUE(writer.AddRecord(written.back()).ok());
        if (rnd.OneIn(3)) {
          ASSERT_TRUE(file->Sync().ok());
          synced = written.size();
        }
      }
    }
    env.SetTornWrites(torn);
    ASSERT_TRUE(env.SimulateCrash().ok());

    std::unique_ptr<SequentialFile> file;
    ASSERT_TRUE(env.NewSequentialFile(name, &file).ok());
    RecordingReporter reporter;
    WalReader reader(file.get(), &reporter, true, trial);
    std::vector<std::string> got;
    Slice record;
    std::string scratch;
    while (reader.ReadRecord(&record, &scratch)) got.push_back(record.ToString());
    ASSERT_TRUE(reporter.messages.empty()) << trial << ": " << reporter.messages[0];
    ASSERT_LE(got.size(), written.size());
    ASSERT_TRUE(std::equal(got.begin(), got.end(), written.begin())) << trial;
    // Torn: every append but the last reached the file; otherwise exactly the synced ones.
    const size_t expected =
        synced == written.size() ? synced : (torn ? written.size() - 1 : synced);
    ASSERT_EQ(got.size(), expected) << trial;
  }
}

TEST(WalCrashTest, DiskFullLeavesTheRecordsBeforeIt) {
  std::unique_ptr<Env> mem = NewMemEnv();
  FaultInjectionEnv env(mem.get());
  ASSERT_TRUE(env.CreateDir("/db").ok());
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env.NewWritableFile("/db/1.log", &file).ok());
  WalWriter writer(file.get(), 1);
  env.SetFailAfterBytes(3 * (kHeaderSize + 10) + 5);
  for (int i = 0; i < 3; i++) ASSERT_TRUE(writer.AddRecord(std::string(10, 'a' + i)).ok());
  EXPECT_TRUE(writer.AddRecord(std::string(10, 'z')).IsNoSpace());
  env.SetFailAfterBytes(-1);
  EXPECT_TRUE(writer.AddRecord("after").IsNoSpace());  // sticky: the engine must roll the log

  std::unique_ptr<SequentialFile> in;
  ASSERT_TRUE(env.NewSequentialFile("/db/1.log", &in).ok());
  WalReader reader(in.get(), nullptr, true, 1);
  Slice record;
  std::string scratch;
  int count = 0;
  while (reader.ReadRecord(&record, &scratch)) count++;
  EXPECT_EQ(count, 3);
  EXPECT_FALSE(reader.CorruptionReported());
}

}  // namespace
}  // namespace strata::lsm
