#!/bin/sh
# nim-compile.sh: nim's compile command and its resident compiler (languages.json), which must
# compile alike.
#
#   nim-compile.sh OUTPUT   compiles main.nim of the working directory into OUTPUT
#   nim-compile.sh --held   the resident: the same compile, started at boot by compile-hold.sh
#                           and held where nim opens the program's source, once nim has
#                           compiled its system module
#
# Every compile runs in one directory, on one copy of the source, under one lock: nim names its
# cache's files after the source's path, so the cache the snapshot's warm-up filled (the standard
# library's C files and objects) serves the next compile only from the same path.
#
# THAW_NIM_DIR moves that directory, and THAW_LIBRARY_DIR where Thaw's files are (tests on the host).
set -u
dir=${THAW_NIM_DIR:-/tmp/thaw-nim}
libraries=${THAW_LIBRARY_DIR:-/opt/thaw}
held=
if [ "${1:-}" = --held ]; then held=1; output=$dir/main; else output=$1; fi
set -- nim compile --hints:off --verbosity:0 --nimcache:"$dir/cache" "-o:$output" main.nim

if [ -n "$held" ]; then
    exec "$libraries/compile-hold.sh" --lock "$dir" main.nim main "$@"
fi
mkdir -p "$dir" && exec 9>"$dir/lock" && flock 9 && cp main.nim "$dir/main.nim" && cd "$dir" || exit
exec "$@"
