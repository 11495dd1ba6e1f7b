#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR - the install path of issue 12:
# `cmake --install` (what `make install` runs) into a scratch DESTDIR, a C
# program built with `pkg-config wattnet` against it, `pip install ./python`
# offline into a venv, then the 1-second busy-loop acceptance script with the
# installed library.  Needs WN_POWERCAP_SIM.
set -euo pipefail
build=$1 src=$2
py=${WN_PYTHON3:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/wn-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local >/dev/null
lib=$tmp/root/usr/local/lib
test -e "$lib/libwattnet.so.0" || { echo "FAIL: libwattnet.so.0 not installed"; exit 1; }
soname=$(readelf -d "$lib/libwattnet.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libwattnet.so.0 ] || { echo "FAIL: soname '$soname'"; exit 1; }
test -e "$tmp/root/usr/local/include/wattnet/wattnet.h"

# pkg-config, relocated to the DESTDIR
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$tmp/root
cat > "$tmp/hello.c" <<'C'
#include <stdio.h>
#include <wattnet/wattnet.h>
int main(void) { printf("%s %s\n", WN_VERSION, wn_strerror(WN_ENOENT)); return 0; }
C
cc "$tmp/hello.c" -o "$tmp/hello" $(pkg-config --cflags --libs wattnet)
out=$(LD_LIBRARY_PATH=$lib "$tmp/hello")
[ "$out" = "0.1.0 not found" ] || { echo "FAIL: pkg-config program printed '$out'"; exit 1; }

# pip install ./python, offline (setuptools from Debian's python3)
"$py" -m venv --system-site-packages "$tmp/venv"
# (from a copy: pip leaves egg-info next to the sources)
cp -r "$src/python" "$tmp/pysrc"
(cd "$tmp" && "$tmp/venv/bin/python" -m pip install -q --no-build-isolation \
   --no-index "$tmp/pysrc")
# run outside the checkout so the installed package is the one imported
cd "$tmp"
env -u WATTNET_LIB -u PYTHONPATH LD_LIBRARY_PATH=$lib \
  PYTHONPATH="$src/tests/python" "$tmp/venv/bin/python" -c '
import runpy, sys, wattnet
assert "/venv/" in wattnet.__file__, wattnet.__file__
sys.path.insert(0, sys.argv[1])
runpy.run_path(sys.argv[1] + "/acceptance.py", run_name="__main__")
' "$src/tests/python"
