/*
 * redact.c - credentials masked wherever a URL or connection string is
 * shown or stored (issue 9, item 22): error messages that echo a libpq or
 * curl message, the report, progress lines, stored sweep metadata.
 *
 * Masks, anywhere in a text:
 *   - the password of a URL's userinfo:  scheme://user:SECRET@host
 *     -> scheme://user:***@host (the user name stays: it helps debugging);
 *   - the value of a secret parameter, in a URL query (?password=SECRET&)
 *     or a key=value connection string (password='SECRET' host=...):
 *     password, passwd, pass, pwd, sslpassword, token, secret, api_key.
 * Everything else is copied as it is.  Pure function of its input.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <wattnet/redact.h>

static const char *const secret_keys[] = {
    "password", "passwd", "pass", "pwd", "sslpassword", "token", "secret",
    "api_key",
};

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
        o->buf[o->len++] = s[i];
}

/* Length of the secret key starting at P (followed by '='), or 0.  The key
 * must start a word: at the text's start or after a non-name character. */
static size_t secret_key_at(const char *text, const char *p)
{
    if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
        return 0;
    for (size_t k = 0; k < sizeof secret_keys / sizeof secret_keys[0]; k++) {
        size_t n = strlen(secret_keys[k]);
        /* compare first: p + n may lie past the text's end */
        if (strncasecmp(p, secret_keys[k], n) != 0)
            continue;
        const char *q = p + n;
        while (*q == ' ')
            q++;
        if (*q == '=')
            return (size_t)(q - p) + 1;
    }
    return 0;
}

/* The end of a parameter value at P: a quoted value to its closing quote,
 * else up to a separator. */
static const char *value_end(const char *p)
{
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && *p != q)
            p += (*p == '\\' && p[1]) ? 2 : 1;
        return *p ? p + 1 : p;
    }
    while (*p && !strchr("&; \t\r\n#'\"", *p))
        p++;
    return p;
}

/* At "://": copy the scheme separator and the userinfo with its password
 * masked; returns where to continue. */
static const char *mask_userinfo(struct out *o, const char *p)
{
    put(o, p, 3);
    p += 3;
    size_t span = strcspn(p, "@/ ?#\t\r\n'\"");
    if (p[span] != '@')
        return p;
    const char *colon = memchr(p, ':', span);
    if (colon == NULL) {
        put(o, p, span);
    } else {
        put(o, p, (size_t)(colon - p));
        put(o, ":***", 4);
    }
    return p + span;
}

void wn_redact(const char *in, char *out, size_t cap)
{
    struct out o = { out, cap, 0 };
    if (out == NULL || cap == 0)
        return;
    for (const char *p = in ? in : ""; *p;) {
        size_t key;
        if (strncmp(p, "://", 3) == 0) {
            p = mask_userinfo(&o, p);
        } else if ((key = secret_key_at(in, p)) != 0) {
            p += key;
            size_t blanks = strspn(p, " ");
            put(&o, p - key, key + blanks);
            put(&o, "***", 3);
            p = value_end(p + blanks);
        } else {
            put(&o, p++, 1);
        }
    }
    out[o.len] = '\0';
}
