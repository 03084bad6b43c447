package io.github.etcdbackup.transport.jujucli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * An {@code ssh} that only answers {@code ssh -V}, first on a {@code PATH} for the transport's environment: the
 * transport reads the local OpenSSH version from there to choose scp's options, so a test pins it instead of
 * depending on the machine's OpenSSH.
 */
public final class FakeOpenSsh {
    /** What Ubuntu 24.04's OpenSSH prints: SFTP by default, {@code -O} for the legacy protocol. */
    public static final String OPENSSH_9 = "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024";

    private FakeOpenSsh() {
    }

    /** An environment whose {@code PATH} finds an {@code ssh} in {@code dir} that prints {@code versionLine}. */
    public static Map<String, String> environment(Path dir, String versionLine) {
        try {
            Files.createDirectories(dir);
            Path ssh = dir.resolve("ssh");
            Files.writeString(ssh, "#!/bin/sh\n[ \"$1\" = -V ] && printf '%s\\n' '" + versionLine + "' >&2\n");
            Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("PATH", dir + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }
}
