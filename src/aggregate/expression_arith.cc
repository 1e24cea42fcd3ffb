// Arithmetic, comparison, $not and the array reductions ($sum $avg $min $max as expressions).
// Integers stay int64 while MongoDB keeps them integral and turn into doubles on overflow.
#include <cmath>
#include <cstdint>
#include <string>

#include "aggregate/expression_ops.h"

namespace strata::aggregate {
namespace {

std::string TypeName(const Value& v) { return std::string(TypeNameOf(v)); }

Result<Value> Add(std::vector<Value>& args) {
  NumberSum sum;
  bool has_date = false;
  int64_t date = 0;
  for (const Value& a : args) {
    if (IsNullish(a)) return Value();
    if (a.is_number()) {
      sum.Add(a);
    } else if (a.is_date()) {
      if (has_date) return OpError("only one date may be added");
      has_date = true;
      date = a.as_date();
    } else {
      return OpError("cannot add a " + TypeName(a));
    }
  }
  if (!has_date) return sum.Total();
  double offset = sum.TotalDouble();
  if (!std::isfinite(offset)) return OpError("cannot add a non-finite number to a date");
  return Value::Date(date + std::llround(offset));
}

Result<Value> Subtract(std::vector<Value>& args) {
  const Value& a = args[0];
  const Value& b = args[1];
  if (IsNullish(a) || IsNullish(b)) return Value();
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) {
      int64_t r;
      if (!__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
    }
    return Value(a.as_number() - b.as_number());
  }
  if (a.is_date() && b.is_date()) return Value(a.as_date() - b.as_date());
  if (a.is_date() && b.is_number()) {
    if (!std::isfinite(b.as_number()))
      return OpError("cannot subtract a non-finite number from a date");
    return Value::Date(a.as_date() - std::llround(b.as_number()));
  }
  return OpError("cannot subtract a " + TypeName(b) + " from a " + TypeName(a));
}

Result<Value> Multiply(std::vector<Value>& args) {
  bool is_double = false;
  int64_t ip = 1;
  double dp = 1;
  for (const Value& a : args) {
    if (IsNullish(a)) return Value();
    if (!a.is_number()) return OpError("cannot multiply a " + TypeName(a));
    if (!is_double && a.is_int()) {
      int64_t r;
      if (!__builtin_mul_overflow(ip, a.as_int(), &r)) {
        ip = r;
        continue;
      }
    }
    if (!is_double) {
      is_double = true;
      dp = static_cast<double>(ip);
    }
    dp *= a.as_number();
  }
  return is_double ? Value(dp) : Value(ip);
}

Result<Value> Divide(std::vector<Value>& args) {
  const Value& a = args[0];
  const Value& b = args[1];
  if (IsNullish(a) || IsNullish(b)) return Value();
  if (!a.is_number() || !b.is_number()) {
    return OpError("cannot divide a " + TypeName(a) + " by a " + TypeName(b));
  }
  if (b.as_number() == 0) return OpError("division by zero");
  return Value(a.as_number() / b.as_number());
}

Result<Value> Mod(std::vector<Value>& args) {
  const Value& a = args[0];
  const Value& b = args[1];
  if (IsNullish(a) || IsNullish(b)) return Value();
  if (!a.is_number() || !b.is_number()) {
    return OpError("cannot take a " + TypeName(a) + " modulo a " + TypeName(b));
  }
  if (b.as_number() == 0) return OpError("division by zero");
  if (a.is_int() && b.is_int()) {
    if (b.as_int() == -1) return Value(int64_t{0});
    return Value(a.as_int() % b.as_int());
  }
  return Value(std::fmod(a.as_number(), b.as_number()));
}

Result<Value> Abs(std::vector<Value>& args) {
  const Value& a = args[0];
  if (IsNullish(a)) return Value();
  if (a.is_int()) {
    if (a.as_int() == INT64_MIN) return Value(-static_cast<double>(INT64_MIN));
    return Value(a.as_int() < 0 ? -a.as_int() : a.as_int());
  }
  if (a.is_double()) return Value(std::fabs(a.as_double()));
  return OpError("expects a number, got " + TypeName(a));
}

template <double (*F)(double)>
Result<Value> Rounder(std::vector<Value>& args) {
  const Value& a = args[0];
  if (IsNullish(a)) return Value();
  if (a.is_int()) return a;
  if (a.is_double()) return Value(F(a.as_double()));
  return OpError("expects a number, got " + TypeName(a));
}

// $round (half to even) and $trunc with an optional place in [-20, 100].
Result<Value> RoundTo(std::vector<Value>& args, bool truncate) {
  const Value& a = args[0];
  int64_t place = 0;
  if (args.size() > 1) {
    if (IsNullish(args[1])) return Value();
    if (!IntegralValue(args[1], &place) || place < -20 || place > 100) {
      return OpError("place must be an integer between -20 and 100");
    }
  }
  if (IsNullish(a)) return Value();
  if (!a.is_number()) return OpError("expects a number, got " + TypeName(a));
  if (a.is_int()) {
    if (place >= 0) return a;
    if (place < -18) return Value(int64_t{0});
    int64_t p = 1;
    for (int64_t i = 0; i < -place; ++i) p *= 10;
    int64_t n = a.as_int();
    int64_t q = n / p;
    int64_t r = n % p;
    if (!truncate) {
      // r and n share a sign; compare |r| with half of p, ties to the even quotient.
      uint64_t twice = static_cast<uint64_t>(r < 0 ? -r : r) * 2;
      if (twice > static_cast<uint64_t>(p) || (twice == static_cast<uint64_t>(p) && (q % 2 != 0))) {
        q += n < 0 ? -1 : 1;
      }
    }
    int64_t out;
    if (__builtin_mul_overflow(q, p, &out)) return Value(static_cast<double>(q) * p);
    return Value(out);
  }
  double x = a.as_double();
  if (!std::isfinite(x)) return a;
  double scale = std::pow(10.0, static_cast<double>(place < 0 ? -place : place));
  double scaled = place >= 0 ? x * scale : x / scale;
  if (!std::isfinite(scaled) || std::fabs(scaled) >= 9007199254740992.0) return a;
  double r = truncate ? std::trunc(scaled) : std::nearbyint(scaled);
  return Value(place >= 0 ? r / scale : r * scale);
}

Result<Value> Round(std::vector<Value>& args) { return RoundTo(args, false); }
Result<Value> Trunc(std::vector<Value>& args) { return RoundTo(args, true); }

template <bool (*Pred)(int)>
Result<Value> Compare(std::vector<Value>& args) {
  return Value(Pred(CompareValues(args[0], args[1])));
}
bool Eq(int c) { return c == 0; }
bool Ne(int c) { return c != 0; }
bool Gt(int c) { return c > 0; }
bool Gte(int c) { return c >= 0; }
bool Lt(int c) { return c < 0; }
bool Lte(int c) { return c <= 0; }

Result<Value> Cmp(std::vector<Value>& args) {
  int c = CompareValues(args[0], args[1]);
  return Value(int64_t{c < 0 ? -1 : (c > 0 ? 1 : 0)});
}

Result<Value> Not(std::vector<Value>& args) { return Value(!IsTruthy(args[0])); }

// The operands of $sum/$avg/$min/$max: one array argument stands for its elements.
const std::vector<Value>& ReductionOperands(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].is_array()) return args[0].as_array();
  return args;
}

