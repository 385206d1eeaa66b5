//bin/true; d=$(mktemp -d) && mcs -optimize -r:/usr/lib/mono/4.5/mcs.exe -out:"$d/thaw-runner.exe" "$0" && MONO_PATH=/usr/lib/mono/4.5 exec mono "$d/thaw-runner.exe"; exit 1
/* Thaw's resident C# runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
 * kind: mono can neither fork safely nor take descriptors into Console, so the agent starts it
 * with stdin, stdout and stderr on pipes it keeps, and it serves one program, the guest's last
 * (mode "here"), by becoming it: `mcs -out:main.exe main.cs >&2 && mono main.exe`, with mcs's
 * compiler run in this process, loaded and JIT-compiled by the warm-up before the snapshot.
 *
 * Usage: sh csharp-runner.cs. The first line is both a C# comment and a shell command that
 * compiles this file against mcs.exe (into a temporary directory: /opt/thaw is read-only) and
 * execs mono on it, so the runner is one file that needs no build step in the layer.
 *
 * What a program can tell apart from the plain commands: the runner's frames below its own in
 * an uncaught exception's trace, Environment.GetCommandLineArgs and Assembly.GetEntryAssembly
 * (the runner's), and descriptor 3 (close-on-exec, so not in processes it starts).
 *
 * Random state: System.Random's shared seed generator (s_globalRandom) is replaced with one
 * seeded from the kernel for each program, so clones of one snapshot draw apart. */
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Mono.CSharp;

static class ThawCsharpRunner
{
    const int Channel = 3;
    const int F_SETFD = 2, FD_CLOEXEC = 1;

    // libc: Mono's streams cannot read a socket on descriptor 3 without a copy a program would inherit.
    [DllImport("libc")] static extern IntPtr read(int fd, byte[] buffer, IntPtr count);
    [DllImport("libc")] static extern IntPtr write(int fd, byte[] buffer, IntPtr count);
    [DllImport("libc")] static extern int fcntl(int fd, int command, int argument);
    [DllImport("libc")] static extern int getpid();

    static void Send(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        write(Channel, bytes, (IntPtr) bytes.Length);
    }

    /** One RUN message: its fields (RUN, workdir, code file, mode), or null if the agent is gone. */
    static string[] ReadRequest()
    {
        var message = new MemoryStream();
        var buffer = new byte[4096];
        while (Array.FindAll(message.ToArray(), b => b == 0).Length < 4) {
            long got = (long) read(Channel, buffer, (IntPtr) buffer.Length);
            if (got <= 0) {
                return null;
            }
            message.Write(buffer, 0, (int) got);
        }
        return Encoding.UTF8.GetString(message.ToArray()).Split('\0');
    }

    /** NUL-separated entries of a file the agent wrote in the working directory; none if absent. */
    static string[] ReadEntries(string file)
    {
        if (!File.Exists(file)) {
            return new string[0];
        }
        string[] entries = File.ReadAllText(file).Split('\0');
        Array.Resize(ref entries, entries.Length - 1);
        return entries;
    }

    /** The program's whole environment (.thaw-env), in place of the runner's. */
    static void TakeEnvironment(string workdir)
    {
        foreach (string name in new List<string>(EnvironmentNames())) {
            Environment.SetEnvironmentVariable(name, null);
        }
        foreach (string entry in ReadEntries(Path.Combine(workdir, ".thaw-env"))) {
            int eq = entry.IndexOf('=');
            if (eq > 0) {
                Environment.SetEnvironmentVariable(entry.Substring(0, eq), entry.Substring(eq + 1));
            }
        }
    }

    static IEnumerable<string> EnvironmentNames()
    {
        foreach (object name in Environment.GetEnvironmentVariables().Keys) {
            yield return (string) name;
        }
    }

    /** `new Random()` seeds from s_globalRandom, created once per process: a fresh one from the kernel. */
    static void Reseed()
    {
        var seed = new byte[4];
        using (var urandom = File.OpenRead("/dev/urandom")) {
            urandom.Read(seed, 0, seed.Length);
        }
        const BindingFlags Static = BindingFlags.NonPublic | BindingFlags.Static;
        typeof(Random).GetField("s_globalRandom", Static).SetValue(null, new Random(BitConverter.ToInt32(seed, 0)));
        typeof(Random).GetField("t_threadRandom", Static).SetValue(null, null);
    }

