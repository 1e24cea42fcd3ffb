// Time series in a typed table: trades keyed by (market, timestamp), ingested in batches and read
// back by time range, newest first, and as one-minute bars.
//
//   timeseries [data-dir [backend [trades-per-market]]]
//   (default: a fresh temporary directory, "strata", 50000)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "strata/kv.h"
#include "strata/table.h"

struct Trade {
  std::string market;
  int64_t time_ms = 0;  // milliseconds since the epoch
  double price = 0;
  double size = 0;
  bool buy = false;
};

// The composite primary key keeps each market's trades together, in time order.
template <>
struct strata::TableSpec<Trade> {
  static constexpr std::string_view name = "trades";
  static constexpr auto fields =
      strata::Fields(&Trade::market, &Trade::time_ms, &Trade::price, &Trade::size, &Trade::buy);
  static constexpr auto primary = strata::Fields(&Trade::market, &Trade::time_ms);
};

namespace {

void Check(const strata::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}
void Expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "unexpected: %s\n", what);
  std::exit(1);
}

constexpr int64_t kStart = 1700000000000;  // 2023-11-14 22:13:20 UTC
constexpr int64_t kMinute = 60000;

// A random walk per market, one trade every 1 to 200 ms.
Trade NextTrade(const std::string& market, std::mt19937_64& rng, Trade* last) {
  Trade t;
  t.market = market;
  t.time_ms = last->time_ms + 1 + static_cast<int64_t>(rng() % 200);
  t.price = last->price * (1 + (static_cast<double>(rng() % 2001) - 1000) * 1e-6);
  t.size = static_cast<double>(rng() % 10000) / 1000;
  t.buy = rng() % 2 == 0;
  *last = t;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  bool temporary = argc < 2;
  std::filesystem::path dir = temporary ? std::filesystem::temp_directory_path() /
                                              ("strata_timeseries_" + std::to_string(getpid()))
                                        : std::filesystem::path(argv[1]);
  std::string backend = argc > 2 ? argv[2] : "strata";
  const int per_market = argc > 3 ? std::atoi(argv[3]) : 50000;
  const std::vector<std::string> markets = {"BTC-USD", "ETH-USD", "SOL-USD"};

  strata::kv::Options options;
  options.create_if_missing = true;
  auto engine = strata::kv::Engine::Open(backend, dir, options);
  Check(engine.status(), "open engine");
  {
    auto trades = strata::Table<Trade>::Open(engine->get());
    Check(trades.status(), "open table");

    // Ingest: the markets interleaved as a feed would deliver them, 1000 trades per batch.
    std::mt19937_64 rng(42);
    std::vector<Trade> last = {
        {"", kStart, 37000, 0, false}, {"", kStart, 2000, 0, false}, {"", kStart, 56, 0, false}};
    std::vector<Trade> batch;
    auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < per_market; ++i) {
      for (size_t m = 0; m < markets.size(); ++m) {
        batch.push_back(NextTrade(markets[m], rng, &last[m]));
      }
      if (batch.size() >= 1000 || i + 1 == per_market) {
        Check(trades->PutMany(batch), "ingest");
        batch.clear();
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    size_t total = per_market * markets.size();
    std::printf("ingested %zu trades in %.2f s (%.0f trades/s)\n", total, seconds,
                static_cast<double>(total) / seconds);
    auto count = trades->Count();
    Check(count.status(), "count");
    Expect(*count == total, "every trade stored");

    // The five latest BTC trades: a reverse scan over the market's key range.
    auto latest =
        trades->Scan(strata::Key<Trade>{"BTC-USD", INT64_MIN},
                     strata::Key<Trade>{"BTC-USD", INT64_MAX}, {.limit = 5, .reverse = true});
    Check(latest.status(), "latest");
    std::printf("\nlatest BTC-USD trades:\n");
    for (const Trade& t : *latest) {
      std::printf("  t=+%8.3f s  %-4s %7.3f @ %.2f\n", (t.time_ms - kStart) / 1000.0,
                  t.buy ? "buy" : "sell", t.size, t.price);
    }
    Expect(latest->size() == 5 && latest->front().time_ms == last[0].time_ms, "newest first");

    // One-minute bars of ETH for the first ten minutes, streamed without collecting the trades.
    std::printf(
        "\nETH-USD one-minute bars:\n  minute     open     high      low    close   volume  "
        "trades\n");
    size_t in_range = 0;
    for (int64_t minute = 0; minute < 10; ++minute) {
      int64_t from = kStart + minute * kMinute;
      double open = 0, high = 0, low = 0, close = 0, volume = 0;
      int n = 0;
      Check(trades->ForEach(strata::Key<Trade>{"ETH-USD", from},
                            strata::Key<Trade>{"ETH-USD", from + kMinute},
                            [&](const Trade& t) {
                              if (n++ == 0) open = high = low = t.price;
                              high = std::max(high, t.price);
                              low = std::min(low, t.price);
                              close = t.price;
                              volume += t.size;
                            }),
            "bars");
      in_range += n;
      std::printf("  %6" PRId64 " %8.2f %8.2f %8.2f %8.2f %8.1f  %6d\n", minute, open, high, low,
                  close, volume, n);
    }
    // The same ten minutes in one range read.
    auto window = trades->Scan(strata::Key<Trade>{"ETH-USD", kStart},
                               strata::Key<Trade>{"ETH-USD", kStart + 10 * kMinute});
    Check(window.status(), "window");
    Expect(window->size() == in_range, "bars cover the window");
    for (size_t i = 1; i < window->size(); ++i) {
      Expect((*window)[i - 1].time_ms < (*window)[i].time_ms, "time order");
    }

    // A whole market by key prefix.
    auto sol = trades->ScanPrefix("SOL-USD");
    Check(sol.status(), "prefix");
    std::printf("\nSOL-USD: %zu trades from +%.3f s to +%.3f s\n", sol->size(),
                (sol->front().time_ms - kStart) / 1000.0, (sol->back().time_ms - kStart) / 1000.0);
    Expect(sol->size() == static_cast<size_t>(per_market), "whole market");
  }
  Check((*engine)->Close(), "close");
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}
