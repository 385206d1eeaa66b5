#!/bin/sh
# d-compile.sh: d's compile command and its resident compiler (languages.json), which must
# compile alike.
#
#   d-compile.sh OUTPUT   compiles main.d of the working directory into OUTPUT
#   d-compile.sh --held   the resident: the same compile, started at boot by compile-hold.sh
#                         and held where gdc's compiler opens the program's source, once it has
#                         taken in std.stdio
#
# gdc's compiler (d21) reads the file on its command line first of all, and most of a hello's
# compile is what follows: parsing and analysing the Phobos modules std.stdio imports. So d21
# compiles d-main.d, which does that, and reads main.d only then, as a string it mixes in (see
# there). Messages about the program still name main.d and its lines.
#
# d21 runs here without gdc's driver, so that the held process is the one whose end is the
# compiler's; what the driver would run after it, the assembler and the link, follows as
# compile-hold.sh's --then. The link calls gold as collect2 would (gdc -###, without the LTO
# plugin, which a D object without LTO does not use): two programs fewer to start than gdc's
# driver and collect2, which TCG would translate afresh. Every compile runs in one directory
# under one lock, as the held compiler reads the program from there.
#
# THAW_D_DIR moves that directory, and THAW_LIBRARY_DIR where Thaw's libraries are (tests on the
# host); d-main.d and thaw_d_source.d are beside this script.
set -u
dir=${THAW_D_DIR:-/tmp/thaw-d}
libraries=${THAW_LIBRARY_DIR:-/opt/thaw}
sources=$(dirname "$0")
held=
# d21 opens its assembly output when it starts: the held compile's must be its own, apart from
# the files of the compiles that run while it is held.
if [ "${1:-}" = --held ]; then held=1; output=$dir/main; base=held; else output=$1; base=plain; fi
gcc=/usr/lib/gcc/x86_64-linux-gnu/12 crt=/usr/lib/x86_64-linux-gnu
# The options gdc's driver gives d21 (gdc -###), without its dump file names.
set -- $gcc/d21 "$sources/d-main.d" -quiet -mtune=generic -march=x86-64 -imultiarch x86_64-linux-gnu \
    -I "$sources" -J "$dir" -o $base.s
then="as --64 -o $base.o $base.s && ld.gold --build-id --eh-frame-hdr -m elf_x86_64 --hash-style=gnu \
    --as-needed -dynamic-linker /lib64/ld-linux-x86-64.so.2 -pie -o '$output' $crt/Scrt1.o $crt/crti.o \
    $gcc/crtbeginS.o -L$gcc -L$crt -L/lib/x86_64-linux-gnu -L/usr/lib $base.o -lgphobos -lgcc_s -lgcc -lm -lz \
    -lc -lgcc_s -lgcc $gcc/crtendS.o $crt/crtn.o"

if [ -n "$held" ]; then
    exec "$libraries/compile-hold.sh" --lock --then "$then" "$dir" main.d main "$@"
fi
mkdir -p "$dir" && exec 9>"$dir/lock" && flock 9 && cp main.d "$dir/main.d" && cd "$dir" || exit
"$@" && eval "$then"
