/*
 * energy.h - the energy of one measured window, as every module passes it,
 * and the rules that decide what that energy may be used for.
 *
 * The meters fill a wn_energy, the runner attaches it to a run, the store
 * keeps it, the model and report read it.  Every caller asks the functions
 * below instead of testing the fields itself, so that the honesty rules are
 * written once (lib/energy/energy.c):
 *
 *   - `energy_j` is the sum of non-overlapping domains only (in_total set);
 *   - `source` always says where the number came from;
 *   - an estimate (CPU time x watts) is never a measurement: it never gives
 *     joules per datum, never counts as measured in any output, and its
 *     joules appear only as "estimated_j";
 *   - a window where nothing measured has measured == 0 (and a flag saying
 *     why), and its joules are ignored, never read as 0 J.
 */
#ifndef WATTNET_ENERGY_H
#define WATTNET_ENERGY_H

#include <stddef.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_MAX_DOMAINS 16

typedef struct wn_energy_domain {
    char name[48];            /* e.g. "package-0", "dram-0", "gpu0:NVIDIA H100" */
    double energy_j;
    int in_total;             /* 1 if counted in wn_energy.energy_j */
} wn_energy_domain;

typedef struct wn_energy {
    int measured;             /* 1: joules below are valid readings (of a
                                 meter, or of the estimate) */
    int is_estimate;          /* 1: source is "estimate" (not a measurement) */
    char source[16];          /* rapl|perf|nvml|ipmi|redfish|log|estimate|sim,
                                 or several joined by '+' (auto mode) */
    char flag[64];            /* why a window is unusable, e.g. "no-samples",
                                 "zero-watts"; "" if fine */
    double seconds;
    double energy_j;          /* non-overlapping total */
    double idle_power_w;      /* baseline used for dynamic; 0 if none */
    int has_idle;
    double dynamic_energy_j;  /* energy_j - idle_power_w * seconds */
    double avg_power_w;       /* energy_j / seconds */
    size_t n_domains;
    wn_energy_domain domains[WN_MAX_DOMAINS];
    /* Attribution (wn_energy_attribute): the figures above are this
     * process tree's share of a shared meter's reading. */
    int attributed;           /* 1: energy_j etc. are a CPU-time share */
    double whole_energy_j;    /* the whole reading before the split */
    double cpu_share;         /* the share applied, in [0, 1] */
} wn_energy;

/* Where an energy figure came from.  Append new sources at the end. */
typedef enum wn_energy_source {
    WN_ENERGY_NONE = 0,       /* not metered */
    WN_ENERGY_RAPL,           /* powercap energy_uj counters */
    WN_ENERGY_PERF,           /* perf_event power/energy-* */
    WN_ENERGY_NVML,           /* nvmlDeviceGetTotalEnergyConsumption or power */
    WN_ENERGY_IPMI,           /* ipmitool dcmi power reading (node) */
    WN_ENERGY_REDFISH,        /* Redfish Power resource (node) */
    WN_ENERGY_LOG,            /* a watt-meter log (timestamp,node,watts) */
    WN_ENERGY_ESTIMATE,       /* CPU time x watts per core: not a measurement */
    WN_ENERGY_SIM,            /* the simulated source (tests, only when named) */
    WN_ENERGY_COMBINED,       /* several sources joined by '+' */
    WN_ENERGY_UNKNOWN         /* a name none of the above */
} wn_energy_source;

/* The source's name as stored and printed ("rapl", ..., "" for NONE,
 * "combined", "unknown").  Never NULL. */
const char *wn_energy_source_name(wn_energy_source s);

/* The source named by NAME ("" or NULL: NONE; "a+b": COMBINED, or
 * ESTIMATE when any part is "estimate"; anything else: UNKNOWN). */
wn_energy_source wn_energy_source_from_name(const char *name);

/* The source of E (by its source string); NONE for NULL. */
wn_energy_source wn_energy_source_of(const wn_energy *e);

/* Set E's source string and is_estimate from S. */
void wn_energy_set_source(wn_energy *e, wn_energy_source s);

/* 1 when E is an estimate (is_estimate, or an "estimate" source), else 0. */
int wn_energy_is_estimate(const wn_energy *e);

