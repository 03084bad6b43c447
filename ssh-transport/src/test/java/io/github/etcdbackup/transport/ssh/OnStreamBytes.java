package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The real transport, with a fault a test arms for the next stream: once the caller has read the given number of
 * bytes, the fault runs (cut the network, freeze it, end sshj's reader thread) and reading simply goes on. What the
 * caller sees afterwards is the transport's own behaviour.
 */
final class OnStreamBytes extends ForwardingTransport {
    private record Fault(long afterBytes, Runnable action) {
    }

    private final AtomicReference<Fault> next = new AtomicReference<>();

    OnStreamBytes(EtcdTransport real) {
        super(real);
    }

    /** Runs {@code action} once the next stream has delivered {@code afterBytes} bytes. */
    void armNextStream(long afterBytes, Runnable action) {
        next.set(new Fault(afterBytes, action));
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        return withFault(real.openFile(unit, remotePath, offset, deadline));
    }

    /** The range from byte 0 takes the fault (with the default 16 MiB ranges it holds the whole test file). */
    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        InputStream in = real.openRange(unit, remotePath, offset, length, deadline);
        return offset == 0 ? withFault(in) : in;
    }

    private InputStream withFault(InputStream in) {
        Fault fault = next.getAndSet(null);
        return fault == null ? in : new FilterInputStream(in) {
            private long read;
            private boolean done;

            @Override
            public int read(byte[] buffer, int off, int len) throws IOException {
                int n = super.read(buffer, off, len);
                read += Math.max(0, n);
                if (!done && read >= fault.afterBytes()) {
                    done = true;
                    fault.action().run();
                }
                return n;
            }
        };
    }
}
