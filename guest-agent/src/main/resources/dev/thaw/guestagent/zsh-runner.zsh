# Thaw's resident zsh runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
# kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
# serves one program, the guest's last (mode "here"), by becoming it: `zsh main.zsh` as a
# sourced file, with $0 (FUNCTION_ARGZERO, on in zsh as in every script), ZSH_ARGZERO,
# ZSH_SCRIPT and the positional parameters a script would have.
#
# Usage: zsh zsh-runner.zsh
#
# Sourced at top level, the program's `exit`, `$?`, `set -e`, traps and functions behave as in a
# script (a top-level `return` ends it with its status, as it ends a script); it differs where zsh
# tells a sourced file from a script: ZSH_EVAL_CONTEXT reads toplevel:file, funcstack and
# funcfiletrace hold the source, and `trap` shows the runner's EXIT trap, which writes EXIT with
# the status zsh exits with (a program that sets its own EXIT trap replaces it, and zsh skips it
# when `set -e` ends the shell inside a function; the agent then takes the exit status). The
# channel, moved above 9 out of the program's way, is inherited by the commands the program runs
# (zsh cannot mark it close-on-exec without a module). Nothing here forks.

exec {thaw_channel}>&3 3>&-

# One RUN message into thaw_request (RUN, workdir, code file, mode); fails if the agent is gone.
thaw_read_request() {
    local field
    thaw_request=()
    while (( ${#thaw_request} < 4 )); do
        IFS= read -r -d '' -u $thaw_channel field || return 1
        thaw_request+=("$field")
    done
}

# The exported parameters zsh set at its start unset (their names found before the snapshot, in
# thaw_exported), then the program's whole environment (.thaw-env) exported, with the LOGNAME,
# SHLVL, PWD and OLDPWD zsh would have added to it.
thaw_take_environment() {
    local logname=$LOGNAME name entry
    local -a entries
    for name in $thaw_exported; do
        [[ $parameters[$name] == *readonly* ]] || unset $name
    done
    entries=("${(@0)$(<$1/.thaw-env)}")
    for entry in $entries; do
        name=${entry%%=*}
        [[ $name == [A-Za-z_]* && $name != *[^A-Za-z0-9_]* && $entry == *=* ]] && export "$entry" 2>/dev/null
    done
    [[ -n $logname && -z ${LOGNAME+set} ]] && export LOGNAME=$logname
    [[ $SHLVL == <-> ]] || SHLVL=0
    export SHLVL=$(( 10#$SHLVL + 1 )) PWD=$1 OLDPWD=${OLDPWD-$1}
}

# RANDOM seeded from four bytes of the kernel's entropy.
thaw_reseed() {
    local LC_ALL=C bytes byte seed=0
    IFS= read -r -k 4 -u 0 bytes < /dev/urandom
    for byte in ${(s::)bytes}; do
        (( seed = (seed << 8) | (#byte & 255) ))
    done
    RANDOM=$seed
}

# Sets the program up (directory, environment, arguments into thaw_args, RANDOM reseeded);
# answers its file in thaw_file.
thaw_run_here() {
    print -u $thaw_channel "PID $$"
    cd -q -- $1 || exit 126
    thaw_take_environment $1
    thaw_file=$1/$2
    thaw_args=()
    if [[ -f $1/.thaw-args ]]; then
        thaw_args=("${(@0)$(<$1/.thaw-args)}")
        thaw_args[-1]=() # what follows the last NUL
    fi
    thaw_reseed
}

# Goes once through what a typical script does (print, printf, arithmetic, arrays, [[ ]],
# expansions, case, a read), in this process so that what it touches is in the snapshot.
thaw_warm_up() {
    local -a words=(b a c) && local -A count && local line word
    for word in $words; do count[$word]=$(( ${count[$word]:-0} + 1 )); done
    IFS=' ' read -r line <<< "1 22 333"
    case ${line//2/x} in *x*) printf '%s %05.1f %s\n' "${(U)words}" 3.14159 "${(k)count}" ;; esac
    [[ $line =~ '([0-9]+)$' ]] && print -r -- $match[1] ${line[1]} ${(o)words}
}

thaw_serve() {
    thaw_exported=(${(k)parameters[(R)*export*]}) # and zsh/parameter loaded before the snapshot
    thaw_warm_up >/dev/null 2>&1
    print -u $thaw_channel READY
    while thaw_read_request; do
        if [[ $thaw_request[1] == RUN && $thaw_request[4] == here ]]; then
            thaw_run_here $thaw_request[2] $thaw_request[3]
            return
        fi
        print -u $thaw_channel 'ERROR this runner keeps its stdio and serves only mode here (a last RUN)'
    done
    exit 0 # the agent is gone
}

thaw_serve
set -- "${thaw_args[@]}"
ZSH_ARGZERO=$thaw_file
ZSH_SCRIPT=$thaw_file
# The status is known here at last; zsh's print and echo flush as they go.
trap "print -u $thaw_channel EXIT \$(( (\$? & 255) << 8 ))" EXIT
unfunction thaw_read_request thaw_take_environment thaw_reseed thaw_run_here thaw_warm_up thaw_serve
unset thaw_channel thaw_request thaw_args thaw_file thaw_exported
source -- $ZSH_SCRIPT
