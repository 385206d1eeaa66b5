<?php
/* Thaw's resident PHP runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
 * kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
 * serves one program, the guest's last (mode "here"), by becoming it: `php main.php` as the
 * CLI would run it, included from this file's top level so that the program's variables are
 * global ones.
 *
 * Usage: php php-runner.php
 *
 * The runner's functions live in a namespace of their own so that a program may declare any
 * global function or class; it leaves no global variable behind. It never writes EXIT: PHP
 * cannot tell a shutdown function the status `exit(n)` chose, so the agent takes the exit
 * status of the process (0 at the end, n for exit(n), 255 after an uncaught error). */

namespace Thaw\PhpRunner;

const CHANNEL = 3;

/** libc through FFI: PHP streams cannot read descriptor 3 without a dup the program would
 * inherit, nor mark it close-on-exec. */
function libc(): \FFI
{
    static $libc = null;
    return $libc ??= \FFI::cdef('long read(int fd, void *buf, unsigned long n);
        long write(int fd, const char *buf, unsigned long n);
        int fcntl(int fd, int cmd, int arg);');
}

function send(string $line): void
{
    libc()->write(CHANNEL, $line, strlen($line));
}

/** One RUN message: its fields (RUN, workdir, code file, mode), or null if the agent is gone. */
function readRequest(): ?array
{
    $buffer = \FFI::new('char[4096]');
    $message = '';
    while (substr_count($message, "\0") < 4) {
        $got = libc()->read(CHANNEL, $buffer, 4096);
        if ($got <= 0) {
            return null;
        }
        $message .= \FFI::string($buffer, $got);
    }
    return array_slice(explode("\0", $message), 0, 4);
}

/** NUL-separated entries of a file the agent wrote in the working directory; none if absent. */
function readEntries(string $workdir, string $name): array
{
    $text = @file_get_contents("$workdir/$name");
    return $text === false ? [] : array_slice(explode("\0", $text), 0, -1);
}

/** The program's whole environment (.thaw-env): the process's, getenv's and $_SERVER's. */
function takeEnvironment(string $workdir): array
{
    foreach (array_keys(getenv()) as $name) {
        putenv($name);
    }
    $env = [];
    foreach (readEntries($workdir, '.thaw-env') as $entry) {
        $eq = strpos($entry, '=');
        if ($eq > 0) {
            $env[substr($entry, 0, $eq)] = substr($entry, $eq + 1);
            putenv($entry);
        }
    }
    return $env;
}

/** The superglobals and $argv/$argc as `php $file ...$args` would have set them. */
function takeRequest(string $file, array $args, array $env): void
{
    $argv = [$file, ...$args];
    $now = microtime(true);
    $_SERVER = $env + ['PHP_SELF' => $file, 'SCRIPT_NAME' => $file, 'SCRIPT_FILENAME' => $file,
            'PATH_TRANSLATED' => $file, 'DOCUMENT_ROOT' => '', 'REQUEST_TIME_FLOAT' => $now,
            'REQUEST_TIME' => (int) $now, 'argv' => $argv, 'argc' => count($argv)];
    $_ENV = str_contains(ini_get('variables_order'), 'E') ? $env : [];
    $GLOBALS['argv'] = $argv;
    $GLOBALS['argc'] = count($argv);
}

/** Sets the program up and answers the file to include; mt_rand (behind rand, shuffle and
 * array_rand) is reseeded from the kernel so that clones of one snapshot draw apart. */
function runHere(string $workdir, string $codeFile): string
{
    send('PID ' . getmypid() . "\n");
    chdir($workdir);
    $file = "$workdir/$codeFile";
    takeRequest($file, readEntries($workdir, '.thaw-args'), takeEnvironment($workdir));
    mt_srand(random_int(PHP_INT_MIN, PHP_INT_MAX));
    return $file;
}

/** An uncaught error's trace as `php` prints it: without the frame of this file's include. */
function withoutRunnerFrame(\Throwable $error): \Throwable
{
    for ($e = $error; $e !== null; $e = $e->getPrevious()) {
        $trace = $e->getTrace();
        $last = end($trace);
        if ($last !== false && ($last['file'] ?? '') === __FILE__ && ($last['function'] ?? '') === 'include') {
            $property = new \ReflectionProperty($e instanceof \Exception ? \Exception::class : \Error::class, 'trace');
            $property->setValue($e, array_slice($trace, 0, -1));
        }
    }
    return $error;
}

/** Goes once through what a typical program does (echo, printf, string, array, regex and JSON
 * functions, an exception), so that what it loads is in the snapshot; a full collection after,
 * so that the snapshot holds none of its garbage. Its output goes to the kept pipes, where the
 * agent drops it. */
function warmUp(): void
{
    $dir = sys_get_temp_dir() . '/thaw-warm-up-' . getmypid();
    mkdir($dir);
    file_put_contents("$dir/main.php", '<?php
        echo "warm-up\n"; printf("%s %d %.2f\n", "a", 1, 2.5); fwrite(STDERR, "warm-up\n");
        $words = explode(" ", trim(strtoupper(" a b c "))); sort($words); echo implode(",", array_map("strrev", $words)), "\n";
        echo json_encode(["k" => array_sum(range(1, 10))]), preg_replace("/\d+/", "n", "a1b22"), sprintf("%05.1f", M_PI), "\n";
        try { throw new \RuntimeException("warm-up"); } catch (\Exception $e) { echo $e->getTraceAsString(), PHP_EOL; }
        ');
    include "$dir/main.php";
    unlink("$dir/main.php");
    rmdir($dir);
    gc_collect_cycles();
    gc_mem_caches();
}

/** Waits for the guest's last RUN and answers the program's file; other requests are refused. */
function main(): string
{
    libc()->fcntl(CHANNEL, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */); // kept out of programs' children
    warmUp();
    send("READY\n");
    for (;;) {
        $request = readRequest();
        if ($request === null) {
            exit(0); // the agent is gone
        }
        [$verb, $workdir, $codeFile, $mode] = $request;
        if ($verb === 'RUN' && $mode === 'here') {
            return runHere($workdir, $codeFile);
        }
        send("ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n");
    }
}

try {
    include main();
} catch (\Throwable $thrown) {
    throw withoutRunnerFrame($thrown);
}
