// Typed tables: a plain C++ struct plus a short declaration of its keys gives a typed record
// store over any kv::Engine (strata, memory, rocksdb, leveldb, lmdb).
//
//   struct User { int64_t id; std::string email; int32_t age; };
//   template <> struct strata::TableSpec<User> {
//     static constexpr std::string_view name = "users";
//     static constexpr auto fields = strata::Fields(&User::id, &User::email, &User::age);
//     static constexpr auto primary = &User::id;  // or strata::Fields(&A::x, &A::y): composite
//     static constexpr auto secondary = strata::Keys(&User::email, &User::age);  // optional
//   };
//   auto users = strata::Table<User>::Open(engine.get());   // Result<Table<User>>
//   users->Put(User{1, "a@x", 30});
//   users->Get(strata::Key<User>{1});                        // Result<User>, NotFound if absent
//   users->Lookup<&User::email>("a@x");                      // Result<std::vector<User>>
//
// `fields` must list every data member (checked at compile time), in any order; it fixes the
// stored layout, so append new members at its end. Field types: integers (uint64_t only outside
// keys: the key codec orders signed 64-bit integers), enums, float, double, bool, std::string and
// std::vector<uint8_t>. A Key<User> is its own type: passing it to a Table<Order>, or looking up
// by a field that is not a declared secondary key, does not compile (tests/compile_fail).
//
// Storage (docs/TYPED_TABLES.md): every key starts with 0x05 and the table name as a key-codec
// string element; then 'r' + primary key tuple -> record, 'i' + ordinal byte + secondary element +
// primary key tuple -> empty, and 's' -> the schema, compared on Open. A put writes the record and
// its index entries in one atomic WriteBatch and removes the entries of the version it replaces.
//
// Thread safety: a Table is a handle to shared state; copies and concurrent calls are safe.
// Writes of one primary key are serialized through lock stripes shared by every handle of the
// same engine and table name in the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/kv.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

// Specialize for each model (see above).
template <typename T>
struct TableSpec;

// The member lists of a TableSpec.
template <typename... Ms>
constexpr std::tuple<Ms...> Fields(Ms... members) {
  return {members...};
}
template <typename... Ms>
constexpr std::tuple<Ms...> Keys(Ms... members) {
  return {members...};
}

struct TableOptions {
  // Overrides TableSpec<T>::name, so that one model can back several tables.
  std::string name;
  kv::WriteOptions write_options = {};
};

struct ScanOptions {
  size_t limit = std::numeric_limits<size_t>::max();
  bool reverse = false;  // largest key first
};

namespace table_internal {

// ---- Non-template support (src/db/table_codec.cc, src/db/table_core.cc) ----

// Key elements, byte for byte what codec::AppendKeyElement writes for the same Value.
void AppendKeyInt(std::string* out, int64_t v);
void AppendKeyDouble(std::string* out, double v);
void AppendKeyBool(std::string* out, bool v);
void AppendKeyString(std::string* out, std::string_view v);
void AppendKeyBytes(std::string* out, std::string_view v);

// Record fields: zigzag varints, little-endian doubles, length-prefixed bytes. The readers
// return false on truncated or malformed input.
void AppendInt(std::string* out, int64_t v);
void AppendUint(std::string* out, uint64_t v);
void AppendDouble(std::string* out, double v);
void AppendBool(std::string* out, bool v);
void AppendBytes(std::string* out, std::string_view v);
bool ReadInt(Slice* in, int64_t* v);
bool ReadUint(Slice* in, uint64_t* v);
bool ReadDouble(Slice* in, double* v);
bool ReadBool(Slice* in, bool* v);
bool ReadBytes(Slice* in, Slice* v);
// Bounds every key that continues a tuple with more elements: no element starts with 0xff, and
// a prefix range would be wrong, as a string element may continue with an escaped 0x00 (00 ff).
inline constexpr char kAfterElements = '\xff';

inline constexpr char kRecordFormatVersion = 1;

enum class Visit : bool { kStop, kContinue };
// Receives a stored record: its primary key tuple bytes and its value.
using RowVisitor = std::function<Visit(Slice pk, Slice value)>;

class TableCore;
// Appends the full index keys of the record stored as `value`.
using IndexKeysFn = Status (*)(const TableCore& core, Slice value, std::vector<std::string>* keys);

// A record ready to be written: its full key (record prefix + primary key tuple), value and
// full index keys.
struct Row {
  std::string key;
  std::string value;
  std::vector<std::string> index_keys;
};

// Everything of a table that does not depend on the model type.
class TableCore {
 public:
  // Returns the core shared by all handles of (engine, name), checking or storing `schema`;
  // rebuilds the secondary indexes when only their declaration changed.
  static Result<std::shared_ptr<TableCore>> Open(kv::Engine* engine, std::string_view name,
                                                 std::string schema, int secondary_count,
                                                 IndexKeysFn index_keys,
                                                 const kv::WriteOptions& write_options);
  ~TableCore();

