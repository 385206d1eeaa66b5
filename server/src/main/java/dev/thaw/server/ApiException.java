package dev.thaw.server;

/** A request the API answers with an error status; the message says what was wrong and what to do. */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, "too_large", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
