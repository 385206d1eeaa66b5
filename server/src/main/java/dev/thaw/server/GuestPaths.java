package dev.thaw.server;

/**
 * File paths of {@code /v1/sandboxes/{id}/files/{path}}: absolute in the guest's filesystem,
 * checked here so that a request never names a path outside it, whatever the agent does.
 */
final class GuestPaths {

    private static final int MAX_LENGTH = 4000;

    private GuestPaths() {}

    /** The guest path for the URL's {@code path}, e.g. {@code tmp/data.csv} to {@code /tmp/data.csv}. */
    static String of(String urlPath) {
        if (urlPath == null || urlPath.isEmpty()) {
            throw ApiException.badRequest("name a file after /files/, e.g. /files/tmp/data.csv for /tmp/data.csv");
        }
        if (urlPath.length() > MAX_LENGTH || urlPath.indexOf('\0') >= 0) {
            throw ApiException.badRequest("a file path must be at most " + MAX_LENGTH + " characters without NUL");
        }
        for (String segment : urlPath.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw ApiException.badRequest("file path '" + urlPath + "' has an empty, '.' or '..' segment; "
                        + "name the file from the guest's root, e.g. tmp/data.csv");
            }
        }
        return "/" + urlPath;
    }
}