  const std::string& name() const { return name_; }
  // 0x05 <name> 'r', and 0x05 <name> 'i' <ordinal>.
  const std::string& record_prefix() const { return record_prefix_; }
  const std::string& index_prefix(int ordinal) const { return index_prefixes_[ordinal]; }

  // Record keys are full keys: record_prefix() + primary key tuple.
  Status Put(const Row& row);
  Status PutMany(const std::vector<Row>& rows);  // one batch: all or nothing
  Status Get(const std::string& record_key, std::string* value) const;
  Status Remove(const std::string& record_key);
  // Records with primary key tuple bytes in [lo, hi); nullptr is unbounded.
  Status Scan(const std::string* lo, const std::string* hi, const ScanOptions& options,
              const RowVisitor& visit) const;
  // Records whose `ordinal` index element bytes are in [lo, hi) (nullptr: unbounded), in index
  // order, read from one snapshot. `exact`: every element in the range is `lo.size()` bytes long.
  Status Lookup(int ordinal, const std::string& lo, const std::string* hi, bool exact,
                const ScanOptions& options, const RowVisitor& visit) const;
  Result<uint64_t> Count() const;

  // NotFound / Corruption with the table name and the key in readable form.
  Status NoSuchKey(Slice pk) const;
  Status Damaged(Slice pk, std::string_view what) const;

 private:
  TableCore() = default;
  std::mutex& StripeFor(Slice record_key);
  // The status with the table name in front, when it is an error.
  Status Named(Status s) const { return s.ok() ? s : s.WithContext("table " + name_); }
  Status OldIndexKeys(const kv::ReadOptions& ro, const std::string& record_key,
                      std::vector<std::string>* keys, bool* found);
  Status CheckSchema(const std::string& schema);
  Status RebuildIndexes();

