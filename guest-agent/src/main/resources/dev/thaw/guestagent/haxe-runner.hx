//bin/true; d=$(mktemp -d) && cp "$0" "$d/ThawHaxeRunner.hx" && mkfifo "$d/requests" "$d/answers" || exit 1; p=${THAW_HAXE_PORT:-6543}; haxe --wait "127.0.0.1:$p" </dev/null >/dev/null 2>&1 3>&- & s=$!; cat <&3 >"$d/requests" 2>/dev/null & { cat "$d/answers" >&3; kill $s; rm -rf "$d"; } </dev/null >/dev/null 2>&1 & haxe -cp "$d" --main ThawHaxeRunner --neko "$d/runner.n" 3>&- && exec env -i neko "$d/runner.n" "$d" "$p" 3>&-; exit 1
/*
 * Thaw's resident Haxe runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
 * kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and it serves one
 * program, the guest's last (mode "here"), by becoming it: `haxe --main Main --neko main.n` then
 * `neko main.n`, the language's own commands.
 *
 * Usage: sh haxe-runner.hx. The first line is both a Haxe comment and a shell command. It starts
 * a Haxe compilation server on 127.0.0.1 (port $THAW_HAXE_PORT, else 6543), which keeps the
 * standard library typed between compiles, and two cats that carry the agent's descriptor 3
 * through FIFOs (neko cannot use an inherited socket); when the runner's end of the answers FIFO
 * closes (the runner has exited), the server is stopped and the directory removed. Then it
 * compiles this file (copied to a name Haxe takes for a module) to neko bytecode and execs neko on it, with an empty environment
 * (neko cannot unset a variable) and descriptor 3 closed. The runner warms the server by
 * compiling a sample through it and runs the sample in its own VM, so that the server's typed
 * modules, neko's VM and std.ndll are loaded in the snapshot. For a run it compiles Main.hx
 * through the server with the compile command's arguments, printing the server's messages as
 * the haxe client does (exit status 1 on an error), then loads main.n into its own VM as
 * `neko main.n` would: the program's Sys.exit ends the process with its status, and an
 * uncaught exception is reported by neko itself with status 1. No EXIT line is sent.
 *
 * What a program can tell apart from the plain commands: an uncaught exception's "Called from"
 * lines start with this runner's frames (its top level, its run method and neko.vm.Loader); the
 * compile server listens on 127.0.0.1:6543 and two cats hold the agent's socket; the runner's
 * FIFOs are open (close-on-exec, so not in processes the program starts); Type.resolveClass
 * may find this runner's classes. Sys.args() holds the program's arguments (.thaw-args), as
 * under `neko main.n ARGS`.
 *
 * Random state: the program's Math.random is made when its module loads, seeded as neko seeds
 * it, from the clock and the pid, as under `neko main.n`; the runner draws none.
 */
import haxe.io.Eof;
import sys.io.FileInput;
import sys.io.FileOutput;
import sys.net.Host;
import sys.net.Socket;

