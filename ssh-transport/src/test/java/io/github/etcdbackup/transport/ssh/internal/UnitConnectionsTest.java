package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.testkit.LocalSshd;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.SessionChannel;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared per-unit connection, against real OpenSSH. */
@Timeout(60)
class UnitConnectionsTest {
    @TempDir
    Path dir;

    @Test
    void aConnectionThatDiesBetweenTheCheckAndTheChannelOpeningIsReplaced() throws Exception {
        // Found by the reliability suite: right after a cut, sshj's reader ends the transport while a new call is
        // between SshLink.usable() and startSession(), which then throws IllegalStateException("Not connected"),
        // not an IOException. That escaped the reconnect and reached the caller untyped.
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            SshSettings settings = new SshSettings(sshd.port(), sshd.user(), Optional.of(sshd.userPrivateKey()), null,
                    sshd.hostKnownHostsFile(), false, Duration.ofSeconds(10), Optional.empty(), 2 * 1024 * 1024);
            SshConnector real = new SshConnector(settings);
            AtomicReference<DiesAfterChecks> first = new AtomicReference<>();
            AtomicInteger connects = new AtomicInteger();
            UnitConnections.Connector connector = (unit, host, deadline) -> {
                if (connects.incrementAndGet() == 1) {
                    first.set(DiesAfterChecks.connect(sshd));
                    return new SshLink(first.get(), null, "");
                }
                return real.connect(unit, host, deadline);
            };

            try (UnitConnections connections = new UnitConnections(connector, Map.of("etcd/0", sshd.host()))) {
                assertThat(echo(connections)).isEqualTo("ok\n");
                first.get().diesAfterChecks(1); // usable() passes, startSession() finds it gone

                assertThat(echo(connections)).isEqualTo("ok\n");
                assertThat(connects).as("connections opened").hasValue(2);
            }
        }
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    @Test
    void aSessionOpenedWithItsOwnWindowAdvertisesItAndLeavesTheConnectionsWindowAlone() throws Exception {
        int usual = 16 * 1024 * 1024;
        int range = 4 * 1024 * 1024;
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            try (UnitConnections connections = connections(sshd, usual)) {
                Deadline deadline = Deadline.after(Duration.ofSeconds(30));
                try (Session ranged = connections.openSession("etcd/0", deadline, "range", range).session();
                     Session plain = connections.openSession("etcd/0", deadline, "plain").session()) {
                    assertThat(((SessionChannel) ranged).getLocalWinSize()).isEqualTo(range);
                    assertThat(((SessionChannel) plain).getLocalWinSize()).isEqualTo(usual);
                }
                assertThat(echo(connections)).isEqualTo("ok\n");
            }
        }
    }

    @Test
    void aReaderThatLagsNeverHasMoreThanTwiceTheWindowWaitingInMemory() throws Exception {
        // sshj re-grants the whole window after each read, unread bytes or not: only the buffer's cap bounds what
        // piles up. With sshj's default cap (16 MiB) a 2 MiB window let 16 MiB wait here (benchmark 4, -Xmx64m).
        int window = 2 * 1024 * 1024;
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            try (UnitConnections connections = connections(sshd, window);
                 Session session = connections.openSession("etcd/0", Deadline.after(Duration.ofSeconds(30)),
                         "slow read").session()) {
                Session.Command zeros = session.exec("head -c 48M /dev/zero");
                InputStream in = zeros.getInputStream();
                byte[] chunk = new byte[64 * 1024];
                int mostWaiting = 0;
                for (int i = 0; i < 40; i++) {
                    Thread.sleep(50);
                    mostWaiting = Math.max(mostWaiting, in.available());
                    assertThat(in.read(chunk)).isPositive();
                }
                assertThat(mostWaiting).as("bytes waiting unread").isGreaterThan(window / 2)
                        .isLessThanOrEqualTo(2 * window);
            }
        }
    }

    @Test
    void aChannelGivesItsWindowBackAsItIsReadNotOnlyWhenItIsNearlyUsedUp() throws Exception {
        // sshj alone adjusts once 640 KiB of a 4 MiB window are left: what the unit may send plus what waits unread
        // then falls far below the window, and over a long round trip the channel runs dry.
        int window = 4 * 1024 * 1024;
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            try (UnitConnections connections = connections(sshd, window);
                 Session session = connections.openSession("etcd/0", Deadline.after(Duration.ofSeconds(30)),
                         "read").session()) {
                SessionChannel channel = (SessionChannel) session;
                InputStream in = session.exec("head -c 64M /dev/zero").getInputStream();
                byte[] chunk = new byte[64 * 1024];
                long least = Long.MAX_VALUE;
                long total = 0;
                int n;
                while ((n = in.read(chunk)) != -1) {
                    total += n;
                    if (!channel.isEOF()) {
                        least = Math.min(least, channel.getLocalWinSize() + in.available());
                    }
                }
                assertThat(total).isEqualTo(64L * 1024 * 1024);
                assertThat(least).as("what the unit may still send plus what waits unread, after each read")
                        .isGreaterThanOrEqualTo(window - window / 8 - chunk.length);
            }
        }
    }

    @Test
    void aChannelReadAsFastAsLoopbackGoesNeverLetsTheUnitOverrunItsWindow() throws Exception {
        // The window is given back from the reading thread while sshj's reader thread takes data off it: a grant
        // counted only after it was sent let the unit's answer arrive first, and sshj died with "Window consumed to
        // below 0" (benchmark 1 over loopback, after 460 MiB). A small window makes grants, and so chances, many.
        int window = 2 * 1024 * 1024;
        long bytes = 512L * 1024 * 1024;
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            try (UnitConnections connections = connections(sshd, window);
                 Session session = connections.openSession("etcd/0", Deadline.after(Duration.ofSeconds(50)),
                         "fast read").session()) {
                InputStream in = session.exec("head -c " + bytes + " /dev/zero").getInputStream();
                byte[] chunk = new byte[256 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(chunk)) != -1) {
                    total += n;
                }
                assertThat(total).isEqualTo(bytes);
            }
        }
    }

    /** Connections to {@code sshd} as unit {@code etcd/0}, whose channels advertise {@code window} bytes. */
    private static UnitConnections connections(LocalSshd sshd, int window) {
        SshSettings settings = new SshSettings(sshd.port(), sshd.user(), Optional.of(sshd.userPrivateKey()), null,
                sshd.hostKnownHostsFile(), false, Duration.ofSeconds(10), Optional.empty(), window);
        return new UnitConnections(new SshConnector(settings)::connect, Map.of("etcd/0", sshd.host()));
    }

    private static String echo(UnitConnections connections) throws IOException {
        UnitSession channel = connections.openSession("etcd/0", Deadline.after(Duration.ofSeconds(30)), "echo");
        try (Session session = channel.session()) {
            Session.Command echo = session.exec("echo ok");
            String out = new String(echo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            echo.join(10, TimeUnit.SECONDS);
            return out;
        }
    }

    /** A real, logged-in connection that can be told to report itself gone after some more checks. */
    private static final class DiesAfterChecks extends SSHClient {
        private final AtomicInteger checksLeft = new AtomicInteger(Integer.MAX_VALUE);

        private DiesAfterChecks() {
            super(new DefaultConfig());
        }

        static DiesAfterChecks connect(LocalSshd sshd) {
            DiesAfterChecks client = new DiesAfterChecks();
            try {
                client.addHostKeyVerifier(new OpenSSHKnownHosts(sshd.hostKnownHostsFile().toFile()));
                client.connect(sshd.host(), sshd.port());
                client.authPublickey(sshd.user(), sshd.userPrivateKey().toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return client;
        }

        void diesAfterChecks(int checks) {
            checksLeft.set(checks);
        }

        @Override
        public boolean isConnected() {
            return checksLeft.getAndDecrement() > 0 && super.isConnected();
        }
    }
}
