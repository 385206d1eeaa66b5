# Thaw's resident Raku runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
# kept-stdio kind, built like node-runner.js: the agent starts it with stdin, stdout and stderr
# on pipes it keeps, and it serves one program, the guest's last (mode "here"), by becoming it.
#
# The program goes through the compiler's own command_eval, as `raku main.raku` runs it: a
# die or a compile error is reported by Rakudo itself and ends the process with status 1, and
# `exit` ends it too (the agent then takes the exit status). Only a program that falls off its
# end comes back here, to run its END phasers and report its status. MoarVM cannot open a
# socket by descriptor, so fd 3 is read and written through libc.
#
# languages.json starts it with MVM_JIT_DISABLE=1 (MoarVM reads it at start-up; the program's
# environment is replaced): a restored clone's TCG translates every piece of machine code it
# runs afresh, and what MoarVM's JIT made of the compiler's hot frames in the warm-up cost more
# to translate than the interpreter, already translated, costs to run them. The specializer
# stays on: the hello 500 -> 415 ms, a loop of 300,000 additions and fib(18) 2.2 -> 2.3 s.
# Without the specializer too (MVM_SPESH_DISABLE) the hello took 365 ms but that program 6.1 s.
use nqp;
use NativeCall;

sub read(int32, Buf, size_t --> ssize_t) is native {*}
sub write(int32, Blob, size_t --> ssize_t) is native {*}
sub setenv(Str, Str, int32 --> int32) is native {*}
sub clearenv(--> int32) is native {*}

constant CHANNEL = 3;

sub tell-agent(Str $line) {
    my $bytes = "$line\n".encode;
    write(CHANNEL, $bytes, $bytes.bytes);
}

# One RUN message: its fields (RUN, workdir, code file, mode), or Nil if the agent is gone.
# `&fill` reads into a buffer: from the channel, or the warm-up's message.
sub read-request(&fill = -> $chunk { read(CHANNEL, $chunk, 4096) }) {
    my $message = Buf.new;
    my $chunk = Buf.allocate(4096);
    while $message.grep(0) < 4 {
        my $got = fill($chunk);
        return Nil if $got <= 0;
        $message.append($chunk.subbuf(0, $got));
    }
    $message.decode('utf8-c8').split("\0")[^4];
}

# NUL-separated entries of a file the agent wrote in the working directory; none if absent.
sub read-entries(IO::Path $file) {
    return () unless $file.e;
    $file.slurp(:enc<utf8-c8>).split("\0").head(*-1);
}

# The program's whole environment (.thaw-env): in %*ENV, which `run` and `shell` pass on, and
# in the process's own, which native libraries read.
sub take-environment(IO::Path $workdir) {
    %*ENV = ();
    clearenv();
    for read-entries($workdir.add('.thaw-env')) -> $entry {
        my ($name, $value) = $entry.split('=', 2);
        next unless $name && $value.defined;
        %*ENV{$name} = $value;
        setenv($name, $value, 1);
    }
}

# rand, pick and roll from a fresh seed: clones of one snapshot must not share MoarVM's.
sub reseed() {
    srand('/dev/urandom'.IO.open(:bin).read(8).read-uint64(0) +& 0x7FFFFFFFFFFFFFFF);
}

sub run-program(Str $file, @args) {
    PROCESS::<@ARGS> := @args.Array;
    PROCESS::<$PROGRAM-NAME> = $file;
    PROCESS::<$PROGRAM> = $file.IO;
    nqp::getcomp('Raku').command_eval($file, :encoding('utf8'));
}

# What `exit` does after a program, with the answer to the agent before the process's own end
# (freeing MoarVM's heap is slow under TCG).
sub end-program() {
    my \phasers = nqp::getcurhllsym('@END_PHASERS');
    nqp::while(nqp::elems(phasers), nqp::shift(phasers)()) unless nqp::isnull(phasers);
    $*OUT.flush;
    $*ERR.flush;
    tell-agent("EXIT 0");
    nqp::exit(0);
}

sub is-last-run(@request) {
    @request[0] eq 'RUN' && @request[3] eq 'here'
}

# Gives the process the program's directory, environment and a fresh seed; answers the
# program's file and arguments.
sub take-program(Str $workdir, Str $code-file) {
    &*chdir($workdir);
    take-environment($workdir.IO);
    reseed();
    ($workdir.IO.add($code-file).Str, read-entries($workdir.IO.add('.thaw-args')));
}

sub run-here(Str $workdir, Str $code-file) {
    tell-agent("PID $*PID");
    run-program(|take-program($workdir, $code-file));
    end-program();
}

# Goes once through what programs do (compile and run a file, print, read lines, format an
# error) so that what that path loads and compiles is already in the snapshot. What it prints
# goes to the kept pipes, where the agent drops it.
sub warm-up() {
    my $dir = $*TMPDIR.add("thaw-warm-up-$*PID");
    $dir.mkdir;
    LEAVE { .unlink for $dir.dir; $dir.rmdir }
    my $file = $dir.add('main.raku');
    $file.spurt: q:to/END/;
        my @words = 'a b c'.words.map(*.uc);
        say "warm-up {@words.join(',')} {(1..3).sum} {rand < 1}";
        note sprintf('%s %d', 'warm-up', 42);
        my %h = a => 1; for %h.kv -> $k, $v { print "$k=$v\n" }
        try die 'warm-up'; $!.message.chars;
        END

    # Again, so that MoarVM's specializer and JIT have seen the compiler's hot paths.
    nqp::getcomp('Raku').command_eval($file.Str, :encoding('utf8')) for ^6;
    # Once more through the runner's own path for a program, from a request message and on
    # files that give the runner its own environment back: each call site resolves its
    # dispatch at its first call, NativeCall prepares clearenv and setenv, and what reads the
    # message and the files is compiled at its first use, all slow after a restore.
    $dir.add('.thaw-env').spurt(%*ENV.sort.map({ "{.key}={.value}\0" }).join);
    $dir.add('.thaw-args').spurt("warm-up\0");
    my $message = "RUN\0$dir\0main.raku\0here\0".encode;
    my @request = read-request(-> $chunk { $chunk[$_] = $message[$_] for ^$message.bytes; $message.bytes });
    # It leaves @*ARGS, $*PROGRAM-NAME and $*PROGRAM the warm-up's: a run sets them again.
    my $cwd = $*CWD;
    run-program(|take-program(@request[1], @request[2])) if is-last-run(@request);
    &*chdir($cwd);
    $*OUT.flush;
    $*ERR.flush;
    nqp::force_gc();
}

sub MAIN() {
    warm-up();
    tell-agent("READY");
    loop {
        my @request = read-request() // exit 0; # the agent is gone
        return run-here(@request[1], @request[2]) if is-last-run(@request);
        tell-agent("ERROR this runner keeps its stdio and serves only mode here (a last RUN)");
    }
}
