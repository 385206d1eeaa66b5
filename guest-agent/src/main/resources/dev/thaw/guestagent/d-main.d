// d-main.d: the module gdc's compiler is given for a D program (d-compile.sh). It takes in
// std.stdio first, the same for every program, and the program's text (main.d) only then, as its
// own: a held compiler (compile-hold.so) has done the first part in the snapshot.
//
// writeln of a string is analysed here too, inside __traits(compiles), which leaves the result for
// the program to reuse and compiles nothing into a program that does not call it. Nothing more is
// taken in ahead: each further module or instance tried here made a hello's compile after the
// hold slower (on the host, std.algorithm and std.string 40-60 ms more; writefln, readln and
// to!int twice the time), as their analysis is finished after the program's.
module main;

static import thaw_d_source;
static import std.stdio;

static if (__traits(compiles, { std.stdio.writeln(""); })) {}

mixin(thaw_d_source.programText(import("main.d")));