  kv::Engine* engine_ = nullptr;
  std::string name_;
  std::string schema_;
  std::string table_prefix_;  // 0x05 <name>
  std::string record_prefix_;
  std::vector<std::string> index_prefixes_;
  IndexKeysFn index_keys_ = nullptr;
  kv::WriteOptions write_options_;
  static constexpr size_t kStripes = 64;
  std::unique_ptr<std::mutex[]> stripes_;
};

// ---- Field types ----

template <typename F>
struct FieldCodec {
  static constexpr bool kSupported = false;
};

template <typename F>
requires(std::is_integral_v<F> && !std::is_same_v<F, bool>) ||
    std::is_enum_v<F> struct FieldCodec<F> {
  using U = typename std::conditional_t<std::is_enum_v<F>, std::underlying_type<F>,
                                        std::type_identity<F>>::type;
  static constexpr bool kSupported = true;
  static constexpr bool kKeyable = std::is_signed_v<U> || sizeof(U) < 8;
  static constexpr std::string_view kCode = std::is_signed_v<U> ? "int" : "uint";
  static void AppendKey(std::string* out, F v) { AppendKeyInt(out, static_cast<int64_t>(v)); }
  static void Append(std::string* out, F v) {
    if constexpr (std::is_signed_v<U>) {
      AppendInt(out, static_cast<int64_t>(v));
    } else {
      AppendUint(out, static_cast<uint64_t>(v));
    }
  }
  static bool Read(Slice* in, F* v) {
    using Wide = std::conditional_t<std::is_signed_v<U>, int64_t, uint64_t>;
    Wide w;
    if constexpr (std::is_signed_v<U>) {
      if (!ReadInt(in, &w)) return false;
      if constexpr (sizeof(U) < 8) {
        if (w < std::numeric_limits<U>::min() || w > std::numeric_limits<U>::max()) return false;
      }
    } else {
      if (!ReadUint(in, &w)) return false;
      if constexpr (sizeof(U) < 8) {
        if (w > std::numeric_limits<U>::max()) return false;
      }
    }
    *v = static_cast<F>(w);
    return true;
  }
};

template <typename F>
requires std::is_same_v<F, double> || std::is_same_v<F, float>
struct FieldCodec<F> {
  static constexpr bool kSupported = true;
  static constexpr bool kKeyable = true;
  static constexpr std::string_view kCode = "double";
  static void AppendKey(std::string* out, F v) { AppendKeyDouble(out, v); }
  static void Append(std::string* out, F v) { AppendDouble(out, v); }
  static bool Read(Slice* in, F* v) {
    double d;
    if (!ReadDouble(in, &d)) return false;
    *v = static_cast<F>(d);
    return true;
  }
};

template <>
struct FieldCodec<bool> {
  static constexpr bool kSupported = true;
  static constexpr bool kKeyable = true;
  static constexpr std::string_view kCode = "bool";
  static void AppendKey(std::string* out, bool v) { AppendKeyBool(out, v); }
  static void Append(std::string* out, bool v) { AppendBool(out, v); }
  static bool Read(Slice* in, bool* v) { return ReadBool(in, v); }
};

template <typename F>
requires std::is_same_v<F, std::string> || std::is_same_v<F, std::vector<uint8_t>>
struct FieldCodec<F> {
  static constexpr bool kSupported = true;
  static constexpr bool kKeyable = true;
  static constexpr bool kString = std::is_same_v<F, std::string>;
  static constexpr std::string_view kCode = kString ? "string" : "bytes";
  static std::string_view View(const F& v) {
    return {reinterpret_cast<const char*>(v.data()), v.size()};
  }
  static void AppendKey(std::string* out, const F& v) {
    kString ? AppendKeyString(out, View(v)) : AppendKeyBytes(out, View(v));
  }
  static void Append(std::string* out, const F& v) { AppendBytes(out, View(v)); }
  static bool Read(Slice* in, F* v) {
    Slice s;
    if (!ReadBytes(in, &s)) return false;
    v->assign(s.data(), s.data() + s.size());
    return true;
  }
};

// ---- The declaration, normalized ----

// Calls f(std::integral_constant<size_t, I>) for I in [0, N), in order.
template <size_t N, typename F>
constexpr void ForIndex(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<size_t, I>()), ...); }
  (std::make_index_sequence<N>());
}

template <typename Tuple>
inline constexpr size_t kSize = std::tuple_size_v<std::remove_cvref_t<Tuple>>;

template <typename M>
struct MemberTraits {
  static constexpr bool kIsMember = false;
};
template <typename C, typename F>
struct MemberTraits<F C::*> {
  static constexpr bool kIsMember = true;
  using Class = C;
  using Field = F;
};

// The field type of the I-th member pointer of a tuple of them.
template <typename Tuple, size_t I>
using FieldAt = typename MemberTraits<std::tuple_element_t<I, std::remove_cvref_t<Tuple>>>::Field;
template <typename Tuple, size_t I>
using CodecAt = FieldCodec<FieldAt<Tuple, I>>;

template <typename P>
constexpr auto AsTuple(P p) {
  if constexpr (MemberTraits<P>::kIsMember) {
    return std::tuple<P>(p);
  } else {
    return p;
  }
}

