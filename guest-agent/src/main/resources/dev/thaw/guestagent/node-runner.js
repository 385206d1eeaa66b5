'use strict';
/* Thaw's resident Node.js runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
 * kept-stdio kind: Node can neither fork nor receive descriptors, so the agent starts it with
 * stdin, stdout and stderr on pipes it keeps, and the runner serves one program, the guest's
 * last (mode "here"), by becoming it. The RUN message carries no descriptors: the program's
 * stdio is the runner's own.
 *
 * Usage: node node-runner.js                programs run as `node main.js` would run them
 *        node node-runner.js --coffee       programs run as `coffee main.coffee` would, through
 *                                           the coffeescript package's own command module
 *        node node-runner.js --typescript   programs are compiled as languages.json's tsc
 *                                           command compiles them (its diagnostics on stdout,
 *                                           its exit status), then main.js runs as `node main.js`
 *
 * Random state: V8 seeds Math.random once per context, so clones of one snapshot would draw
 * the same numbers; the runner gives each program a Math.random seeded from the kernel (which
 * the host's SEED refreshed). OpenSSL's primary generator behind `crypto`, seeded when Node
 * started, cannot be reseeded from JavaScript (see PROTOCOL.md). */
// No baseline (Sparkplug) code: a restored clone's TCG translates every piece of machine code
// it runs afresh, and what Sparkplug made of the runner's and the libraries' functions in the
// warm-up costs more to translate than V8's interpreter, already translated for all of them,
// costs to run (javascript's hello 250 -> 230 ms, typescript's 760 -> 680 ms). Hot code still
// goes to TurboFan. Set here rather than on the command line, so process.execArgv stays empty.
require('v8').setFlagsFromString('--no-sparkplug');
const fs = require('fs');
const path = require('path');
const Module = require('module');
// What a first program would otherwise load: kept in the snapshot, loaded once.
require('util');
require('events');
require('readline');
require('assert');

const CHANNEL = 3;
const COFFEE = process.argv[2] === '--coffee';
const TYPESCRIPT = process.argv[2] === '--typescript';
/** The declarations languages.json's compile command passes to tsc beside the program. */
const TYPESCRIPT_GLOBALS = '/opt/thaw/node-globals.d.ts';
// Resolved once, with the runner's own module paths: a program's environment may hide them.
const COFFEE_LIB = COFFEE ? path.dirname(require.resolve('coffeescript')) : null;

/** Goes once through what programs do (load a file as a module, require another beside it,
 * print, format an error; for coffeescript compile and run a file as its command does), so
 * that what that path loads and compiles is already in the snapshot. What it prints goes to
 * the kept pipes, where the agent drops it. */
function warmUp() {
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'thaw-warm-up-'));
    try {
        fs.writeFileSync(path.join(dir, 'lib.js'), 'exports.fail = () => { throw new Error("warm-up"); };\n');
        fs.writeFileSync(path.join(dir, 'main.js'), 'console.log("warm-up"); console.error("warm-up");\n'
                + 'try { require("./lib").fail(); } catch (e) { require("util").inspect(e); }\n');
        const argv = process.argv;
        runJavaScript(path.join(dir, 'main.js'), []);
        if (COFFEE) warmUpCoffee(dir);
        process.argv = argv;
        if (TYPESCRIPT) warmUpTypeScript(dir);
    } finally {
        fs.rmSync(dir, {recursive: true, force: true});
    }
    collectGarbage();
}

/** A full collection, so that the snapshot holds no garbage of the warm-up and a restored
 * program starts with an empty young generation. The gc function is taken from a context of
 * its own, so that programs do not see a global `gc`. */
function collectGarbage() {
    const v8 = require('v8');
    v8.setFlagsFromString('--expose-gc');
    const gc = require('vm').runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    gc();
}

function warmUpCoffee(dir) {
    require(COFFEE_LIB).register();
    const file = path.join(dir, 'main.coffee');
    fs.writeFileSync(file, 'square = (x) -> x * x\nconsole.log "warm-up #{square 3}"\n');
    runCoffee(file, []);
}

/** Declaration files (the standard library's, the globals) parsed by the warm-up: a program's
 * compile takes them from here instead of parsing them again, as tsc's watch mode keeps them. */
const declarations = new Map();

function warmUpTypeScript(dir) {
    const file = path.join(dir, 'main.ts');
    fs.writeFileSync(file, 'const square = (x: number): number => x * x;\nconsole.log(`warm-up ${square(3)}`);\n');
    for (let i = 0; i < 2; i++) compileTypeScript(file);
}

/**
 * What `tsc --pretty false --skipLibCheck --target es2020 --module commonjs --outDir . main.ts globals`
 * does: emit main.js beside the file, print each diagnostic as tsc does without --pretty, and
 * answer tsc's exit status (1: errors and nothing emitted, 2: errors but emitted, 0: clean).
 */
