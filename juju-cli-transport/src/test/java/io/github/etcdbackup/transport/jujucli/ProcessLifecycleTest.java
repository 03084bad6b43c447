package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Deadlines and interrupts kill the whole process tree; nothing is left running. */
@Timeout(60)
class ProcessLifecycleTest {
    private static final Duration MARGIN = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void aHangingJujuIsKilledAtTheDeadlineWithItsChildren() throws InterruptedException {
        FakeJuju juju = new FakeJuju(dir)
                .answer("", "Running operation 7 with 1 task\n  - task 8 on unit-etcd-0\n\nWaiting for task 8...\n", 0)
                .hang();
        Duration timeout = Duration.ofMillis(1500);
        try (JujuCliTransport transport = juju.transport()) {
            transport.version();
            long start = System.nanoTime();
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0").build(),
                    Deadline.after(timeout)))
                    .isInstanceOfSatisfying(OperationTimeoutException.class, e -> {
                        assertThat(e.timeout()).isEqualTo(timeout);
                        assertThat(e.actionId()).hasValue("8");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plus(MARGIN));
        }
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void anInterruptKillsTheProcessTreeAndKeepsTheFlag() throws InterruptedException {
        FakeJuju juju = new FakeJuju(dir).hang();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        try (JujuCliTransport transport = juju.transport()) {
            transport.version();
            Thread worker = new Thread(() -> {
                try {
                    transport.runAction(List.of("etcd/0"), "defrag", Map.of(), Duration.ofMinutes(5));
                } catch (RuntimeException e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            worker.start();
            juju.awaitPid("child");
            worker.interrupt();
            worker.join(10_000);
        }
        assertThat(thrown.get()).isInstanceOf(OperationInterruptedException.class);
        assertThat(flag.get()).isTrue();
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void aFileStreamsStraightFromJujuSshWithTheQuotedPath() throws IOException {
        byte[] content = new byte[300_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        FakeJuju juju = new FakeJuju(dir).answer(content, "", 0);
        String path = "/home/ubuntu/it's here/etcd-snapshot-2024-05-21-14.02.11.tar.gz";
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(juju.executable()).model("k8s")
                .build()) {
            try (InputStream in = transport.openFile("etcd/0", path, 0, Deadline.after(Duration.ofMinutes(1)))) {
                assertThat(in.readAllBytes()).isEqualTo(content);
                assertThat(in.read()).isEqualTo(-1);
            }
            try (InputStream in = transport.openFile("etcd/0", path, 1000, Deadline.after(Duration.ofMinutes(1)))) {
                in.readAllBytes();
            }
        }
        String quoted = "'/home/ubuntu/it'\\''s here/etcd-snapshot-2024-05-21-14.02.11.tar.gz'";
        assertThat(juju.calls()).containsExactly(
                List.of("ssh", "-m", "k8s", "--pty=false", "etcd/0", "--", "sudo", "cat", quoted),
                List.of("ssh", "-m", "k8s", "--pty=false", "etcd/0", "--", "sudo", "tail", "-c", "+1001", quoted));
    }

    @Test
    void theQuotedPathIsOneWordForARemoteShell() throws Exception {
        String path = "/home/ubuntu/a 'b' $(c) `d` \"e\" ;f/x.tar.gz";
        Process shell = new ProcessBuilder("bash", "-c",
                "printf %s " + io.github.etcdbackup.internal.common.Shell.quoteAlways(path)).start();
        assertThat(new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(path);
        assertThat(shell.waitFor()).isZero();
    }

    @Test
    void aFailedRemoteCommandIsAnIOExceptionNotAnEarlyEnd() throws IOException {
        FakeJuju juju = new FakeJuju(dir).answer("partial bytes", "cat: /x: No such file or directory\n", 1);
        try (JujuCliTransport transport = juju.transport();
             InputStream in = transport.openFile("etcd/0", "/x", 0, Deadline.after(Duration.ofMinutes(1)))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("exited with 1").hasMessageContaining("No such file");
        }
    }

    @Test
    void aStalledStreamEndsInAnIOExceptionAtItsDeadlineAndLeavesNoProcess() throws InterruptedException {
        FakeJuju juju = new FakeJuju(dir).answer("some bytes", "", 0).hang();
        long start = System.nanoTime();
        try (JujuCliTransport transport = juju.transport();
             InputStream in = transport.openFile("etcd/0", "/x", 0, Deadline.after(Duration.ofMillis(1500)))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("deadline");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500).plus(MARGIN));
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void closingAStreamKillsTheTransfer() throws IOException, InterruptedException {
        FakeJuju juju = new FakeJuju(dir).answer("some bytes", "", 0).hang();
        try (JujuCliTransport transport = juju.transport()) {
            InputStream in = transport.openFile("etcd/0", "/x", 0, Deadline.after(Duration.ofMinutes(1)));
            assertThat(in.read()).isEqualTo('s');
            juju.awaitPid("child");
            in.close();
            in.close();
            assertThatThrownBy(in::read).isInstanceOf(IOException.class);
        }
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void closingTheTransportStopsCallsAndStreamsInFlight() throws Exception {
        FakeJuju juju = new FakeJuju(dir).answer("some bytes", "", 0).hang();
        JujuCliTransport transport = juju.transport();
        transport.version();
        InputStream stream = transport.openFile("etcd/0", "/x", 0, Deadline.after(Duration.ofMinutes(1)));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                transport.runAction(List.of("etcd/0"), "defrag", Map.of(), Duration.ofMinutes(5));
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        worker.start();
        Thread.sleep(500);
        transport.close();
        worker.join(10_000);
        assertThat(thrown.get()).isInstanceOf(TransportException.class).hasMessageContaining("closed");
        assertThatThrownBy(stream::readAllBytes).isInstanceOf(IOException.class);
        stream.close();
        assertThatThrownBy(() -> transport.openFile("etcd/0", "/x", 0, Deadline.after(Duration.ofMinutes(1))))
                .isInstanceOf(TransportException.class);
    }
}
