package io.github.etcdbackup.client;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.LocalFileTransport;
import io.github.etcdbackup.testing.TestArchives;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a child JVM (SIGKILL) mid-download at seeded random moments (#11): afterwards no final file is partial, the
 * store reports at most an unfinished {@code .part}, and the next download resumes to a byte-identical archive.
 */
@Timeout(300)
class CrashSuiteTest {
    private static final int CRASHES = 8;

    @TempDir
    Path work;

    @Test
    void aKilledDownloadNeverLeavesAPartialFinalFileAndResumes() throws Exception {
        Random random = new Random(20261126L);
        byte[] content = TestArchives.v3Archive(TestArchives.bboltLikeDb(12 * 1024 * 1024, 11), work);
        Path source = work.resolve("etcd-snapshot-2026-11-26-10.00.00.tar.gz");
        Files.write(source, content);
        String sha256 = FakeTransport.sha256(content);
        Snapshot snapshot = Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/" + source.getFileName(), sha256);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        int partial = 0;
        int finished = 0;
        int resumed = 0;
        for (int i = 0; i < CRASHES; i++) {
            Path dir = work.resolve("crash-" + i);
            Process child = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    LocalFileTransport.class.getName(), source.toString(), sha256, dir.toString()))
                    .redirectErrorStream(true).redirectOutput(work.resolve("child-" + i + ".log").toFile()).start();
            Thread.sleep(400 + random.nextInt(1200));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            Path finalFile = dir.resolve(source.getFileName());
            if (Files.exists(finalFile)) {
                assertThat(Files.readAllBytes(finalFile)).isEqualTo(content);
                finished++;
            } else {
                partial++;
            }
            if (Files.isDirectory(dir)) {
                // The two states a kill can leave: an unfinished .part, or (killed between publishing the verified
                // archive and writing its sidecars) an archive without manifest. verifyAll reports either; the next
                // download of the same snapshot completes both.
                for (StoreCheck check : SnapshotStore.open(dir).verifyAll()) {
                    assertThat(check.ok() || check.problems().get(0).startsWith("unfinished download")
                            || check.problems().get(0).startsWith("no manifest")).as(check.toString()).isTrue();
                }
            }
            boolean hadPart = Files.exists(dir.resolve(source.getFileName() + ".part"));
            try (EtcdBackupClient client = EtcdBackupClient.create(new LocalFileTransport(source, 0))) {
                LocalSnapshot local = client.download(snapshot, dir);
                assertThat(Files.readAllBytes(local.file())).isEqualTo(content);
            }
            resumed += hadPart ? 1 : 0;
            assertThat(SnapshotStore.open(dir).verifyAll()).allSatisfy(check -> assertThat(check.ok()).isTrue());
        }
        System.out.printf("crash-suite: kills=%d killedBeforeTheEnd=%d finishedBeforeTheKill=%d resumedFromPart=%d "
                + "corruptFinalFiles=0%n", CRASHES, partial, finished, resumed);
        assertThat(partial).isPositive();
    }

    @Test
    void twoProcessesDownloadingIntoOneStoreNeverCorruptIt() throws Exception {
        byte[] content = TestArchives.v3Archive(TestArchives.bboltLikeDb(4 * 1024 * 1024, 12), work);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path dir = work.resolve("shared-store");
        for (int round = 0; round < 3; round++) {
            Path source = work.resolve("etcd-snapshot-2026-11-26-11.00.0" + round + ".tar.gz");
            Files.write(source, content);
            String sha256 = FakeTransport.sha256(content);
            List<Process> writers = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                writers.add(new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                        LocalFileTransport.class.getName(), source.toString(), sha256, dir.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(work.resolve("writer-" + round + "-" + i + ".log").toFile()).start());
            }
            for (Process writer : writers) {
                assertThat(writer.waitFor(120, TimeUnit.SECONDS)).isTrue();
            }
            // One writer wins; the other either finds the verified archive already there or is refused while the
            // first holds the .part: never a mixed or overwritten file.
            assertThat(writers.stream().filter(p -> p.exitValue() == 0).count()).isPositive();
            Snapshot snapshot = Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/" + source.getFileName(), sha256);
            assertThat(Files.readAllBytes(dir.resolve(snapshot.localName("")))).isEqualTo(content);
        }
        assertThat(SnapshotStore.open(dir).list()).hasSize(3);
        assertThat(SnapshotStore.open(dir).verifyAll()).hasSize(3).allSatisfy(check -> assertThat(check.ok()).isTrue());
    }
}
