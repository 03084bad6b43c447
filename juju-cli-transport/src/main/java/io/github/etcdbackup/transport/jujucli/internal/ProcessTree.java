package io.github.etcdbackup.transport.jujucli.internal;

import java.util.List;

/** Kills a process together with everything it started ({@code juju ssh} starts {@code ssh}, scripts start children). */
final class ProcessTree {
    private ProcessTree() {
    }

    /**
     * Kills the process and its descendants. The descendants are listed before the parent dies: an orphan is
     * re-parented and could no longer be found from it.
     */
    static void kill(ProcessHandle root) {
        List<ProcessHandle> descendants = root.descendants().toList();
        root.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
