# Strata's build. The README's two commands: `make run` and `make test`.
# Flavors build into build/<flavor>: release (default), debug, asan (Address+UB), tsan.
# `make asan` and `make tsan` build their flavor and run the tests under it (build-asan and
# build-tsan only build).
JOBS ?= 2
CMAKE_FLAGS ?=
DATA ?= ./data

.PHONY: all deps release debug build-asan build-tsan asan tsan test test-debug test-asan test-tsan \
  run bench crash fuzz format clean

all: release

deps:
	@scripts/install-deps

build/%/build.ninja: | deps
	@mkdir -p build/$*
	cmake -S . -B build/$* -G Ninja $(CMAKE_FLAGS) \
	  -DCMAKE_BUILD_TYPE=$(if $(filter release,$*),Release,$(if $(filter debug,$*),Debug,RelWithDebInfo)) \
	  -DSTRATA_SANITIZE=$(if $(filter asan,$*),address,$(if $(filter tsan,$*),thread,))

release debug: %: deps build/%/build.ninja
	cmake --build build/$* -j $(JOBS)

build-asan build-tsan: build-%: deps build/%/build.ninja
	cmake --build build/$* -j $(JOBS)

# Every test of the project (unit, conformance, fault injection, corruption, short crash run).
test: release
	cd build/release && ctest --output-on-failure -j $(JOBS) --timeout 900

test-debug: debug
	cd build/debug && ctest --output-on-failure -j $(JOBS)

# The tests (all but the crash run) under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# ThreadSanitizer with tests/tsan.supp for races inside the uninstrumented RocksDB/LevelDB/LMDB.
asan: build-asan
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E crash_short

tsan: build-tsan
	cd build/tsan && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS) -E crash_short

test-asan: asan
test-tsan: tsan

# The server on ./data (http://127.0.0.1:6969); the first start prints the admin API key once.
PORT ?= 6969
run: release
	build/release/strata serve --data $(DATA) --port $(PORT)

bench: release
	build/release/strata bench kv --num 1000000

# Coverage-guided fuzzing with clang's libFuzzer (+ Address/UB sanitizers) in build/fuzz: each
# target of fuzz/ for FUZZ_SECONDS, starting from fuzz/corpus/<name> (`make test` only replays
# the corpus and a fixed stream of mutations through the same targets).
FUZZ_SECONDS ?= 120
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTRATA_LIBFUZZER=ON -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined"
	cmake --build build/fuzz -j $(JOBS) --target ws_protocol_fuzz http_dispatch_fuzz
	for t in ws_protocol http_dispatch; do mkdir -p build/fuzz/corpus-$$t && \
	  build/fuzz/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-$$t fuzz/corpus/$$t \
	  || exit 1; done

# The long crash run: hundreds of SIGKILLs.
crash: release
	build/release/strata crashtest --kills 300 --dir build/release/crash_long_db

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
