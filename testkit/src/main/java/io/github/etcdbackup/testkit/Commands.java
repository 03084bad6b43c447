package io.github.etcdbackup.testkit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs short-lived helper commands (openssl, etcdctl, ssh-keygen, tar) with a deadline. */
final class Commands {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Commands() {
    }

    static CommandResult run(List<String> command) {
        return run(command, Map.of(), null, null, DEFAULT_TIMEOUT);
    }

    static CommandResult run(List<String> command, Map<String, String> env) {
        return run(command, env, null, null, DEFAULT_TIMEOUT);
    }

    /**
     * Runs a command to completion. Both streams are drained concurrently (a full stderr pipe would otherwise
     * block the child), and the process is killed when the timeout expires.
     *
     * @param stdin bytes fed to the command's standard input, or {@code null} for none
     */
    static CommandResult run(List<String> command, Map<String, String> env, Path workingDir, byte[] stdin,
                             Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        if (workingDir != null) {
            builder.directory(workingDir.toFile());
        }
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread stderrPump = new Thread(() -> copy(process.getErrorStream(), stderr), "stderr-" + command.get(0));
        stderrPump.setDaemon(true);
        stderrPump.start();
        try {
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin);
                }
            }
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            Thread stdoutPump = new Thread(() -> copy(process.getInputStream(), stdout), "stdout-" + command.get(0));
            stdoutPump.setDaemon(true);
            stdoutPump.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command));
            }
            stdoutPump.join(5000);
            stderrPump.join(5000);
            return new CommandResult(command, process.exitValue(), stdout.toByteArray(),
                    stderr.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            process.destroyForcibly();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException ignored) {
            // the process was killed; what was read so far is all there is
        }
    }
}
