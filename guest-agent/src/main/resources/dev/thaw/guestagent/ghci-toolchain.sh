#!/bin/sh
# ghci-toolchain.sh: the assembler and the linker of Thaw's GHCi session (haskell-runner.ghci,
# through ghc's -pgma and -pgml), in gcc's place, with fewer processes and less to read.
#
# GHCi (a dynamically linked GHC) loads a compiled program by linking its objects into a
# shared library and opening that. ghc has gcc link the library against every package the
# session has loaded (base, containers, text, ...: large libraries whose symbol tables the
# linker reads) and gcc adds its C runtime's objects and libraries; yet the session has all of
# those loaded, their symbols global, so the library's references resolve when it is opened
# without them. So gold links the objects alone. An assembly goes to as without gcc's driver
# before it (ghc asks for `-x assembler`, no preprocessing). After a restore each process, and
# each page of a library the linker reads, is code and data that TCG and the guest take afresh.
# Arguments this script does not know go to gcc as they came.
set -u
compiler=${GHCI_TOOLCHAIN_GCC:-gcc} # a test puts a logging gcc here
. "${0%/*}/gcc-response.sh"

output= source= objects= soname= step= previous=
for arg in "$@"; do
    case $previous in
        -o) output=$arg previous= ; continue ;;
        -Xlinker) previous= ; continue ;; # -rpath DIR, for the libraries left out
    esac
    case $arg in
        -o | -Xlinker) previous=$arg ;;
        -c) step=${step}assemble ;;
        -shared) step=${step}link ;;
        -x | assembler | -iquote* | -no-pie | -fPIC | -U__PIC__ | -D__PIC__) ;;
        -Wl,-h,*) soname=${arg#-Wl,-h,} ;;
        -Wl,-Bsymbolic | -Wl,--hash-size=* | -Wl,--reduce-memory-overheads | -Wl,--no-as-needed | -l* | -L*) ;;
        *" "* | -*) exec "$compiler" "$@" ;;
        *.s) [ -z "$source" ] && source=$arg || exec "$compiler" "$@" ;;
        *.o) objects="$objects $arg" ;;
        *) exec "$compiler" "$@" ;;
    esac
done
set -f # the objects' paths hold no spaces (above) and are split on them alone
case $step:${output:+o}${source:+s}${objects:+O} in
    assemble:os) exec as --64 -o "$output" "$source" ;;
    link:oO) exec ld.gold -shared -Bsymbolic ${soname:+-soname "$soname"} -o "$output" $objects ;;
esac
exec "$compiler" "$@"
