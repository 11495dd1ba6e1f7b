/*
 * cli_devices.c - the devices the stored runs trained on, for `wattnet
 * status`: one line (or one JSON entry) per device, name and driver, with
 * its run count and how many of those runs carry measured energy.  Runs
 * stored before devices were recorded read back as "cpu".
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>

#include "cli.h"

#define MAX_DEVICES 64

struct dev_count {
    const wn_train_summary *first;   /* name, driver */
    size_t runs, measured;
};

static size_t count_devices(const wn_run_record *runs, size_t n,
                            struct dev_count *d)
{
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        const wn_train_summary *sm = &runs[i].summary;
        size_t k = 0;
        while (k < nd && (strcmp(d[k].first->device, sm->device) ||
                          strcmp(d[k].first->device_name, sm->device_name) ||
                          strcmp(d[k].first->device_driver, sm->device_driver)))
            k++;
        if (k == nd) {
            if (nd == MAX_DEVICES)
                continue;
            d[nd++] = (struct dev_count){ sm, 0, 0 };
        }
        d[k].runs++;
        d[k].measured += wn_energy_usable(&runs[i].energy) &&
                         !wn_energy_is_estimate(&runs[i].energy);
    }
    return nd;
}

void cli_device_counts(const wn_run_record *runs, size_t n, cJSON *json)
{
    struct dev_count d[MAX_DEVICES];
    size_t nd = count_devices(runs, n, d);
    cJSON *arr = json ? cJSON_AddArrayToObject(json, "devices") : NULL;
    for (size_t k = 0; k < nd; k++) {
        const wn_train_summary *sm = d[k].first;
        const char *dev = sm->device[0] ? sm->device : "cpu";
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "device", dev);
            if (sm->device_name[0])
                cJSON_AddStringToObject(o, "name", sm->device_name);
            else
                cJSON_AddNullToObject(o, "name");
            if (sm->device_driver[0])
                cJSON_AddStringToObject(o, "driver", sm->device_driver);
            else
                cJSON_AddNullToObject(o, "driver");
            cJSON_AddNumberToObject(o, "runs", (double)d[k].runs);
            cJSON_AddNumberToObject(o, "measured_runs", (double)d[k].measured);
            cJSON_AddItemToArray(arr, o);
        } else if (sm->device_name[0]) {
            printf("device %s (%s, driver %s): %zu runs, %zu with measured "
                   "energy\n", dev, sm->device_name,
                   sm->device_driver[0] ? sm->device_driver : "?", d[k].runs,
                   d[k].measured);
        } else {
            printf("device %s: %zu runs, %zu with measured energy\n", dev,
                   d[k].runs, d[k].measured);
        }
    }
}

void cli_energy_sources(const wn_run_record *runs, size_t n)
{
    char names[8][16];
    size_t cnt[8] = {0}, gpu[8] = {0}, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!wn_energy_usable(&runs[i].energy))
            continue;
        size_t j = 0;
        while (j < k && strcmp(names[j], runs[i].energy.source))
            j++;
        if (j == k) {
            if (k == 8)
                continue;
            snprintf(names[k++], sizeof names[0], "%s", runs[i].energy.source);
        }
        cnt[j]++;
        gpu[j] += !strncmp(runs[i].summary.device, "cuda", 4);
    }
    if (k == 0)
        return;
    printf("energy: measured by");
    for (size_t j = 0; j < k; j++)
        printf("%s %s on %zu runs (%zu on a GPU)", j ? "," : "", names[j], cnt[j],
               gpu[j]);
    printf("\n");
}
