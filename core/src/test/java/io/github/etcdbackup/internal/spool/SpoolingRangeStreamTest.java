package io.github.etcdbackup.internal.spool;

import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class SpoolingRangeStreamTest {
    /** The range asked for: larger than any test source, except where a test says otherwise. */
    private static final long RANGE = 64L * 1024 * 1024;
    @TempDir
    Path spool;

    private static byte[] bytes(int size) {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        return content;
    }

    @Test
    void readAloneItCopiesAsItIsReadAndLeavesNothingInTheSpoolDirectory() throws IOException {
        byte[] content = bytes(1024 * 1024 + 5);
        try (SpoolingRangeStream in = SpoolingRangeStream.of(new ByteArrayInputStream(content), RANGE, spool, "a range",
                deadline())) {
            assertThat(entries()).as("unlinked once open").isEmpty();
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void awaitArrivalCopiesTheWholeRangeWhileAReaderFollowsTheFile() throws Exception {
        byte[] content = bytes(3 * 1024 * 1024 + 17);
        AtomicLong arrived = new AtomicLong(-1);
        try (SpoolingRangeStream in = SpoolingRangeStream.of(new Trickle(content), RANGE, spool, "a range", deadline())) {
            Thread worker = new Thread(() -> {
                try {
                    arrived.set(in.awaitArrival(deadline()));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            worker.start();
            assertThat(in.readAllBytes()).isEqualTo(content);
            worker.join(30_000);
        }
        assertThat(arrived).hasValue(content.length);
    }

    @Test
    void aRangeThatArrivedClosesItsSourceAtOnceAndIsReadFromTheFile() throws IOException {
        byte[] content = bytes(2 * 1024 * 1024);
        Trickle source = new Trickle(content);
        try (SpoolingRangeStream in = SpoolingRangeStream.of(source, RANGE, spool, "a range", deadline())) {
            assertThat(in.awaitArrival(deadline())).isEqualTo(content.length);
            // What the source holds (an SSH channel, one of a unit's few range sessions) goes back before the reader.
            assertThat(source.closed).isTrue();
            assertThat(source.reads).as("the source was read to its end before the reader came").isPositive();
            long readsBefore = source.reads;
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(source.reads).isEqualTo(readsBefore);
        }
    }

    @Test
    void aFailedSourceFailsArrivalAndTheReadOnceTheBytesBeforeItAreRead() throws IOException {
        byte[] before = bytes(300 * 1024);
        InputStream failing = new InputStream() {
            private final InputStream first = new ByteArrayInputStream(before);

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = first.read(b, off, len);
                if (n < 0) {
                    throw new IOException("connection reset");
                }
                return n;
            }
        };
        try (SpoolingRangeStream in = SpoolingRangeStream.of(failing, RANGE, spool, "a range", deadline())) {
            assertThatThrownBy(() -> in.awaitArrival(deadline())).isInstanceOf(IOException.class)
                    .hasMessage("connection reset");
            byte[] got = new byte[before.length];
            assertThat(in.readNBytes(got, 0, got.length)).isEqualTo(before.length);
            assertThat(got).isEqualTo(before);
            assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("connection reset");
        }
    }

    @Test
    void aSourceThatBringsMoreThanTheRangeFailsOnceItHasAndClosesIt() throws IOException {
        byte[] content = bytes(1024 * 1024);
        Trickle source = new Trickle(content);
        try (SpoolingRangeStream in = SpoolingRangeStream.of(source, content.length - 1, spool, "a range",
                deadline())) {
            assertThatThrownBy(() -> in.awaitArrival(deadline())).isInstanceOf(IOException.class)
                    .hasMessageContaining("more than the " + (content.length - 1) + " bytes asked");
            assertThat(source.closed).isTrue();
            assertThatThrownBy(in::readAllBytes).hasMessageContaining("more than");
        }
    }

    @Test
    void aSpoolDirectoryItsGroupCanWriteWithoutTheStickyBitIsRefused() throws IOException {
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxr-x"));
        Hanging source = new Hanging();
        assertThatThrownBy(() -> SpoolingRangeStream.of(source, RANGE, spool, "a range", deadline()))
                .isInstanceOf(LocalStorageException.class).hasMessageContaining("sticky bit");
        assertThat(source.closed).isTrue();
    }

    @Test
    void closeWakesAWaitingReaderAndClosesTheSource() throws Exception {
        Hanging source = new Hanging();
        SpoolingRangeStream in = SpoolingRangeStream.of(source, RANGE, spool, "a range", deadline());
        AtomicReference<Throwable> arrival = new AtomicReference<>();
        AtomicReference<Throwable> reader = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                in.awaitArrival(deadline());
            } catch (Throwable e) {
                arrival.set(e);
            }
        });
        worker.start();
        source.reading.await();
        Thread reading = new Thread(() -> {
            try {
                in.read();
            } catch (Throwable e) {
                reader.set(e);
            }
        });
        reading.start();
        Thread.sleep(100);
        in.close();
        reading.join(10_000);
        worker.join(10_000);
        assertThat(source.closed).isTrue();
        assertThat(reader.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(arrival.get()).isInstanceOf(IOException.class);
    }

    @Test
    void aReaderWaitsForTheCopierNoLongerThanTheDeadline() throws Exception {
        Hanging source = new Hanging();
        try (SpoolingRangeStream in = SpoolingRangeStream.of(source, RANGE, spool, "a range",
                Deadline.after(Duration.ofMillis(300)))) {
            Thread worker = new Thread(() -> {
                try {
                    in.awaitArrival(deadline());
                } catch (IOException expected) {
                    // closed below
                }
            });
            worker.start();
            source.reading.await();
            assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("deadline");
        }
    }

    @Test
    void aSpoolDirectoryOthersCanWriteWithoutTheStickyBitIsRefusedAndTheSourceClosed() throws IOException {
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxrwx"));
        Hanging source = new Hanging();
        assertThatThrownBy(() -> SpoolingRangeStream.of(source, RANGE, spool, "a range", deadline()))
                .isInstanceOfSatisfying(LocalStorageException.class, e -> assertThat(e.file()).isEqualTo(spool))
                .hasMessageContaining("sticky bit");
        assertThat(source.closed).isTrue();
        assertThat(entries()).isEmpty();
    }

    @Test
    void aNewSpoolFileLivesInADirectoryOnlyItsOwnerCanEnterUntilDiscarded() throws IOException {
        SpoolFiles.Created created = SpoolFiles.create(spool, "a range");
        Path file = created.file();
        try (FileChannel channel = created.channel()) {
            assertThat(file.getParent().getParent()).isEqualTo(spool);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            SpoolFiles.discard(file);
        }
        assertThat(entries()).isEmpty();
    }

    private String[] entries() throws IOException {
        try (Stream<Path> list = Files.list(spool)) {
            return list.map(Path::toString).toArray(String[]::new);
        }
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(30));
    }

    /** Gives its content 64 KiB at a time, a little later each time, and counts its reads. */
    private static final class Trickle extends InputStream {
        private final ByteArrayInputStream content;
        private volatile long reads;
        private volatile boolean closed;

        Trickle(byte[] content) {
            this.content = new ByteArrayInputStream(content);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return content.read(b, off, Math.min(len, 64 * 1024));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Blocks in read until closed. */
    private static final class Hanging extends InputStream {
        final CountDownLatch reading = new CountDownLatch(1);
        volatile boolean closed;

        @Override
        public int read() throws IOException {
            reading.countDown();
            while (!closed) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            throw new IOException("closed");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return read();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
