package io.github.etcdbackup.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a local program (etcd, etcdctl) with an argv list, a deadline and its output in a file, so that nothing
 * can block on a full pipe. The process tree is destroyed when the deadline passes.
 */
final class LocalCommand {
    /**
     * The outcome of a finished command.
     *
     * @param exitCode the exit code
     * @param output   stdout and stderr, interleaved
     */
    public record Result(int exitCode, String output) {
        /** Exit code 0. */
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private LocalCommand() {
    }

    /**
     * Runs {@code argv} to completion.
     *
     * @throws IOException          if it cannot start
     * @throws InterruptedException if interrupted (the process is destroyed first)
     * @throws java.util.concurrent.TimeoutException if it outlives {@code timeout} (destroyed first)
     */
    public static Result run(List<String> argv, Map<String, String> env, Path outputFile, Duration timeout)
            throws IOException, InterruptedException, java.util.concurrent.TimeoutException {
        Process process = start(argv, env, outputFile);
        try {
            if (!process.waitFor(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
                throw new java.util.concurrent.TimeoutException(argv.get(0) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), Files.readString(outputFile, StandardCharsets.UTF_8));
        } finally {
            destroyTree(process);
        }
    }

    /** Starts {@code argv} in the background with its output appended to {@code outputFile}. */
    public static Process start(List<String> argv, Map<String, String> env, Path outputFile) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Destroys a process and its descendants and waits briefly for them to go. */
    public static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