// Position of member pointer `m` in the tuple `members`, or -1.
template <typename Tuple, typename M>
constexpr int IndexOf(const Tuple& members, M m) {
  int result = -1;
  ForIndex<kSize<Tuple>>([&](auto i) {
    if constexpr (std::is_same_v<std::tuple_element_t<i, Tuple>, M>) {
      if (result < 0 && std::get<i>(members) == m) result = int(i);
    }
  });
  return result;
}

// Converts to anything: counts an aggregate's members by brace initialization.
struct AnyField {
  template <typename U>
  operator U() const;  // NOLINT: unevaluated only
};
template <typename T, size_t... I>
constexpr bool BraceConstructible(std::index_sequence<I...>) {
  return requires { T{(void(I), AnyField{})...}; };
}

template <typename T>
struct Spec {
  using S = TableSpec<T>;
  static constexpr auto kFields = S::fields;
  static constexpr auto kPrimary = AsTuple(S::primary);
  static constexpr auto kSecondary = [] {
    if constexpr (requires { S::secondary; }) {
      return AsTuple(S::secondary);
    } else {
      return std::tuple<>();
    }
  }();
  using FieldsT = std::remove_cv_t<decltype(kFields)>;
  using PrimaryT = std::remove_cv_t<decltype(kPrimary)>;
  using SecondaryT = std::remove_cv_t<decltype(kSecondary)>;
  static constexpr size_t kFieldCount = kSize<FieldsT>;
  static constexpr size_t kPrimaryCount = kSize<PrimaryT>;
  static constexpr size_t kSecondaryCount = kSize<SecondaryT>;

  // Every entry of `fields` is a distinct member pointer of T of a supported type.
  static constexpr bool FieldsValid() {
    bool ok = true;
    ForIndex<kFieldCount>([&](auto i) {
      using M = std::tuple_element_t<i, FieldsT>;
      if constexpr (!MemberTraits<M>::kIsMember) {
        ok = false;
      } else {
        ok = ok && std::is_same_v<typename MemberTraits<M>::Class, T> &&
             FieldCodec<typename MemberTraits<M>::Field>::kSupported &&
             IndexOf(kFields, std::get<i>(kFields)) == int(i);
      }
    });
    return ok;
  }
  // Every member of `keys` is listed in `fields` and has a type the key codec orders.
  template <typename Tuple>
  static constexpr bool KeysValid(const Tuple& keys) {
    bool ok = true;
    ForIndex<kSize<Tuple>>([&](auto i) {
      ok = ok && IndexOf(kFields, std::get<i>(keys)) >= 0 && CodecAt<Tuple, i>::kKeyable;
    });
    return ok;
  }
};

template <typename T, typename Tuple>
struct KeyStorage;
template <typename T, typename... Ms>
struct KeyStorage<T, std::tuple<Ms...>> {
  KeyStorage() = default;
  explicit KeyStorage(typename MemberTraits<Ms>::Field... parts) : values(std::move(parts)...) {}
  std::tuple<typename MemberTraits<Ms>::Field...> values;
  auto operator<=>(const KeyStorage&) const = default;
};

}  // namespace table_internal

// The primary key of model T: Key<User>{1}, Key<Trade>{"BTC", ts}. A distinct type per model,
// so a Key<User> is no key of a Table<Order>. The members are in `values`.
template <typename T>
struct Key : table_internal::KeyStorage<T, typename table_internal::Spec<T>::PrimaryT> {
  using table_internal::KeyStorage<T, typename table_internal::Spec<T>::PrimaryT>::KeyStorage;
  auto operator<=>(const Key&) const = default;
};

// The primary key of a record.
template <typename T>
Key<T> KeyOf(const T& record) {
  using Spec = table_internal::Spec<T>;
  Key<T> key;
  table_internal::ForIndex<Spec::kPrimaryCount>(
      [&](auto i) { std::get<i>(key.values) = record.*std::get<i>(Spec::kPrimary); });
  return key;
}

template <typename T>
class Table {
  using Spec = table_internal::Spec<T>;
  using FieldsT = typename Spec::FieldsT;
  using PrimaryT = typename Spec::PrimaryT;
  using SecondaryT = typename Spec::SecondaryT;
  template <auto M>
  using FieldOf = typename table_internal::MemberTraits<decltype(M)>::Field;
  template <typename Tuple, size_t I>
  using Codec = table_internal::CodecAt<Tuple, I>;

