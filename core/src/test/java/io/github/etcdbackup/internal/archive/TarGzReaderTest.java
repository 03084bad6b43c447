package io.github.etcdbackup.internal.archive;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Entry sizes as GNU tar writes them. An archive of 8 GiB is not built here: a small entry whose size field is
 * written in base-256, the form GNU tar switches to at 8 GiB, exercises the same parsing.
 */
class TarGzReaderTest {
    private static final int BLOCK = 512;

    @Test
    void readsASizeWrittenInBase256AndFindsTheNextEntryAfterIt() throws IOException {
        byte[] db = "bbolt database bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] base256 = new byte[12];
        base256[0] = (byte) 0x80;
        base256[11] = (byte) db.length;
        byte[] archive = gzip(header("db", base256), padded(db), header("after", octal(3)),
                padded(new byte[] {1, 2, 3}), new byte[2 * BLOCK]);

        try (TarGzReader tar = new TarGzReader(new ByteArrayInputStream(archive))) {
            TarGzReader.Entry entry = tar.next();
            assertThat(entry.name()).isEqualTo("db");
            assertThat(entry.size()).isEqualTo(db.length);
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            assertThat(tar.copyEntryTo(content)).isEqualTo(db.length);
            assertThat(content.toByteArray()).isEqualTo(db);
            assertThat(tar.next().name()).isEqualTo("after");
            assertThat(tar.next()).isNull();
        }
    }

    @Test
    void readsTheSizeOfAnEntryOfEightGibibytesInBase256() throws IOException {
        long eightGib = 8L * 1024 * 1024 * 1024;
        byte[] base256 = new byte[12];
        base256[0] = (byte) 0x80;
        for (int i = 0; i < 8; i++) {
            base256[11 - i] = (byte) (eightGib >>> (8 * i));
        }
        byte[] archive = gzip(header("db", base256));

        try (TarGzReader tar = new TarGzReader(new ByteArrayInputStream(archive))) {
            assertThat(tar.next().size()).isEqualTo(eightGib);
        }
    }

    @Test
    void stillReadsOctalSizes() throws IOException {
        byte[] archive = gzip(header("db", octal(3)), padded(new byte[] {7, 8, 9}), new byte[2 * BLOCK]);

        try (TarGzReader tar = new TarGzReader(new ByteArrayInputStream(archive))) {
            assertThat(tar.next().size()).isEqualTo(3);
            assertThat(tar.readEntryPrefix(10)).containsExactly(7, 8, 9);
        }
    }

    @Test
    void refusesANegativeBase256Size() throws IOException {
        byte[] minusOne = new byte[12];
        java.util.Arrays.fill(minusOne, (byte) 0xff);
        byte[] archive = gzip(header("db", minusOne));

        try (TarGzReader tar = new TarGzReader(new ByteArrayInputStream(archive))) {
            assertThatThrownBy(tar::next).isInstanceOf(IOException.class).hasMessageContaining("negative entry size");
        }
    }

    @Test
    void refusesABase256SizeBeyondALong() throws IOException {
        byte[] huge = new byte[12];
        huge[0] = (byte) 0x80;
        huge[3] = 0x01; // 2^64: bit 64 of the 88-bit number after the flag byte
        byte[] archive = gzip(header("db", huge));

        try (TarGzReader tar = new TarGzReader(new ByteArrayInputStream(archive))) {
            assertThatThrownBy(tar::next).isInstanceOf(IOException.class).hasMessageContaining("does not fit");
        }
    }

    private static byte[] octal(long size) {
        return String.format("%011o\0", size).getBytes(StandardCharsets.US_ASCII);
    }

    /** A ustar header for a regular file, with its checksum. */
    private static byte[] header(String name, byte[] sizeField) {
        byte[] header = new byte[BLOCK];
        put(header, 0, name.getBytes(StandardCharsets.US_ASCII));
        put(header, 100, "0000644\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 108, "0000000\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 116, "0000000\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 124, sizeField);
        put(header, 136, "00000000000\0".getBytes(StandardCharsets.US_ASCII));
        header[156] = '0';
        put(header, 257, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 263, "00".getBytes(StandardCharsets.US_ASCII));
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        put(header, 148, String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII));
        return header;
    }

    private static byte[] padded(byte[] content) {
        byte[] block = new byte[(content.length + BLOCK - 1) / BLOCK * BLOCK];
        put(block, 0, content);
        return block;
    }

    private static void put(byte[] target, int offset, byte[] bytes) {
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }

    private static byte[] gzip(byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (byte[] part : parts) {
                gz.write(part);
            }
        }
        return out.toByteArray();
    }
}
