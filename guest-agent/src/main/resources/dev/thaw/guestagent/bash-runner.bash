# Thaw's resident bash runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
# kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
# serves one program, the guest's last (mode "here"), by becoming it: `bash main.sh` as a
# sourced file, with $0 (BASH_ARGV0) and the positional parameters a script would have.
#
# Usage: bash bash-runner.bash
#
# Sourced at top level, the program's `exit`, `$?`, `set -e`, traps and functions behave as in a
# script; it differs where bash tells a sourced file from a script: a top-level `return` ends it
# (a script reports an error and goes on), `caller`, FUNCNAME and BASH_SOURCE[1] show the
# runner's frame, and `trap -p` shows the runner's EXIT trap, which writes EXIT with the status
# bash exits with (a program that sets its own EXIT trap replaces it; the agent then takes the
# exit status). bash cannot mark a descriptor close-on-exec, so the channel, moved above 9 out
# of the program's way, is inherited by the commands the program runs. Nothing here forks.

exec {thaw_channel}>&3 3>&-

# One RUN message into thaw_request (RUN, workdir, code file, mode); fails if the agent is gone.
thaw_read_request() {
    local field
    thaw_request=()
    while ((${#thaw_request[@]} < 4)); do
        IFS= read -r -d '' -u "$thaw_channel" field || return 1
        thaw_request+=("$field")
    done
}

# The names bash exported at its start (its environment, PWD, SHLVL, OLDPWD), found before the
# snapshot: 52 name-prefix expansions cost a restored run more than the rest of its setup.
thaw_exported_names() {
    local prefix name
    local -a names
    for prefix in {A..Z} {a..z}; do
        eval "names+=(\${!$prefix@})"
    done
    thaw_exported=()
    for name in "${names[@]}"; do
        [[ ${!name@a} == *x* && ${!name@a} != *r* ]] && thaw_exported+=("$name")
    done
}

# Those variables unset, then the program's whole environment (.thaw-env) exported, with the PWD,
# OLDPWD and SHLVL bash would have added to it.
thaw_take_environment() {
    local entry name
    local -a entries
    unset -v "${thaw_exported[@]}" OLDPWD # cd set it
    mapfile -d '' -t entries < "$1/.thaw-env"
    for entry in "${entries[@]}"; do
        name=${entry%%=*}
        [[ $name == [A-Za-z_]* && $name != *[!A-Za-z0-9_]* && $entry == *=* ]] && export "$entry" 2>/dev/null
    done
    [[ ${SHLVL-} == +([0-9]) ]] || SHLVL=0
    export SHLVL=$((10#$SHLVL + 1)) PWD=$1 OLDPWD
}

# Sets the program up (directory, environment, arguments into thaw_args, RANDOM reseeded from
# the kernel); answers its file in thaw_file.
thaw_run_here() {
    printf 'PID %d\n' "$$" >&"$thaw_channel"
    cd -- "$1" || exit 126
    thaw_take_environment "$1"
    thaw_file=$1/$2
    thaw_args=()
    [[ -f $1/.thaw-args ]] && mapfile -d '' -t thaw_args < "$1/.thaw-args"
    RANDOM=$SRANDOM
}

# Goes once through what a typical script does (printf, arithmetic, arrays, [[ ]], expansions,
# case, a read), in this process so that what it touches is in the snapshot.
thaw_warm_up() {
    local -a words=(b a c) && local -A count=() && local line word
    for word in "${words[@]}"; do count[$word]=$((${count[$word]:-0} + 1)); done
    IFS=' ' read -r line <<< "1 22 333"
    case ${line//2/x} in *x*) printf '%s %05.1f %s\n' "${words[*]^^}" 3.14159 "${!count[*]}" ;; esac
    [[ $line =~ ([0-9]+)$ ]] && printf '%s\n' "${BASH_REMATCH[1]}" "${line:0:1}" >/dev/null
}

thaw_serve() {
    thaw_exported_names
    thaw_warm_up >/dev/null 2>&1
    printf 'READY\n' >&"$thaw_channel"
    while thaw_read_request; do
        if [[ ${thaw_request[0]} == RUN && ${thaw_request[3]} == here ]]; then
            thaw_run_here "${thaw_request[1]}" "${thaw_request[2]}"
            return
        fi
        printf 'ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n' >&"$thaw_channel"
    done
    exit 0 # the agent is gone
}

thaw_serve
set -- "${thaw_args[@]}"
BASH_ARGV0=$thaw_file
# The status is known here at last; bash writes no buffered output, so nothing is left to flush.
trap "printf 'EXIT %d\n' \$(((\$? & 255) << 8)) >&$thaw_channel" EXIT
unset -f thaw_read_request thaw_exported_names thaw_take_environment thaw_run_here thaw_warm_up thaw_serve
unset -v thaw_channel thaw_request thaw_args thaw_file thaw_exported
source -- "$0"
