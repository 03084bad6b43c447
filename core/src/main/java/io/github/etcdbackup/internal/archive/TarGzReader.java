package io.github.etcdbackup.internal.archive;

import io.github.etcdbackup.internal.files.Sha256;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Reads a gzip-compressed tar stream entry by entry (ustar and GNU long names), enough to check a snapshot archive
 * and pull its {@code db} out. Written here because the JDK has gzip but no tar, and an archive library is not
 * worth a dependency for 512-byte headers.
 */
final class TarGzReader implements AutoCloseable {
    private static final int BLOCK = 512;
    private static final long MAX_LONG_NAME = 64 * 1024;

    /** One archive member. */
    public record Entry(String name, long size, char type) {
        /** Whether it is a regular file. */
        public boolean isFile() {
            return type == '0' || type == '\0';
        }

        /** The name without a leading {@code ./}, e.g. {@code db} or {@code member/snap/db}. */
        public String normalizedName() {
            String n = name.startsWith("./") ? name.substring(2) : name;
            return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
        }
    }

    private final InputStream in;
    private long remainingInEntry;
    private long paddingAfterEntry;

    /** Wraps a {@code .tar.gz} stream; the reader closes it. */
    public TarGzReader(InputStream gzipped) throws IOException {
        this.in = new GZIPInputStream(gzipped, Sha256.BUFFER_SIZE);
    }

    /** The next entry, or {@code null} at the end of the archive. Skips what is left of the previous entry. */
    public Entry next() throws IOException {
        skipRest();
        String longName = null;
        while (true) {
            byte[] header = in.readNBytes(BLOCK);
            if (header.length == 0) {
                return null;
            }
            if (header.length < BLOCK) {
                throw new EOFException("archive ends inside a tar header");
            }
            if (isZero(header)) {
                return null;
            }
            verifyChecksum(header);
            char type = (char) header[156];
            long size = size(header);
            if (type == 'L') {
                if (size > MAX_LONG_NAME) {
                    throw new IOException("GNU long name of " + size + " bytes");
                }
                byte[] name = readFully(size);
                skipPadding(size);
                longName = cString(name, 0, name.length);
                continue;
            }
            String name = longName != null ? longName : ustarName(header);
            remainingInEntry = size;
            paddingAfterEntry = (BLOCK - size % BLOCK) % BLOCK;
            return new Entry(name, size, type);
        }
    }

    /** Copies the current entry's content to {@code out}; returns the number of bytes copied. */
    public long copyEntryTo(OutputStream out) throws IOException {
        byte[] buffer = new byte[Sha256.BUFFER_SIZE];
        long copied = 0;
        while (remainingInEntry > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remainingInEntry));
            if (n < 0) {
                throw new EOFException("archive ends inside an entry");
            }
            out.write(buffer, 0, n);
            remainingInEntry -= n;
            copied += n;
        }
        return copied;
    }

    /** Reads up to {@code max} bytes from the start of the current entry (the rest is skipped by {@link #next()}). */
    public byte[] readEntryPrefix(int max) throws IOException {
        byte[] prefix = in.readNBytes((int) Math.min(max, remainingInEntry));
        remainingInEntry -= prefix.length;
        return prefix;
    }

    private void skipRest() throws IOException {
        skipExactly(remainingInEntry + paddingAfterEntry);
        remainingInEntry = 0;
        paddingAfterEntry = 0;
    }

    private void skipPadding(long size) throws IOException {
        skipExactly((BLOCK - size % BLOCK) % BLOCK);
    }

    private void skipExactly(long bytes) throws IOException {
        long left = bytes;
        byte[] scratch = new byte[8192];
        while (left > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                throw new EOFException("archive ends inside an entry");
            }
            left -= n;
        }
    }

    private byte[] readFully(long size) throws IOException {
        byte[] bytes = in.readNBytes((int) size);
        if (bytes.length < size) {
            throw new EOFException("archive ends inside an entry");
        }
        return bytes;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] header) throws IOException {
        long expected = octal(header, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        if (sum != expected) {
            throw new IOException("tar header checksum mismatch: not a tar archive or corrupted");
        }
    }

    private static String ustarName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    /**
     * The entry's size: octal digits, or for 8 GiB and more (which an etcd database reaches) GNU tar's base-256 form,
     * a first byte with its high bit set and then a big-endian two's-complement number. A negative size, or one
     * beyond a {@code long}, is refused rather than wrapped round into a wrong skip.
     */
    private static long size(byte[] header) throws IOException {
        int offset = 124;
        int length = 12;
        byte first = header[offset];
        if ((first & 0x80) == 0) {
            return octal(header, offset, length);
        }
        if ((first & 0x40) != 0) {
            throw new IOException("negative entry size in tar header (base-256)");
        }
        long value = first & 0x3f;
        for (int i = offset + 1; i < offset + length; i++) {
            if (value > (Long.MAX_VALUE >>> 8)) {
                throw new IOException("entry size in tar header (base-256) does not fit in 63 bits");
            }
            value = (value << 8) | (header[i] & 0xff);
        }
        return value;
    }

    private static long octal(byte[] header, int offset, int length) throws IOException {
        long value = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (digits) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new IOException("bad octal number in tar header");
            }
            value = value * 8 + (b - '0');
            digits = true;
        }
        return value;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