Result<Value> SumExpr(std::vector<Value>& args) {
  NumberSum sum;
  for (const Value& v : ReductionOperands(args)) {
    if (v.is_number()) sum.Add(v);
  }
  return sum.Total();
}

Result<Value> AvgExpr(std::vector<Value>& args) {
  NumberSum sum;
  int64_t n = 0;
  for (const Value& v : ReductionOperands(args)) {
    if (v.is_number()) {
      sum.Add(v);
      ++n;
    }
  }
  if (n == 0) return Value();
  return Value(sum.TotalDouble() / static_cast<double>(n));
}

template <int kSign>
Result<Value> MinMaxExpr(std::vector<Value>& args) {
  const Value* best = nullptr;
  for (const Value& v : ReductionOperands(args)) {
    if (IsNullish(v)) continue;
    if (best == nullptr || CompareValues(v, *best) * kSign > 0) best = &v;
  }
  return best == nullptr ? Value() : *best;
}

const OpInfo kOps[] = {
    {"$add", 0, -1, Add},
    {"$subtract", 2, 2, Subtract},
    {"$multiply", 0, -1, Multiply},
    {"$divide", 2, 2, Divide},
    {"$mod", 2, 2, Mod},
    {"$abs", 1, 1, Abs},
    {"$ceil", 1, 1, Rounder<std::ceil>},
    {"$floor", 1, 1, Rounder<std::floor>},
    {"$round", 1, 2, Round},
    {"$trunc", 1, 2, Trunc},
    {"$eq", 2, 2, Compare<Eq>},
    {"$ne", 2, 2, Compare<Ne>},
    {"$gt", 2, 2, Compare<Gt>},
    {"$gte", 2, 2, Compare<Gte>},
    {"$lt", 2, 2, Compare<Lt>},
    {"$lte", 2, 2, Compare<Lte>},
    {"$cmp", 2, 2, Cmp},
    {"$not", 1, 1, Not},
    {"$sum", 0, -1, SumExpr},
    {"$avg", 0, -1, AvgExpr},
    {"$min", 0, -1, MinMaxExpr<-1>},
    {"$max", 0, -1, MinMaxExpr<1>},
};

}  // namespace

std::span<const OpInfo> ArithmeticOps() { return kOps; }

}  // namespace strata::aggregate
