package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenSSH that {@code juju scp} will run: Juju looks {@code scp} up on its own {@code PATH}, which is the
 * environment the transport gives it, so {@code ssh} (same package, same version) is looked up there too, and
 * {@code ssh -V} runs once per transport. Thread-safe.
 */
final class LocalOpenSsh {
    private static final Logger LOG = LoggerFactory.getLogger(LocalOpenSsh.class);

    private final Map<String, String> environment;
    private final Object lock = new Object();
    private volatile List<String> scpOptions;

    LocalOpenSsh(Map<String, String> environment) {
        this.environment = environment;
    }

    /** {@link OpenSshVersion#scpOptions} for the detected version; detects it on first use. */
    List<String> scpOptions(Deadline deadline) {
        List<String> known = scpOptions;
        if (known != null) {
            return known;
        }
        synchronized (lock) {
            if (scpOptions == null) {
                Optional<OpenSshVersion> version = detect(deadline);
                scpOptions = OpenSshVersion.scpOptions(version);
                LOG.debug("local OpenSSH {}: juju scp gets {}", version.map(v -> v.major() + "." + v.minor())
                        .orElse("unknown"), scpOptions);
            }
            return scpOptions;
        }
    }

    private Optional<OpenSshVersion> detect(Deadline deadline) {
        Optional<Path> ssh = onPath("ssh");
        if (ssh.isEmpty()) {
            return Optional.empty();
        }
        try {
            CommandResult result = new ProcessRunner(ssh.get().toString(), environment)
                    .run(List.of("-V"), deadline, "ssh -V");
            return OpenSshVersion.parse(result.stderr() + "\n" + result.stdout());
        } catch (TransportException | OutputParseException e) {
            LOG.debug("'{} -V' failed; assuming a current OpenSSH", ssh.get(), e);
            return Optional.empty();
        }
    }

    /** As Go's {@code exec.LookPath} does with the child's {@code PATH}: the first executable regular file. */
    private Optional<Path> onPath(String name) {
        String path = environment.get("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator, -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name).toAbsolutePath();
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
