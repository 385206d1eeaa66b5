#!/usr/bin/python3
"""Thaw's resident Python runner (agent-protocol/PROTOCOL.md, "Resident runner").

The guest agent starts it at boot, so it sits loaded inside the language's snapshot. On
fd 3 it receives, per program, a working directory, a code file name, a mode and three
descriptors (stdin, stdout, stderr). Mode "fork": a child runs the program as CPython
would run a script and the runner itself stays untouched. Mode "here" (the guest's last
program): the runner becomes the program, which saves the fork.

Random state: the `random` module reseeds in a forked child (os.register_at_fork), and in
"here" mode it is reseeded explicitly; both happen after the host's SEED has refreshed the
kernel's pool. Nothing else imported here keeps random state. The one thing that cannot be
refreshed is str/bytes hash randomisation, fixed when the interpreter started: clones of a
snapshot share it.
"""
import atexit
import builtins
import os
import socket
import sys
import traceback
import types

# What a first program would otherwise load: kept in the snapshot, loaded once.
import collections, functools, itertools, json, linecache, math, random, re, string, tokenize  # noqa: E401,F401

CHANNEL = socket.socket(fileno=3)
RUNNER = sys.modules["__main__"]  # a program replaces __main__; keep this module alive
RUNNER_DIR = os.path.dirname(os.path.abspath(__file__))
BASE_PATH = [p for p in sys.path if p and os.path.abspath(p) != RUNNER_DIR]


def warm_up():
    """Goes once through what programs do (compile, exec, format a traceback) so that the
    lazy imports and caches on that path are already in the snapshot."""
    try:
        exec(compile("def f():\n    raise ValueError('warm-up')\nf()\n", "<warm-up>", "exec"), {})
    except ValueError as e:
        traceback.format_exception(type(e), e, e.__traceback__)


def read_env(workdir):
    """The program's whole environment, as the agent wrote it: NUL-separated NAME=value."""
    with open(os.path.join(workdir, ".thaw-env"), "rb") as f:
        entries = f.read().split(b"\0")
    pairs = (e.decode("utf-8", "surrogateescape").split("=", 1) for e in entries if b"=" in e)
    return dict(pairs)


def read_args(workdir):
    """The program's arguments, as the agent wrote them: NUL-separated; no file, none."""
    try:
        with open(os.path.join(workdir, ".thaw-args"), "rb") as f:
            entries = f.read().split(b"\0")
    except FileNotFoundError:
        return []
    return [e.decode("utf-8", "surrogateescape") for e in entries[:-1]]


def exit_status(code):
    """The exit status CPython gives `raise SystemExit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def set_stdio():
    """Fresh streams over fds 0, 1, 2, configured as CPython configures them for pipes."""
    sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                                       closefd=False)


def finish(status):
    """What interpreter shutdown does: wait for threads, run atexit handlers, flush."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        atexit._run_exitfuncs()
    except BaseException:  # noqa: B902 - shutdown goes on, as CPython's does
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = status or 120  # CPython's status when flushing stdout fails at exit
    return status


def run_program(workdir, code_file):
    """Runs the code file as __main__ and returns the exit status CPython would give."""
    path = os.path.join(workdir, code_file)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(read_env(workdir))
    set_stdio()
    sys.argv = [path] + read_args(workdir)
    sys.path[:] = [workdir] + BASE_PATH
    main = types.ModuleType("__main__")
    main.__file__, main.__builtins__, main.__spec__ = path, builtins, None
    sys.modules["__main__"] = main
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")  # the path makes tracebacks name the file
        exec(code, main.__dict__)
        status = 0
    except SystemExit as e:
        status = exit_status(e.code)
    except BaseException as e:  # noqa: B902 - an uncaught exception ends the program, as in CPython
        # Skip this function's frame so that the traceback starts in the program.
        e.__traceback__ = e.__traceback__.tb_next if e.__traceback__ else None
        sys.excepthook(type(e), e, e.__traceback__)
        status = 1
    return finish(status)


def become_program(fds, workdir, code_file):
    """Takes the program's descriptors as 0, 1, 2 and runs it; returns its exit status."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    return run_program(workdir, code_file)


def report_end(status, program_pid):
    """Tells the agent the program's exit status before this process exits: the exit, which
    frees the interpreter's whole memory, is slow under TCG and the answer need not wait for
    it. Its output is flushed; closing it lets the agent see the end of it. If the program
    closed these descriptors itself, the agent learns the status from the exit instead. A
    child the program forked that ends the same way is not the program: it stays silent."""
    if os.getpid() != program_pid:
        return
    try:
        for fd in (0, 1, 2):
            os.close(fd)
        CHANNEL.sendall(b"EXIT %d\n" % ((status & 0xFF) << 8))
    except OSError:
        pass


def run_here(fds, workdir, code_file):
    # No fork, so no os.register_at_fork reseed: reseed from the (host-seeded) kernel.
    random.seed()
    program_pid = os.getpid()
    CHANNEL.sendall(b"PID %d\n" % program_pid)
    status = 1
    try:
        status = become_program(fds, workdir, code_file)
    except BaseException:  # noqa: B902 - a fault of the runner itself: show it, never return
        traceback.print_exc()
    finally:
        report_end(status, program_pid)
        os._exit(status)


def run_forked(fds, workdir, code_file):
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.setsid()  # its own process group: a timeout kills it and all it started
            CHANNEL.close()
            status = become_program(fds, workdir, code_file)
        except BaseException:  # noqa: B902 - a fault of the runner itself: show it, never return
            traceback.print_exc()
        finally:
            os._exit(status)
    for fd in fds:
        os.close(fd)
    CHANNEL.sendall(b"PID %d\n" % pid)
    _, status = os.waitpid(pid, 0)
    CHANNEL.sendall(b"EXIT %d\n" % status)


def serve(message, fds):
    fields = message.split(b"\0")
    if len(fields) != 5 or fields[0] != b"RUN" or fields[3] not in (b"fork", b"here") or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        CHANNEL.sendall(b"ERROR malformed request from the agent\n")
        return
    workdir, code_file = fields[1].decode(), fields[2].decode()
    if fields[3] == b"here":
        run_here(fds, workdir, code_file)
    run_forked(fds, workdir, code_file)


def main():
    os.set_inheritable(CHANNEL.fileno(), False)  # programs run in place must not pass it on
    warm_up()
    CHANNEL.sendall(b"READY\n")
    while True:
        message, fds, _, _ = socket.recv_fds(CHANNEL, 4096, 3)
        if not message:
            return  # the agent is gone
        serve(message, fds)


if __name__ == "__main__":
    main()
