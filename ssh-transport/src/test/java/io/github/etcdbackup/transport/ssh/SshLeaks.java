package io.github.etcdbackup.transport.ssh;

import net.schmizz.sshj.SSHClient;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What an {@link SshTransport} may leave behind, found from the outside as far as possible: commands still running
 * on the unit (the unit is this machine, so they are visible processes), its threads ({@code sshj-*} readers and
 * keep-alive watchers, {@code etcd-backup-ssh-*} drainers), and channels still open on its sshj connections. sshj's
 * channel count is not public, so the last one reads the transport's fields; a rename there fails these checks
 * loudly, never silently.
 */
final class SshLeaks {
    /** For things that end on their own (a killed {@code cat}, a reader thread after a disconnect). */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private SshLeaks() {
    }

    static Set<String> libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("sshj-") || t.getName().startsWith("etcd-backup-ssh-")
                        || t.getName().startsWith("etcd-backup-range-"))
                .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
    }

    /** Library threads alive beyond {@code baseline} after settling; records them. */
    static List<String> threadsBeyond(Set<String> baseline) {
        List<String> left = settled(() -> libraryThreads().stream().filter(t -> !baseline.contains(t)).sorted()
                .toList());
        SshReliabilityLedger.LEAKED_THREADS.addAndGet(left.size());
        return left;
    }

    /** Processes other than this JVM whose command line names any of {@code needles}, after settling; records them. */
    static List<String> processesNaming(Collection<String> needles) {
        long self = ProcessHandle.current().pid();
        List<String> left = settled(() -> ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(line -> needles.stream().anyMatch(line::contains))
                .toList());
        SshReliabilityLedger.LEAKED_REMOTE_PROCESSES.addAndGet(left.size());
        return left;
    }

    /** Channels open on the transport's live connections, after settling; records them. */
    static int openChannels(SshTransport transport) {
        List<String> open = settled(() -> {
            List<String> channels = new ArrayList<>();
            for (SSHClient client : clients(transport)) {
                Map<?, ?> map = (Map<?, ?>) read(client.getConnection(), "channels");
                map.values().forEach(channel -> channels.add(String.valueOf(channel)));
            }
            return channels;
        });
        SshReliabilityLedger.LEAKED_CHANNELS.addAndGet(open.size());
        return open.size();
    }

    /** Whether any connection of the transport is still up (after a cut, sshj notices a moment later). */
    static boolean anyConnected(SshTransport transport) {
        return clients(transport).stream().anyMatch(SSHClient::isConnected);
    }

    /** The sshj clients of the transport's current connections (SshTransport -> operations -> exec -> connections). */
    private static List<SSHClient> clients(SshTransport transport) {
        Object connections = read(read(read(transport, "operations"), "exec"), "connections");
        List<SSHClient> clients = new ArrayList<>();
        for (Object slot : ((Map<?, ?>) read(connections, "slots")).values()) {
            Object link;
            synchronized (slot) {
                link = read(slot, "link");
            }
            if (link != null) {
                clients.add((SSHClient) read(link, "client"));
            }
        }
        return clients;
    }

    private static Object read(Object target, String name) {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(target);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new AssertionError("cannot read " + name + " of " + target.getClass().getName(), e);
            }
        }
        throw new AssertionError(target.getClass().getName() + " has no field " + name
                + "; update SshLeaks to the transport's new structure");
    }

    private static <T> List<T> settled(Supplier<List<T>> probe) {
        long until = System.nanoTime() + SETTLE.toNanos();
        List<T> found = probe.get();
        while (!found.isEmpty() && System.nanoTime() < until) {
            sleep(20);
            found = probe.get();
        }
        return found;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
