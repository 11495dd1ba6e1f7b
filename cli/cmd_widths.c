/*
 * cmd_widths.c - `wattnet widths`: the layer widths and parameter count of
 * a BUTTER network shape (SPEC section 3), for people and for the
 * benchmark's PyTorch peer (--json: {"widths":[...],"params":N}).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet widths --inputs N --outputs M --shape S --depth D "
            "--size P [--json]\n\n"
            "Print the layer widths (the last is M) of the network of shape S "
            "and depth D\nwhose parameter count is nearest P.\n\n"
            "  --inputs N    input features (>= 1)\n"
            "  --outputs M   outputs (>= 1)\n"
            "  --shape S     rectangle, trapezoid, exponential, wide_first_Nx "
            "(N >= 1),\n                rectangle_residual\n"
            "  --depth D     dense layers including the output layer (2..%d)\n"
            "  --size P      target parameter count\n"
            "  --json        print {\"widths\":[...],\"params\":N}\n",
            WN_MAX_DEPTH);
}

static int print_json(const size_t *widths, size_t depth, uint64_t params)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "widths");
    for (size_t k = 0; k < depth; k++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)widths[k]));
    cJSON_AddNumberToObject(o, "params", (double)params);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) {
        fprintf(stderr, "wattnet widths: out of memory\n");
        return 1;
    }
    puts(s);
    cJSON_free(s);
    return 0;
}

int cmd_widths(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"inputs", required_argument, NULL, 'i'},
        {"outputs", required_argument, NULL, 'o'},
        {"shape", required_argument, NULL, 's'},
        {"depth", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 'p'},
        CLI_LONGOPTS_COMMON,
        {NULL, 0, NULL, 0},
    };
    unsigned long long inputs = 0, outputs = 0, depth = 0, size = 0;
    const char *shape = NULL;
    int json = 0, have = 0, c;

    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'i': rc = cli_opt_uint("widths", "inputs", optarg, 1, CLI_NO_MAX, &inputs); break;
        case 'o': rc = cli_opt_uint("widths", "outputs", optarg, 1, CLI_NO_MAX, &outputs); break;
        case 's': shape = optarg; break;
        case 'd': rc = cli_opt_uint("widths", "depth", optarg, 2, WN_MAX_DEPTH, &depth); break;
        case 'p': rc = cli_opt_uint("widths", "size", optarg, 1, CLI_NO_MAX, &size); break;
        default: rc = cli_opt_common("widths", c, argc, argv, usage, &json); break;
        }
        if (rc)
            return rc == CLI_HELP ? 0 : rc;
        have |= c == 'i' ? 1 : c == 'o' ? 2 : c == 's' ? 4 : c == 'd' ? 8 : c == 'p' ? 16 : 0;
    }
    if (optind < argc)
        return cli_usage_error("widths", "unexpected argument '%s'", argv[optind]);
    if (have != 31)
        return cli_usage_error("widths", "--inputs, --outputs, --shape, --depth "
                                         "and --size are all required");
    if (!wn_shape_valid(shape))
        return cli_usage_error("widths", "--shape '%s': unknown shape", shape);

    size_t widths[WN_MAX_DEPTH];
    uint64_t params = 0;
    int rc = wn_shape_widths((size_t)inputs, (size_t)outputs, shape, (size_t)depth,
                             (uint64_t)size, widths, &params);
    if (rc != WN_OK)
        return cli_fail("widths", rc);
    if (json)
        return print_json(widths, (size_t)depth, params);
    printf("widths:");
    for (size_t k = 0; k < depth; k++)
        printf(" %zu", widths[k]);
    printf("\nparams: %llu\n", (unsigned long long)params);
    return 0;
}
