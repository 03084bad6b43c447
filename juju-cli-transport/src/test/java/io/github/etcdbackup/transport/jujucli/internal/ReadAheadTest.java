package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file stream's read-ahead: the caller's wait is bounded by its deadline and by {@code close()}, even when the
 * pipe's read can never be woken (the case of a pipe whose writer nobody can kill: on Linux neither a close nor an
 * interrupt wakes a thread blocked reading a pipe).
 */
@Timeout(30)
class ReadAheadTest {
    /** A pipe whose writer never writes nor goes away: a read blocks until the test releases it, whatever happens. */
    private static final class StuckPipe extends InputStream {
        private final CountDownLatch released = new CountDownLatch(1);

        @Override
        public int read() {
            return read(new byte[1], 0, 1);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            boolean interrupted = false;
            while (true) {
                try {
                    released.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
    }

    @Test
    void aReadOnAPipeNothingCanWakeReturnsNothingAtTheDeadlineOnADaemonThread() throws IOException {
        StuckPipe pipe = new StuckPipe();
        ReadAhead readAhead = ReadAhead.start(pipe, "read-ahead-test-stuck");
        try {
            assertThat(readAhead.read(new byte[10], 0, 10, Deadline.after(Duration.ofMillis(200)))).isZero();
            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("read-ahead-test-stuck"))
                    .singleElement().satisfies(t -> assertThat(t.isDaemon()).isTrue());
        } finally {
            readAhead.close();
            pipe.released.countDown();
        }
    }

    @Test
    void closeWakesACallerWaitingForBytes() throws InterruptedException {
        StuckPipe pipe = new StuckPipe();
        ReadAhead readAhead = ReadAhead.start(pipe, "read-ahead-test-close");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                readAhead.read(new byte[10], 0, 10, Deadline.after(Duration.ofMinutes(10)));
            } catch (IOException e) {
                thrown.set(e);
            }
        });
        caller.start();
        try {
            Thread.sleep(100);
            readAhead.close();
            caller.join(10_000);
            assertThat(caller.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        } finally {
            pipe.released.countDown();
        }
    }

    @Test
    void everyByteArrivesInOrderWhateverTheReadSizes() throws IOException {
        byte[] content = new byte[1_000_003];
        Random random = new Random(16);
        random.nextBytes(content);
        ReadAhead readAhead = ReadAhead.start(new ByteArrayInputStream(content), "read-ahead-test-bytes");
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[200_000];
        int n;
        while ((n = readAhead.read(buffer, 0, 1 + random.nextInt(buffer.length),
                Deadline.after(Duration.ofSeconds(20)))) != -1) {
            assertThat(n).isPositive();
            received.write(buffer, 0, n);
        }
        assertThat(received.toByteArray()).isEqualTo(content);
    }
}
