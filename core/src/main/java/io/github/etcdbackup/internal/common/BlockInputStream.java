package io.github.etcdbackup.internal.common;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream that is read in blocks: its single-byte {@code read()} is a block read of one byte, so that every rule of
 * the stream (deadline, end of file only after success, closed, failures) lives in one method.
 */
public abstract class BlockInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
