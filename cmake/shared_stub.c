/*
 * shared_stub.c - the one source of libwattnet.so itself: every symbol
 * comes from the static library, linked whole (cmake/shared.cmake).  This
 * file only gives the target a translation unit.
 */
#include <wattnet/wattnet.h>

const char *wn__shared_version(void);

const char *wn__shared_version(void)
{
    return WN_VERSION;
}
