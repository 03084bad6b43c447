package io.github.etcdbackup.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds etcd and sshd processes that a test left running, by their command line: every testkit process names a
 * file under its work directory there ({@code --config-file}, {@code -f sshd_config}), so a test can assert
 * that nothing under its temp dir survived {@code close()}.
 */
public final class LeftoverProcesses {
    private LeftoverProcesses() {
    }

    /** Descriptions ({@code pid command args}) of live etcd or sshd processes whose arguments mention {@code dir}. */
    public static List<String> etcdOrSshdUnder(Path dir) {
        String marker = dir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> isEtcdOrSshd(p.info().command()))
                .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(marker))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }

    private static boolean isEtcdOrSshd(Optional<String> command) {
        return command.map(c -> c.endsWith("/etcd") || c.endsWith("/sshd")).orElse(false);
    }
}
