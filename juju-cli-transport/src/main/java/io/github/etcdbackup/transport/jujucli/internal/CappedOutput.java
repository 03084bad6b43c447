package io.github.etcdbackup.transport.jujucli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One output of a process, read to its end or to just past a cap. The bytes go straight from the pipe into blocks of
 * {@link #BLOCK_BYTES} that are never copied to grow (a {@code ByteArrayOutputStream} doubles: 96 MiB at once for a
 * 64 MiB cap), so the memory is the cap rounded up to a block whatever the process prints, and however it trickles.
 *
 * <p>Filled by one reader thread; {@link #text()} and {@link #headAndTail()} may be called at any time by another
 * and see the bytes read so far.
 */
final class CappedOutput {
    /** Kept at each end of an output that passed its cap. */
    static final int HEAD_AND_TAIL_BYTES = 64 * 1024;
    private static final int BLOCK_BYTES = 64 * 1024;

    private final long cap;
    private final List<byte[]> blocks = new ArrayList<>();
    private long size;

    CappedOutput(long cap) {
        this.cap = cap;
    }

    /**
     * Reads {@code in} to its end, or stops as soon as it delivered more than the cap.
     *
     * @return false when it stopped at the cap, true at the end of {@code in}
     * @throws IOException when {@code in} fails (closed under the reader, for instance)
     */
    boolean readFrom(InputStream in) throws IOException {
        while (true) {
            long kept = size();
            if (kept > cap) {
                return false;
            }
            int offset = (int) (kept % BLOCK_BYTES);
            byte[] block = offset == 0 ? newBlock() : lastBlock();
            // One byte past the cap is enough to know it was passed.
            int length = (int) Math.min(BLOCK_BYTES - offset, cap + 1 - kept);
            int n = in.read(block, offset, length);
            if (n == -1) {
                return true;
            }
            grow(n);
        }
    }

    private synchronized byte[] newBlock() {
        byte[] block = new byte[BLOCK_BYTES];
        blocks.add(block);
        return block;
    }

    private synchronized byte[] lastBlock() {
        return blocks.get(blocks.size() - 1);
    }

    /** Publishes bytes written into the last block: the lock makes them visible to the threads that read them. */
    private synchronized void grow(int n) {
        size += n;
    }

    synchronized long size() {
        return size;
    }

    /** Everything read, decoded as UTF-8 (malformed bytes become U+FFFD). */
    synchronized String text() {
        return decode(0, size);
    }

    /**
     * The first and last {@link #HEAD_AND_TAIL_BYTES} read, with a line between them saying how many bytes were left
     * out; the whole text when it is not longer than both.
     */
    synchronized String headAndTail() {
        if (size <= 2L * HEAD_AND_TAIL_BYTES) {
            return text();
        }
        long tailStart = size - HEAD_AND_TAIL_BYTES;
        return decode(0, HEAD_AND_TAIL_BYTES) + "\n[... " + (tailStart - HEAD_AND_TAIL_BYTES)
                + " bytes left out ...]\n" + decode(tailStart, size);
    }

    private String decode(long from, long to) {
        byte[] bytes = new byte[(int) (to - from)];
        int copied = 0;
        for (long position = from; position < to; position += copied) {
            byte[] block = blocks.get((int) (position / BLOCK_BYTES));
            int offset = (int) (position % BLOCK_BYTES);
            copied = (int) Math.min(BLOCK_BYTES - offset, to - position);
            System.arraycopy(block, offset, bytes, (int) (position - from), copied);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
