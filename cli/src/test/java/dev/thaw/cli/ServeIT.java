package dev.thaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code thaw serve} as a process: it answers, and SIGTERM lets a running request finish. */
class ServeIT {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://[0-9.]+:\\d+)");

    @TempDir
    Path home;

    @Test
    void sigterm_drains_a_running_request_and_leaves_no_vm_run_directory_or_namespace() throws Exception {
        Launcher thaw = new Launcher(home);
        Set<String> before = heldNamespaces();
        Process serve = startServe(thaw);
        try {
            String base = awaitListening(serve);
            HttpClient client = HttpClient.newHttpClient();

            CompletableFuture<HttpResponse<String>> running = client.sendAsync(HttpRequest.newBuilder(
                            URI.create(base + "/v1/run")).timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"language\": \"python\", \"network\": true, "
                                    + "\"code\": \"import time\\ntime.sleep(3)\\nprint('finished')\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            awaitVm(thaw);
            Set<String> made = awaitNamespaces(before, 3); // two waiting in the pool, one lent to the run
            new ProcessBuilder("kill", "-TERM", Long.toString(serve.pid())).start().waitFor();

            HttpResponse<String> reply = running.get(2, TimeUnit.MINUTES);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
            assertThat(reply.body()).contains("finished");
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(thaw.vms()).isEmpty();
            try (var left = Files.list(home.resolve("run"))) {
                assertThat(left.toList()).isEmpty();
            }
            assertThat(namespaces()).as("network namespaces the server made").doesNotContainAnyElementsOf(made);
        } finally {
            stop(serve);
        }
    }

    @Test
    void after_kill_9_the_vms_die_with_it_and_the_next_start_removes_what_it_left() throws Exception {
        Launcher thaw = new Launcher(home);
        Set<String> before = heldNamespaces();
        Process serve = startServe(thaw);
        try {
            String base = awaitListening(serve);
            Set<String> made = awaitNamespaces(before, 2);
            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(base + "/v1/sandboxes")).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"language\": \"python\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            serve.destroyForcibly().waitFor();

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!thaw.vms().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(thaw.vms()).as("QEMU of the killed server").isEmpty();
            assertThat(namespaces()).as("what kill -9 leaves").containsAll(made);
            assertThat(thaw.run("snapshot", "list").exit()).isZero();
            assertThat(namespaces()).as("namespaces after the next start").doesNotContainAnyElementsOf(made);
            try (var left = Files.list(home.resolve("run"))) {
                assertThat(left.toList()).as("run directories after the next start").isEmpty();
            }
        } finally {
            stop(serve);
        }
    }

    /** Lets a server that a failed assertion left running drain, so it leaves nothing behind. */
    private static void stop(Process serve) throws InterruptedException {
        if (serve.isAlive()) {
            serve.destroy(); // SIGTERM: the server drains and removes its VMs and namespaces
            if (!serve.waitFor(60, TimeUnit.SECONDS)) {
                serve.destroyForcibly().waitFor();
            }
        }
    }

    /** {@code thaw serve} on a free port, with the python snapshot already made. */
    private static Process startServe(Launcher thaw) throws Exception {
        thaw.run("snapshot", "create", "--lang", "python");
        Process serve = thaw.start("serve", "--listen", "127.0.0.1:0", "--net-pool-size", "2");
        serve.getOutputStream().close();
        return serve;
    }

    /** Thaw's network namespaces on this host, whoever made them. */
    private static Set<String> namespaces() throws IOException {
        Path netns = Path.of("/run/netns");
        if (!Files.isDirectory(netns)) {
            return Set.of();
        }
        try (var entries = Files.list(netns)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("thaw-"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * Namespaces that a live Thaw process holds (its slot's lock file is locked). A leftover
     * of a dead process does not count: a starting server removes it and may make its slot's
     * namespace again under the same name, which would then look as if it had been there before.
     */
    private static Set<String> heldNamespaces() throws IOException {
        Set<String> held = new HashSet<>();
        for (String name : namespaces()) {
            if (slotHeld(name)) {
                held.add(name);
            }
        }
        return held;
    }

    private static boolean slotHeld(String namespace) throws IOException {
        String index = namespace.substring("thaw-".length());
        if (!index.chars().allMatch(Character::isDigit)) {
            return true; // not one of the pool's slots: count it as someone else's
        }
        Path lock = Path.of("/run/thaw/net", index + ".lock"); // SlotClaims.onHost()
        if (!Files.exists(lock)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock taken = channel.tryLock();
            if (taken == null) {
                return true;
            }
            taken.release();
            return false;
        }
    }

    /** Waits until at least {@code count} namespaces exist that were not there {@code before}; returns them. */
    private static Set<String> awaitNamespaces(Set<String> before, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Set<String> made = new java.util.HashSet<>(namespaces());
            made.removeAll(before);
            if (made.size() >= count) {
                return made;
            }
            assertThat(System.nanoTime()).as(count + " namespaces made, have " + made).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static String awaitListening(Process serve) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(l);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String base = line.get(3, TimeUnit.MINUTES);
        assertThat(base).as("thaw serve printed where it listens").isNotNull();
        return base;
    }

    private static void awaitVm(Launcher thaw) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (thaw.vms().isEmpty()) {
            assertThat(System.nanoTime()).as("a VM started").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(1000); // the program is now running in the guest
    }
}
