package io.github.etcdbackup.testing;

import io.github.etcdbackup.encryption.AgeRecipient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keys made by Debian's {@code age-keygen}, and {@code age} run as a user would. */
public final class AgeKeys {
    private AgeKeys() {
    }

    /** A new identity file made by {@code age-keygen -o}. */
    public static Path keygen(Path dir, String name) throws IOException, InterruptedException {
        Path file = dir.resolve(name);
        run(List.of("age-keygen", "-o", file.toString()));
        return file;
    }

    /** The public key {@code age-keygen -y} prints for an identity file. */
    public static AgeRecipient recipientOf(Path identityFile) throws IOException, InterruptedException {
        return AgeRecipient.of(run(List.of("age-keygen", "-y", identityFile.toString())).strip());
    }

    /** Runs a command; fails with its output unless it exits 0. Returns its stdout. */
    public static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(false).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(argv + " failed: " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Runs a command with its stdout into {@code out} (age -o creates no file for an empty plaintext). */
    public static void runToFile(List<String> argv, Path out) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectOutput(out.toFile()).start();
        process.getOutputStream().close();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(argv + " failed: " + err);
        }
    }

    /** Runs a command and returns its exit code and stderr. */
    public static Result attempt(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).start();
        process.getOutputStream().close();
        process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(60, TimeUnit.SECONDS);
        return new Result(process.exitValue(), err);
    }

    /** Exit code and stderr of a command. */
    public record Result(int exitCode, String stderr) {
    }

    /** Bytes of an odd size, not compressible. */
    public static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The files of a directory, by name. */
    public static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