/* 1 when E came from the simulated source ("sim": a constant power set by
 * WATTNET_SIM_WATTS, for tests and demonstrations), else 0 (and for NULL).
 * Such energy is usable like a measurement, so the pipeline can be tried
 * end to end, but no meter read it: every output that shows it says
 * SIMULATED, and its JSON carries "simulated": true. */
int wn_energy_is_simulated(const wn_energy *e);

/* 1 when E is a usable measurement: measured, not an estimate, no flag,
 * and a finite energy above 0 J.  The one predicate for "measured energy"
 * in every output, fit and report.  0 for NULL. */
int wn_energy_usable(const wn_energy *e);

/* Joules per training datum (BUTTER-E's figure of merit): E's joules over
 * N_DATA data (batches x epochs x batch).  Returns 1 and sets *jpd when E is
 * usable and n_data > 0; else returns 0 and sets *jpd to 0. */
int wn_energy_per_datum(const wn_energy *e, double n_data, double *jpd);

/* The energy as JSON, the one form every command prints and the Python
 * binding reads:
 *   {"source": str|null, "measured": bool, "estimate": bool,
 *    "flag": str|null, "seconds": s,
 *    "energy_j": J|null          (only for a usable measurement),
 *    "estimated_j": J            (only for an estimate),
 *    "avg_power_w": W|null, "idle_power_w": W|null,
 *    "dynamic_energy_j": J|null, "domains": [{name, energy_j|null, in_total}]}
 * "measured" is wn_energy_usable(e).  Returns a new cJSON object (free with
 * cJSON_Delete), NULL on ENOMEM. */
struct cJSON;
struct cJSON *wn_energy_to_json(const wn_energy *e);
/* (An attributed energy adds "attributed": true, "cpu_share": F and
 * "whole_energy_j": J, the whole meter reading, beside the share.) */

/* The same as a string (wn_free it); NULL on ENOMEM. */
char *wn_energy_json_string(const wn_energy *e);

/* The domains alone as a JSON array [{name, energy_j, in_total}] (the
 * store's column); wn_free the result.  NULL on ENOMEM. */
char *wn_energy_domains_json(const wn_energy *e);

/* Parse the domains array written by wn_energy_domains_json into E
 * (n_domains and domains[]); at most WN_MAX_DOMAINS are kept.  NULL or ""
 * gives no domains.  WN_OK, or WN_EFORMAT on malformed JSON. */
int wn_energy_domains_parse(const char *text, wn_energy *e);

/* ---- Attribution and carbon (energy_share.c, carbon.c) ------------------
 * A shared meter (a package, a node) measures everyone's work.  Split it by
 * a CPU-time share (Scaphandre's and Kepler's rule): energy_j,
 * dynamic_energy_j, avg_power_w and every domain are multiplied by SHARE,
 * the whole reading is kept in whole_energy_j, attributed set.  Only a
 * usable measurement is split (an estimate is already this process's CPU
 * time x watts); returns 1 when E was attributed, 0 when left alone.  A
 * SHARE outside [0, 1] or not finite is clamped to [0, 1] (NaN: 0). */
int wn_energy_attribute(wn_energy *e, double share);

/* Facility energy: IT joules x PUE (power usage effectiveness, >= 1).
 * Returns 1 and sets *out when it_j is finite and pue >= 1; else 0. */
int wn_carbon_facility_j(double it_j, double pue, double *out);
/* CO2e in grams of J joules at INTENSITY gCO2e/kWh (J / 3.6e6 x G).
 * Returns 1 and sets *out when both are finite and >= 0; else 0. */
int wn_carbon_co2e_g(double joules, double g_per_kwh, double *out);
/* Add "pue", "facility_energy_j", "carbon_intensity_g_per_kwh" and
 * "co2e_g" to the JSON object O for IT_J joules (what the caller counts as
 * measured: pass has_it 0 for an estimate or no figure, then the figures
 * are null).  pue 0: no PUE given (facility fields omitted); g_per_kwh 0:
 * none (carbon fields omitted).  CO2e is of the facility energy when a PUE
 * is given, else of the IT energy.  These never replace energy_j.
 * Returns 1, or 0 on ENOMEM. */
int wn_carbon_to_json(struct cJSON *o, int has_it, double it_j, double pue,
                      double g_per_kwh);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_ENERGY_H */
