package io.github.etcdbackup.internal.archive;

import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ArchiveInspector#extractDb}: bytes that gzip or tar cannot read are the archive's fault
 * ({@link DamagedArchiveException}); a failing source or target is a local failure, thrown as it came. A restore drill
 * tells its users which of the two happened from this.
 */
class ArchiveInspectorExtractTest {
    /** {@code tar czf} writes a gzip header without a name: its deflate data starts here. */
    private static final int DEFLATE_START = 10;

    @TempDir
    Path work;

    @Test
    void extractsTheDbOfASoundArchive() throws Exception {
        byte[] db = TestArchives.bboltLikeDb(100_000, 1);
        Path target = work.resolve("db");
        assertThat(ArchiveInspector.extractDb(new ByteArrayInputStream(archive(db)), target)).isTrue();
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
    }

    @Test
    void deflateDataThatCannotBeDecodedIsADamagedArchive() throws Exception {
        byte[] damaged = archive(TestArchives.bboltLikeDb(100_000, 2));
        damaged[DEFLATE_START] = 0x07;   // last block, block type 3: reserved, never valid

        assertThatThrownBy(() -> ArchiveInspector.extractDb(new ByteArrayInputStream(damaged), work.resolve("db")))
                .isInstanceOf(DamagedArchiveException.class)
                .hasMessageStartingWith("not a readable gzip tar archive: ");
    }

    @Test
    void anArchiveCutShortIsADamagedArchive() throws Exception {
        byte[] whole = archive(TestArchives.bboltLikeDb(100_000, 3));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);

        assertThatThrownBy(() -> ArchiveInspector.extractDb(new ByteArrayInputStream(cut), work.resolve("db")))
                .isInstanceOf(DamagedArchiveException.class);
    }

    @Test
    void anEmptyFileIsADamagedArchiveAndSaysWhy() {
        assertThatThrownBy(() -> ArchiveInspector.extractDb(new ByteArrayInputStream(new byte[0]), work.resolve("db")))
                .isInstanceOf(DamagedArchiveException.class)
                .hasMessage("not a readable gzip tar archive: EOFException");
    }

    @Test
    void aSourceThatFailsToReadIsALocalFailureNotADamagedArchive() throws Exception {
        byte[] whole = archive(TestArchives.bboltLikeDb(100_000, 4));
        InputStream failing = new InputStream() {
            private int position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= whole.length / 2) {
                    throw new IOException("Input/output error");
                }
                int n = Math.min(len, whole.length / 2 - position);
                System.arraycopy(whole, position, b, off, n);
                position += n;
                return n;
            }
        };

        assertThatThrownBy(() -> ArchiveInspector.extractDb(failing, work.resolve("db")))
                .isNotInstanceOf(DamagedArchiveException.class)
                .isInstanceOf(IOException.class).hasMessage("Input/output error");
    }

    @Test
    void aTargetThatCannotBeWrittenIsALocalFailureNotADamagedArchive() throws Exception {
        Path taken = Files.writeString(work.resolve("db"), "already here");

        assertThatThrownBy(() -> ArchiveInspector.extractDb(
                new ByteArrayInputStream(archive(TestArchives.bboltLikeDb(1000, 5))), taken))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(taken)).isEqualTo("already here");
    }

    private byte[] archive(byte[] db) throws Exception {
        byte[] archive = TestArchives.v3Archive(db, work);
        assertThat(archive[3]).as("gzip flags: no name or extra field before the deflate data").isZero();
        return archive;
    }
}
