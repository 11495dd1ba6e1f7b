# The top-level Makefile only drives CMake.
#   make        build (build/)
#   make run    install missing packages, build, run the main job
#   make test   install missing packages, build and run the tests, then the
#               same tests under ASan+UBSan (build-asan/)
#   make bench  benchmarks against PyTorch (bench/)
#   make install  build, then install the CLI, libwattnet.so, the headers
#               and wattnet.pc under PREFIX (default /usr/local), DESTDIR
#               honoured
#   make fuzz   libFuzzer harnesses, FUZZ_SECONDS each (default 60; clang)
#   make bench-gpu  the GPU engine against PyTorch eager / CUDA graph and JAX
#               (a GPU host with torch and jax; bench/gpu_peer.py)
#   make gpu-pack   pack a CUDA build for scripts/gpu-check.sh on a GPU host
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local

.PHONY: all deps run test test-plain test-asan bench bench-gpu gpu-pack fuzz clean install

all: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

$(ASAN_BUILD)/Makefile:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWN_SANITIZE=ON

deps:
	bash scripts/deps.sh

run: deps all
	bash scripts/run.sh $(BUILD)/wattnet

test: deps
	$(MAKE) test-plain
	$(MAKE) test-asan

test-plain: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)
	bash scripts/with-services.sh ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  bash scripts/with-services.sh ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

bench: deps all
	bash scripts/deps.sh bench
	bash bench/run.sh $(BUILD)/wattnet

install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

fuzz:
	bash scripts/deps.sh fuzz
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) bash scripts/fuzz.sh

bench-gpu: all
	mkdir -p bench/out
	$(BUILD)/wattnet data export connect_4 --out $(BUILD)/connect_4.wn
	python3 bench/gpu_peer.py --wattnet $(BUILD)/wattnet --export $(BUILD)/connect_4.wn \
	  --json bench/out/bench-gpu.json $(BENCH_GPU_ARGS)

gpu-pack:
	bash scripts/gpu-pack.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
