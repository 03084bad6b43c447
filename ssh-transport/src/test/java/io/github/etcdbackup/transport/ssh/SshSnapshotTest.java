package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.health.MemberState;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.EtcdUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshots, downloads, health and unit-side failures against real etcd behind a real sshd. */
@Timeout(120)
class SshSnapshotTest {
    @TempDir
    static Path shared;
    private static Testbed testbed;

    @TempDir
    Path downloads;

    @BeforeAll
    static void startCluster() {
        testbed = Testbed.start(shared, 3);
        // About 1 MB of incompressible values, so that an archive is big enough to be cut in the middle.
        Testbed.putRandomKeys(testbed.cluster.unit("etcd/0"), 1000);
    }

    @AfterAll
    static void stopCluster() {
        testbed.close();
    }

    private static EtcdBackupClient client(SshTransport transport) {
        return EtcdBackupClient.builder().transport(transport).timeout(Duration.ofMinutes(1)).build();
    }

    @Test
    void v3SnapshotIsPackedLikeTheCharmsAndDownloadsVerified() {
        try (EtcdBackupClient client = client(testbed.direct().build())) {
            Snapshot snapshot = client.snapshot(SnapshotRequest.builder().unit("etcd/1").build());
            LocalSnapshot local = client.download(snapshot, downloads);

            assertThat(snapshot.remotePath()).startsWith(testbed.cluster.unit("etcd/1").snapshotDir().toString());
            assertThat(snapshot.etcdctlVersion()).isEqualTo("3.4.23");
            assertThat(snapshot.apiVersion()).isEqualTo("3.4");
            assertThat(snapshot.keysVersion()).isEqualTo(KeysVersion.V3);
            assertThat(snapshot.sizeText()).matches("\\d+(\\.\\d)?[KMG]?");
            assertThat(snapshot.actionId()).isEmpty();
            assertThat(Tar.list(local.file())).containsExactlyInAnyOrder("./", "./db");
            assertThat(local.sha256()).isEqualTo(snapshot.sha256())
                    .isEqualTo(Sha256.ofFile(Path.of(snapshot.remotePath())));
            assertThat(testbed.cluster.unit("etcd/1").snapshotDir()).isDirectoryNotContaining("glob:**/.etcd-backup*");
        }
    }

    @Test
    void v2SnapshotHoldsTheMemberTreeAndLeavesNoScratchBehind() {
        try (EtcdBackupClient client = client(testbed.direct().build())) {
            Snapshot snapshot = client.snapshot(SnapshotRequest.builder().unit("etcd/0").keysVersion(KeysVersion.V2)
                    .build());
            LocalSnapshot local = client.download(snapshot, downloads);

            assertThat(snapshot.keysVersion()).isEqualTo(KeysVersion.V2);
            assertThat(Tar.list(local.file())).contains("./member/snap/db",
                    "./member/wal/0000000000000000-0000000000000000.wal");
            assertThat(testbed.cluster.unit("etcd/0").dataDir().resolve("v2-snapshots"))
                    .isEmptyDirectory();
        }
    }

    @Test
    void worksWithoutSudoForAUserThatCanReadTheCerts() {
        try (EtcdBackupClient client = client(testbed.direct().useSudo(false).build())) {
            LocalSnapshot local = client.backup("etcd/2", downloads);
            assertThat(Tar.list(local.file())).containsExactlyInAnyOrder("./", "./db");
        }
    }

