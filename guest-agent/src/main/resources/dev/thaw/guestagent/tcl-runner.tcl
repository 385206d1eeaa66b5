# Thaw's resident Tcl runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
# kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
# serves one program, the guest's last (mode "here"), by becoming it, as `tclsh main.tcl` would
# run it: sourced at global level, its uncaught error printed as tclsh prints it (status 1).
#
# Usage: tclsh tcl-runner.tcl
#
# Tcl cannot open a socket it inherited (/dev/fd/3 is no file), so the channel goes through
# helpers started with it: a cat that writes to it (until tclsh exits), a dd that takes one
# message from it. Both run before the snapshot; nothing is forked once restored. A program that
# runs to its end is reported with EXIT 0; otherwise the agent takes the exit status. rand() is
# seeded from the clock on first use, as under tclsh; the warm-up draws nothing.

namespace eval thaw {
    variable writer [open {|sh -c {exec cat >&3}} wb]
    variable reader ""

    proc send {line} {
        variable writer
        puts -nonewline $writer $line
        flush $writer
    }

    # One RUN message: its fields (RUN, workdir, code file, mode), or {} if the agent is gone.
    # The agent sends it in one write, which one read takes whole.
    proc readRequest {} {
        variable reader
        if {$reader eq ""} {
            set reader [open {|sh -c {exec dd bs=65536 count=1 status=none <&3}} rb]
        }
        set message [encoding convertfrom utf-8 [read $reader]]
        close $reader
        set reader ""
        set fields [lrange [split $message \0] 0 end-1]
        expr {[llength $fields] >= 4 ? [lrange $fields 0 3] : {}}
    }

    # NUL-separated entries of a file the agent wrote in the working directory; none if absent.
    proc readEntries {workdir name} {
        set path [file join $workdir $name]
        if {![file exists $path]} { return {} }
        set in [open $path rb]
        set text [encoding convertfrom utf-8 [read $in]]
        close $in
        lrange [split $text \0] 0 end-1
    }

    # The program's whole environment (.thaw-env), through Tcl's env array (the process's).
    proc takeEnvironment {workdir} {
        foreach name [array names ::env] { unset ::env($name) }
        foreach entry [readEntries $workdir .thaw-env] {
            set eq [string first = $entry]
            if {$eq > 0} { set ::env([string range $entry 0 $eq-1]) [string range $entry $eq+1 end] }
        }
    }

    # Sets the program up (argv0, argv, argc, directory, environment); answers its file.
    proc runHere {workdir codeFile} {
        send "PID [pid]\n"
        cd $workdir
        takeEnvironment $workdir
        set ::argv0 [file join $workdir $codeFile]
        set ::argv [readEntries $workdir .thaw-args]
        set ::argc [llength $::argv]
        return $::argv0
    }

    # Goes once through what a typical program does (puts, format, string and list commands,
    # a line read, a caught error), in a child interpreter so that no global is left behind.
    proc warmUp {} {
        set child [interp create]
        $child eval {
            puts "warm-up [format %.2f 3.14159] [string toupper a] [lsort -integer {3 1 2}]"
            puts stderr [join [lmap x {1 2 3} {expr {$x * $x}}] ,]
            set chan [file tempfile path]
            puts $chan "1 2"; seek $chan 0; gets $chan line; close $chan; file delete $path
            catch {error warm-up} message
            dict set d k [regsub -all {\d+} a1b22 n]
        }
        interp delete $child
        flush stdout
        flush stderr
    }

    # The program ran to its end: status 0, told before tclsh's exit.
    proc reportEnd {} {
        flush stdout
        flush stderr
        send "EXIT 0\n"
    }

    # An uncaught error as tclsh prints it: the error info, without the runner's `source` line.
    proc reportError {options} {
        set info [dict get $options -errorinfo]
        regsub "\n    invoked from within\n\"source \[^\n\]*\"\$" $info "" info
        puts stderr $info
        exit 1
    }

    proc serve {} {
        warmUp
        send "READY\n"
        while 1 {
            set request [readRequest]
            if {$request eq {}} { exit 0 } ;# the agent is gone
            lassign $request verb workdir codeFile mode
            if {$verb eq "RUN" && $mode eq "here"} { return [runHere $workdir $codeFile] }
            send "ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n"
        }
    }
}

if {[catch {source [thaw::serve]} thaw::result thaw::options]} {
    thaw::reportError $thaw::options
}
thaw::reportEnd
exit 0
