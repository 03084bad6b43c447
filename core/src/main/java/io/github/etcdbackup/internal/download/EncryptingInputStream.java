package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeRecipient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;

/**
 * The age ciphertext of a plaintext stream, pulled as it is read: plaintext is read and encrypted only as far as the
 * reader asks, so memory stays at a chunk or two whatever the archive's size. No thread of its own.
 */
public final class EncryptingInputStream extends BlockInputStream {
    private final InputStream plaintext;
    private final WritableByteChannel age;
    private final byte[] input = new byte[64 * 1024];
    private byte[] pending = new byte[0];
    private int pendingStart;
    private int pendingEnd;
    private boolean finished;

    /** Encrypts {@code plaintext} to {@code recipients}. */
    public EncryptingInputStream(InputStream plaintext, List<AgeRecipient> recipients) {
        this.plaintext = plaintext;
        this.age = Age.encrypting(new WritableByteChannel() {
            private boolean open = true;

            @Override
            public int write(ByteBuffer ciphertext) {
                int n = ciphertext.remaining();
                if (pending.length - pendingEnd < n) {
                    int kept = pendingEnd - pendingStart;
                    byte[] grown = new byte[Math.max(pending.length, kept + n)];
                    System.arraycopy(pending, pendingStart, grown, 0, kept);
                    pending = grown;
                    pendingStart = 0;
                    pendingEnd = kept;
                }
                ciphertext.get(pending, pendingEnd, n);
                pendingEnd += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        }, recipients);
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
        while (pendingStart == pendingEnd && !finished) {
            int n = plaintext.read(input);
            if (n < 0) {
                age.close();   // writes the last chunk, authenticated as the last
                finished = true;
            } else {
                ByteBuffer chunk = ByteBuffer.wrap(input, 0, n);
                while (chunk.hasRemaining()) {
                    age.write(chunk);
                }
            }
        }
        if (pendingStart == pendingEnd) {
            return -1;
        }
        int n = Math.min(len, pendingEnd - pendingStart);
        System.arraycopy(pending, pendingStart, buffer, off, n);
        pendingStart += n;
        if (pendingStart == pendingEnd) {
            pendingStart = 0;
            pendingEnd = 0;
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        Arrays.fill(input, (byte) 0);
        plaintext.close();
    }
}