    @Test
    void aCutDownloadResumesFromThePartFile() throws IOException {
        SshTransport ssh = testbed.viaProxy().build();
        CutNextStream transport = new CutNextStream(ssh, testbed.proxy);
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMinutes(1)).build()) {
            Snapshot snapshot = client.snapshot("etcd/0");
            Path part = downloads.resolve(snapshot.localName("") + ".part");
            transport.cutNextStreamAfter(256 * 1024);

            assertThatThrownBy(() -> client.download(snapshot, downloads))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("partial file is kept");
            long kept = Files.size(part);
            assertThat(kept).isGreaterThanOrEqualTo(256 * 1024).isLessThan(Files.size(Path.of(snapshot.remotePath())));

            LocalSnapshot local = client.download(snapshot, downloads);
            assertThat(local.sha256()).isEqualTo(snapshot.sha256());
            assertThat(part).doesNotExist();
        }
    }

    @Test
    void healthSeesAStoppedMember() {
        EtcdUnit stopped = testbed.cluster.unit("etcd/2");
        try (EtcdBackupClient client = client(testbed.direct().build())) {
            stopped.stop();
            HealthReport report = client.health("etcd/0");

            assertThat(report.allMembersHealthy()).isFalse();
            assertThat(report.members()).hasSize(3);
            assertThat(report.unhealthyMembers()).singleElement()
                    .satisfies(m -> assertThat(m.state()).isNotEqualTo(MemberState.HEALTHY));
        } finally {
            stopped.start();
            testbed.cluster.awaitHealthy(Duration.ofSeconds(60));
        }
    }

    @Test
    void withoutTheV2ApiHealthFallsBackToEndpointHealthOfEveryMember() throws IOException {
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        try (EtcdBackupClient client = client(testbed.direct()
                .unitLayout("etcd/0", Testbed.layoutOf(unit).withEtcdctl(etcdctlWithoutV2().toString())).build())) {
            HealthReport report = client.health("etcd/0");

            assertThat(report.format()).isEqualTo(HealthReport.Format.ENDPOINT_HEALTH_V3);
            assertThat(report.members()).hasSize(3).allSatisfy(m -> assertThat(m.healthy()).isTrue());
            assertThat(report.allMembersHealthy()).isTrue();
        }
    }

    @Test
    void aHostileTargetStaysOneQuotedPath() {
        String target = shared.resolve("odd 'dir' $(touch PWNED) `touch PWNED2`; echo x").toString();
        try (SshTransport transport = testbed.direct().build()) {
            Snapshot snapshot = transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0").target(target)
                    .build(), Deadline.after(Duration.ofMinutes(1)));

            assertThat(Path.of(snapshot.remotePath())).isRegularFile().hasParent(Path.of(target));
            assertThat(Path.of("PWNED")).doesNotExist();
            assertThat(Path.of("/root/PWNED")).doesNotExist();
            assertThat(Path.of("PWNED2")).doesNotExist();
        }
    }

    @Test
    void aMissingEtcdctlSaysWhereItLooked() {
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        try (SshTransport transport = testbed.direct()
                .unitLayout("etcd/0", Testbed.layoutOf(unit).withEtcdctl("/nonexistent/etcdctl")).build()) {
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", Deadline.after(Duration.ofMinutes(1))))
                    .isInstanceOfSatisfying(ActionFailedException.class,
                            e -> assertThat(e.returnCode()).hasValue(127))
                    .hasMessageContaining("/nonexistent/etcdctl")
                    .hasMessageContaining("withEtcdctl");
        }
    }

    @Test
    void unreadableCertificatesSayWhatToFix() throws IOException {
        Path emptyCerts = Files.createDirectories(shared.resolve("no-certs"));
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        try (SshTransport transport = testbed.direct().useSudo(false)
                .unitLayout("etcd/0", Testbed.layoutOf(unit).withCertDir(emptyCerts.toString())).build()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0").build(),
                    Deadline.after(Duration.ofMinutes(1))))
                    .isInstanceOfSatisfying(ActionFailedException.class,
                            e -> assertThat(e.returnCode()).hasValue(77))
                    .hasMessageContaining(emptyCerts + "/ca.crt")
                    .hasMessageContaining("useSudo(true)");
        }
    }

    @Test
    void aCommandPastItsDeadlineIsStoppedAndTimesOut() throws Exception {
        Path slow = slowEtcdctl();
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        try (SshTransport transport = testbed.direct()
                .unitLayout("etcd/0", Testbed.layoutOf(unit).withEtcdctl(slow.toString())).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", Deadline.after(Duration.ofSeconds(3))))
                    .isInstanceOf(OperationTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertNoProcessRuns(slow);
        }
    }

    @Test
    void anInterruptStopsTheCommandAndKeepsTheFlag() throws Exception {
        Path slow = slowEtcdctl();
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        try (SshTransport transport = testbed.direct()
                .unitLayout("etcd/0", Testbed.layoutOf(unit).withEtcdctl(slow.toString())).build()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    transport.healthOutput("etcd/0", Deadline.after(Duration.ofMinutes(1)));
                } catch (RuntimeException e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            worker.start();
            Thread.sleep(2500);
            worker.interrupt();
            worker.join(10_000);

            assertThat(worker.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(OperationInterruptedException.class);
            assertThat(flag.get()).isTrue();
            assertNoProcessRuns(slow);
        }
    }

    /** The remote command was killed, not left to run: no process runs the script a moment later. */
    private static void assertNoProcessRuns(Path script) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> running;
        do {
            Thread.sleep(100);
            running = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains(script.toString()))
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
        } while (!running.isEmpty() && System.nanoTime() < until);
        assertThat(running).as("processes still running " + script).isEmpty();
    }

    /** The real etcdctl without its v2 commands, as etcd 3.6 ships it (ctlv2 was removed). */
    private static Path etcdctlWithoutV2() throws IOException {
        Path script = shared.resolve("etcdctl-3.6-like");
        if (!Files.exists(script)) {
            Files.writeString(script, "#!/bin/sh\n"
                    + "if [ \"$ETCDCTL_API\" = 2 ]; then echo 'Error: unknown command \"cluster-health\"' >&2; exit 1; fi\n"
                    + "exec /usr/bin/etcdctl \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return script;
    }

    /** An "etcdctl" that hangs, to exercise deadlines and interrupts. */
    private static Path slowEtcdctl() throws IOException {
        Path script = shared.resolve("slow-etcdctl");
        if (!Files.exists(script)) {
            Files.writeString(script, "#!/bin/sh\nsleep 20\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return script;
    }
}
