package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.EtcdUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A unit and a backup directory that misbehave, through the real SSH stack (sshj, OpenSSH sshd, {@code sudo -n
 * cat}): a unit that streams far more than the size it reported, symbolic links planted where the download writes,
 * and a {@code .part} locked by another process. Each must end in a typed error that names what is wrong, with
 * nothing written outside the directory, nothing left half-written, and no command left running on the unit.
 */
@Timeout(300)
class SshHostileChecks {
    private static final int ARCHIVE_BYTES = 6 * 1024 * 1024;
    private static final String PRECIOUS = "precious, outside the backup directory\n";

    @TempDir
    static Path work;
    private static Testbed testbed;
    private static EtcdUnit unit;

    @BeforeAll
    static void start() {
        testbed = Testbed.start(work.resolve("testbed"), 1);
        unit = testbed.cluster.unit("etcd/0");
    }

    @AfterAll
    static void stop() {
        testbed.close();
    }

    @Test
    void aUnitStreamingFarMoreThanItReportedIsStoppedAndLeavesNothing() throws Exception {
        Path source = archiveOnUnit("oversize");
        // The unit says 100K (du -h) for a 6 MiB file: the download must stop near 1.25 x 100K + 1 MiB.
        Snapshot snapshot = Snapshot.builder().unit(unit.name()).remotePath(source.toString())
                .sha256(SshCutChecks.sha256(Files.readAllBytes(source))).sizeText("100K").build();
        Path dir = work.resolve("oversize");
        try (SshTransport transport = testbed.direct().build();
             EtcdBackupClient client = client(transport)) {
            Throwable thrown = catchThrowable(() -> client.download(snapshot, dir));

            assertThat(thrown).isInstanceOf(TransportException.class).hasMessageContaining("brought more than");
            assertThat(filesIn(dir)).isEmpty();
            assertThat(SshLeaks.processesNaming(List.of(source.toString()))).isEmpty();
            assertThat(SshLeaks.openChannels(transport)).isZero();
            SshReliabilityLedger.OVERSIZE_STREAMS_STOPPED.incrementAndGet();
        }
    }

    @Test
    void linksPlantedWhereTheDownloadWritesAreRefusedAndNeverFollowed() throws Exception {
        Path source = archiveOnUnit("links");
        Snapshot snapshot = Snapshot.of(unit.name(), source.toString(), SshCutChecks.sha256(Files.readAllBytes(source)));
        Path victim = Files.writeString(work.resolve("victim"), PRECIOUS);
        Path missing = work.resolve("created-through-a-link");
        List<String> problems = new ArrayList<>();
        try (SshTransport transport = testbed.direct().build();
             EtcdBackupClient client = client(transport)) {
            String name = snapshot.localName("");
            for (String planted : List.of(name + ".part", name)) {
                for (Path target : List.of(victim, missing)) {
                    Path dir = Files.createDirectories(work.resolve("links-" + planted.length() + "-"
                            + target.getFileName()));
                    Path link = Files.createSymbolicLink(dir.resolve(planted), target);

                    Throwable thrown = catchThrowable(() -> client.download(snapshot, dir));

                    if (!(thrown instanceof FileConflictException conflict) || !conflict.file().equals(link)) {
                        problems.add(planted + " -> " + target + ": expected a FileConflictException naming the link, "
                                + "got " + thrown);
                    } else {
                        SshReliabilityLedger.PLANTED_LINKS_REFUSED.incrementAndGet();
                    }
                    if (!Files.readString(victim).equals(PRECIOUS) || Files.exists(missing)) {
                        problems.add(planted + " -> " + target + ": a file outside the directory was written");
                    }
                    Files.delete(link);
                    LocalSnapshot local = client.download(snapshot, dir);
                    if (!Files.isRegularFile(local.file(), LinkOption.NOFOLLOW_LINKS) || local.verify() != local) {
                        problems.add(planted + " -> " + target + ": the download after removing the link failed");
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aPartLockedByAnotherProcessIsRefusedAndItsBytesAreLeftAlone() throws Exception {
        Path source = archiveOnUnit("locked");
        Snapshot snapshot = Snapshot.of(unit.name(), source.toString(), SshCutChecks.sha256(Files.readAllBytes(source)));
        Path dir = Files.createDirectories(work.resolve("locked"));
        Path part = dir.resolve(snapshot.localName("") + ".part");
        Files.writeString(part, "another process's bytes");
        // python3's fcntl.lockf takes the same POSIX record lock as a Java FileLock.
        Process holder = new ProcessBuilder("/usr/bin/python3", "-c", """
                import fcntl, sys, time
                f = open(sys.argv[1], 'rb+')
                fcntl.lockf(f, fcntl.LOCK_EX)
                print('locked', flush=True)
                time.sleep(120)
                """, part.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(7), StandardCharsets.UTF_8)).isEqualTo("locked\n");
            try (SshTransport transport = testbed.direct().build();
                 EtcdBackupClient client = client(transport)) {
                Throwable thrown = catchThrowable(() -> client.download(snapshot, dir));

                assertThat(thrown).isInstanceOf(FileConflictException.class).hasMessageContaining("another download");
                assertThat(Files.readString(part)).isEqualTo("another process's bytes");
                assertThat(dir.resolve(snapshot.localName(""))).doesNotExist();
                SshReliabilityLedger.LOCKS_HELD_ELSEWHERE_REFUSED.incrementAndGet();
            }
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Path archiveOnUnit(String name) throws IOException {
        byte[] bytes = new byte[ARCHIVE_BYTES];
        new Random(name.hashCode()).nextBytes(bytes);
        Path source = unit.snapshotDir().resolve("etcd-snapshot-" + name + ".tar.gz");
        Files.createDirectories(source.getParent());
        return Files.write(source, bytes);
    }

    private static EtcdBackupClient client(SshTransport transport) {
        return EtcdBackupClient.builder().transport(transport).timeout(Duration.ofMinutes(1)).build();
    }

    private static List<String> filesIn(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".etcd-backup.lock")).toList();
        }
    }
}
