/*
 * store_open_existing.c - opening a database that must already exist, for
 * the commands that only read (status, export, fit, report, advise,
 * analyze, attribute, the exporter): a typo in --db must say "no such
 * database", never create an empty one and report 0 runs (issue 9,
 * item 10).  Writers (sweep, worker, run, import, idle) use
 * wn_store_open, which creates.  PostgreSQL URLs are unaffected: a server
 * database is never created by connecting.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_impl.h"

int wn_store_open_existing(const char *url, wn_store **out)
{
    struct stat st;
    if (!out)
        return wn_seterr(WN_EINVAL, "store: NULL output");
    *out = NULL;
    if (url && *url && !strstr(url, "://")) {
        if (stat(url, &st) != 0 && errno == ENOENT)
            return wn_seterr(WN_ENOENT, "'%s': no such database (this "
                             "command only reads one; check the path)",
                             url);
        if (stat(url, &st) == 0 && S_ISDIR(st.st_mode))
            return wn_seterr(WN_EINVAL, "'%s': a directory, not a database",
                             url);
    }
    return wn_store_open(url, out);
}
