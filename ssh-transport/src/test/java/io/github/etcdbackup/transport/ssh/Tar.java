package io.github.etcdbackup.transport.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Lists a .tar.gz with the system's tar, the tool the charm's restore action uses on it. */
final class Tar {
    private Tar() {
    }

    static List<String> list(Path archive) {
        try {
            Process process = new ProcessBuilder("tar", "tzf", archive.toString()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("tar tzf " + archive + " failed: " + out);
            }
            return out.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
