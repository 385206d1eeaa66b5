%% Thaw's resident Erlang runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
%% kept-stdio kind, built like elixir-runner.exs: the agent starts it with stdin, stdout and
%% stderr on pipes it keeps, and it serves one program, the guest's last (mode "here"), by
%% becoming it.
%%
%% The language's own command is `escript main.escript`. The runner's VM is started the way
%% escript starts one (`erl +B -boot no_dot_erlang -noshell ... -extra main.escript`), so init's
%% plain arguments are the ones escript reads. For a run it writes main.escript in the working
%% directory as the language's compile command does, changes there and calls escript:start/0:
%% escript itself then parses the program (an added -module and export of main/1, -mode), lints,
%% interprets or compiles it, runs main/1, prints an uncaught error and halts with the status,
%% all as under the plain command. The agent takes that exit status: no EXIT line.
%%
%% What a program can tell apart from the plain command: descriptor 3 is open; this module and
%% the warm-up's escript modules are loaded; an uncaught error's stack ends in the frames of
%% init's -eval (erl_eval:do_apply/7, init:start_it/1) that started the runner.
%% A program with arguments never comes here: escript reads them from init's plain arguments,
%% fixed when this VM started, so languages.json sends such runs to the plain command
%% ("passes_args": false).
-module(thaw_erlang_runner).
-export([main/0]).

%% The escript name the VM was started with (its plain arguments) and the compile command writes.
-define(SCRIPT, "main.escript").

main() ->
    register(thaw_runner, self()),
    Channel = open_port({fd, 3, 3}, [binary, eof]),
    warm_up(),
    port_command(Channel, <<"READY\n">>),
    serve(Channel).

serve(Channel) ->
    case read_request(Channel, <<>>) of
        eof ->
            halt(0);
        [<<"RUN">>, Workdir, CodeFile, <<"here">>] ->
            run_here(Channel, Workdir, CodeFile);
        _ ->
            port_command(Channel, <<"ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n">>),
            serve(Channel)
    end.

%% One RUN message: its fields (RUN, workdir, code file, mode), or eof if the agent is gone.
read_request(Channel, Message) ->
    case binary:split(Message, <<0>>, [global]) of
        Fields when length(Fields) > 4 ->
            lists:sublist(Fields, 4);
        _ ->
            receive
                {Channel, {data, Data}} -> read_request(Channel, <<Message/binary, Data/binary>>);
                {Channel, eof} -> eof
            end
    end.

-spec run_here(port(), binary(), binary()) -> no_return().
run_here(Channel, Workdir, CodeFile) ->
    port_command(Channel, ["PID ", os:getpid(), "\n"]),
    unregister(thaw_runner),
    ok = file:set_cwd(Workdir),
    take_environment(),
    write_script(CodeFile),
    reseed(),
    escript:start().

%% main.escript from the code file, as the language's compile command makes it: escript takes
%% the first line for a #! line whatever it holds, so one is added where the program has none.
write_script(CodeFile) ->
    {ok, Code} = file:read_file(CodeFile),
    Header = case Code of
                 <<"#!", _/binary>> -> <<>>;
                 _ -> <<"#!/usr/bin/escript\n">>
             end,
    ok = file:write_file(?SCRIPT, [Header, Code]).

%% The program's whole environment (.thaw-env, NUL-separated NAME=value), in place of the runner's.
take_environment() ->
    [os:unsetenv(Name) || Entry <- os:getenv(), [Name | _] <- [string:split(Entry, "=")]],
    {ok, Env} = file:read_file(".thaw-env"),
    [os:putenv(unicode:characters_to_list(Name), unicode:characters_to_list(Value))
     || Entry <- binary:split(Env, <<0>>, [global, trim_all]),
        [Name, Value] <- [binary:split(Entry, <<"=">>)], Name =/= <<>>].

%% rand in the program's process (escript runs main/1 in this one) from a fresh seed: clones of
%% one snapshot would otherwise seed from the same pid and near-equal clocks.
reseed() ->
    {ok, Urandom} = file:open("/dev/urandom", [read, binary, raw]),
    {ok, <<A:64, B:64, C:64>>} = file:read(Urandom, 24),
    ok = file:close(Urandom),
    rand:seed(exsss, {A, B, C}).

%% Goes once through escript's two paths, compiled (-mode(compile)) and interpreted (the
%% default), printing and formatting an error, so that the compiler, linter and evaluator are
%% loaded and warm in the snapshot. escript:start/0 halts when main/1 returns, so the sample's
%% main/1 tells the runner it got there and waits to be killed. Its output goes to the kept
%% pipes, where the agent drops it.
warm_up() ->
    {ok, Home} = file:get_cwd(),
    Dir = filename:join("/tmp", "thaw-warm-up-" ++ os:getpid()),
    ok = filelib:ensure_dir(filename:join(Dir, ?SCRIPT)),
    ok = file:set_cwd(Dir),
    [run_sample(Mode) || Mode <- ["-mode(compile).\n", ""]],
    ok = file:set_cwd(Home),
    ok = file:del_dir_r(Dir),
    [erlang:garbage_collect(P) || P <- processes()],
    ok.

run_sample(Mode) ->
    ok = file:write_file(?SCRIPT, ["#!/usr/bin/escript\n", Mode, "
main(Args) ->
    Line = string:trim(io_lib:format(\" warm-up ~p \", [Args])),
    io:format(\"~s ~p~n\", [Line, lists:sum([1, 2, 3])]),
    Error = try error(warm_up) catch C:R:S -> erl_error:format_exception(C, R, S) end,
    io:format(standard_error, \"~ts~n\", [Error]),
    thaw_runner ! {warmed, self()},
    receive after infinity -> ok end.
"]),
    Sample = spawn(escript, start, []),
    receive {warmed, Sample} -> exit(Sample, kill) end.
