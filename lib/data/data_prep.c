/*
 * data_prep.c - BUTTER's preprocessing (SPEC section 2), column by column,
 * the label too, applied to a table from data_read.c:
 *
 *   1 distinct value               -> dropped
 *   2 distinct values              -> one 0/1 column, the larger value is 1
 *                                     (numeric order when the column is
 *                                     numeric, else byte order)
 *   <= 20 distinct, or any value
 *   that is not a number           -> one-hot, one column per distinct
 *                                     value in sorted order
 *   otherwise                      -> min-max scaled to [0, 1]
 *   dataset "mnist"                -> features / 255, label one-hot
 *
 * The task follows from the label's rule: 0/1 -> binary, one-hot ->
 * multiclass, min-max -> regression.
 *
 * DESIGN: two passes over the table, no per-cell storage.  Pass 1 parses
 * every cell, rejects NaN and inf (naming line and column), and keeps per
 * column the min, the max and up to 21 distinct numbers (21 means "more
 * than 20").  Columns with a non-number get a hash set of all their
 * distinct strings (pass 1b).  Pass 2 parses again and writes the floats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "data/data_internal.h"

#define MAX_CATEGORIES 20

enum col_rule { RULE_DROP, RULE_BINARY, RULE_ONEHOT, RULE_MINMAX, RULE_255 };

/* ---- a set of distinct strings (pointers into the table buffer) ---------- */

