package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.SSHException;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * {@link UnitSession#exec}: the race seen in the cut suite, where the connection died just as the exec request went
 * out and sshj's wait for the reply missed the error, replayed with a channel whose exec waits until it is failed.
 */
class UnitSessionTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void anExecWhoseReplyCanNeverComeEndsOnceTheConnectionIsGone() {
        AtomicReference<SSHException> delivered = new AtomicReference<>();
        Session session = execWaitingForAnError(delivered);
        // Never connected: its transport is not running, as after the reader thread saw the socket close.
        UnitSession channel = new UnitSession(session, new SshLink(new SSHClient(), null, "none"));

        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> channel.exec("cat /x", Deadline.after(Duration.ofMinutes(5)), pool))
                        .isInstanceOf(ConnectionException.class)
                        .hasMessageContaining("connection ended"));
        assertThat(delivered.get()).isNotNull();
    }

    @Test
    void anExecThatStartsLeavesNoWatchBehind() throws Exception {
        Session session = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "exec" -> null;
                    case "notifyError" -> throw new AssertionError("a started exec must not be failed");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        UnitSession channel = new UnitSession(session, new SshLink(new SSHClient(), null, "none"));

        channel.exec("true", Deadline.after(Duration.ofMinutes(5)), pool);
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("the watch ended with the exec").isTrue();
    }

    /** A channel whose {@code exec} blocks until {@code notifyError} fails it, as sshj's reply wait does. */
    private Session execWaitingForAnError(AtomicReference<SSHException> delivered) {
        CountDownLatch failed = new CountDownLatch(1);
        return (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "exec" -> {
                        failed.await();
                        throw new ConnectionException(delivered.get().getMessage());
                    }
                    case "notifyError" -> {
                        delivered.set((SSHException) args[0]);
                        failed.countDown();
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
