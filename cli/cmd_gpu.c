/*
 * cmd_gpu.c - `wattnet gpu`: the CUDA device a `--device cuda:N` run would
 * use, as the CUDA runtime reports it (name, UUID, driver, SMs, shared
 * memory per SM, L2, memory), or (--profile) the hardware profile JSON
 * that `fit`, `predict` and `report` take with --hardware.  Without a
 * usable GPU: one line saying why (no driver, no device, built without
 * CUDA) and exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet gpu [--device cuda[:N]] [--json | --profile]\n\n"
            "Show the CUDA device that --device cuda[:N] trains on.\n\n"
            "  --device DEV   cuda (= cuda:0, default) or cuda:N\n"
            "  --json         the properties as one JSON object\n"
            "  --profile      a hardware profile JSON for --hardware (L1 is the\n"
            "                 shared memory per SM the runtime reports)\n");
}

static int print_json(const wn_gpu_props *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "device", "cuda");
    cJSON_AddNumberToObject(o, "index", g->index);
    cJSON_AddStringToObject(o, "name", g->name);
    cJSON_AddStringToObject(o, "uuid", g->uuid);
    cJSON_AddStringToObject(o, "driver", g->driver);
    cJSON_AddStringToObject(o, "runtime", g->runtime);
    cJSON_AddNumberToObject(o, "sms", g->sms);
    char cc[16];
    snprintf(cc, sizeof cc, "%d.%d", g->cc_major, g->cc_minor);
    cJSON_AddStringToObject(o, "compute_capability", cc);
    cJSON_AddNumberToObject(o, "shared_per_sm_bytes", (double)g->shared_per_sm_bytes);
    cJSON_AddNumberToObject(o, "l2_bytes", (double)g->l2_bytes);
    cJSON_AddNumberToObject(o, "memory_bytes", (double)g->memory_bytes);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return wn_seterr(WN_ENOMEM, "gpu: out of memory for JSON");
    printf("%s\n", s);
    cJSON_free(s);
    return WN_OK;
}

int cmd_gpu(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"profile", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *device = "cuda";
    int json = 0, profile = 0, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (!wn_train_device_valid(optarg) || strncmp(optarg, "cuda", 4) != 0)
                return cli_usage_error("gpu", "--device '%s': want cuda or cuda:N",
                                       optarg);
            device = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'p':
            profile = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("gpu", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("gpu", "unexpected argument '%s'", argv[optind]);
    if (json && profile)
        return cli_usage_error("gpu", "--json and --profile: choose one");
    wn_gpu_props g;
    int rc = wn_gpu_query(device, &g);
    if (rc != WN_OK)
        return cli_fail("gpu", rc);
    if (json)
        rc = print_json(&g);
    else if (profile) {
        wn_hw_profile hw;
        wn_gpu_hw_profile(&g, &hw);
        char *s = wn_hw_profile_to_json(&hw);
        if (!s)
            return cli_fail("gpu", wn_seterr(WN_ENOMEM, "gpu: out of memory"));
        printf("%s\n", s);
        wn_free(s);
    } else
        printf("cuda:%d  %s  (%s)\n  driver %s, runtime %s, compute capability "
               "%d.%d\n  %d SMs, %llu KiB shared memory per SM, %llu MiB L2, "
               "%.1f GiB memory\n", g.index, g.name, g.uuid, g.driver, g.runtime,
               g.cc_major, g.cc_minor, g.sms,
               (unsigned long long)(g.shared_per_sm_bytes / 1024),
               (unsigned long long)(g.l2_bytes >> 20),
               (double)g.memory_bytes / 1073741824.0);
    return rc == WN_OK ? 0 : cli_fail("gpu", rc);
}
