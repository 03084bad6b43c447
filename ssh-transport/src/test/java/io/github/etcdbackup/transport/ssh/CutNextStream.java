package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;

import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real SSH transport, connected through a {@link CuttingProxy}, which can cut the network under its next
 * stream. Nothing is faked: what the caller sees after the cut is the transport's own behaviour.
 */
final class CutNextStream extends ForwardingTransport {
    /** Room for the channel-open and exec replies that come before the file's first byte. */
    private static final long CHANNEL_OVERHEAD = 4096;

    private final CuttingProxy proxy;
    private final AtomicLong cutAfter = new AtomicLong(-1);

    CutNextStream(EtcdTransport real, CuttingProxy proxy) {
        super(real);
        this.proxy = proxy;
    }

    /** The next stream breaks after about {@code bytes} bytes of the file. */
    void cutNextStreamAfter(long bytes) {
        cutAfter.set(bytes);
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        armCut();
        return real.openFile(unit, remotePath, offset, deadline);
    }

    /** The cut takes the connection, and with it every range in flight on it. */
    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        armCut();
        return real.openRange(unit, remotePath, offset, length, deadline);
    }

    private void armCut() {
        long bytes = cutAfter.getAndSet(-1);
        if (bytes >= 0) {
            proxy.cutAfter(bytes + CHANNEL_OVERHEAD);
        }
    }
}
