/*
 * fuzz.h - what the fuzz harnesses share: each tests/fuzz/fuzz_NAME.c
 * defines LLVMFuzzerTestOneInput for one parser that reads outside input.
 * Built two ways (tests/fuzz.cmake):
 *   - with clang and -DWN_FUZZ=ON: a libFuzzer binary (make fuzz);
 *   - in every test build: linked with replay.c, a CTest test that feeds
 *     the committed corpus and every regression input to the harness, so a
 *     crash once found stays a test, plain and under ASan+UBSan.
 */
#ifndef WN_FUZZ_H
#define WN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DATA as a NUL-terminated string (malloc'd; free it). */
char *wn_fuzz_string(const uint8_t *data, size_t size);

/* Write DATA to a scratch file whose name ends in SUFFIX (".tsv", ".csv",
 * ".json", ...), created once per process under $TMPDIR; returns its path
 * (static), or NULL when it cannot be written. */
const char *wn_fuzz_file(const uint8_t *data, size_t size, const char *suffix);

#endif
