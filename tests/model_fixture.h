/*
 * model_fixture.h - what the model, report and analysis tests share: the
 * "testbox" hardware profile (2 cores; L1 48 KiB and L2 1 MiB per core,
 * L3 32 MiB shared; 24 GiB RAM) and a substring counter.  Header-only
 * because each test is one program.
 */
#ifndef WN_TEST_MODEL_FIXTURE_H
#define WN_TEST_MODEL_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include <wattnet/model.h>

static inline wn_hw_profile test_profile(void)
{
    wn_hw_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "testbox");
    snprintf(p.kind, sizeof p.kind, "cpu");
    p.cores = 2;
    p.n_levels = 3;
    wn_hw_level l1 = {"L1", 48 << 10, 1, 2}, l2 = {"L2", 1 << 20, 1, 2},
                l3 = {"L3", 32 << 20, 2, 1};
    p.levels[0] = l1;
    p.levels[1] = l2;
    p.levels[2] = l3;
    snprintf(p.memory_name, sizeof p.memory_name, "RAM");
    p.memory_bytes = 24ull << 30;
    return p;
}

/* Occurrences of needle in hay (overlapping ones too). */
static inline size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        k++;
    return k;
}

#endif /* WN_TEST_MODEL_FIXTURE_H */
