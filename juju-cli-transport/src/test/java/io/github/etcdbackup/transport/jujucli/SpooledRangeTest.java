package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.SpooledRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The juju-cli transport's ranges: {@code juju ssh}'s stdout goes into a file of the spool directory, which the
 * reader follows as it grows; nothing stays in the spool directory, a failed or oversized range is an error, and
 * closing kills the process.
 */
@Timeout(60)
class SpooledRangeTest {
    private static final int LENGTH = 100_000;

    @TempDir
    Path dir;

    private Path spool() throws IOException {
        return Files.createDirectories(dir.resolve("spool"));
    }

    private JujuCliTransport transport(FakeJuju juju, Path spool) {
        return JujuCliTransport.builder().executable(juju.executable()).fileTransfer(FileTransfer.SSH_CAT)
                .parallelReads(4, LENGTH).spoolDirectory(spool).build();
    }

    private static byte[] bytes(int size) {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        return content;
    }

    @Test
    void aRangeArrivesInAFileThatLeavesNothingInTheSpoolDirectory() throws Exception {
        byte[] content = bytes(LENGTH);
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer(content, "", 0);
        Path spool = spool();
        try (JujuCliTransport transport = transport(juju, spool);
             InputStream in = transport.openRange("etcd/0", "/var/snap/x.tar.gz", 0, LENGTH, deadline())) {
            assertThat(transport.parallelReads("etcd/0", deadline())).hasValueSatisfying(reads ->
                    assertThat(reads.spooled()).isTrue());
            // The file was unlinked as soon as juju held it.
            assertThat(entries(spool)).isEmpty();
            assertThat(in).isInstanceOf(SpooledRange.class);
            assertThat(((SpooledRange) in).awaitArrival(deadline())).isEqualTo(LENGTH);
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(juju.command()).containsSequence("ssh", "--pty=false", "etcd/0", "--", "sudo");
        assertThat(entries(spool)).isEmpty();
    }

    @Test
    void aReaderFollowsTheFileWhileTheRangeStillArrives() throws Exception {
        byte[] written = bytes(5000);
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer(written, "", 0).hang();
        try (JujuCliTransport transport = transport(juju, spool());
             InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, deadline())) {
            byte[] got = new byte[written.length];
            int filled = 0;
            while (filled < got.length) {
                filled += in.read(got, filled, got.length - filled);
            }
            assertThat(got).isEqualTo(written);
            juju.awaitPid("child");
            assertThat(ProcessHandle.of(juju.pid("parent").getAsLong()).map(ProcessHandle::isAlive)).hasValue(true);
        }
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void aRangeWhoseCommandFailsIsAnErrorWithItsStderrFromArrivalAndFromRead() throws Exception {
        FakeJuju juju = new FakeJuju(dir.resolve("juju"))
                .answer("", "dd: failed to open '/x': No such file or directory\n", 1);
        try (JujuCliTransport transport = transport(juju, spool());
             InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, deadline())) {
            assertThatThrownBy(() -> ((SpooledRange) in).awaitArrival(deadline())).isInstanceOf(IOException.class)
                    .hasMessageContaining("exited with 1").hasMessageContaining("No such file or directory");
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("exited with 1");
        }
    }

    @Test
    void aRangeLongerThanAskedIsAnError() throws Exception {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer(bytes(LENGTH + 1), "", 0);
        try (JujuCliTransport transport = transport(juju, spool());
             InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, deadline())) {
            assertThatThrownBy(() -> ((SpooledRange) in).awaitArrival(deadline())).isInstanceOf(IOException.class)
                    .hasMessageContaining("more than the " + LENGTH + " asked");
        }
    }

    @Test
    void closingARangeWhileItsArrivalIsAwaitedKillsTheProcessAndEndsTheWait() throws Exception {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer("some bytes", "", 0).hang();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try (JujuCliTransport transport = transport(juju, spool())) {
            InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, deadline());
            Thread waiter = new Thread(() -> {
                try {
                    ((SpooledRange) in).awaitArrival(deadline());
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            juju.awaitPid("child");
            in.close();
            waiter.join(10_000);
            assertThat(thrown.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
            assertThatThrownBy(in::read).isInstanceOf(IOException.class);
        }
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void aRangeThatOutlivesItsDeadlineIsKilledAndAnError() throws Exception {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer("some bytes", "", 0).hang();
        Duration timeout = Duration.ofMillis(1500);
        try (JujuCliTransport transport = transport(juju, spool());
             InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, Deadline.after(timeout))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("deadline");
        }
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void aSpoolDirectoryOthersCanWriteWithoutTheStickyBitIsRefusedAndWithItTaken() throws Exception {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer(bytes(10), "", 0);
        Path spool = spool();
        chmod("777", spool);
        try (JujuCliTransport transport = transport(juju, spool)) {
            assertThatThrownBy(() -> transport.openRange("etcd/0", "/x", 0, LENGTH, deadline()))
                    .isInstanceOfSatisfying(LocalStorageException.class, e -> {
                        assertThat(e.file()).isEqualTo(spool);
                        assertThat(e).hasMessageContaining("sticky bit");
                    });
            assertThat(juju.commands()).isEmpty();
            chmod("1777", spool);
            try (InputStream in = transport.openRange("etcd/0", "/x", 0, LENGTH, deadline())) {
                assertThat(in.readAllBytes()).isEqualTo(bytes(10));
            }
        }
        assertThat(entries(spool)).isEmpty();
    }

    @Test
    void aSpoolDirectoryThatIsNotOneIsRefusedWhenBuilding() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> JujuCliTransport.builder().spoolDirectory(missing))
                .hasMessageContaining("not an existing directory");
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(30));
    }

    private static String[] entries(Path spool) throws IOException {
        try (Stream<Path> list = Files.list(spool)) {
            return list.map(Path::toString).toArray(String[]::new);
        }
    }

    private static void chmod(String mode, Path path) throws Exception {
        Process chmod = new ProcessBuilder("chmod", mode, path.toString()).inheritIO().start();
        assertThat(chmod.waitFor()).isZero();
    }
}
