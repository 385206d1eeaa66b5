package dev.thaw.cli;

import picocli.CommandLine;

/** Entry point of the {@code thaw} command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new ThawCommand());
        cli.setExecutionExceptionHandler(new ErrorReporter());
        return cli.execute(args);
    }
}
