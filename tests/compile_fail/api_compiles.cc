// The whole typed table API, as a user would write it: this case must compile (warning-free).
#include <vector>

#include "models.h"

struct Trade {
  std::string market;
  int64_t ts = 0;
  double price = 0;
  std::vector<uint8_t> raw;
  bool buy = false;
};
template <>
struct strata::TableSpec<Trade> {
  static constexpr std::string_view name = "trades";
  static constexpr auto fields =
      strata::Fields(&Trade::market, &Trade::ts, &Trade::price, &Trade::raw, &Trade::buy);
  static constexpr auto primary = strata::Fields(&Trade::market, &Trade::ts);
};

strata::Status Use(strata::kv::Engine* engine) {
  auto users = strata::Table<User>::Open(engine);
  if (!users.ok()) return users.status();
  STRATA_RETURN_IF_ERROR(users->Put(User{1, "Ann", "a@x"}));
  STRATA_RETURN_IF_ERROR(users->PutMany(std::vector<User>{{2, "Bo", "b@x"}}));
  strata::Result<User> ann = users->Get(strata::Key<User>{1});
  strata::Result<std::vector<User>> by_email = users->Lookup<&User::email>("a@x");
  auto range = users->LookupRange<&User::email>("a", "c", {.limit = 10});
  auto scan = users->Scan(strata::Key<User>{1}, std::nullopt, {.reverse = true});
  STRATA_RETURN_IF_ERROR(users->ForEach(std::nullopt, std::nullopt, [](const User&) {}));
  STRATA_RETURN_IF_ERROR(
      users->ForEach(std::nullopt, std::nullopt, [](const User& u) { return u.id < 5; }));
  strata::Result<uint64_t> n = users->Count();
  STRATA_RETURN_IF_ERROR(users->Remove(strata::KeyOf(User{1, "", ""})));

  auto trades = strata::Table<Trade>::Open(engine, {.name = "trades_2024"});
  if (!trades.ok()) return trades.status();
  STRATA_RETURN_IF_ERROR(trades->Put(Trade{"BTC", 1, 2.5, {1, 2}, true}));
  auto btc = trades->ScanPrefix("BTC");
  auto window = trades->Scan(strata::Key<Trade>{"BTC", 0}, strata::Key<Trade>{"BTC", 100});
  strata::Key<Trade> k{"ETH", 3};
  bool ordered = strata::Key<Trade>{"BTC", 1} < k;
  return ann.ok() && by_email.ok() && range.ok() && scan.ok() && n.ok() && btc.ok() &&
                 window.ok() && ordered
             ? strata::Status::OK()
             : strata::Status::Aborted("unexpected");
}
