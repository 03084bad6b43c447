package io.github.etcdbackup.transport.jujucli.reliability;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * What the library may leave behind: processes (the fake's pids, and any child of this JVM), its own threads (a
 * call's commons-exec executor thread and the readers of its stdout and stderr, the read-ahead and stderr drainer of
 * a file stream, the opener of a scp FIFO) and any non-daemon thread at all, which would keep the JVM from exiting.
 * Core's stream watchdog {@code etcd-backup-watchdog}, which kills a stream's process tree at its deadline, is one
 * shared daemon thread by design and is not counted.
 */
final class Leaks {
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private Leaks() {
    }

    static boolean isLibraryThread(Thread thread) {
        String name = thread.getName();
        return thread.isAlive() && (name.equals("juju-exec") || name.equals("juju-stdout")
                || name.equals("juju-stderr") || name.equals("juju-ssh-data") || name.equals("juju-scp-data")
                || name.equals("juju-ssh-stderr") || name.equals("juju-scp-stderr") || name.equals("juju-scp-open")
                || name.startsWith("etcd-backup-range-"));
    }

    static Set<String> libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Leaks::isLibraryThread)
                .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
    }

    /** The fake's processes still alive after a short settling time (a kill is reaped asynchronously). */
    static List<Long> aliveOf(ScriptedJuju juju) {
        long end = System.nanoTime() + SETTLE.toNanos();
        List<Long> alive;
        do {
            alive = juju.pids().stream()
                    .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
            if (alive.isEmpty()) {
                return alive;
            }
            sleep();
        } while (System.nanoTime() < end);
        return alive;
    }

    /** Children of this JVM still alive after a short settling time. */
    static long liveChildren() {
        long end = System.nanoTime() + SETTLE.toNanos();
        long count;
        do {
            count = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
            if (count == 0) {
                return 0;
            }
            sleep();
        } while (System.nanoTime() < end);
        return count;
    }

    /** The non-daemon threads alive now: any one the library leaves would keep the JVM from exiting. */
    static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    /** A factory of daemon threads for a test's own pool, which must not count as a leak of the library. */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Records the non-daemon threads alive after a short settling time beyond those alive before. */
    static String checkNonDaemonThreads(Set<Thread> baseline) {
        long end = System.nanoTime() + SETTLE.toNanos();
        Set<String> extra;
        do {
            extra = nonDaemonThreads().stream().filter(t -> !baseline.contains(t))
                    .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
            if (extra.isEmpty()) {
                return "";
            }
            sleep();
        } while (System.nanoTime() < end);
        Ledger.LEAKED_THREADS.addAndGet(extra.size());
        return "non-daemon threads that keep the JVM alive " + extra;
    }

    /** Library threads still alive after a short settling time, beyond those alive before ({@code baseline}). */
    static Set<String> threadsBeyond(Set<String> baseline) {
        long end = System.nanoTime() + SETTLE.toNanos();
        Set<String> extra;
        do {
            extra = libraryThreads().stream().filter(t -> !baseline.contains(t)).collect(Collectors.toSet());
            if (extra.isEmpty()) {
                return extra;
            }
            sleep();
        } while (System.nanoTime() < end);
        return extra;
    }

    /** Records and returns the leaks of one scenario; the caller asserts they are none. */
    static String check(ScriptedJuju juju, Set<String> threadBaseline) {
        String processes = checkProcesses(juju);
        String threads = checkThreads(threadBaseline);
        return (processes + " " + threads).strip();
    }

    /** Records the fake's processes still alive (and kills them, so that one leak does not spoil later checks). */
    static String checkProcesses(ScriptedJuju juju) {
        List<Long> processes = aliveOf(juju);
        Ledger.LEAKED_PROCESSES.addAndGet(processes.size());
        for (long pid : processes) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        return processes.isEmpty() ? "" : "leaked processes " + processes;
    }

    /** Records the library threads alive beyond the baseline. */
    static String checkThreads(Set<String> threadBaseline) {
        Set<String> threads = threadsBeyond(threadBaseline);
        Ledger.LEAKED_THREADS.addAndGet(threads.size());
        return threads.isEmpty() ? "" : "leaked threads " + threads;
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
