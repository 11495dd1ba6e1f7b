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
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long inputs = 0, outputs = 0, depth = 0, size = 0;
    const char *shape = NULL;
    int json = 0, have = 0, c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (cli_parse_u64(optarg, &inputs) || inputs < 1)
                return cli_usage_error("widths", "--inputs '%s': want an integer >= 1", optarg);
            have |= 1;
            break;
        case 'o':
            if (cli_parse_u64(optarg, &outputs) || outputs < 1)
                return cli_usage_error("widths", "--outputs '%s': want an integer >= 1", optarg);
            have |= 2;
            break;
        case 's':
            shape = optarg;
            have |= 4;
            break;
        case 'd':
            if (cli_parse_u64(optarg, &depth) || depth < 2 || depth > WN_MAX_DEPTH)
                return cli_usage_error("widths", "--depth '%s': want an integer 2..%d",
                                       optarg, WN_MAX_DEPTH);
            have |= 8;
            break;
        case 'p':
            if (cli_parse_u64(optarg, &size) || size < 1)
                return cli_usage_error("widths", "--size '%s': want an integer >= 1", optarg);
            have |= 16;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("widths", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
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
