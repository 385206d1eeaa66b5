# Thaw's resident Perl runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
# kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
# serves one program, the guest's last (mode "here"), by becoming it: `perl main.pl` as perl
# would run it, through `do FILE` from package main, which compiles the file in a scope of its
# own (it sees none of the runner's lexicals).
#
# Usage: perl perl-runner.pl
#
# It writes EXIT from its END block, the last to run (END blocks run last-defined first), with
# the status perl exits with: 0 at the end, n for exit(n), a die's status (errno, else $? >> 8,
# else 255) after an uncaught die, which it rethrows so that perl prints and counts it as under
# `perl main.pl` (a compile error lacks perl's last line, "Execution of main.pl aborted due to
# compilation errors.": `do` does not say which phase failed). An exec or a signal skips END
# blocks; the agent then takes the exit status.
# srand is called with kernel entropy for each program, so that clones of one snapshot draw apart.

package Thaw::PerlRunner;

use strict;
use warnings;

use constant CHANNEL => 3;

my $serving = 0;    # set once a program runs: END reports only for a program

open(my $channel, '+<&=', CHANNEL) or die "thaw perl runner: no descriptor 3: $!\n";
fcntl($channel, 2, 1);    # F_SETFD, FD_CLOEXEC: kept out of programs a program executes

sub send_line {
    my ($line) = @_;
    syswrite($channel, $line);
}

# One RUN message: its fields (RUN, workdir, code file, mode), or nothing if the agent is gone.
sub read_request {
    my $message = '';
    while (($message =~ tr/\0//) < 4) {
        return () unless sysread($channel, $message, 4096, length $message);
    }
    return (split /\0/, $message, -1)[0 .. 3];
}

# NUL-separated entries of a file the agent wrote in the working directory; none if absent.
sub read_entries {
    my ($path) = @_;
    open(my $in, '<:raw', $path) or return ();
    local $/;
    my $text = <$in>;
    return split /\0/, $text;
}

# The program's whole environment (.thaw-env); assigning %ENV clears the C library's too.
sub take_environment {
    my ($workdir) = @_;
    %ENV = map { /\A([^=]+)=(.*)\z/s ? ($1, $2) : () } read_entries("$workdir/.thaw-env");
}

sub kernel_seed {
    open(my $random, '<:raw', '/dev/urandom') or return time ^ $$;
    sysread($random, my $bytes, 4);
    return unpack 'L', $bytes;
}

# main::DATA as `perl` opens it for a script ending in __END__ (`do` opens it for __DATA__ alone):
# the text after the first line that is __END__, which no heredoc or POD is taken to hold.
sub open_data {
    my ($file) = @_;
    open(my $in, '<:raw', $file) or return;
    local $/;
    my $text = <$in>;
    no warnings 'once';
    open(\*main::DATA, '<', \"$1") if $text =~ /^__END__[ \t]*\r?\n(.*)\z/ms;
}

# Sets the program up ($0, @ARGV, directory, environment, start time, srand); answers its file.
sub run_here {
    my ($workdir, $code_file) = @_;
    send_line("PID $$\n");
    chdir $workdir or die "thaw perl runner: chdir $workdir: $!\n";
    take_environment($workdir);
    my $file = "$workdir/$code_file";
    $0 = $file;
    open_data($file);
    @ARGV = read_entries("$workdir/.thaw-args");
    $^T = time;
    srand(kernel_seed());
    $serving = 1;
    return $file;
}

# Goes once through what a typical program does (strict, warnings, print, printf, sprintf, a
# regex, sort, a hash, a caught die, Data::Dumper and List::Util), so that what it loads and
# compiles is in the snapshot. Its output goes to the kept pipes, where the agent drops it.
sub warm_up {
    my $file = "/tmp/thaw-warm-up-$$.pl";
    open(my $out, '>', $file) or die "thaw perl runner: $file: $!\n";
    print $out <<'PERL';
use strict; use warnings; use Data::Dumper; use List::Util qw(sum max);
my %count; $count{$_}++ for split /\s+/, lc "a B a c";
printf "%s %d %.2f\n", join(',', sort keys %count), sum(values %count), 3.14159;
print STDERR sprintf("%05.1f", max(1, 2)), "\n";
my @words = map { ucfirst } grep { /\w/ } reverse sort { $a cmp $b } qw(b a c);
(my $line = "1 22 333\n") =~ s/(\d+)/<$1>/g; chomp $line;
eval { die "warm-up\n" }; local $Data::Dumper::Terse = 1; print Dumper([\@words, $line, $@]);
PERL
    close $out;
    package main;
    do $file;
    unlink $file;
    STDOUT->flush;    # before READY: what the agent reads after the RUN is the program's alone
    STDERR->flush;
}

# Waits for the guest's last RUN and answers the program's file; other requests are refused.
sub serve {
    warm_up();
    send_line("READY\n");
    while (1) {
        my ($verb, $workdir, $code_file, $mode) = read_request();
        exit 0 unless defined $mode;    # the agent is gone
        return run_here($workdir, $code_file) if $verb eq 'RUN' && $mode eq 'here';
        send_line("ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n");
    }
}

# Last of the END blocks: the program's output flushed, the status perl exits with told.
END {
    if ($serving) {
        STDOUT->flush;
        STDERR->flush;
        send_line(sprintf "EXIT %d\n", ($? & 0xff) << 8);
    }
}

package main;

{
    my $file = Thaw::PerlRunner::serve();
    # A lexical block of the runner's own: `do` compiles the file without it.
    do $file;
}
if (my $error = $@) {
    my $errno = $! + 0;
    $SIG{__DIE__} = 'DEFAULT';    # the program's handler saw this die already
    $! = $errno;
    die $error;
}
exit 0;
