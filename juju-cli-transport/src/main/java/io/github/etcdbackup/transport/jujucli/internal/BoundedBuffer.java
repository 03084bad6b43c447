package io.github.etcdbackup.transport.jujucli.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects a process output up to a limit and counts what it dropped, so that a runaway or hostile {@code juju} cannot
 * exhaust the heap. Written by one pump thread, read after the process ended.
 */
final class BoundedBuffer extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int limit;
    private long dropped;

    BoundedBuffer(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] buffer, int offset, int length) {
        int room = Math.max(0, limit - bytes.size());
        int kept = Math.min(room, length);
        bytes.write(buffer, offset, kept);
        dropped += length - kept;
    }

    synchronized boolean overflowed() {
        return dropped > 0;
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
