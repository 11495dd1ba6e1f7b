/*
 * report.c - the HTML page of the report (see report.h): head and style,
 * title and warnings, then every section of the table in
 * report_sections.c in order, then the footer.  One file, inline SVG, no
 * script.  The sections, one file each:
 *   report_summary.c      summary table and the model's CV table;
 *   report_working_set.c  1. per-datum energy (time) against working set;
 *   report_efficiency.c   2. FLOPs per joule (second) against size;
 *   report_predicted.c    3. predicted against measured, per model;
 *   report_to_loss.c      4. energy (time) to reach a test loss;
 *   report_power.c        5. a power trace.
 * report_ctx.c computes what they share.  Energy is only ever read from
 * real, unflagged measurements (wn_energy_usable); an estimate counts as
 * "estimated", never as measured.  The report never fits a model: it
 * takes one (wn_model_fit_if_none is the glue step that supplies one).
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/report.h>

#include "core/util.h"
#include "report/report_internal.h"

static const char STYLE[] =
    "<style>\nbody{font-family:sans-serif;max-width:980px;"
    "margin:2em auto;color:#222;padding:0 1em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;"
    "vertical-align:top}\nth{background:#f0f0f0}\n"
    "svg{display:block;max-width:100%;height:auto;"
    "border:1px solid #ddd;margin:.5em 0}\n"
    ".reading{font-style:italic;margin:.3em 0 2em}\n"
    ".warn{background:#fff3cd;border:1px solid #e0c060;"
    "padding:.5em}\n</style>\n";

static void page_head(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    wn__sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n<title>wattnet report</title>\n");
    wn__sbuf_puts(b, STYLE);
    wn__sbuf_puts(b, "</head>\n<body>\n");
    wn__sbuf_printf(b, "<h1>wattnet report: %s of training</h1>\n",
                    c->energy ? "energy" : "time");
    if (!c->energy)
        wn__sbuf_puts(b, "<p class=\"warn\">No stored run has a real energy "
                      "measurement usable here, so this report shows "
                      "<b>time</b> (seconds per training datum), not energy. "
                      "Estimated energy is never shown as measured.</p>\n");
    if (c->n == 0)
        wn__sbuf_puts(b, "<p class=\"warn\">The database holds no runs.</p>\n");
}

static void page_foot(struct wn_sbuf *b)
{
    wn__sbuf_printf(b, "<p><small>wattnet %s. Self-contained: inline SVG, "
                    "no scripts, nothing loaded from the network.</small></p>\n"
                    "</body>\n</html>\n", WN_VERSION);
}

int wn_report_html(const wn_run_record *runs, size_t n,
                   const wn_report_opts *o, char **html)
{
    int rc;
    struct wn_sbuf b = {0};
    struct wn__report_ctx c;
    memset(&c, 0, sizeof c);
    if (html == NULL || o == NULL || (runs == NULL && n > 0))
        return wn_seterr(WN_EINVAL, "report.c:%d: NULL argument", __LINE__);
    *html = NULL;
    if ((rc = wn__report_ctx_init(&c, runs, n, o)) != WN_OK)
        goto out;
    page_head(&b, &c);
    for (size_t s = 0; s < wn__report_n_sections; s++)
        wn__report_sections[s].emit(&b, &c);
    page_foot(&b);
    rc = wn__sbuf_take(&b, html, NULL);
out:
    wn__sbuf_free(&b);
    wn__report_ctx_free(&c);
    return rc;
}

int wn_report_write(const wn_run_record *runs, size_t n,
                    const wn_report_opts *o, const char *path)
{
    char *html = NULL;
    int rc = wn_report_html(runs, n, o, &html);
    if (rc != WN_OK)
        return rc;
    rc = wn__write_file_atomic(path, html, strlen(html));
    wn_free(html);
    return rc;
}