struct strset {
    const char **key;   /* cap slots, NULL = empty */
    uint32_t *rank;     /* cap slots: position in byte order, after sorting */
    size_t cap, count;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t strset_slot(const struct strset *set, const char *s)
{
    size_t i = (size_t)hash_str(s) & (set->cap - 1);
    while (set->key[i] && strcmp(set->key[i], s) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static int strset_grow(struct strset *set)
{
    size_t ncap = set->cap ? set->cap * 2 : 16;
    const char **old = set->key;
    size_t ocap = set->cap;
    const char **key = wn_calloc(ncap, sizeof(*key));
    if (!key)
        return WN_ENOMEM;
    set->key = key;
    set->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i])
            set->key[strset_slot(set, old[i])] = old[i];
    wn_free(old);
    return WN_OK;
}

static int strset_add(struct strset *set, const char *s)
{
    if ((set->count + 1) * 2 > set->cap && strset_grow(set))
        return WN_ENOMEM;
    size_t i = strset_slot(set, s);
    if (!set->key[i]) {
        set->key[i] = s;
        set->count++;
    }
    return WN_OK;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Give every key its rank in byte order. */
static int strset_rank(struct strset *set)
{
    int rc = WN_OK;
    const char **sorted = wn_malloc((set->count ? set->count : 1) *
                                    sizeof(*sorted));
    set->rank = wn_malloc(set->cap * sizeof(uint32_t));
    if (!sorted || !set->rank) {
        rc = WN_ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < set->cap; i++)
        if (set->key[i])
            sorted[n++] = set->key[i];
    qsort(sorted, n, sizeof(*sorted), cmp_strp);
    for (size_t r = 0; r < n; r++)
        set->rank[strset_slot(set, sorted[r])] = (uint32_t)r;
out:
    wn_free(sorted);
    return rc;
}

static void strset_clear(struct strset *set)
{
    wn_free(set->key);
    wn_free(set->rank);
    memset(set, 0, sizeof(*set));
}

/* ---- per-column statistics ------------------------------------------------ */

struct column {
    int nonnum;                        /* saw a value that is not a number */
    double min, max;                   /* over the numeric values */
    size_t nnum;                       /* distinct numbers kept, <= 21 */
    double num[MAX_CATEGORIES + 1];    /* sorted ascending */
    struct strset strs;                /* all distinct strings, if nonnum */
    enum col_rule rule;
    size_t width;                      /* output columns it becomes */
    size_t first;                      /* its first column in x or y */
    const char *bin_one;               /* RULE_BINARY, nonnum: the 1 value */
};

/* Add v to the sorted distinct numbers, up to MAX_CATEGORIES + 1. */
static void column_add_number(struct column *col, double v)
{
    if (col->nnum == 0) {
        col->min = col->max = v;
    } else {
        if (v < col->min)
            col->min = v;
        if (v > col->max)
            col->max = v;
    }
    size_t lo = 0, hi = col->nnum;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (col->num[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < col->nnum && col->num[lo] == v)
        return;
    if (col->nnum == MAX_CATEGORIES + 1)
        return;   /* already "more than 20": only min and max matter now */
    memmove(col->num + lo + 1, col->num + lo,
            (col->nnum - lo) * sizeof(double));
    col->num[lo] = v;
    col->nnum++;
}

/* Index of v among the sorted distinct numbers (v is one of them). */
static size_t column_number_rank(const struct column *col, double v)
{
    size_t lo = 0, hi = col->nnum;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (col->num[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t column_distinct(const struct column *col)
{
    return col->nonnum ? col->strs.count : col->nnum;
}

/* ---- the rules ------------------------------------------------------------ */

static void choose_rule(struct column *col, int is_label, int mnist)
{
    size_t distinct = column_distinct(col);

    if (mnist && !is_label && !col->nonnum) {
        col->rule = RULE_255;
        col->width = 1;
        return;
    }
    if (distinct <= 1) {
        col->rule = RULE_DROP;
        col->width = 0;
    } else if (mnist && is_label) {
        col->rule = RULE_ONEHOT;
        col->width = distinct;
    } else if (distinct == 2) {
        col->rule = RULE_BINARY;
        col->width = 1;
    } else if (distinct <= MAX_CATEGORIES || col->nonnum) {
        col->rule = RULE_ONEHOT;
        col->width = distinct;
    } else {
        col->rule = RULE_MINMAX;
        col->width = 1;
    }
}

static int row_field_error(const char *path, const struct wn__table *t,
                           size_t r, size_t c, const char *field)
{
    return wn_seterr(WN_ENUMERIC, "%s:%zu:%zu: %s in column '%s' (NaN and "
                     "inf are not allowed)", path, t->row_line[r], c + 1,
                     field, t->names[c]);
}

/* Pass 1: numbers, NaN/inf check, which columns hold strings. */
static int scan_numbers(const char *path, const struct wn__table *t,
                        struct column *cols)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const char *f = t->buf + t->row_off[r];
        for (size_t c = 0; c < t->ncols; c++) {
            double v;
            if (wn__data_parse_number(f, &v)) {
                if (!isfinite(v))
                    return row_field_error(path, t, r, c, f);
                column_add_number(&cols[c], v);
            } else {
                cols[c].nonnum = 1;
            }
            f += strlen(f) + 1;
        }
    }
    return WN_OK;
}

/* Pass 1b: the distinct strings of the columns that are not numeric. */
static int scan_strings(const char *path, const struct wn__table *t,
                        struct column *cols)
{
    int any = 0;
    for (size_t c = 0; c < t->ncols; c++)
        any |= cols[c].nonnum;
    if (!any)
        return WN_OK;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *f = t->buf + t->row_off[r];
        for (size_t c = 0; c < t->ncols; c++) {
            if (cols[c].nonnum && strset_add(&cols[c].strs, f))
                return wn_seterr(WN_ENOMEM, "%s: out of memory for the "
                                 "values of column '%s'", path, t->names[c]);
            f += strlen(f) + 1;
        }
    }
    for (size_t c = 0; c < t->ncols; c++)
        if (cols[c].nonnum && strset_rank(&cols[c].strs))
            return wn_seterr(WN_ENOMEM, "%s: out of memory sorting column "
                             "'%s'", path, t->names[c]);
    return WN_OK;
}

/* Write the output columns of one cell. */
static void encode_cell(const struct column *col, const char *f, float *out)
{
    double v = 0.0;
    size_t k;

    switch (col->rule) {
    case RULE_DROP:
        return;
    case RULE_BINARY:
        if (col->nonnum) {
            out[0] = strcmp(f, col->bin_one) == 0 ? 1.0f : 0.0f;
        } else {
            wn__data_parse_number(f, &v);
            out[0] = v == col->num[1] ? 1.0f : 0.0f;
        }
        return;
    case RULE_ONEHOT:
        if (col->nonnum) {
            k = col->strs.rank[strset_slot(&col->strs, f)];
        } else {
            wn__data_parse_number(f, &v);
            k = column_number_rank(col, v);
        }
        for (size_t j = 0; j < col->width; j++)
            out[j] = j == k ? 1.0f : 0.0f;
        return;
    case RULE_MINMAX:
        wn__data_parse_number(f, &v);
        out[0] = (float)((v - col->min) / (col->max - col->min));
        return;
    case RULE_255:
        wn__data_parse_number(f, &v);
        out[0] = (float)(v / 255.0);
        return;
    }
}

/* ---- the loader ----------------------------------------------------------- */

/* Pick each column's rule and place the inputs; the number of inputs. */
static size_t choose_rules(const struct wn__table *t, struct column *cols,
                           size_t label, int mnist)
{
    size_t inputs = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        struct column *col = &cols[c];
        choose_rule(col, c == label, mnist);
        if (col->rule == RULE_BINARY && col->nonnum) {
            for (size_t i = 0; i < col->strs.cap; i++)
                if (col->strs.key[i] && col->strs.rank[i] == 1)
                    col->bin_one = col->strs.key[i];
        }
        if (c != label) {
            col->first = inputs;
            inputs += col->width;
        }
    }
    return inputs;
}

/* The task the label column's rule implies; WN_EFORMAT for a constant
 * label. */
static int label_task(const char *path, const char *target,
                      const struct column *label, wn_task *task)
{
    switch (label->rule) {
    case RULE_BINARY:
        *task = WN_TASK_BINARY;
        return WN_OK;
    case RULE_ONEHOT:
        *task = WN_TASK_MULTICLASS;
        return WN_OK;
    case RULE_MINMAX:
        *task = WN_TASK_REGRESSION;
        return WN_OK;
    default:
        return wn_seterr(WN_EFORMAT, "%s: label column '%s' has a single "
                         "value: nothing to learn", path, target);
    }
}

/* Pass 2: write x and y. */
static void encode_rows(const struct wn__table *t, const struct column *cols,
                        size_t label, wn_dataset *d)
{
    size_t inputs = d->inputs;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *f = t->buf + t->row_off[r];
        float *xr = d->x + r * inputs;
        float *yr = d->y + r * d->outputs;
        for (size_t c = 0; c < t->ncols; c++) {
            encode_cell(&cols[c], f, c == label ? yr : xr + cols[c].first);
            f += strlen(f) + 1;
        }
    }
}


/* "no label column" naming the header fields as parsed and the separator,
 * so a stray BOM, quote or separator shows. */
static int no_label_error(const char *path, const struct wn__table *t,
                          const char *target)
{
    char fields[512];
    size_t used = 0;
    fields[0] = '\0';
    for (size_t c = 0; c < t->ncols && used + 8 < sizeof fields; c++) {
        int n = snprintf(fields + used, sizeof fields - used, "%s'%s'",
                         c ? ", " : "", t->names[c]);
        if (n < 0 || (size_t)n >= sizeof fields - used) {
            snprintf(fields + used, sizeof fields - used, ", ...");
            break;
        }
        used += (size_t)n;
    }
    return wn_seterr(WN_EFORMAT, "%s:1: no label column named '%s' in the "
                     "header; the header has %zu fields separated by %s: %s",
                     path, target, t->ncols,
                     t->delim == ',' ? "commas" : "tabs", fields);
}

/* Non-numeric cells of a numeric-looking column C. */
static size_t count_nonnumbers(const struct wn__table *t, size_t c)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *f = t->buf + t->row_off[r];
        for (size_t k = 0; k < c; k++)
            f += strlen(f) + 1;
        double v;
        n += !wn__data_parse_number(f, &v);
    }
    return n;
}

