/*  Thaw's resident SWI-Prolog runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
    kept-stdio kind, built like node-runner.js: the agent starts it (`swipl -q prolog-runner.pl`)
    with stdin, stdout and stderr on pipes it keeps, and it serves one program, the guest's
    last (mode "here"), by becoming it.

    The program is loaded and started as `swipl -q main.pl` starts a file: loaded into user,
    its initialization(_, program) goals run, then its initialization(_, main) goal (status 1
    if it fails, 2 if it raises), else the interactive toplevel on stdin; then halt. The end is
    always a halt, whose status the agent takes: the runner sends no EXIT line.

    SWI-Prolog cannot open a socket by descriptor, so the runner makes a pipe and puts the
    socket (fd 3) under both of its ends with dup2 (library(unix)).  */
:- module(thaw_runner, []).
:- use_module(library(unix), [dup/2]).
:- use_module(library(readutil)).
:- use_module(library(lists)).
:- use_module(library(utf8), [utf8_codes//1]).

:- initialization(main, main).

main :-
    open_channel(In, Out),
    warm_up,
    tell_agent(Out, 'READY'),
    serve(In, Out).

open_channel(In, Out) :-
    pipe(In, Out),
    stream_property(In, file_no(InFd)),
    stream_property(Out, file_no(OutFd)),
    dup(3, InFd),
    dup(3, OutFd),
    set_stream(In, type(binary)),
    set_stream(Out, encoding(utf8)).

tell_agent(Out, Line) :-
    format(Out, '~w~n', [Line]),
    flush_output(Out).

serve(In, Out) :-
    (   read_request(In, Fields)
    ->  (   Fields = ['RUN', Workdir, CodeFile, here]
        ->  run_here(Out, Workdir, CodeFile)
        ;   tell_agent(Out, 'ERROR this runner keeps its stdio and serves only mode here (a last RUN)'),
            serve(In, Out)
        )
    ;   halt(0)                                 % the agent is gone
    ).

%   One RUN message: its four NUL-terminated fields as atoms; fails if the agent is gone.
read_request(In, Fields) :-
    length(Fields, 4),
    maplist(read_field(In), Fields).

read_field(In, Field) :-
    read_field_codes(In, Codes),
    atom_codes(Bytes, Codes),
    utf8_atom(Bytes, Field).

read_field_codes(In, Codes) :-
    get_byte(In, Byte),
    Byte >= 0,
    (   Byte =:= 0
    ->  Codes = []
    ;   Codes = [Byte|Rest],
        read_field_codes(In, Rest)
    ).

utf8_atom(Bytes, Atom) :-
    atom_codes(Bytes, Octets),
    phrase(utf8_codes(Codes), Octets),
    !,
    atom_codes(Atom, Codes).
utf8_atom(Bytes, Bytes).

%   NUL-separated entries of a file the agent wrote in the working directory; none if absent.
read_entries(File, Entries) :-
    (   exists_file(File)
    ->  read_file_to_codes(File, Codes, [encoding(utf8)]),
        split_entries(Codes, Entries)
    ;   Entries = []
    ).

split_entries([], []) :- !.
split_entries(Codes, [Entry|Entries]) :-
    append(EntryCodes, [0|Rest], Codes),
    !,
    atom_codes(Entry, EntryCodes),
    split_entries(Rest, Entries).
split_entries(_, []).

%   The program's whole environment (.thaw-env), in place of the runner's (whose names only
%   /proc knows: Prolog has no list of the environment).
take_environment(Workdir) :-
    read_file_to_codes('/proc/self/environ', Own, [encoding(octet)]),
    split_entries(Own, OwnEntries),
    forall(member(Entry, OwnEntries),
           ( sub_atom(Entry, Before, _, _, '=') -> sub_atom(Entry, 0, Before, _, Name), unsetenv(Name) ; true )),
    directory_file_path(Workdir, '.thaw-env', EnvFile),
    read_entries(EnvFile, Entries),
    forall(member(Entry, Entries),
           ( sub_atom(Entry, Before, _, After, '='), Before > 0
           ->  sub_atom(Entry, 0, Before, _, Name),
               sub_atom(Entry, _, After, 0, Value),
               setenv(Name, Value)
           ;   true
           )).

run_here(Out, Workdir, CodeFile) :-
    current_prolog_flag(pid, Pid),
    format(atom(PidLine), 'PID ~d', [Pid]),
    tell_agent(Out, PidLine),
    working_directory(_, Workdir),
    take_environment(Workdir),
    directory_file_path(Workdir, '.thaw-args', ArgsFile),
    read_entries(ArgsFile, Args),
    set_prolog_flag(argv, Args),
    set_random(seed(random)),
    directory_file_path(Workdir, CodeFile, File),
    run_file(File).

%   What swipl does with its script file at start-up, and its toplevel after (boot/toplevel.pl).
run_file(File) :-
    retractall(system:'$init_goal'(when(main), _, _)),   % the runner's own main
    set_prolog_flag(toplevel_goal, default),
    set_prolog_flag(associated_file, File),
    load_files(user:File, [expand(false)]),
    '$toplevel':run_program_init,
    '$toplevel':run_main_init,
    (   '$toplevel':'$runtoplevel'
    ->  halt(0)
    ;   halt(1)
    ).

%   Goes once through what programs do (load a file, run its main, print, format, read a line
%   from a string, raise and print an error) so that what that path loads is in the snapshot.
%   What it prints goes to the kept pipes, where the agent drops it.
warm_up :-
    tmp_file(thaw_warm_up, File0),
    atom_concat(File0, '.pl', File),
    setup_call_cleanup(
        open(File, write, S),
        format(S, 'warm_up :- format("~~w ~~a~~n", [warm, up]), writeln(user_error, warm_up),~n    atom_length(abc, N), N > 0, catch(atom_length(_, _), E, print_message(error, E)).~n', []),
        close(S)),
    load_files(user:File, [expand(false)]),
    user:warm_up,
    open_string("line\n", In), read_line_to_string(In, _),
    catch(user:abolish(warm_up/0), _, true),
    unload_file(File),
    delete_file(File),
    flush_output(user_output),
    flush_output(user_error),
    garbage_collect,
    garbage_collect_atoms,
    garbage_collect_clauses.