  static_assert(std::is_default_constructible_v<T>, "a table model must be default-constructible");
  static_assert(Spec::FieldsValid(),
                "TableSpec<T>::fields: each entry must be a distinct member pointer of T, of a "
                "supported type (integer, enum, float, double, bool, std::string, "
                "std::vector<uint8_t>)");
  static_assert(
      !table_internal::BraceConstructible<T>(std::make_index_sequence<Spec::kFieldCount + 1>()),
      "TableSpec<T>::fields must list every data member of T");
  static_assert(Spec::kPrimaryCount > 0 && Spec::KeysValid(Spec::kPrimary),
                "TableSpec<T>::primary: members listed in fields, of key types (not uint64_t)");
  static_assert(Spec::KeysValid(Spec::kSecondary),
                "TableSpec<T>::secondary: members listed in fields, of key types (not uint64_t)");
  static_assert(Spec::kSecondaryCount < 256, "at most 255 secondary keys");

 public:
  using Record = T;

  // Opens the table on `engine` (borrowed; it must outlive every handle).
  static Result<Table> Open(kv::Engine* engine, const TableOptions& options = {}) {
    std::string_view name = options.name.empty() ? TableSpec<T>::name : options.name;
    auto core = table_internal::TableCore::Open(engine, name, Schema(), Spec::kSecondaryCount,
                                                &IndexKeysOf, options.write_options);
    if (!core.ok()) return core.status();
    return Table(std::move(core.value()));
  }

  const std::string& name() const { return core_->name(); }

  // Inserts or replaces the record with this primary key, with its index entries, atomically.
  Status Put(const T& record) {
    thread_local table_internal::Row row;  // reused: its strings keep their capacity
    FillRow(record, &row);
    return core_->Put(row);
  }
  // Writes all the records in one atomic batch (the last one wins among equal keys).
  Status PutMany(std::span<const T> records) {
    std::vector<table_internal::Row> rows(records.size());
    for (size_t i = 0; i < records.size(); ++i) FillRow(records[i], &rows[i]);
    return core_->PutMany(rows);
  }
  // NotFound when absent.
  Result<T> Get(const Key<T>& key) const {
    thread_local std::string record_key, value;  // reused buffers
    record_key.assign(core_->record_prefix());
    AppendKey(&record_key, key);
    STRATA_RETURN_IF_ERROR(core_->Get(record_key, &value));
    return Decode(PkOf(record_key), value);
  }
  // Removes the record and its index entries; NotFound when absent.
  Status Remove(const Key<T>& key) { return core_->Remove(RecordKey(key)); }

  // Records with primary keys in [lo, hi) (nullopt: unbounded), in key order.
  Result<std::vector<T>> Scan(const std::optional<Key<T>>& lo, const std::optional<Key<T>>& hi,
                              const ScanOptions& options = {}) const {
    return Collect([&](auto& fn) { return ForEach(lo, hi, fn, options); });
  }
  // Streams the records with primary keys in [lo, hi) to fn(const T&), which may return false to
  // stop; nothing is collected.
  template <typename Fn>
  Status ForEach(const std::optional<Key<T>>& lo, const std::optional<Key<T>>& hi, Fn&& fn,
                 const ScanOptions& options = {}) const {
    std::string lo_bytes, hi_bytes;
    if (lo) AppendKey(&lo_bytes, *lo);
    if (hi) AppendKey(&hi_bytes, *hi);
    return Walk(fn, [&](const auto& visit) {
      return core_->Scan(lo ? &lo_bytes : nullptr, hi ? &hi_bytes : nullptr, options, visit);
    });
  }
  // Records whose primary key starts with these leading members, e.g. ScanPrefix("BTC") for a
  // (market, time) key.
  template <typename... P>
  requires(sizeof...(P) >= 1 &&
           sizeof...(P) <
               Spec::kPrimaryCount) Result<std::vector<T>> ScanPrefix(const P&... leading)
  const {
    std::string lo;
    auto parts = std::forward_as_tuple(leading...);
    table_internal::ForIndex<sizeof...(P)>(
        [&](auto i) { Codec<PrimaryT, i>::AppendKey(&lo, std::get<i>(parts)); });
    std::string hi = lo + table_internal::kAfterElements;
    return Collect([&](auto& fn) {
      return Walk(fn, [&](const auto& visit) { return core_->Scan(&lo, &hi, {}, visit); });
    });
  }