class ThawHaxeRunner {
    /** The arguments of the language's compile command, as the haxe client sends them. */
    static final COMPILE = ["--main", "Main", "--neko", "main.n"];
    static final SERVER_WAIT_SECONDS = 600.0;
    /**
     * The Main.hx the server typed last. The server finds a cached module by its dot path and
     * checks only its own file's time, so Main in another directory would be taken for the
     * cached one: each compile drops it first (server.invalidateFiles).
     */
    static var lastSource = "/nonexistent/Main.hx";
    static final SAMPLE = "class Main {
    static function main() {
        var words = [for (w in 'warm up the std library'.split(' ')) w.toUpperCase()];
        var counts = new Map<String, Int>();
        for (w in words) counts.set(w, w.length);
        var out = new StringBuf();
        out.add(words.join(','));
        out.add(' ' + Lambda.count(words) + ' ' + Std.parseInt('42') + ' ' + Math.floor(3.7) + ' ' + counts.get('UP'));
        Sys.println(out.toString());
        Sys.stderr().writeString(Std.string([1.5, 2.5].map(x -> x * 2)) + '\\n');
        try throw 'warm-up' catch (e:String) trace(e.length);
        var line:Null<String> = Sys.getEnv('THAW_NONE');
        if (line != null) Sys.println(Sys.stdin().readLine());
    }
}
";

    static function main() {
        var dir = Sys.args()[0];
        var port = Std.parseInt(Sys.args()[1]);
        var requests:FileInput = open(dir + "/requests", "rbe");
        var answers:FileOutput = open(dir + "/answers", "wbe");
        warmUp(dir + "/warm-up", port);
        answer(answers, "READY");
        while (true) {
            var request = readRequest(requests);
            if (request == null) {
                Sys.exit(0); // the agent is gone
            }
            if (request[0] == "RUN" && request[3] == "here") {
                answer(answers, "PID " + ownPid());
                runHere(request[1], port);
                return;
            }
            answer(answers, "ERROR this runner keeps its stdio and serves only mode here (a last RUN)");
        }
    }

    /** A file opened with a C stdio mode; "e" (close-on-exec) keeps it out of the program's processes. */
    static function open(path:String, mode:String):Dynamic {
        var handle = neko.Lib.load("std", "file_open", 2)(untyped path.__s, untyped mode.__s);
        return mode.charAt(0) == "r" ? @:privateAccess new FileInput(handle) : @:privateAccess new FileOutput(handle);
    }

    static function answer(answers:FileOutput, line:String) {
        answers.writeString(line + "\n");
        answers.flush();
    }

    /** One RUN message: its fields (RUN, workdir, code file, mode), or null if the agent is gone. */
    static function readRequest(requests:FileInput):Null<Array<String>> {
        try {
            return [for (i in 0...4) requests.readUntil(0)];
        } catch (e:Eof) {
            return null;
        }
    }

    /**
     * The runner's pid, the first field of /proc/self/stat: neko's std has no getpid. Read to its
     * end, since File.getContent reads as many bytes as stat reports, which /proc gives as 0.
     */
    static function ownPid():String {
        var stat = sys.io.File.read("/proc/self/stat", false);
        var fields = stat.readAll().toString().split(" ");
        stat.close();
        return fields[0];
    }

    /** Becomes the program in {@code workdir}: its environment and arguments, its compile, its run. */
    static function runHere(workdir:String, port:Int) {
        Sys.setCwd(workdir);
        for (entry in entries(workdir + "/.thaw-env")) {
            var eq = entry.indexOf("=");
            if (eq > 0) {
                Sys.putEnv(entry.substr(0, eq), entry.substr(eq + 1));
            }
        }
        if (!compile(port, workdir)) {
            Sys.exit(1);
        }
        untyped __dollar__loader.args = neko.Lib.haxeToNeko(entries(workdir + "/.thaw-args"));
        neko.vm.Loader.local().loadModule(workdir + "/main");
    }

    /** NUL-terminated entries of a file the agent wrote in the working directory; none if absent. */
    static function entries(path:String):Array<String> {
        if (!sys.FileSystem.exists(path)) {
            return [];
        }
        var all = sys.io.File.getContent(path).split("\x00");
        all.pop();
        return all;
    }

    /**
     * Compiles Main.hx in {@code cwd} through the server and prints its messages as the haxe client
     * does: lines starting with 0x01 are the compiler's stdout (0x01 standing for newlines), a
     * line starting with 0x02 marks a failed compile, any other line goes to stderr.
     */
    static function compile(port:Int, cwd:String):Bool {
        var socket = new Socket();
        socket.connect(new Host("127.0.0.1"), port);
        var invalidate = 'server.invalidateFiles(["' + lastSource + '"])';
        socket.output.writeString(["--cwd", cwd, "--macro", invalidate].concat(COMPILE).join("\n") + "\n\x00");
        lastSource = cwd + "/Main.hx";
        var reply = socket.input.readAll().toString();
        socket.close();
        var lines = reply.split("\n");
        if (lines[lines.length - 1] == "") {
            lines.pop();
        }
        var failed = false;
        for (line in lines) {
            switch (line.charCodeAt(0)) {
                case 1:
                    Sys.stdout().writeString(line.split("\x01").slice(1).join("\n"));
                    Sys.stdout().flush();
                case 2:
                    failed = true;
                case _:
                    Sys.stderr().writeString(line + "\n");
            }
        }
        return !failed;
    }

    /**
     * Waits for the server, then compiles the sample through it twice, in two directories of its
     * own (the second compile, like a program's, drops a typed Main first), and runs it here. Its
     * output goes to the kept pipes, where the agent drops it.
     */
    static function warmUp(base:String, port:Int) {
        for (dir in [base + "-1", base + "-2"]) {
            sys.FileSystem.createDirectory(dir);
            sys.io.File.saveContent(dir + "/Main.hx", SAMPLE);
        }
        var deadline = Sys.time() + SERVER_WAIT_SECONDS;
        while (!reachable(port)) {
            if (Sys.time() > deadline) {
                throw "the Haxe compilation server did not listen on 127.0.0.1:" + port + " within "
                    + SERVER_WAIT_SECONDS + " s";
            }
            Sys.sleep(0.1);
        }
        for (dir in [base + "-1", base + "-2"]) {
            if (!compile(port, dir)) {
                throw "the warm-up sample did not compile in " + dir;
            }
        }
        neko.vm.Loader.local().loadModule(base + "-2/main");
        // neko buffers stdout on a pipe: flushed now, the sample's output goes to the agent
        // before READY (which drops it) instead of ahead of the program's.
        Sys.stdout().flush();
        Sys.stderr().flush();
        neko.vm.Gc.run(true);
    }

    static function reachable(port:Int):Bool {
        var socket = new Socket();
        try {
            socket.connect(new Host("127.0.0.1"), port);
            socket.close();
            return true;
        } catch (e:Dynamic) {
            socket.close();
            return false;
        }
    }
}
