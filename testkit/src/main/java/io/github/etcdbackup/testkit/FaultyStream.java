package io.github.etcdbackup.testkit;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The stdout of a {@code juju ssh} call on its way to the client, with the faults a flaky network or a pty
 * would add: a connection cut after N bytes, one flipped byte, a slow link, and {@code \n} → {@code \r\n} when a
 * pty was forced ({@code --pty=true}).
 */
final class FaultyStream extends FilterOutputStream {
    private final long cutAfter;
    private final long flipAt;
    private final int bytesPerSecond;
    private final boolean pty;
    private long written;

    /** Thrown when the simulated connection has been cut; the caller kills the remote command. */
    static final class ConnectionCut extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionCut() {
            super("connection cut by fault switch");
        }
    }

    FaultyStream(OutputStream out, long cutAfter, long flipAt, int bytesPerSecond, boolean pty) {
        super(out);
        this.cutAfter = cutAfter;
        this.flipAt = flipAt;
        this.bytesPerSecond = bytesPerSecond;
        this.pty = pty;
    }

    @Override
    public void write(int b) throws IOException {
        if (pty && b == '\n') {
            emit('\r');
        }
        emit(b);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        if (!pty && cutAfter < 0 && flipAt < 0 && bytesPerSecond <= 0) {
            out.write(buffer, offset, length);
            written += length;
            return;
        }
        for (int i = 0; i < length; i++) {
            write(buffer[offset + i] & 0xff);
        }
    }

    private void emit(int b) throws IOException {
        if (cutAfter >= 0 && written >= cutAfter) {
            out.flush();
            throw new ConnectionCut();
        }
        if (written == flipAt) {
            b ^= 0xff;
        }
        out.write(b);
        written++;
        if (bytesPerSecond > 0) {
            int chunk = Math.max(1, bytesPerSecond / 20);
            if (written % chunk == 0) {
                out.flush();
                EtcdUnit.sleep(50);
            }
        }
    }
}
