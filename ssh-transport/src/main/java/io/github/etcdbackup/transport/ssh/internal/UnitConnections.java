package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.Connection;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.SessionChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One reusable SSH connection per unit, opened on first use. Many threads may share it: each call gets its own
 * session channel. A connection found dead (a cut network, a restarted sshd, a reader thread gone:
 * {@link ReaderWatch}) is replaced once, transparently; that includes one that dies between the check and the
 * channel opening, which sshj reports with an {@code IllegalStateException} ("Not connected") rather than an
 * {@code IOException}.
 */
final class UnitConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnitConnections.class);

    /** Opens an authenticated connection to a unit: {@link SshConnector#connect}. */
    @FunctionalInterface
    interface Connector {
        SshLink connect(String unit, String host, Deadline deadline);
    }

    private static final long FIRST_PAUSE_MILLIS = 20;
    private static final long LAST_PAUSE_MILLIS = 500;
    private static final int ROUND_TRIP_PROBES = 2;
    /** A first answer this quick ends the measure: no unit this near needs more than one stream. */
    private static final Duration CERTAINLY_NEAR = Duration.ofMillis(1);
    /**
     * A probe unanswered this long counts as that far: sshj may never wake a global request whose connection died
     * under it, and the download's own calls then report the lost connection within their deadline.
     */
    private static final long PROBE_LIMIT_MILLIS = 2000;

    private final Connector connector;
    private final Map<String, String> hosts;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closed;

    UnitConnections(Connector connector, Map<String, String> hosts) {
        this.connector = connector;
        this.hosts = Map.copyOf(hosts);
    }

    /**
     * A new session channel on the unit's connection. A channel the unit's sshd refuses while the connection is up
     * ({@code no more sessions}: its {@code MaxSessions}, 10 by default, is reached by this transport's parallel
     * reads and other calls) is asked for again once others may have closed, until the deadline: the connection is
     * fine and stays, with every channel on it.
     */
    UnitSession openSession(String unit, Deadline deadline, String operation) {
        return openSession(unit, deadline, operation, 0);
    }

    /** As {@link #openSession(String, Deadline, String)}, on a channel of {@code window} bytes (0: the usual). */
    UnitSession openSession(String unit, Deadline deadline, String operation, int window) {
        long pauseMillis = FIRST_PAUSE_MILLIS;
        while (true) {
            try {
                return openOnce(unit, deadline, operation, window);
            } catch (SessionRefused refused) {
                if (deadline.remaining().toMillis() <= pauseMillis) {
                    throw new OperationTimeoutException(operation + " (the unit's sshd kept refusing another "
                            + "session: " + refused.getCause().getMessage() + "; its MaxSessions is reached, so lower "
                            + "the parallel reads or raise MaxSessions)", deadline.timeout(), null, refused.getCause());
                }
                LOG.debug("{} refused a session ({}); asking again in {} ms", unit,
                        refused.getCause().getMessage(), pauseMillis);
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OperationInterruptedException(operation, e);
                }
                pauseMillis = Math.min(LAST_PAUSE_MILLIS, 2 * pauseMillis);
            }
        }
    }

    /**
     * The round trip to {@code unit} on its connection (opened if need be): a global request OpenSSH answers at
     * once ({@code keepalive@openssh.com}, refused as unknown, which is the answer). The deadline bounds it; a unit
     * that does not answer in time is taken as far. Measured once per connection: a path does not change under an
     * open connection often enough to pay two round trips at every download.
     */
    Duration roundTrip(String unit, Deadline deadline) {
        Slot slot = slots.computeIfAbsent(unit, u -> new Slot());
        SshLink link = slot.link(unit, deadline);
        return slot.roundTrip(link).orElseGet(() -> slot.remember(link, measure(link, unit, deadline)));
    }

    private static Duration measure(SshLink link, String unit, Deadline deadline) {
        Duration best = null;
        // The lesser of two: the first request on a new connection also pays for warming up both ends. One is
        // enough when it already says the unit is near: warming up only ever adds.
        for (int i = 0; i < ROUND_TRIP_PROBES; i++) {
            Duration one = probe(link, unit, deadline);
            best = best == null || one.compareTo(best) < 0 ? one : best;
            if (one.toMillis() >= PROBE_LIMIT_MILLIS || one.compareTo(CERTAINLY_NEAR) < 0) {
                break;
            }
        }
        LOG.debug("Round trip to {}: {}", unit, best);
        return best;
    }

    private static Duration probe(SshLink link, String unit, Deadline deadline) {
        long start = System.nanoTime();
        try {
            link.client().getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0])
                    .retrieve(Math.max(1, Math.min(PROBE_LIMIT_MILLIS, deadline.remaining().toMillis())),
                            TimeUnit.MILLISECONDS);
        } catch (ConnectionException answered) {
            // REQUEST_FAILURE is the usual answer; a timeout or a lost connection leaves the time spent.
            if (Interrupts.caused(answered)) {
                throw new OperationInterruptedException("round trip to " + unit, answered);
            }
        } catch (net.schmizz.sshj.transport.TransportException lost) {
            LOG.debug("No round trip to {}: {}", unit, lost.toString());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private UnitSession openOnce(String unit, Deadline deadline, String operation, int window) {
        Slot slot = slots.computeIfAbsent(unit, u -> new Slot());
        SshLink link = slot.link(unit, deadline);
        try {
            return new UnitSession(startSession(link, window), link);
        } catch (OpenFailException refused) {
            throw new SessionRefused(refused);
        } catch (IOException | IllegalStateException firstAttempt) {
            if (Interrupts.caused(firstAttempt)) {
                // The caller's interrupt, not the connection's end: other channels on it go on.
                throw new OperationInterruptedException(operation, firstAttempt);
            }
            // A reused connection may have died since its last use; one fresh connection is worth a try.
            LOG.debug("Session on the connection to {} failed ({}); reconnecting once", unit, firstAttempt.toString());
            slot.discard(link);
            SshLink fresh = slot.link(unit, deadline);
            try {
                return new UnitSession(startSession(fresh, window), fresh);
            } catch (OpenFailException refused) {
                throw new SessionRefused(refused);
            } catch (IOException | IllegalStateException e) {
                if (Interrupts.caused(e)) {
                    throw new OperationInterruptedException(operation, e);
                }
                if (deadline.expired()) {
                    throw new OperationTimeoutException(operation, deadline.timeout(), null, e);
                }
                throw new TransportException(TransportName.SSH, "Cannot open an SSH session on " + unit + " ("
                        + hosts.get(unit) + "): " + e.getMessage() + "; check that the unit's sshd allows sessions"
                        + " (MaxSessions)", e);
            }
        }
    }

    /**
     * A session on {@code link} whose channel advertises {@code window} bytes (0: the connection's usual window) and
     * gives it back as it is read ({@link FlowingSessionChannel}). sshj reads the connection's window size when it
     * builds a channel, so it is set for that moment only, under the link's lock; a channel another thread builds
     * meanwhile through {@code startSession} may get the same window, which changes its speed, nothing else.
     */
    private static Session startSession(SshLink link, int window) throws IOException {
        SSHClient client = link.client();
        if (!client.isConnected() || !client.isAuthenticated()) {
            // What SSHClient.startSession throws here: the caller takes the connection for dead and replaces it.
            throw new IllegalStateException("Not connected");
        }
        Connection connection = client.getConnection();
        SessionChannel channel;
        synchronized (link) {
            long usual = connection.getWindowSize();
            connection.setWindowSize(window > 0 ? window : usual);
            try {
                channel = new FlowingSessionChannel(connection, client.getRemoteCharset());
            } finally {
                connection.setWindowSize(usual);
            }
        }
        channel.open();
        return channel;
    }

    /** The server answered a channel open with a refusal: the connection itself is up. */
    private static final class SessionRefused extends RuntimeException {
        SessionRefused(OpenFailException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    @Override
    public void close() {
        closed = true;
        slots.values().forEach(Slot::close);
        slots.clear();
    }

    /** The connection of one unit; connecting is serialised so that concurrent first calls open one connection. */
    private final class Slot {
        private SshLink link;
        /** The round trip measured on {@link #link}, or {@code null}. */
        private Duration roundTrip;

        synchronized Optional<Duration> roundTrip(SshLink on) {
            return on == link ? Optional.ofNullable(roundTrip) : Optional.empty();
        }

        synchronized Duration remember(SshLink on, Duration measured) {
            if (on == link) {
                roundTrip = measured;
            }
            return measured;
        }

        synchronized SshLink link(String unit, Deadline deadline) {
            if (closed) {
                throw new TransportException(TransportName.SSH, "This SSH transport is closed", null);
            }
            if (link != null && link.usable()) {
                return link;
            }
            if (link != null) {
                link.close();
            }
            link = connector.connect(unit, hosts.get(unit), deadline);
            roundTrip = null;
            return link;
        }

        synchronized void discard(SshLink dead) {
            if (link == dead) {
                link.close();
                link = null;
            }
        }

        synchronized void close() {
            if (link != null) {
                link.close();
                link = null;
            }
        }
    }
}
