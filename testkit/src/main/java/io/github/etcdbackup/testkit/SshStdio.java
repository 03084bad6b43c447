package io.github.etcdbackup.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * The client's stdin and stderr of a streamed {@code juju ssh}, live, as Juju's own: Juju hands its stdin, stdout
 * and stderr to OpenSSH ({@code juju/cmd/juju/ssh/ssh_machine.go}, {@code sshMachine.ssh}: {@code cmd.Stdin =
 * ctx.GetStdin()}, {@code cmd.Stderr = ctx.GetStderr()}), so a command on the unit reads what the caller writes (and
 * sees its end when the caller closes it), and what it prints on stderr reaches the caller as it prints it, not when
 * it ends. The client sends its stdin and reads the command's stderr on two connections of their own
 * ({@link SimulatorServer}); the command's process attaches its stdin here once it runs (bytes sent before wait in
 * the socket), and stderr written before the client connected waits here.
 */
final class SshStdio {
    private final CountDownLatch attached = new CountDownLatch(1);
    private final CountDownLatch over = new CountDownLatch(1);
    private final ByteArrayOutputStream pendingStderr = new ByteArrayOutputStream();
    private volatile OutputStream processStdin;
    private volatile boolean closed;
    private volatile boolean clientGone;
    private volatile InputStream clientIn;
    private OutputStream clientErr;

    /** The command's process runs: its stdin takes the client's bytes from now on. */
    void attach(OutputStream stdin) {
        processStdin = stdin;
        attached.countDown();
        if (clientGone) {
            endInput();
        }
    }

    /**
     * Watches the call's own connection, on which the client sends nothing more: its end means the client is gone
     * (killed), and the command's stdin ends, as sshd ends the session of a connection that dropped. Without it, a
     * command that only waits for input would outlive its client.
     */
    void watchClient(InputStream callConnection) {
        Thread watcher = new Thread(() -> {
            try {
                while (callConnection.read() >= 0) {
                    // the client sends nothing after its request; anything else is ignored
                }
            } catch (IOException ended) {
                // the same as its end
            }
            clientGone = true;
            endInput();
        }, "juju-ssh-client-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void endInput() {
        OutputStream stdin = processStdin;
        if (stdin != null) {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // the command ended already
            }
        }
    }

    /** Stderr of the command, passed on to the client at once (or as soon as it connects). */
    synchronized void err(byte[] bytes, int offset, int length) {
        if (clientErr == null) {
            pendingStderr.write(bytes, offset, length);
            return;
        }
        try {
            clientErr.write(bytes, offset, length);
            clientErr.flush();
        } catch (IOException clientGone) {
            // Nobody reads it any more: the call's end is what matters, and it comes through the result.
        }
    }

    /**
     * The client's stderr connection: sends what waited, then everything as it comes, until the call is over. Runs
     * on that connection's thread, which it holds until then (the connection's end is the end of stderr).
     */
    void stderrConnected(OutputStream err) throws InterruptedException {
        synchronized (this) {
            if (closed) {
                return;
            }
            clientErr = err;
            byte[] pending = pendingStderr.toByteArray();
            pendingStderr.reset();
            err(pending, 0, pending.length);
        }
        over.await();
    }

    /**
     * The client's stdin connection: copies it into the command's stdin until either ends, then closes the
     * command's stdin (its end of input). The client closes the connection at the end of its stdin: a connection
     * cannot be half closed from bash. Runs on that connection's thread.
     */
    void stdinConnected(InputStream in) throws InterruptedException {
        synchronized (this) {
            if (closed) {
                return;
            }
            clientIn = in;
        }
        attached.await();
        OutputStream to = processStdin;
        if (to == null) {
            return;
        }
        try (to) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException commandOrClientGone) {
            // The command ended (broken pipe) or the client went away: nothing more to pass on.
        }
    }

    /**
     * The call is over: whoever still waits to feed stops and the client's stderr ends.
     *
     * @return the stderr the client never connected for, for the call's result
     */
    String close() {
        closed = true;
        attached.countDown();
        // First, without the monitor: the stderr connection's thread returns and closes it, which also ends a write
        // to a client that stopped reading (err() holds the monitor while it writes).
        over.countDown();
        InputStream in = clientIn;
        if (in != null) {
            try {
                in.close(); // closes the stdin connection: unblocks its thread
            } catch (IOException ignored) {
                // only ends the connection
            }
        }
        synchronized (this) {
            String unsent = pendingStderr.toString(StandardCharsets.UTF_8);
            pendingStderr.reset();
            return unsent;
        }
    }
}
