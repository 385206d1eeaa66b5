package dev.thaw.cli;

import dev.thaw.sandbox.SandboxException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures into one line on stderr and an exit status: 2 for what the user can fix
 * (bad input, unusable snapshot), 125 for Thaw's own failures (as {@code docker run} does),
 * so they are not mistaken for the program's exit status.
 */
final class ErrorReporter implements IExecutionExceptionHandler {

    static final int USER_ERROR = 2;
    static final int THAW_FAILURE = 125;

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        System.err.println("thaw: " + message(e));
        if (System.getenv("THAW_DEBUG") != null) {
            e.printStackTrace();
        }
        return exitCode(e);
    }

    static int exitCode(Exception e) {
        if (e instanceof SandboxException s) {
            return s.code().isUserError() ? USER_ERROR : THAW_FAILURE;
        }
        if (e instanceof IllegalArgumentException) {
            return USER_ERROR;
        }
        return THAW_FAILURE;
    }

    private static String message(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.toString() : message;
    }
}