/* SPEC section 2 makes a column with any value that is not a number
 * categorical.  When that turns a numeric column (more than 20 distinct
 * numbers) into one-hot, it changes the network and its energy: say so,
 * naming the column, its non-numeric values and the inputs it became. */
static void notice_onehot(const char *path, const struct wn__table *t,
                          size_t c, const struct column *col,
                          const wn_data_opts *opts)
{
    if (!opts || !opts->notice || col->rule != RULE_ONEHOT || !col->nonnum)
        return;
    char values[160] = "";
    size_t used = 0, shown = 0, numbers = 0;
    for (size_t i = 0; i < col->strs.cap; i++) {
        const char *k = col->strs.key[i];
        double v;
        if (!k)
            continue;
        if (wn__data_parse_number(k, &v)) {
            numbers++;
            continue;
        }
        if (shown++ < 4 && used + 1 < sizeof values) {
            int n = snprintf(values + used, sizeof values - used, "%s'%s'",
                             used ? ", " : "", k);
            used = n > 0 ? used + (size_t)n : used;
            used = used < sizeof values ? used : sizeof values - 1;
        }
    }
    if (numbers <= MAX_CATEGORIES)
        return;   /* it would be one-hot anyway: nothing surprising */
    char line[512];
    snprintf(line, sizeof line, "%s: column '%s' has %zu non-numeric cells "
             "(%s%s), so it is categorical and became %zu one-hot inputs "
             "(SPEC section 2)", path, t->names[c], count_nonnumbers(t, c),
             values, shown > 4 ? ", ..." : "", col->width);
    opts->notice(opts->user, line);
}

