package io.github.etcdbackup.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Asks another process (python3, whose {@code fcntl.lockf} takes the same POSIX record lock as a Java
 * {@code FileLock}) whether it could lock a file right now: the only way to see the OS lock itself, which this JVM's
 * own lock table does not show once a stray close released it.
 */
public final class OsLockProbe {
    private static final String SCRIPT = """
            import fcntl, sys
            with open(sys.argv[1], 'rb+') as f:
                try:
                    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    print('free')
                except OSError:
                    print('held')
            """;

    /** Debian's own python3 (installed by scripts/ensure-prerequisites), not a shim that first runs pyenv. */
    private static final String PYTHON = java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3"))
            ? "/usr/bin/python3" : "python3";

    private OsLockProbe() {
    }

    /** Whether another process is kept from locking {@code file}. */
    public static boolean heldAgainstOtherProcesses(Path file) throws IOException, InterruptedException {
        Process probe = new ProcessBuilder(PYTHON, "-c", SCRIPT, file.toString()).redirectErrorStream(true).start();
        String answer = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!probe.waitFor(30, TimeUnit.SECONDS) || !(answer.equals("held") || answer.equals("free"))) {
            throw new IllegalStateException("lock probe failed: " + answer);
        }
        return answer.equals("held");
    }
}
