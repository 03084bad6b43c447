package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.keepalive.KeepAlive;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.connection.ConnectionImpl;
import net.schmizz.sshj.transport.Transport;

/**
 * Fails a connection whose sshj reader thread ended without closing it, so that no read on it waits forever.
 *
 * <p>The reader thread is what feeds every channel of a connection. When it ends with an {@link Error} (the
 * benchmark hit an {@code OutOfMemoryError} in a channel's receive buffer) or on an interrupt, sshj 0.40.0 does not
 * call {@code Transport.die}: {@code Reader.run} catches {@code Exception} only and leaves its loop quietly on the
 * interrupt flag. No channel hears of it, and a read blocked in {@code ChannelInputStream} waits for data that never
 * comes. Closing the channel or the client does not end that read either: the first waits for the server's answer,
 * which nobody reads any more, and the second only notifies the channels while the reader is alive.
 *
 * <p>sshj runs one of these per connection in place of its keep-alive thread (from the key exchange on) and
 * interrupts it when the connection closes or dies the ordinary way. It looks at the reader every
 * {@value #PERIOD_MILLIS} ms; once the reader is gone, {@link ConnectionEnd#kill} fails the streams of every open
 * channel with an exception naming the cause and closes the socket, so the next call opens a new connection.
 */
final class ReaderWatch extends KeepAlive {
    /** Goes into the sshj config: makes a watch for each new connection. */
    static final KeepAliveProvider PROVIDER = new KeepAliveProvider() {
        @Override
        public KeepAlive provide(ConnectionImpl connection) {
            return new ReaderWatch(connection);
        }
    };

    private static final long PERIOD_MILLIS = 200;

    private ReaderWatch(ConnectionImpl connection) {
        super(connection, "sshj-ReaderWatch");
        // sshj starts the thread only when an interval is set; run() keeps its own, shorter period.
        setKeepAliveInterval(1);
    }

    @Override
    public void run() {
        Transport transport = conn.getTransport();
        try {
            while (transport.isRunning()) {
                Thread.sleep(PERIOD_MILLIS);
            }
        } catch (InterruptedException closedOrDied) {
            return;
        }
        // Not running also after an ordinary end that raced with the interrupt; nothing happens then.
        ConnectionEnd.killIfReaderGone(transport);
    }

    /** Sends nothing: this thread only watches the reader. */
    @Override
    protected void doKeepAlive() {
        // run() never calls it.
    }
}
