package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.common.Message;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.connection.Connection;
import net.schmizz.sshj.connection.channel.direct.SessionChannel;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.transport.TransportException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * A session channel that gives its window back as its stdout is read, as OpenSSH's client does, rather than only
 * when it is nearly used up.
 *
 * <p>Why: sshj sends a window adjustment only once what the server may still send has fallen to
 * {@code min(20 packets, a quarter of the window)} ({@code Window.Local}: 640 KiB of a 4 MiB window), so over a long
 * round trip each channel runs dry for most of a round trip in every window's worth: the server has 640 KiB left to
 * send when the adjustment leaves, which lasts a few milliseconds, and the adjustment takes the round trip (plus the
 * link's queue) to arrive. Here, after every read, the window is topped up so that what the server may still send
 * and what waits unread add up to the whole window again, as soon as at least an eighth of it can be given back.
 * Memory stays bounded by the window: bytes waiting unread are never granted again (sshj's own rule, which grants
 * whatever waits, still applies once the window runs that low, and the buffer's cap bounds it, see
 * {@link SshConnector}).
 *
 * <p>Only the thread reading stdout sends adjustments, as sshj's own {@code ChannelInputStream.read} does: the two
 * never race. A grant is counted in the local window before it is sent, since the server's data in answer may reach
 * sshj's reader thread before the write returns (counted after, sshj died with "Window consumed to below 0"). The
 * server may send stderr too, which takes from the same window; stderr is drained as it comes.
 *
 * <p>Nothing is sent for the channel once sshj sent its close: OpenSSH frees a channel when both sides closed it,
 * and then ends the whole connection for any message that names it ({@code channels.c}, {@code channel_lookup};
 * {@code serverloop.c}, {@code server_input_channel_req}: "unknown channel"), with every other channel on it. sshj
 * answers the unit's close on its reader thread while a stopper may be signalling the command or the reader granting
 * window, so those messages and the close are ordered under one lock: a message is written before the close, or not
 * at all.
 */
final class FlowingSessionChannel extends SessionChannel {
    private static final int TOP_UP_FRACTION = 8;

    private final long window;
    private final InputStream stdout;
    /** Orders what this channel sends after its start against its close. */
    private final Object sending = new Object();
    /** Whether sshj sent, or is sending, the close. Guarded by {@link #sending}. */
    private boolean closing;

    /** A channel advertising the connection's current window size. */
    FlowingSessionChannel(Connection connection, Charset remoteCharset) {
        super(connection, remoteCharset);
        this.window = getLocalWinSize();
        this.stdout = new ToppingUp(super.getInputStream());
    }

    /** stdout, which gives the window back as it is read. */
    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    /** Asks the unit to signal the command, unless the channel is closing (see the class comment). */
    @Override
    public void signal(Signal signal) throws TransportException {
        synchronized (sending) {
            if (!closing && isOpen()) {
                super.signal(signal);
            }
        }
    }

    /** Marks the channel closing before sshj writes the close, after any message being written. */
    @Override
    protected void sendClose() throws TransportException {
        synchronized (sending) {
            closing = true;
        }
        super.sendClose();
    }

    /** Called by the stdout reader after each read: grants what was read, once it is worth a packet. */
    private void topUp(InputStream in) throws IOException {
        if (!isOpen() || isEOF()) {
            return;
        }
        // The window first, then what waits: bytes arriving in between only make the grant smaller.
        long mayStillCome = lwin.getSize();
        long grant = window - mayStillCome - in.available();
        if (grant < window / TOP_UP_FRACTION) {
            return;
        }
        synchronized (sending) {
            if (closing) {
                return;
            }
            // Counted before it is sent: the unit's answer may reach sshj's reader thread before the write returns.
            lwin.expand(grant);
            trans.write(new SSHPacket(Message.CHANNEL_WINDOW_ADJUST).putUInt32(getRecipient()).putUInt32(grant));
        }
    }

    private final class ToppingUp extends InputStream {
        private final InputStream in;

        ToppingUp(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b != -1) {
                topUp(in);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                topUp(in);
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
