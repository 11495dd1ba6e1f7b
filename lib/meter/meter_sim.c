/*
 * meter_sim.c - a simulated constant-power counter for tests of code that
 * needs a meter (the measured run, the store): $WATTNET_SIM_WATTS watts
 * (default 100) since the source opened, as microjoule ticks.  Used only
 * when named (--source sim); source "sim", never in auto mode.
 */
#include <stdio.h>
#include <stdlib.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

struct sim_state {
    double t0;
    double watts;
};

static int sim_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    (void)o;
    const char *env = getenv("WATTNET_SIM_WATTS");
    double w = 100.0;
    if (env && env[0]) {
        char *end = NULL;
        w = strtod(env, &end);
        if (!end || *end || !(w >= 0) || w > 1e6)
            return wn_seterr(WN_EINVAL, "sim: WATTNET_SIM_WATTS='%s' is not "
                             "a power in watts", env);
    }
    struct sim_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "sim: out of memory");
    /* A simulated update interval (a slow meter, for the tests of
     * min_seconds); 0 by default: the sim is exact on every read. */
    const char *up = getenv("WATTNET_SIM_UPDATE_S");
    if (up && up[0]) {
        char *end = NULL;
        double u = strtod(up, &end);
        if (!end || *end || !(u >= 0) || u > 3600) {
            wn_free(st);
            return wn_seterr(WN_EINVAL, "sim: WATTNET_SIM_UPDATE_S='%s' is "
                             "not seconds in 0..3600", up);
        }
        src->update_s = u;
    }
    st->t0 = wn__meter_now();
    st->watts = w;
    src->state = st;
    if (!wn__meter_add_domain(src, "sim", WN__KIND_COUNTER, 1e-6, 0))
        return wn_seterr(WN_ENOMEM, "sim: no domain");
    snprintf(src->notes, sizeof src->notes, "simulated %.3g W", w);
    return WN_OK;
}

static int sim_read(struct wn__meter_src *src, uint64_t *ticks)
{
    const struct sim_state *st = src->state;
    ticks[0] = (uint64_t)((wn__meter_now() - st->t0) * st->watts * 1e6);
    return WN_OK;
}

static void sim_close(struct wn__meter_src *src)
{
    wn_free(src->state);
    src->state = NULL;
}

const struct wn_meter_ops wn__meter_sim_ops = {
    .name = "sim",
    .update_s = 0.0,          /* computed on read; $WATTNET_SIM_UPDATE_S */
    .node_level = 0,
    .is_estimate = 0,
    .open = sim_open,
    .read = sim_read,
    .close = sim_close,
};
