// Thaw's resident Pike runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
// kept-stdio kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the
// runner serves one program, the guest's last (mode "here"), by becoming it as the master's
// _main runs `pike main.pike`: the file cast to a program, instantiated with argv, its main
// called with argc and argv, and this main's result returned to the master (a negative one
// starts the backend for callbacks).
//
// Usage: pike pike-runner.pike
//
// It writes EXIT when main returns a status, and from the program's exit(), which it replaces
// (a constant added before the program is compiled) with one that tells the status first; the
// output of atexit callbacks after it is lost. random() draws from the kernel in Pike 8, so
// there is no state to reseed.

constant REFUSAL = "ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n";

Stdio.File channel = Stdio.File(3, "rw");

// One RUN message: its fields (RUN, workdir, code file, mode), or 0 if the agent is gone.
array(string) read_request() {
    string message = "";
    while (sizeof(message / "\0") < 5) {
        string got = channel->read(4096, 1);
        if (!got || got == "") return 0;
        message += got;
    }
    return (message / "\0")[..3];
}

// NUL-separated entries of a file the agent wrote in the working directory; none if absent.
array(string) read_entries(string path) {
    string text = Stdio.read_file(path);
    return text ? (utf8_to_string(text) / "\0")[..<1] : ({});
}

// The program's whole environment (.thaw-env), through the master's putenv (getenv's too).
void take_environment(string workdir) {
    foreach (indices(getenv()), string name) putenv(name, 0);
    foreach (read_entries(workdir + "/.thaw-env"), string entry) {
        int eq = search(entry, "=");
        if (eq > 0) putenv(entry[..eq - 1], entry[eq + 1..]);
    }
}

// The program's exit(): the status told (after exit's own message, before atexit callbacks).
void program_exit(int code, void|string format, mixed ... args) {
    if (format) werror(format, @args);
    channel->write("EXIT %d\n", (code & 255) << 8);
    predef::exit(code);
}

// The file cast to a program as the master casts it, with its errors as `pike` reports them.
program compile_program(string file) {
    add_constant("exit", program_exit);
    mixed err = catch { return (program) file; };
    if (objectp(err) && err->is_cpp_or_compilation_error) program_exit(1, "Pike: Failed to compile script.\n");
    program_exit(1, "Pike: Failed to compile script:\n%s", describe_backtrace(err));
}

// An error's backtrace without the runner's frames below the program's main.
mixed without_runner_frames(mixed err, int depth) {
    if (arrayp(err) && sizeof(err) > 1 && arrayp(err[1])) err[1] = err[1][depth..];
    else if (objectp(err) && err->error_backtrace) err->error_backtrace = err->error_backtrace[depth..];
    return err;
}

// Becomes the program; answers what the master's _main would do with its main's result.
int run_here(string workdir, string code_file) {
    channel->write("PID %d\n", getpid());
    cd(workdir);
    take_environment(workdir);
    string file = workdir + "/" + code_file;
    array(string) argv = ({ file }) + read_entries(workdir + "/.thaw-args");
    program prog = compile_program(file);
    // Backtraces name it "/main", as under `pike main.pike`.
    master()->programs[file] = master()->no_value;
    master()->programs["/main"] = prog;
    int depth = sizeof(backtrace());
    mixed ret;
    mixed err = catch {
        object script = prog(argv);
        if (!script->main) error("Error: %s has no main().\n", file);
        ret = script->main(sizeof(argv), argv);
    };
    if (err) {
        master()->handle_error(without_runner_frames(err, depth));
        ret = 10;
    }
    if (!intp(ret)) program_exit(10, "Error: Non-integer value %O returned from main.\n", ret);
    if (ret >= 0) program_exit(ret);
    return ret;
}

// Compiles and runs a file doing what a typical program does (write, sprintf, string and array
// functions, a mapping, a caught error), so that what it loads is in the snapshot. Its output
// goes to the kept pipes, where the agent drops it.
void warm_up() {
    string file = sprintf("/tmp/thaw-warm-up-%d.pike", getpid());
    Stdio.write_file(file, #"int main(int argc, array(string) argv) {
        mapping(string:int) count = ([]);
        foreach (\"b a c a\" / \" \", string word) count[word]++;
        write(\"%s %d %.2f\\n\", sort(indices(count)) * \",\", count->a, 3.14159);
        werror(\"%s\\n\", upper_case(reverse(\"abc\")) + String.trim_all_whites(\" x \"));
        catch { error(\"warm-up\\n\"); };
        return sizeof(map(({1, 2, 3}), lambda(int x) { return x * x; }));
    }");
    compile_file(file)()->main(1, ({ file }));
    rm(file);
}

int main() {
    channel->set_close_on_exec(1); // kept out of programs a program executes
    warm_up();
    channel->write("READY\n");
    while (array(string) request = read_request()) {
        if (request[0] == "RUN" && request[3] == "here") return run_here(request[1], request[2]);
        channel->write(REFUSAL);
    }
    return 0; // the agent is gone
}
