// The systems `strata bench doc` compares, behind one small interface: Strata's document layer
// and SQLite with an equivalent table.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/status.h"

namespace strata::tools {

// One benchmark document: about 100 bytes as JSON.
struct Person {
  int64_t id;  // 1..num, assigned in insertion order (auto-increment on both sides)
  std::string name, email, city;
  int64_t age;
  double score;  // uniform in [0, num): a range of width 100 holds about 100 documents
  bool active;
};

Person MakePerson(uint64_t i, uint64_t num, uint64_t seed);
std::string CityName(int n);  // 100 cities

class DocSystem {
 public:
  virtual ~DocSystem() = default;
  // A fresh database in `dir`; `indexes`: secondary indexes on email and score.
  virtual Status Open(const std::string& dir, bool indexes) = 0;
  virtual Status InsertOne(const Person& p) = 0;
  virtual Status InsertBatch(const std::vector<Person>& batch) = 0;
  virtual Status GetById(int64_t id, uint64_t* found) = 0;
  virtual Status FindEmail(const std::string& email, uint64_t* found) = 0;
  virtual Status FindScoreRange(double lo, double hi, uint64_t* found) = 0;
  // Documents with age > min_age in `city` (no index serves it).
  virtual Status ScanFilter(int64_t min_age, const std::string& city, uint64_t* found) = 0;
  // Count and average age per city; *groups = number of cities.
  virtual Status GroupByCity(uint64_t* groups) = 0;
  // age += 1 for every document of `city`.
  virtual Status UpdateCity(const std::string& city, uint64_t* updated) = 0;
  virtual Status Close() = 0;
};

std::unique_ptr<DocSystem> NewStrataDocSystem(const std::string& backend);
std::unique_ptr<DocSystem> NewSqliteDocSystem();

}  // namespace strata::tools