    /**
     * mcs's Main with these arguments, all its output on stderr (as the language's compile
     * command redirects it); true when it compiled. Driver is internal to mcs.exe, hence the
     * reflection; Main itself would end the process (Environment.Exit).
     */
    static bool Compile(params string[] args)
    {
        try {
            var settings = new CommandLineParser(Console.Error).ParseArguments(args);
            if (settings == null) {
                return false;
            }
            var context = new CompilerContext(settings, new ConsoleReportPrinter(Console.Error));
            object driver = Activator.CreateInstance(typeof(CompilerCallableEntryPoint).Assembly.GetType("Mono.CSharp.Driver"),
                    new object[] {context});
            bool compiled = (bool) driver.GetType().GetMethod("Compile").Invoke(driver, null);
            if (compiled && context.Report.Errors == 0) {
                if (context.Report.Warnings > 0) {
                    Console.Error.WriteLine("Compilation succeeded - {0} warning(s)", context.Report.Warnings);
                }
                return true;
            }
            Console.Error.WriteLine("Compilation failed: {0} error(s), {1} warnings", context.Report.Errors,
                    context.Report.Warnings);
            return false;
        } finally {
            CompilerCallableEntryPoint.Reset(); // mcs keeps static state between compiles
        }
    }

    /** Compiles the code file beside itself and runs it as `mono main.exe args...`; its exit status. */
    static int CompileAndRun(string dir, string codeFile, string[] args)
    {
        Environment.CurrentDirectory = dir;
        string exe = Path.ChangeExtension(codeFile, ".exe");
        if (!Compile("-out:" + exe, codeFile)) {
            return 1;
        }
        Environment.ExitCode = 0;
        // Mono's own entry path: Main's signatures, its return value as Environment.ExitCode, and an
        // uncaught exception left to mono, which prints it and exits with status 1.
        AppDomain.CurrentDomain.ExecuteAssembly(Path.Combine(dir, exe), args);
        return Environment.ExitCode;
    }

    /**
     * Compiles and runs a program that goes through what programs commonly use, so that mcs and
     * those paths are JIT-compiled in the snapshot. Its output goes to the kept pipes, where the
     * agent drops it; it draws no random numbers (see Reseed).
     */
    static void WarmUp()
    {
        string dir = Path.Combine(Path.GetTempPath(), "thaw-warm-up-" + getpid());
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "thaw-warm-up.cs"), @"
            using System; using System.Collections.Generic; using System.Linq; using System.Text;
            class WarmUp {
                static int Main(string[] args) {
                    var words = new List<string> { ""warm"", ""up"" };
                    var counts = new Dictionary<string, int>();
                    foreach (var w in words) counts[w.ToUpper()] = w.Length;
                    Console.WriteLine($""{string.Join("","", words)} {counts.Sum(p => p.Value)} {3.5:F2}"");
                    Console.Error.WriteLine(string.Format(""{0} {1}"", args.Length, new StringBuilder(""ab"").Append(1)));
                    try { throw new InvalidOperationException(""warm-up""); } catch (Exception e) { Console.WriteLine(e.Message); }
                    return words.Where(w => w.StartsWith(""w"")).Count();
                }
            }");
        CompileAndRun(dir, "thaw-warm-up.cs", new string[0]);
        Directory.Delete(dir, true);
        Environment.CurrentDirectory = "/";
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    static int Main()
    {
        fcntl(Channel, F_SETFD, FD_CLOEXEC); // kept out of processes a program starts
        WarmUp();
        Send("READY");
        for (;;) {
            string[] request = ReadRequest();
            if (request == null) {
                return 0; // the agent is gone
            }
            if (request[0] == "RUN" && request[3] == "here") {
                string workdir = request[1];
                Send("PID " + getpid());
                TakeEnvironment(workdir);
                Reseed();
                return CompileAndRun(workdir, request[2], ReadEntries(Path.Combine(workdir, ".thaw-args")));
            }
            Send("ERROR this runner keeps its stdio and serves only mode here (a last RUN)");
        }
    }
}
