// The typed table's overhead: Table<T>::Put and ::Get of N small structs against raw
// kv::Engine::Put and ::Get of exactly the same key and value bytes (taken from a first run of
// the table on the memory backend), in the same random order, each side in its own fresh engine.
// The two sides run interleaved in chunks of 1000 operations (alternating which goes first), so
// that both see the same load on a shared machine; each round reports the ratio of the totals.
// Not a test: run it by hand (docs/TYPED_TABLES.md shows results).
//
//   bench_table [n=200000] [backend=strata] [rounds=5] [parent-dir=/tmp]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "strata/kv.h"
#include "strata/table.h"
#include "strata/write_batch.h"

struct Point {
  int64_t id = 0;
  int32_t x = 0;
  int32_t y = 0;
  double value = 0;
  std::string tag;
};
template <>
struct strata::TableSpec<Point> {
  static constexpr std::string_view name = "points";
  static constexpr auto fields =
      strata::Fields(&Point::id, &Point::x, &Point::y, &Point::value, &Point::tag);
  static constexpr auto primary = &Point::id;
};

// The same record with a secondary key: a put must read the previous version first.
struct Tagged {
  int64_t id = 0;
  int32_t x = 0;
  int32_t y = 0;
  double value = 0;
  std::string tag;
};
template <>
struct strata::TableSpec<Tagged> {
  static constexpr std::string_view name = "tagged";
  static constexpr auto fields =
      strata::Fields(&Tagged::id, &Tagged::x, &Tagged::y, &Tagged::value, &Tagged::tag);
  static constexpr auto primary = &Tagged::id;
  static constexpr auto secondary = strata::Keys(&Tagged::tag);
};

