/*
 * redact.h - credentials masked in any text that is shown or stored: the
 * password of a URL's userinfo and the value of a secret parameter
 * (password, passwd, pass, pwd, sslpassword, token, secret, api_key) in a
 * URL query or a key=value connection string.
 */
#ifndef WATTNET_REDACT_H
#define WATTNET_REDACT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Copy IN (NULL: "") to OUT (CAP bytes, always NUL-terminated when CAP > 0,
 * truncated to fit) with every credential replaced by "***":
 *   postgresql://u:SECRET@h/db      -> postgresql://u:***@h/db
 *   postgresql://h/db?password=S&a  -> postgresql://h/db?password=***&a
 *   host=h password='S x' user=u    -> host=h password=*** user=u
 * Never fails. */
void wn_redact(const char *in, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_REDACT_H */
