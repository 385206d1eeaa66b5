#!/bin/sh
# crystal-compile.sh: crystal's compile command and its resident compiler (languages.json), which
# must compile alike.
#
#   crystal-compile.sh OUTPUT   compiles main.cr of the working directory into OUTPUT
#   crystal-compile.sh --held   the resident: the same compile, started at boot by compile-hold.sh
#                               and held where crystal opens the program's source, once it has
#                               read and declared its whole prelude
#
# crystal reads the file on its command line first of all, so both compile program.cr, whose
# one line requires main.cr: crystal takes in the prelude it requires before anything else
# (about a quarter of a hello's compile) and only then reaches main.cr. A message about the
# program still names main.cr, relative to the directory.
#
# Every compile runs in one directory, on one copy of the source, under one lock: crystal keeps
# its objects per module in a cache named after the path of the file it compiles, so the
# objects the snapshot's warm-up left serve the next compile only from the same path.
# --threads 1: the guest has one vCPU, where crystal's default, forking eight workers of its
# 120 MB process for the code generation, adds only the forks' page faults. --no-color: crystal
# colors its messages even where they go to a pipe, as a run's stderr does.
#
# THAW_CRYSTAL_DIR moves that directory, and THAW_LIBRARY_DIR where Thaw's files are (tests on the host).
set -u
dir=${THAW_CRYSTAL_DIR:-/tmp/thaw-crystal}
libraries=${THAW_LIBRARY_DIR:-/opt/thaw}
held=
if [ "${1:-}" = --held ]; then held=1; output=$dir/main; else output=$1; fi
cache=CRYSTAL_CACHE_DIR=$dir/cache
set -- crystal build --no-color --threads 1 --link-flags -fuse-ld=gold -o "$output" program.cr

# Written once, whole, and renamed into place: another compile may be reading it.
stub=$dir/program.cr
if [ ! -f "$stub" ]; then
    mkdir -p "$dir" && echo 'require "./main"' > "$stub.$$" && mv -f "$stub.$$" "$stub" || exit
fi
if [ -n "$held" ]; then
    exec "$libraries/compile-hold.sh" --lock --env "$cache" "$dir" main.cr main "$@"
fi
exec 9>"$dir/lock" && flock 9 && cp main.cr "$dir/main.cr" && cd "$dir" || exit
export "$cache"
exec "$@"
