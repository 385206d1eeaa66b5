#!/usr/bin/python3
"""Thaw's resident Python runner (see agent-protocol/PROTOCOL.md, "Resident runner").

Started by the guest agent at boot and saved, already loaded, in the language's snapshot.
For each program it receives a working directory and three descriptors on fd 3, forks,
and runs the program in the child as CPython would run a script; the loaded interpreter
is never touched by user code. Forking also reseeds `random` in the child
(os.register_at_fork), after the host has given the guest fresh entropy.
"""
import builtins
import io
import os
import socket
import sys
import traceback
import types

# What most programs load anyway; importing it here keeps it in the snapshot.
import collections, functools, itertools, json, math, random, re, string  # noqa: E401,F401

CHANNEL = socket.socket(fileno=3)


def read_env(workdir):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"}
    with open(os.path.join(workdir, ".thaw-env"), "rb") as f:
        for entry in f.read().split(b"\0"):
            if b"=" in entry:
                name, value = entry.decode("utf-8", "surrogateescape").split("=", 1)
                env[name] = value
    return env


def exit_status(code):
    """The exit status CPython gives `raise SystemExit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run_program(workdir, code_file):
    path = os.path.join(workdir, code_file)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(read_env(workdir))
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.argv = [path]
    sys.path[0] = workdir
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    status = 0
    try:
        with open(path, "rb") as f:
            source = f.read()
        exec(compile(source, path, "exec"), main.__dict__)
    except SystemExit as e:
        status = exit_status(e.code)
    except BaseException as e:
        # Skip this function's frame so the traceback starts at the user's code.
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return status


def serve_one(message, fds):
    _, workdir, code_file = message.split(b"\0")[:3]
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.setsid()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                os.close(fd)
            CHANNEL.close()
            status = run_program(workdir.decode(), code_file.decode())
        finally:
            os._exit(status)
    for fd in fds:
        os.close(fd)
    CHANNEL.sendall(b"PID %d\n" % pid)
    _, status = os.waitpid(pid, 0)
    CHANNEL.sendall(b"EXIT %d\n" % status)


def main():
    CHANNEL.sendall(b"READY\n")
    while True:
        message, fds, _, _ = socket.recv_fds(CHANNEL, 4096, 3)
        if not message:
            return
        serve_one(message, fds)


if __name__ == "__main__":
    main()
