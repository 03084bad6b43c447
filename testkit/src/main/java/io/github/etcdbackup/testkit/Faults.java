package io.github.etcdbackup.testkit;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulator's fault switches, set by tests through {@link JujuSimulator} and read by the commands.
 * Thread-safe; every switch can be turned off again.
 */
final class Faults {
    /** unit name → unit paths that the unit cannot write under. */
    private final Map<String, Set<String>> readOnly = new ConcurrentHashMap<>();
    private final Set<String> dataOnAttachedStorage = ConcurrentHashMap.newKeySet();
    private volatile boolean controllerUnreachable;
    private final StreamFault cutSsh = new StreamFault();
    private final StreamFault flipSsh = new StreamFault();
    private final StreamFault cutScp = new StreamFault();
    private volatile boolean sudoRequiresPassword;
    private volatile int slowOutputBytesPerSecond;
    private volatile long actionDelayMillis;

    boolean readOnly(ModelUnit unit, String unitPath) {
        String normalized = unitPath.endsWith("/") ? unitPath : unitPath + "/";
        return readOnly.getOrDefault(unit.name(), Set.of()).stream()
                .anyMatch(prefix -> normalized.startsWith(prefix.endsWith("/") ? prefix : prefix + "/"));
    }

    void readOnly(String unitName, String unitPath, boolean on) {
        Set<String> paths = readOnly.computeIfAbsent(unitName, k -> ConcurrentHashMap.newKeySet());
        if (on) {
            paths.add(unitPath);
        } else {
            paths.remove(unitPath);
        }
    }

    void clearReadOnly() {
        readOnly.clear();
    }

    boolean dataOnAttachedStorage(ModelUnit unit) {
        return dataOnAttachedStorage.contains(unit.name());
    }

    void dataOnAttachedStorage(String unitName, boolean on) {
        if (on) {
            dataOnAttachedStorage.add(unitName);
        } else {
            dataOnAttachedStorage.remove(unitName);
        }
    }

    boolean controllerUnreachable() {
        return controllerUnreachable;
    }

    void controllerUnreachable(boolean on) {
        controllerUnreachable = on;
    }

    /** After how many bytes the next {@code juju ssh} stdout ends, or -1; consumes one use of the switch. */
    long takeSshCut() {
        return cutSsh.take();
    }

    void cutSsh(long afterBytes, int times) {
        cutSsh.set(afterBytes, times);
    }

    /** The offset of the byte the next {@code juju ssh} stdout flips, or -1; consumes one use of the switch. */
    long takeSshFlip() {
        return flipSsh.take();
    }

    void flipSsh(long offset, int times) {
        flipSsh.set(offset, times);
    }

    /** After how many bytes the next {@code juju scp} from a unit stops, or -1; consumes one use of the switch. */
    long takeScpCut() {
        return cutScp.take();
    }

    void cutScp(long afterBytes, int times) {
        cutScp.set(afterBytes, times);
    }

    /** Whether the next {@code juju ssh} stdout would be cut, flipped or slowed: then it must pass the simulator. */
    boolean sshStreamFaultArmed() {
        return cutSsh.armed() || flipSsh.armed() || slowOutputBytesPerSecond > 0;
    }

    boolean sudoRequiresPassword() {
        return sudoRequiresPassword;
    }

    void sudoRequiresPassword(boolean on) {
        sudoRequiresPassword = on;
    }

    int slowOutputBytesPerSecond() {
        return slowOutputBytesPerSecond;
    }

    void slowOutputBytesPerSecond(int bytesPerSecond) {
        slowOutputBytesPerSecond = bytesPerSecond;
    }

    long actionDelayMillis() {
        return actionDelayMillis;
    }

    void actionDelayMillis(long millis) {
        actionDelayMillis = millis;
    }

    /** A stream fault that applies to a number of calls, then switches itself off. */
    private static final class StreamFault {
        private long offset = -1;
        private int remaining;

        synchronized void set(long at, int times) {
            offset = at;
            remaining = times;
        }

        synchronized boolean armed() {
            return remaining > 0 && offset >= 0;
        }

        synchronized long take() {
            if (!armed()) {
                return -1;
            }
            remaining--;
            return offset;
        }
    }
}