namespace {

using Clock = std::chrono::steady_clock;
using Pairs = std::vector<std::pair<std::string, std::string>>;
constexpr size_t kChunk = 1000;

void Check(const strata::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

struct Engines {
  std::string backend;
  std::filesystem::path parent;
  int next = 0;
  std::unique_ptr<strata::kv::Engine> Open(const std::string& name, std::filesystem::path* dir) {
    *dir =
        parent / ("strata_bench_table_" + std::to_string(getpid()) + "_" + std::to_string(next++));
    std::filesystem::remove_all(*dir);
    strata::kv::Options options;
    options.create_if_missing = true;
    auto engine = strata::kv::Engine::Open(name, *dir, options);
    Check(engine.status(), "open engine");
    return std::move(engine.value());
  }
  void Drop(const std::string& name, std::unique_ptr<strata::kv::Engine> engine,
            const std::filesystem::path& dir) {
    Check(engine->Close(), "close");
    engine.reset();
    strata::kv::Engine::Destroy(name, dir);
    std::filesystem::remove_all(dir);
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs table(begin, end) and raw(begin, end) over [0, n) in alternating chunks; returns the
// nanoseconds each side spent.
template <typename TableFn, typename RawFn>
std::pair<double, double> Interleaved(size_t n, const TableFn& table, const RawFn& raw) {
  double table_ns = 0, raw_ns = 0;
  auto timed = [](const auto& fn, size_t b, size_t e) {
    auto begin = Clock::now();
    fn(b, e);
    return std::chrono::duration<double, std::nano>(Clock::now() - begin).count();
  };
  for (size_t b = 0, chunk = 0; b < n; b += kChunk, ++chunk) {
    size_t e = std::min(n, b + kChunk);
    if (chunk % 2 == 0) {
      table_ns += timed(table, b, e);
      raw_ns += timed(raw, b, e);
    } else {
      raw_ns += timed(raw, b, e);
      table_ns += timed(table, b, e);
    }
  }
  return {table_ns, raw_ns};
}

// The key/value pairs the table writes for `records`, in key order (records and index entries;
// not the schema key). Keys: 0x05 0x20 <name> 0x00 <tag> ...
template <typename T>
Pairs TableBytes(Engines& engines, const std::vector<T>& records) {
  std::filesystem::path dir;
  auto engine = engines.Open("memory", &dir);
  Pairs pairs;
  {
    auto table = strata::Table<T>::Open(engine.get());
    Check(table.status(), "open table");
    for (const T& r : records) Check(table->Put(r), "put");
  }
  const size_t tag_at = 3 + strata::TableSpec<T>::name.size();
  std::unique_ptr<strata::Iterator> it = engine->NewIterator(strata::kv::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    char tag = it->key()[tag_at];
    if (tag == 'r' || tag == 'i') pairs.emplace_back(it->key().ToString(), it->value().ToString());
  }
  it.reset();
  engines.Drop("memory", std::move(engine), dir);
  return pairs;
}

template <typename T>
void Bench(Engines& engines, const char* label, size_t n, int rounds) {
  std::mt19937_64 rng(7);
  std::vector<T> records(n);
  for (size_t i = 0; i < n; ++i) {
    T& r = records[i];
    r.id = static_cast<int64_t>(i);
    r.x = static_cast<int32_t>(rng() % 100000);
    r.y = static_cast<int32_t>(rng() % 100000) - 50000;
    r.value = static_cast<double>(rng() % 1000000) / 7;
    r.tag = "tag" + std::to_string(rng() % 1000);
  }
  std::shuffle(records.begin(), records.end(), rng);  // put in random key order
  std::vector<size_t> get_order(n);
  std::iota(get_order.begin(), get_order.end(), 0);
  std::shuffle(get_order.begin(), get_order.end(), rng);
  std::vector<strata::Key<T>> get_keys;
  for (size_t i : get_order) get_keys.push_back(strata::KeyOf(records[i]));

  // The raw side's inputs, laid out in operation order as the table's are: per record its pair
  // and, with a secondary key, its index entry's (written together in one batch, as the table
  // does, but without the table's read of the previous version).
  Pairs pairs = TableBytes(engines, records);
  const size_t first_record = pairs.size() - n;  // index entries ('i') sort before records ('r')
  constexpr size_t kPkSize = 11;  // an int64 element below 2^53: type, 8 bytes, tag, kind
  std::map<std::string, size_t> index_of_pk;  // an index key ends with its record's key
  for (size_t i = 0; i < first_record; ++i) {
    index_of_pk[pairs[i].first.substr(pairs[i].first.size() - kPkSize)] = i;
  }
  std::vector<Pairs> writes;
  for (const T& r : records) {
    const auto& record = pairs[first_record + static_cast<size_t>(r.id)];
    writes.push_back({record});
    if (first_record > 0) {
      writes.back().push_back(
          pairs[index_of_pk.at(record.first.substr(record.first.size() - kPkSize))]);
    }
  }
  std::vector<std::string> raw_get_keys;
  for (size_t i : get_order) {
    raw_get_keys.push_back(pairs[first_record + static_cast<size_t>(records[i].id)].first);
  }
  pairs.clear();

  std::printf("\n%s: n=%zu\n", label, n);
  std::vector<double> put_ratio, get_ratio;
  for (int round = 0; round < rounds; ++round) {
    std::filesystem::path table_dir, raw_dir;
    auto table_engine = engines.Open(engines.backend, &table_dir);
    auto raw = engines.Open(engines.backend, &raw_dir);
    auto table = strata::Table<T>::Open(table_engine.get());
    Check(table.status(), "open table");

    auto [table_put, raw_put] = Interleaved(
        n,
        [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) Check(table->Put(records[i]), "table put");
        },
        [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) {
            const Pairs& w = writes[i];
            if (w.size() == 1) {
              Check(raw->Put(w[0].first, w[0].second), "raw put");
            } else {
              strata::WriteBatch batch;
              for (const auto& [key, value] : w) batch.Put(key, value);
              Check(raw->Write(strata::kv::WriteOptions(), batch), "raw write");
            }
          }
        });
    Check(table_engine->Flush(), "flush");
    Check(raw->Flush(), "flush");
    size_t found = 0, bytes = 0;
    auto [table_get, raw_get] = Interleaved(
        n,
        [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) {
            auto r = table->Get(get_keys[i]);
            Check(r.status(), "table get");
            found += r->id == std::get<0>(get_keys[i].values);
          }
        },
        [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) {
            std::string value;
            Check(raw->Get(strata::kv::ReadOptions(), raw_get_keys[i], &value), "raw get");
            bytes += value.size();
          }
        });
    if (found != n || bytes == 0) Check(strata::Status::Corruption("wrong records"), "get");
    std::printf(
        "  round %d: put table %5.0f raw %5.0f ns/op (%.3f)   get table %5.0f raw %5.0f "
        "ns/op (%.3f)\n",
        round, table_put / n, raw_put / n, table_put / raw_put, table_get / n, raw_get / n,
        table_get / raw_get);
    put_ratio.push_back(table_put / raw_put);
    get_ratio.push_back(table_get / raw_get);
    table = strata::Status::Aborted("closing");  // the handle goes before its engine
    engines.Drop(engines.backend, std::move(table_engine), table_dir);
    engines.Drop(engines.backend, std::move(raw), raw_dir);
  }
  std::printf("  median table/raw: Put %.3f (%+.1f%%), Get %.3f (%+.1f%%)\n", Median(put_ratio),
              (Median(put_ratio) - 1) * 100, Median(get_ratio), (Median(get_ratio) - 1) * 100);
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  Engines engines;
  engines.backend = argc > 2 ? argv[2] : "strata";
  int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  engines.parent = argc > 4 ? argv[4] : std::filesystem::temp_directory_path();
  std::printf("backend %s\n", engines.backend.c_str());
  Bench<Point>(engines, "Table<Point> (no secondary key) vs raw Put/Get", n, rounds);
  Bench<Tagged>(engines, "Table<Tagged> (1 secondary key) vs raw batch of record + index entry", n,
                rounds);
  return 0;
}
