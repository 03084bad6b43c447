package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The commons-exec launch of a captured call: whole output, stdin closed, daemon threads, start failures. */
class ProcessRunnerTest {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");
    private final ProcessRunner sh = new ProcessRunner("/bin/sh", ENV);

    /**
     * commons-exec closes the process's streams right after its stream handler's {@code stop()}: output still in
     * the pipe when the process exits must not be lost. With a {@code stop()} that returned at once, this failed
     * within its first calls: 983040 of 1048576 bytes, the last 64 KiB cut off by the close.
     */
    @Test
    void outputWrittenJustBeforeTheExitIsNeverLost() {
        // 1 MiB in one burst right before the exit, on both streams.
        String script = "head -c 1048576 /dev/zero | tr '\\0' x; head -c 1048576 /dev/zero | tr '\\0' y >&2; exit 3";
        for (int i = 0; i < 40; i++) {
            CommandResult result = sh.run(List.of("-c", script), Deadline.after(Duration.ofSeconds(30)), "flush");
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(result.stdout()).hasSize(1 << 20);
            assertThat(result.stderr()).hasSize(1 << 20);
        }
    }

    @Test
    void stdinIsClosedAtOnce() {
        CommandResult result = sh.run(List.of("-c", "cat; echo read-eof"), Deadline.after(Duration.ofSeconds(10)),
                "prompt");
        assertThat(result.stdout()).isEqualTo("read-eof\n");
    }

    @Test
    void theExecutorAndReaderThreadsAreDaemonThreads() throws Exception {
        Thread caller = new Thread(() -> {
            try {
                sh.run(List.of("-c", "sleep 5"), Deadline.after(Duration.ofSeconds(2)), "sleep");
            } catch (OperationTimeoutException expected) {
                // the point is the threads while it ran
            }
        });
        caller.setDaemon(true);
        caller.start();
        List<Thread> library = List.of();
        for (int i = 0; i < 100 && library.size() < 3; i++) {
            Thread.sleep(10);
            library = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("juju-exec") || t.getName().startsWith("juju-std")).toList();
        }
        assertThat(library).hasSizeGreaterThanOrEqualTo(3).allMatch(Thread::isDaemon);
        caller.join(10_000);
        assertThat(caller.isAlive()).isFalse();
    }

    @Test
    void aMissingExecutableIsATransportExceptionNamingIt() {
        ProcessRunner missing = new ProcessRunner("/nonexistent/juju", ENV);
        assertThatThrownBy(() -> missing.run(List.of("version"), Deadline.after(Duration.ofSeconds(5)), "version"))
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("Cannot run '/nonexistent/juju': ")
                .hasMessageContaining("No such file or directory");
    }
}
