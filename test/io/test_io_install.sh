#!/bin/sh
# The embedding contract: install tapring into a temporary DESTDIR, build
# test/io/example_embed.c against ONLY the installed headers and library via
# pkg-config, run it. Also: no private (_pvt.h) header is installed and the
# umbrella header compiles on its own in C and C++.
# usage: test_io_install.sh BUILD_ROOT SOURCE_ROOT CC CXX SANITIZE
set -eu
B=$1; S=$2; CC=$3; CXX=$4; SAN=$5
T=$(mktemp -d /tmp/tapring-install.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

if ! meson install -C "$B" --destdir "$T" --no-rebuild >"$T/install.log" 2>&1; then
	tail -20 "$T/install.log"
	echo "FAIL: meson install"; exit 1
fi
pc=$(find "$T" -name tapring.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: tapring.pc not installed"; exit 1; }
if find "$T" -name '*_pvt.h' | grep -q .; then
	echo "FAIL: private headers installed:"; find "$T" -name '*_pvt.h'; exit 1
fi
hdr=$(find "$T" -path '*/include/tapring/tapring.h' | head -1)
[ -n "$hdr" ] || { echo "FAIL: tapring/tapring.h not installed"; exit 1; }

export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_SYSROOT_DIR="$T"
cflags=$(pkg-config --cflags tapring)
libs=$(pkg-config --libs tapring)
case "$cflags" in *"$T"*) ;; *) echo "FAIL: cflags do not point into DESTDIR: $cflags"; exit 1;; esac
extra=""
[ "$SAN" != none ] && extra="-fsanitize=$SAN"

# Only the installed tree: -I from pkg-config, no source include dirs.
printf '#include <tapring/tapring.h>\nint main(void) { return 0; }\n' >"$T/u.c"
$CC -std=c17 -Wall -Wextra -Werror $cflags -c "$T/u.c" -o "$T/u.o"
cp "$T/u.c" "$T/u.cpp"
$CXX -std=c++17 -Wall -Wextra -Werror $cflags -c "$T/u.cpp" -o "$T/u2.o"
$CC -std=c17 -Wall -Wextra -Werror $extra $cflags "$S/test/io/example_embed.c" -o "$T/example_embed" $libs

libdir=$(dirname "$(find "$T" -name 'libtapring.so' | head -1)")
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$T/example_embed"
