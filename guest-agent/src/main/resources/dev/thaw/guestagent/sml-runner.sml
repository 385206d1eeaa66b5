(* Thaw's resident Standard ML runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
 * kept-stdio kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the
 * runner serves one program, the guest's last (mode "here"), by becoming it: `poly --script
 * main.sml` through PolyML.use, which compiles and runs the file declaration by declaration as
 * the script mode does, printing a compile error or an uncaught exception the same way (an
 * uncaught one ends the program with status 1).
 *
 * Usage: poly --script sml-runner.sml
 *
 * Before the program is compiled the runner shadows CommandLine (the program's name and
 * arguments, as `poly --script main.sml ...` has them) and OS.Process.exit (which flushes the
 * output and writes EXIT first; atExit functions then run after it, and their output is lost).
 * Its own bindings stay in the global namespace under ThawSmlRunner. The Basis has no seeded
 * random state to reseed. *)

structure ThawSmlRunner =
struct
  val channel = Posix.FileSys.wordToFD (SysWord.fromInt 3)
  (* Kept out of the programs a program executes. *)
  val () = Posix.IO.setfd (channel, Posix.IO.FD.cloexec)

  fun send line =
    ignore (Posix.IO.writeVec (channel, Word8VectorSlice.full (Byte.stringToBytes line)))

  (* Strings each followed by a NUL, as the agent writes them. *)
  fun entries text =
    let val fields = String.fields (fn c => c = #"\000") text
    in List.take (fields, length fields - 1) end

  (* One RUN message: its fields (RUN, workdir, code file, mode), or NONE if the agent is gone. *)
  fun readRequest message =
    if length (entries message) >= 4
    then SOME (List.take (entries message, 4))
    else
      let val got = Byte.bytesToString (Posix.IO.readVec (channel, 4096))
      in if got = "" then NONE else readRequest (message ^ got) end

  (* NUL-separated entries of a file the agent wrote in the working directory; none if absent. *)
  fun readEntries path =
    let val input = BinIO.openIn path
        val text = Byte.bytesToString (BinIO.inputAll input) before BinIO.closeIn input
    in entries text end
    handle IO.Io _ => []

  val libc = Foreign.loadExecutable ()
  val clearenv = Foreign.buildCall0 (Foreign.getSymbol libc "clearenv", (), Foreign.cInt)
  val setenv = Foreign.buildCall3 (Foreign.getSymbol libc "setenv",
                                   (Foreign.cString, Foreign.cString, Foreign.cInt), Foreign.cInt)

  (* The program's whole environment (.thaw-env), as the C library (OS.Process.getEnv) sees it. *)
  fun takeEnvironment workdir =
    let fun take entry =
          case CharVector.findi (fn (_, c) => c = #"=") entry of
              SOME (eq, _) => if eq > 0
                              then ignore (setenv (String.substring (entry, 0, eq),
                                                   String.extract (entry, eq + 1, NONE), 1))
                              else ()
            | NONE => ()
    in ignore (clearenv ()); List.app take (readEntries (workdir ^ "/.thaw-env")) end

  (* OS.Process.exit as the program sees it: output flushed and the status told first. *)
  fun exit status =
    (TextIO.flushOut TextIO.stdOut;
     TextIO.flushOut TextIO.stdErr;
     send (if OS.Process.isSuccess status then "EXIT 0\n" else "EXIT 256\n");
     OS.Process.exit status)

  (* Sets the program up (directory, environment); answers its file and arguments. *)
  fun runHere workdir codeFile =
    (send ("PID " ^ SysWord.fmt StringCvt.DEC (Posix.Process.pidToWord (Posix.ProcEnv.getpid ())) ^ "\n");
     OS.FileSys.chDir workdir;
     takeEnvironment workdir;
     (workdir ^ "/" ^ codeFile, readEntries (workdir ^ "/.thaw-args")))

  (* Uses a file doing what a typical program does (print, number formatting, lists, strings, a
   * handled exception, a datatype and a case), so that the compiler's paths for it are warm in
   * the snapshot; it binds nothing. Its output goes to the kept pipes, where the agent drops it. *)
  fun warmUp () =
    let val file = OS.FileSys.tmpName ()
        val out = TextIO.openOut file
    in
      TextIO.output (out, "local datatype shape = Circle of real | Square of int\n\
        \ fun area (Circle r) = Math.pi * r * r | area (Square s) = real (s * s)\n\
        \ val words = String.tokens Char.isSpace \"b a c\"\n\
        \in val _ = print (String.concatWith \",\" (map (String.map Char.toUpper) words) ^ \" \"\n\
        \   ^ Int.toString (foldl op+ 0 [1, 2, 3]) ^ \" \" ^ Real.fmt (StringCvt.FIX (SOME 2)) (area (Circle 1.0)) ^ \"\\n\")\n\
        \ val _ = (raise Fail \"warm-up\") handle Fail m => TextIO.output (TextIO.stdErr, m ^ \"\\n\")\n\
        \end;\n");
      TextIO.closeOut out;
      PolyML.use file;
      OS.FileSys.remove file;
      TextIO.flushOut TextIO.stdOut;
      PolyML.fullGC () (* the program starts on an empty allocation area, nothing to collect *)
    end

  (* Waits for the guest's last RUN and answers the program's file and arguments. *)
  fun serve () =
    case readRequest "" of
        NONE => OS.Process.exit OS.Process.success (* the agent is gone *)
      | SOME ["RUN", workdir, codeFile, "here"] => runHere workdir codeFile
        (* A pooled sandbox's warm-up (WARM): Poly/ML compiles into this process's own heap, so
         * warm-up runs of poly, processes of their own, leave the compiler's code cold here. *)
      | SOME ["RUN", _, _, "warm"] => (warmUp (); send "EXIT 0\n"; serve ())
      | SOME _ => (send "ERROR this runner keeps its stdio and serves only modes here (a last RUN) and warm\n";
                   serve ())

  val () = warmUp ()
  val () = send "READY\n"
  val (file, args) = serve ()
end;

structure CommandLine =
struct
  fun name () = "poly"
  fun arguments () = "--script" :: ThawSmlRunner.file :: ThawSmlRunner.args
end;

structure OS =
struct
  open OS
  structure Process = struct open Process val exit = ThawSmlRunner.exit end
end;

val () = (PolyML.use ThawSmlRunner.file; OS.Process.exit OS.Process.success)
         handle _ => OS.Process.exit OS.Process.failure;
