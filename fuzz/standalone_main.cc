// A driver for libFuzzer targets in builds without libFuzzer (GCC): runs LLVMFuzzerTestOneInput
// over every file of the corpus directories given, then over `-runs=N` inputs made by mutating
// them (byte flips, inserts, deletes, splices) with a fixed seed, so `make test` exercises every
// target briefly and repeatably. `make fuzz` builds the same targets with clang's libFuzzer for
// coverage-guided runs. Usage: target [-runs=N] [-seed=S] [-max_total_time=SECONDS] DIR...
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  std::string s = corpus.empty() ? std::string() : corpus[rng() % corpus.size()];
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // insert a random byte
        s.insert(s.begin() + static_cast<long>(s.empty() ? 0 : rng() % (s.size() + 1)),
                 static_cast<char>(rng()));
        break;
      case 2:  // delete a run
        if (!s.empty()) {
          size_t at = rng() % s.size();
          s.erase(at, 1 + rng() % std::min<size_t>(16, s.size() - at));
        }
        break;
      case 3:  // splice in part of another input
        if (!corpus.empty()) {
          const std::string& other = corpus[rng() % corpus.size()];
          if (!other.empty()) {
            size_t from = rng() % other.size();
            size_t len = 1 + rng() % std::min<size_t>(64, other.size() - from);
            s.insert(s.empty() ? 0 : rng() % (s.size() + 1), other.substr(from, len));
          }
        }
        break;
      default:  // set a byte to an interesting value
        if (!s.empty()) {
          static const char kInteresting[] = {
              0, 1, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff), '{', '"', '\\'};
          s[rng() % s.size()] = kInteresting[rng() % sizeof(kInteresting)];
        }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  uint64_t seed = 1;
  double max_seconds = 60;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-runs=", 0) == 0) {
      runs = std::stol(arg.substr(6));
    } else if (arg.rfind("-seed=", 0) == 0) {
      seed = std::stoull(arg.substr(6));
    } else if (arg.rfind("-max_total_time=", 0) == 0) {
      max_seconds = std::stod(arg.substr(16));
    } else if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) corpus.push_back(ReadFile(entry.path()));
      }
    } else if (std::filesystem::is_regular_file(arg)) {
      corpus.push_back(ReadFile(arg));
    }
  }
  for (const std::string& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::mt19937_64 rng(seed);
  auto start = std::chrono::steady_clock::now();
  long done = 0;
  for (; done < runs; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
        max_seconds) {
      break;
    }
    std::string input = Mutate(corpus, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  printf("%s: %zu corpus inputs and %ld mutated inputs, no crash\n", argv[0], corpus.size(), done);
  return 0;
}
