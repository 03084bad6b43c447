package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.testkit.LocalSshd;
import io.github.etcdbackup.testkit.ShapedLink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connecting: host keys, user keys, jump host, refused and silent servers, hostile input. */
@Timeout(120)
class SshConnectionTest {
    @TempDir
    static Path shared;
    private static Testbed testbed;

    @BeforeAll
    static void startCluster() {
        testbed = Testbed.start(shared, 1);
    }

    @AfterAll
    static void stopCluster() {
        testbed.close();
    }

    private static String health(SshTransport transport) {
        return transport.healthOutput("etcd/0", Deadline.after(Duration.ofMinutes(1)));
    }

    @Test
    void anUnknownHostKeyIsRefusedWithItsFingerprintAndTheLineToTrustIt() throws IOException {
        Path empty = Files.createFile(shared.resolve("empty_known_hosts"));
        try (SshTransport transport = testbed.direct().knownHosts(empty).build()) {
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("is not in " + empty)
                    .hasMessageContaining("[127.0.0.1]:" + testbed.sshd.port() + " ssh-")
                    .hasMessageContaining("ssh-keyscan")
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf(
                            testbed.sshd.hostKeyFingerprint("ed25519"), testbed.sshd.hostKeyFingerprint("rsa")));
        }
    }

    @Test
    void aMissingKnownHostsFileMeansUnknownHost() {
        try (SshTransport transport = testbed.direct().knownHosts(shared.resolve("no-such-file")).build()) {
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("is not in");
        }
    }

    @Test
    void aChangedHostKeyIsRefusedLoudly() throws IOException {
        // Another machine's keys recorded under this server's [host]:port.
        Path other = Files.createDirectories(shared.resolve("other-keys"));
        Commands.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.resolve("k").toString());
        Commands.run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", other.resolve("r").toString());
        String hostPattern = "[127.0.0.1]:" + testbed.sshd.port();
        Path knownHosts = Files.write(shared.resolve("changed_known_hosts"), List.of(
                hostPattern + " " + Files.readString(other.resolve("k.pub")).strip(),
                hostPattern + " " + Files.readString(other.resolve("r.pub")).strip()));
        try (SshTransport transport = testbed.direct().knownHosts(knownHosts).build()) {
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("CHANGED")
                    .hasMessageContaining("ssh-keygen -R '" + hostPattern + "'")
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf(
                            testbed.sshd.hostKeyFingerprint("ed25519"), testbed.sshd.hostKeyFingerprint("rsa")));
        }
    }

    @Test
    void insecureAcceptAnyHostKeyConnectsWithoutKnownHosts() {
        try (SshTransport transport = testbed.direct().knownHosts(shared.resolve("no-such-file"))
                .insecureAcceptAnyHostKey().build()) {
            assertThat(health(transport)).contains("is healthy");
        }
    }

    @Test
    void aWrongUserKeyIsRefusedWithWhatToFix() throws IOException {
        Path keys = Files.createDirectories(shared.resolve("stranger"));
        Path key = keys.resolve("id_ed25519");
        Commands.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        try (SshTransport transport = testbed.direct().privateKey(key).build()) {
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("refused user '" + testbed.sshd.user() + "'")
                    .hasMessageContaining(key.toString())
                    .hasMessageContaining("authorized_keys");
        }
    }

    @Test
    void rsaAndEcdsaUserKeysLogInWithSha2Signatures() throws IOException {
        // Juju's own key (juju_id_rsa) is RSA; ssh-rsa (SHA-1) signatures are off, rsa-sha2-* must carry it.
        for (String[] type : List.of(new String[]{"rsa", "3072"}, new String[]{"ecdsa", "256"})) {
            Path key = Files.createDirectories(shared.resolve("user-" + type[0])).resolve("id_" + type[0]);
            Commands.run("ssh-keygen", "-q", "-t", type[0], "-b", type[1], "-N", "", "-f", key.toString());
            Files.writeString(testbed.sshd.dir().resolve("authorized_keys"),
                    Files.readString(Path.of(key + ".pub")), java.nio.file.StandardOpenOption.APPEND);
            try (SshTransport transport = testbed.direct().privateKey(key).build()) {
                assertThat(health(transport)).as(type[0]).contains("is healthy");
            }
        }
    }

    @Test
    void anEncryptedKeyWorksWithItsPassphraseAndNeverLeaksIt() {
        Path key = testbed.sshd.encryptedUserKey("correct horse");
        // Every log event of every logger at every level (sshj's TRACE included) while the passphrases are in use.
        CapturedLogs.start();
        List<String> logs;
        try {
            try (SshTransport transport = testbed.direct().privateKey(key, "correct horse".toCharArray()).build()) {
                assertThat(health(transport)).contains("is healthy");
                assertThat(transport.toString()).doesNotContain("correct horse");
            }
            try (SshTransport transport = testbed.direct().privateKey(key, "wrong battery".toCharArray()).build()) {
                assertThatThrownBy(() -> health(transport))
                        .isInstanceOf(TransportException.class)
                        .hasMessageContaining("with the passphrase given: check the passphrase")
                        .hasMessageNotContaining("authorized_keys")
                        .satisfies(e -> assertThat(stackText(e)).doesNotContain("wrong battery"));
                assertThat(transport.toString()).doesNotContain("wrong battery");
            }
        } finally {
            logs = CapturedLogs.stop();
        }
        assertThat(logs).as("log events captured").hasSizeGreaterThan(20)
                .anySatisfy(line -> assertThat(line).startsWith("DEBUG net.schmizz"));
        assertThat(logs).noneMatch(line -> line.contains("correct horse") || line.contains("wrong battery"));
    }

    @Test
    void logsInWithASignedRequestAtOnceWithoutAskingFirstWhetherTheKeyWouldDo() throws Exception {
        // An sshd of its own: its log then holds this transport's login only.
        try (LocalSshd own = LocalSshd.start(shared.resolve("own-sshd"))) {
            try (SshTransport transport = SshTransport.builder().port(own.port()).user(own.user())
                    .privateKey(own.userPrivateKey()).knownHosts(own.hostKnownHostsFile())
                    .unitAddress("etcd/0", own.host()).build()) {
                // Asking whether to read in ranges measures the round trip on the unit's connection: a login.
                transport.parallelReads("etcd/0", Deadline.after(Duration.ofMinutes(1)));
            }
            String log = "";
            long until = System.nanoTime() + 10_000_000_000L;
            while (!log.contains("Accepted publickey") && System.nanoTime() < until) {
                Thread.sleep(20);
                log = Files.readString(own.logFile());
            }
            // sshd logs "Postponed publickey" when it answers a request without signature (USERAUTH_PK_OK): the
            // round trip a signed first request saves on every connection.
            assertThat(log).contains("Accepted publickey for " + own.user()).doesNotContain("Postponed publickey");
        }
    }

    @Test
    void anEncryptedKeyWithoutItsPassphraseSaysThatItNeedsOne() throws IOException {
        Path pem = Files.createDirectories(shared.resolve("pem")).resolve("id_rsa");
        Commands.run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "battery staple", "-f",
                pem.toString());
        // Authorized, so that sshj gets as far as decrypting it: the server accepts the public key first.
        Files.writeString(testbed.sshd.dir().resolve("authorized_keys"), Files.readString(Path.of(pem + ".pub")),
                java.nio.file.StandardOpenOption.APPEND);
        for (Path key : List.of(testbed.sshd.encryptedUserKey("correct horse"), pem)) {
            try (SshTransport transport = testbed.direct().privateKey(key).build()) {
                assertThatThrownBy(() -> health(transport))
                        .isInstanceOf(TransportException.class)
                        .hasMessageContaining(key.toString())
                        .hasMessageContaining("is encrypted and needs its passphrase")
                        .hasMessageContaining("privateKey(Path, char[])")
                        .hasMessageNotContaining("authorized_keys");
            }
        }
    }

    @Test
    void anEncryptedDefaultKeyIsLeftOutAndNamedWhenTheUnitRefusesTheOthers() throws IOException {
        Path home = Files.createDirectories(shared.resolve("home-mixed"));
        Path sshDir = Files.createDirectories(home.resolve(".ssh"));
        // Neither key is authorized on the unit; one of them cannot even be read without its passphrase.
        Commands.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", sshDir.resolve("id_ed25519").toString());
        Commands.run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "some passphrase", "-f",
                sshDir.resolve("id_rsa").toString());
        String message = loginWithDefaultKeysOf(home);
        assertThat(message).contains("refused user '" + testbed.sshd.user() + "'")
                .contains("left out, encrypted: [" + sshDir.resolve("id_rsa") + "]")
                .doesNotContain("needs its passphrase");
    }

    @Test
    void onlyEncryptedDefaultKeysSayThatTheyNeedAPassphrase() throws IOException {
        Path home = Files.createDirectories(shared.resolve("home-encrypted"));
        Path sshDir = Files.createDirectories(home.resolve(".ssh"));
        Commands.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "some passphrase", "-f",
                sshDir.resolve("id_ed25519").toString());
        assertThat(loginWithDefaultKeysOf(home)).contains("the default keys in ~/.ssh")
                .contains("is encrypted and needs its passphrase");
    }

    /** Logs in without {@code privateKey(...)}, {@code user.home} set to {@code home}; returns the error's message. */
    private static String loginWithDefaultKeysOf(Path home) {
        String realHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try (SshTransport transport = testbed.unitsOnly(SshTransport.builder().port(testbed.sshd.port())
                .user(testbed.sshd.user()).knownHosts(testbed.sshd.hostKnownHostsFile())
                .connectTimeout(Duration.ofSeconds(10))).build()) {
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> health(transport));
            assertThat(thrown).isInstanceOf(TransportException.class);
            return thrown.getMessage();
        } finally {
            System.setProperty("user.home", realHome);
        }
    }

    @Test
    void anEncryptedKeyWithoutItsPassphraseIsRefusedBeforeAnyConnection() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Path key = testbed.sshd.encryptedUserKey("correct horse");
        try (SshTransport transport = testbed.direct().port(closedPort).privateKey(key).build()) {
            // Nothing listens there: only a key read before connecting can say what is wrong with the key.
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("is encrypted and needs its passphrase")
                    .hasMessageNotContaining("refused");
        }
    }

    @Test
    void goesThroughAJumpHost() throws IOException {
        try (LocalSshd jump = LocalSshd.builder().userKeyFrom(testbed.sshd).start(shared.resolve("jump"))) {
            Path knownHosts = LocalSshd.writeKnownHosts(shared.resolve("jump_known_hosts"), testbed.sshd, jump);
            try (SshTransport transport = testbed.direct().knownHosts(knownHosts)
                    .jumpHost("127.0.0.1", jump.port(), jump.user()).build()) {
                assertThat(health(transport)).contains("is healthy");
            }
            assertThat(Files.readString(jump.logFile())).contains("Accepted publickey");
        }
    }

    @Test
    void rangesBeyondTheUnitsMaxSessionsWaitForASessionOnTheSameConnection() throws IOException {
        // Before issue #22 a refused channel was taken for a dead connection, which was then closed under every
        // other channel on it: parallel reads beyond MaxSessions failed the whole download.
        Testbed.putRandomKeys(testbed.cluster.unit("etcd/0"), 200);
        try (LocalSshd narrow = LocalSshd.builder().userKeyFrom(testbed.sshd).config("MaxSessions 2")
                .start(shared.resolve("narrow"));
             SshTransport transport = testbed.direct().port(narrow.port()).knownHosts(narrow.hostKnownHostsFile())
                     .parallelReads(6, 16 * 1024).parallelReadsFrom(Duration.ZERO).build();
             EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                     .timeout(Duration.ofMinutes(1)).build()) {
            LocalSnapshot local = client.backup("etcd/0", shared.resolve("narrow-downloads"));
            assertThat(local.sizeBytes()).as("several ranges").isGreaterThan(6 * 16 * 1024);
            assertThat(local.verify().sha256()).isEqualTo(local.source().sha256());
            assertThat(Files.readString(narrow.logFile())).contains("no more sessions");
            assertThat(Files.readString(narrow.logFile()).split("Accepted publickey", -1)).as("one login")
                    .hasSize(2);
        }
    }

    @Test
    void parallelReadsAreForUnitsFartherThanTheirRoundTripThreshold() {
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        // 15 ms rather than the default 5: loopback on a loaded 2-core machine must not pass for far.
        Duration threshold = Duration.ofMillis(15);
        try (SshTransport near = testbed.direct().parallelReadsFrom(threshold).build()) {
            assertThat(near.parallelReads("etcd/0", deadline)).as("loopback: one stream").isEmpty();
        }
        try (ShapedLink link = ShapedLink.start(testbed.sshd.host(), testbed.sshd.port(), Duration.ofMillis(10),
                100_000_000);
             SshTransport far = testbed.direct().port(link.port()).knownHosts(testbed.sshd.knownHostsFileFor(
                     link.port())).parallelReadsFrom(threshold).build()) {
            ParallelReads defaults = new ParallelReads(SshTransport.Builder.DEFAULT_PARALLEL_STREAMS,
                    SshTransport.Builder.DEFAULT_RANGE_BYTES, true);
            CapturedLogs.start();
            List<String> firstDownload;
            try {
                assertThat(far.parallelReads("etcd/0", deadline)).as("20 ms away").contains(defaults);
            } finally {
                firstDownload = CapturedLogs.stop();
            }
            // OpenSSH refuses the probe's request, which is the answer: sshj's promise logs that at ERROR, here DEBUG.
            assertThat(firstDownload).filteredOn(line -> line.contains("keepalive@openssh.com>> woke to"))
                    .isNotEmpty().allMatch(line -> line.startsWith("DEBUG "));
            assertThat(firstDownload).noneMatch(line -> line.startsWith("ERROR ") || line.startsWith("WARN "));
            CapturedLogs.start();
            List<String> secondDownload;
            try {
                assertThat(far.parallelReads("etcd/0", deadline)).contains(defaults);
            } finally {
                secondDownload = CapturedLogs.stop();
            }
            assertThat(secondDownload).as("measured once per connection")
                    .noneMatch(line -> line.contains("keepalive@openssh.com"));
        }
        try (SshTransport off = testbed.direct().parallelReads(1, 0).parallelReadsFrom(Duration.ZERO).build()) {
            assertThat(off.parallelReads("etcd/0", deadline)).isEmpty();
        }
    }

    @Test
    void aServerWithOnlyLegacyAlgorithmsIsRefused() {
        try (LocalSshd weak = LocalSshd.builder().weakAlgorithmsOnly().userKeyFrom(testbed.sshd)
                .start(shared.resolve("weak"))) {
            try (SshTransport transport = testbed.direct().port(weak.port()).knownHosts(weak.hostKnownHostsFile())
                    .build()) {
                assertThatThrownBy(() -> health(transport))
                        .isInstanceOf(TransportException.class)
                        .hasMessageContaining("offers only algorithms this client refuses");
            }
        }
    }

    @Test
    void aRefusedConnectionSaysWhereAndWhat() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (SshTransport transport = testbed.direct().port(closedPort).build()) {
            assertThatThrownBy(() -> health(transport))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("refused")
                    .hasMessageContaining("127.0.0.1:" + closedPort);
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(30_000);
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (SshTransport transport = testbed.direct().port(silent.getLocalPort())
                    .connectTimeout(Duration.ofSeconds(1)).build()) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> health(transport))
                        .isInstanceOfAny(TransportException.class, OperationTimeoutException.class)
                        .hasMessageContaining("did not answer within PT1S");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            }
            acceptor.interrupt();
        }
    }

    /**
     * Found by the cut suite (a cut 104 bytes into a connection): a server that hangs up right after its version line
     * ends sshj's transport before the key exchange, which sshj reports as {@code IllegalStateException("Not
     * connected")}; each attempt here must still end as a typed error. A race: about one attempt in a few hundred
     * hits it on a 2-CPU machine, hence the many attempts (a few seconds in all).
     */
    @Test
    void aServerThatHangsUpAfterItsVersionLineIsATransportError() throws IOException {
        try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!rude.isClosed()) {
                    try (Socket client = rude.accept()) {
                        client.getOutputStream().write("SSH-2.0-OpenSSH_9.2p1\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // closed by the test, or the client left first
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            for (int attempt = 0; attempt < 1500; attempt++) {
                try (SshTransport transport = testbed.direct().port(rude.getLocalPort()).build()) {
                    assertThatThrownBy(() -> health(transport)).as("attempt %d", attempt)
                            .isInstanceOf(TransportException.class)
                            .hasMessageContaining("127.0.0.1:" + rude.getLocalPort());
                }
            }
        }
    }

    @Test
    void hostileNamesAndPathsAreRefusedBeforeAnyConnection() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        SshTransport.Builder builder = testbed.direct().port(closedPort);
        assertThatThrownBy(() -> builder.unitAddress("etcd/0; rm -rf /", "127.0.0.1"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> builder.unitAddress("etcd/1", "-oProxyCommand=touch /tmp/x"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> builder.unitAddress("etcd/1", "host name"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> builder.user("-oProxyCommand=x")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> builder.user("root;id")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> builder.port(0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> UnitLayout.charm().withEtcdctl("/snap/bin/../../bin/sh"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> UnitLayout.charm().withEndpoint("https://127.0.0.1:2379;reboot"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> UnitLayout.charm().withService("snap.etcd.etcd; reboot"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> UnitLayout.charm().withCertDir("relative/certs"))
                .isInstanceOf(InvalidInputException.class);

        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        try (SshTransport transport = builder.build()) {
            for (String path : List.of("/tmp/../etc/shadow", "etc/shadow", "/tmp/a\nb", "/tmp/nul\0", "/")) {
                assertThatThrownBy(() -> transport.openFile("etcd/0", path, 0, deadline))
                        .as(path).isInstanceOf(InvalidInputException.class);
            }
            assertThatThrownBy(() -> transport.openFile("etcd/0", "/tmp/x", -1, deadline))
                    .isInstanceOf(InvalidInputException.class);
            for (String unit : List.of("etcd/0 ", "etcd/0;id", "../etcd/0", "etcd/leader", "other/0", "etcd/7")) {
                assertThatThrownBy(() -> transport.healthOutput(unit, deadline))
                        .as(unit).isInstanceOf(InvalidInputException.class);
            }
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0")
                    .target("/tmp/../root").build(), deadline))
                    .isInstanceOf(InvalidInputException.class);
            // The same transport does try to connect for a valid call: the refusals above came first.
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", deadline))
                    .isInstanceOf(TransportException.class).hasMessageContaining("refused");
        }
    }

    private static String stackText(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }

    /** Runs a short local command, failing the test if it fails. */
    static final class Commands {
        private Commands() {
        }

        static void run(String... command) {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes());
                if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