function compileTypeScript(file) {
    const ts = require('typescript');
    const options = {target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
        outDir: path.dirname(file), pretty: false, skipLibCheck: true};
    const program = ts.createProgram([file, TYPESCRIPT_GLOBALS], options, keepingDeclarations(ts, options));
    const emitted = program.emit();
    const diagnostics = ts.sortAndDeduplicateDiagnostics(
        ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics));
    if (diagnostics.length === 0) return 0;
    process.stdout.write(ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => process.cwd(),
        getNewLine: () => '\n',
    }));
    return emitted.emitSkipped ? 1 : 2;
}

function keepingDeclarations(ts, options) {
    const host = ts.createCompilerHost(options);
    const parse = host.getSourceFile;
    host.getSourceFile = (name, ...rest) => {
        if (!name.endsWith('.d.ts')) return parse.call(host, name, ...rest);
        if (!declarations.has(name)) declarations.set(name, parse.call(host, name, ...rest));
        return declarations.get(name);
    };
    return host;
}

/** One RUN message: its fields (RUN, workdir, code file, mode), or null if the agent is gone. */
function readRequest() {
    let message = Buffer.alloc(0);
    const chunk = Buffer.alloc(4096);
    while (message.filter((b) => b === 0).length < 4) {
        const got = fs.readSync(CHANNEL, chunk, 0, chunk.length, null);
        if (got === 0) return null;
        message = Buffer.concat([message, chunk.subarray(0, got)]);
    }
    return message.toString().split('\0').slice(0, 4);
}

/** NUL-separated entries of a file the agent wrote in the working directory; none if absent. */
function readEntries(workdir, name) {
    try {
        return fs.readFileSync(path.join(workdir, name), 'utf8').split('\0').slice(0, -1);
    } catch (e) {
        if (e.code === 'ENOENT') return [];
        throw e;
    }
}

/** The program's whole environment (.thaw-env), and the module paths Node derives from it. */
function takeEnvironment(workdir) {
    for (const name of Object.keys(process.env)) delete process.env[name];
    for (const entry of readEntries(workdir, '.thaw-env')) {
        const eq = entry.indexOf('=');
        if (eq > 0) process.env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    Module._initPaths(); // NODE_PATH and HOME, read at start-up by `node`
}

/** Math.random from a fresh seed: xoshiro128**, two draws to a double with 53 random bits. */
function reseedMathRandom() {
    const s = new Uint32Array(4);
    const fd = fs.openSync('/dev/urandom', 'r');
    fs.readSync(fd, s, 0, 16, null);
    fs.closeSync(fd);
    const next = () => {
        const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
        const t = s[1] << 9;
        s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 11);
        return result;
    };
    Math.random = function random() {
        return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
    };
}

function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
}

/** Tells the agent the program's exit status once its 'exit' listeners have run: the exit
 * itself (freeing the heap) is slow under TCG and the answer need not wait for it. Not when
 * an uncaught exception ends the process: Node prints it after 'exit', and the agent takes the
 * exit status instead. */
function reportEndOnExit() {
    const emit = process.emit;
    let dying = false;
    process.emit = function (event, ...args) {
        const handled = emit.call(this, event, ...args);
        if (event === 'uncaughtException' && !handled) dying = true;
        if (event === 'exit' && !dying) {
            const status = (Number(process.exitCode) | 0) & 0xff;
            try {
                fs.writeSync(CHANNEL, `EXIT ${status << 8}\n`);
            } catch (e) {
                // the agent is gone; the exit status says the same
            }
        }
        return handled;
    };
}

function runJavaScript(file, args) {
    process.argv = [process.execPath, file, ...args];
    Module.runMain();
}

function runCoffee(file, args) {
    process.argv = [process.execPath, '/usr/bin/coffee', file, ...args];
    require(path.join(COFFEE_LIB, 'command')).run();
}

function runTypeScript(file, args) {
    const status = compileTypeScript(file);
    if (status !== 0) {
        process.exitCode = status;
        return;
    }
    runJavaScript(file.replace(/\.ts$/, '.js'), args);
}

function runHere(workdir, codeFile) {
    fs.writeSync(CHANNEL, `PID ${process.pid}\n`);
    process.chdir(workdir);
    takeEnvironment(workdir);
    reseedMathRandom();
    reportEndOnExit();
    const args = readEntries(workdir, '.thaw-args');
    const run = COFFEE ? runCoffee : TYPESCRIPT ? runTypeScript : runJavaScript;
    run(path.join(workdir, codeFile), args);
}

function main() {
    warmUp();
    fs.writeSync(CHANNEL, 'READY\n');
    for (;;) {
        const request = readRequest();
        if (request === null) process.exit(0); // the agent is gone
        const [verb, workdir, codeFile, mode] = request;
        if (verb === 'RUN' && mode === 'here') return runHere(workdir, codeFile);
        fs.writeSync(CHANNEL, 'ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n');
    }
}

main();