  // Records whose secondary key field M equals `value`, in primary key order.
  template <auto M>
  Result<std::vector<T>> Lookup(const FieldOf<M>& value, const ScanOptions& options = {}) const {
    constexpr int ordinal = table_internal::IndexOf(Spec::kSecondary, M);
    static_assert(ordinal >= 0, "Lookup<&T::field>: field is not a declared secondary key");
    std::string lo;
    table_internal::FieldCodec<FieldOf<M>>::AppendKey(&lo, value);
    std::string hi = lo + table_internal::kAfterElements;
    return Collect([&](auto& fn) {
      return Walk(fn, [&](const auto& visit) {
        return core_->Lookup(ordinal, lo, &hi, /*exact=*/true, options, visit);
      });
    });
  }
  // Records whose secondary key field M is in [lo, hi), ordered by that field, then primary key.
  template <auto M>
  Result<std::vector<T>> LookupRange(const FieldOf<M>& lo, const FieldOf<M>& hi,
                                     const ScanOptions& options = {}) const {
    constexpr int ordinal = table_internal::IndexOf(Spec::kSecondary, M);
    static_assert(ordinal >= 0, "LookupRange<&T::field>: field is not a declared secondary key");
    std::string lo_bytes, hi_bytes;
    table_internal::FieldCodec<FieldOf<M>>::AppendKey(&lo_bytes, lo);
    table_internal::FieldCodec<FieldOf<M>>::AppendKey(&hi_bytes, hi);
    return Collect([&](auto& fn) {
      return Walk(fn, [&](const auto& visit) {
        return core_->Lookup(ordinal, lo_bytes, &hi_bytes, /*exact=*/false, options, visit);
      });
    });
  }

  // Number of records (reads every key of the table).
  Result<uint64_t> Count() const { return core_->Count(); }

 private:
  explicit Table(std::shared_ptr<table_internal::TableCore> core) : core_(std::move(core)) {}

  // "fields=int,string,int;primary=0;secondary=1,2": what the stored bytes depend on.
  static std::string Schema() {
    std::string s = "fields=";
    table_internal::ForIndex<Spec::kFieldCount>([&](auto i) {
      if (i > 0) s += ",";
      s += Codec<FieldsT, i>::kCode;
    });
    auto positions = [&s](const auto& members) {
      table_internal::ForIndex<table_internal::kSize<decltype(members)>>([&](auto i) {
        if (i > 0) s += ",";
        s += std::to_string(table_internal::IndexOf(Spec::kFields, std::get<i>(members)));
      });
    };
    s += ";primary=";
    positions(Spec::kPrimary);
    s += ";secondary=";
    positions(Spec::kSecondary);
    return s;
  }