int wn__data_load_file(const char *path, const char *name,
                       const wn_data_opts *opts, int study_rules,
                       wn_dataset **out)
{
    int rc;
    struct wn__table t;
    struct column *cols = NULL;
    wn_dataset *d = NULL;
    size_t label = SIZE_MAX, inputs = 0;
    int mnist = study_rules && name && strcmp(name, "mnist") == 0;
    const char *target = opts ? opts->target : NULL;
    wn_task task = WN_TASK_BINARY;

    *out = NULL;
    if (!target || !*target)
        target = "target";
    rc = wn__table_read(path, &t);
    if (rc)
        goto out;
    for (size_t c = 0; c < t.ncols && label == SIZE_MAX; c++)
        if (strcmp(t.names[c], target) == 0)
            label = c;
    if (label == SIZE_MAX) {
        rc = no_label_error(path, &t, target);
        goto out;
    }
    cols = wn_calloc(t.ncols, sizeof(*cols));
    if (!cols) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory for %zu columns", path,
                       t.ncols);
        goto out;
    }
    rc = scan_numbers(path, &t, cols);
    if (rc)
        goto out;
    rc = scan_strings(path, &t, cols);
    if (rc)
        goto out;

    inputs = choose_rules(&t, cols, label, mnist);
    for (size_t c = 0; c < t.ncols; c++)
        if (c != label)
            notice_onehot(path, &t, c, &cols[c], opts);
    rc = label_task(path, target, &cols[label], &task);
    if (rc)
        goto out;
    if (inputs == 0) {
        rc = wn_seterr(WN_EFORMAT, "%s: no input columns left after "
                       "preprocessing (every feature is constant)", path);
        goto out;
    }
    rc = wn__dataset_alloc(name, task, WN_SOURCE_FILE, t.nrows, inputs,
                           cols[label].width, &d);
    if (rc)
        goto out;

    encode_rows(&t, cols, label, d);
    *out = d;
    d = NULL;
out:
    if (cols)
        for (size_t c = 0; c < t.ncols; c++)
            strset_clear(&cols[c].strs);
    wn_free(cols);
    wn__table_clear(&t);
    wn_dataset_free(&d);
    return rc;
}