  static void AppendKey(std::string* out, const Key<T>& key) {
    table_internal::ForIndex<Spec::kPrimaryCount>(
        [&](auto i) { Codec<PrimaryT, i>::AppendKey(out, std::get<i>(key.values)); });
  }
  std::string RecordKey(const Key<T>& key) const {
    std::string out = core_->record_prefix();
    AppendKey(&out, key);
    return out;
  }
  Slice PkOf(const std::string& record_key) const {
    Slice pk(record_key);
    pk.remove_prefix(core_->record_prefix().size());
    return pk;
  }
  static void AppendPrimary(std::string* out, const T& record) {
    table_internal::ForIndex<Spec::kPrimaryCount>(
        [&](auto i) { Codec<PrimaryT, i>::AppendKey(out, record.*std::get<i>(Spec::kPrimary)); });
  }
  // Sets (*keys)[at...] to the record's index keys.
  static void IndexKeys(const table_internal::TableCore& core, const T& record, Slice pk,
                        std::vector<std::string>* keys, size_t at) {
    keys->resize(at + Spec::kSecondaryCount);
    table_internal::ForIndex<Spec::kSecondaryCount>([&](auto i) {
      std::string& key = (*keys)[at + i];
      key.assign(core.index_prefix(i));
      Codec<SecondaryT, i>::AppendKey(&key, record.*std::get<i>(Spec::kSecondary));
      key.append(pk.data(), pk.size());
    });
  }
  static Status IndexKeysOf(const table_internal::TableCore& core, Slice value,
                            std::vector<std::string>* keys) {
    T record;
    int failed = DecodeInto(value, &record);
    if (failed != kDecoded) return core.Damaged(Slice(), DecodeError(failed));
    std::string pk;
    AppendPrimary(&pk, record);
    IndexKeys(core, record, pk, keys, keys->size());
    return Status::OK();
  }

  void FillRow(const T& record, table_internal::Row* row) const {
    row->key.assign(core_->record_prefix());
    AppendPrimary(&row->key, record);
    row->value.assign(1, table_internal::kRecordFormatVersion);
    table_internal::ForIndex<Spec::kFieldCount>([&](auto i) {
      Codec<FieldsT, i>::Append(&row->value, record.*std::get<i>(Spec::kFields));
    });
    if constexpr (Spec::kSecondaryCount > 0) {
      IndexKeys(*core_, record, PkOf(row->key), &row->index_keys, 0);
    }
  }

  static constexpr int kDecoded = -1;
  static constexpr int kBadVersion = -2;
  // Fills *record from `value`: kDecoded, kBadVersion, or the index of the first field that did
  // not decode (kFieldCount: bytes left after the last field).
  static int DecodeInto(Slice value, T* record) {
    if (value.empty() || value[0] != table_internal::kRecordFormatVersion) return kBadVersion;
    value.remove_prefix(1);
    int failed = kDecoded;
    table_internal::ForIndex<Spec::kFieldCount>([&](auto i) {
      if (failed == kDecoded &&
          !Codec<FieldsT, i>::Read(&value, &(record->*std::get<i>(Spec::kFields)))) {
        failed = int(i);
      }
    });
    if (failed == kDecoded && !value.empty()) failed = int(Spec::kFieldCount);
    return failed;
  }
  static std::string DecodeError(int failed) {
    if (failed == kBadVersion) return "unknown record format version";
    if (failed == int(Spec::kFieldCount)) return "bytes left after the last field";
    return "field " + std::to_string(failed) + " does not decode";
  }
  Result<T> Decode(Slice pk, Slice value) const {
    T record;
    int failed = DecodeInto(value, &record);
    if (failed != kDecoded) return core_->Damaged(pk, DecodeError(failed));
    return record;
  }

  // Runs `call` with a visitor that decodes each record and passes it to fn(const T&) (which
  // may return false to stop); a record that does not decode stops the walk with Corruption.
  template <typename Fn, typename Call>
  Status Walk(Fn& fn, const Call& call) const {
    Status error;
    Status s = call(table_internal::RowVisitor([&](Slice pk, Slice value) {
      Result<T> r = Decode(pk, value);
      if (!r.ok()) {
        error = r.status();
        return table_internal::Visit::kStop;
      }
      if constexpr (std::is_void_v<decltype(fn(*r))>) {
        fn(*r);
        return table_internal::Visit::kContinue;
      } else {
        return fn(*r) ? table_internal::Visit::kContinue : table_internal::Visit::kStop;
      }
    }));
    return s.ok() ? error : s;
  }
  // Runs `walk` with a function that collects the records.
  template <typename WalkFn>
  Result<std::vector<T>> Collect(const WalkFn& walk) const {
    std::vector<T> out;
    auto add = [&out](const T& r) { out.push_back(r); };
    STRATA_RETURN_IF_ERROR(walk(add));
    return out;
  }

  std::shared_ptr<table_internal::TableCore> core_;
};

}  // namespace strata
