package io.github.etcdbackup.internal.archive;

import io.github.etcdbackup.KeysVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks that a snapshot archive is what the charm's {@code restore} accepts: a readable gzip tar with {@code ./db}
 * at its root (v3) or a {@code member/} tree with a WAL (v2), and a {@code db} that starts like a bbolt file.
 */
public final class ArchiveInspector {
    /** bbolt's meta page magic 0xED0CDAED, little-endian, after the 16-byte page header. */
    private static final byte[] BBOLT_MAGIC = {(byte) 0xED, (byte) 0xDA, 0x0C, (byte) 0xED};
    private static final int BBOLT_MAGIC_OFFSET = 16;

    private ArchiveInspector() {
    }

    /** Every problem of the archive, empty when it is sound. */
    public static List<String> problems(Path archive, KeysVersion keysVersion) {
        try (InputStream in = Files.newInputStream(archive)) {
            return problems(in, keysVersion);
        } catch (IOException e) {
            return List.of("cannot read it: " + e.getMessage());
        }
    }

    /**
     * Every problem of the archive read from {@code archive}, which is then read to its end (so that a digest
     * computed over the stream covers every byte, whatever the tar held) and left open.
     *
     * @throws IOException if reading {@code archive} to its end failed
     */
    public static List<String> problems(InputStream archive, KeysVersion keysVersion) throws IOException {
        List<String> problems = new ArrayList<>();
        String dbName = keysVersion == KeysVersion.V3 ? "db" : "member/snap/db";
        boolean sawDb = false;
        boolean sawWal = false;
        try (TarGzReader tar = new TarGzReader(new NonClosing(archive))) {
            TarGzReader.Entry entry;
            while ((entry = tar.next()) != null) {
                String name = entry.normalizedName();
                if (name.equals(dbName) && entry.isFile()) {
                    sawDb = true;
                    if (!startsLikeBbolt(tar.readEntryPrefix(BBOLT_MAGIC_OFFSET + BBOLT_MAGIC.length))) {
                        problems.add(dbName + " does not start like a bbolt database (magic 0xED0CDAED missing)");
                    }
                } else if (name.startsWith("member/wal/") && name.endsWith(".wal")) {
                    sawWal = true;
                }
            }
        } catch (IOException e) {
            problems.add("not a readable gzip tar archive: " + e.getMessage());
            archive.transferTo(OutputStream.nullOutputStream());
            return problems;
        }
        archive.transferTo(OutputStream.nullOutputStream());
        if (!sawDb) {
            problems.add("no " + dbName + " in the archive (expected for a " + keysVersion.parameter() + " snapshot)");
        }
        if (keysVersion == KeysVersion.V2 && !sawWal) {
            problems.add("no member/wal/*.wal in the archive (expected for a v2 snapshot)");
        }
        if (keysVersion == KeysVersion.V3 && sawWal) {
            problems.add("the archive holds a member/wal tree: the charm's restore would treat it as v2");
        }
        return problems;
    }

    /**
     * Extracts the v3 {@code db} to {@code target}.
     *
     * @return false when the archive holds no {@code db}
     * @throws DamagedArchiveException if the archive is not a readable gzip tar (bad gzip data or tar header, cut
     *                                 short): the archive's fault
     * @throws IOException             if the archive file could not be read or {@code target} not written: a local
     *                                 failure that says nothing of the archive
     */
    public static boolean extractDb(Path archive, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            return extractDb(in, target);
        }
    }

    /** {@link #extractDb(Path, Path)} from a stream of the archive, which it closes. */
    public static boolean extractDb(InputStream archive, Path target) throws IOException {
        try (TarGzReader tar = new TarGzReader(new LocalFailures.Input(archive))) {
            TarGzReader.Entry entry;
            while ((entry = tar.next()) != null) {
                if (entry.normalizedName().equals("db") && entry.isFile()) {
                    try (OutputStream out = newDbFile(target)) {
                        tar.copyEntryTo(out);
                    }
                    return true;
                }
            }
        } catch (LocalFailures.Failure local) {
            throw local.original();
        } catch (IOException decoding) {
            // Neither the source nor the target failed, so gzip or tar found bytes they cannot read.
            String why = decoding.getMessage() == null ? decoding.getClass().getSimpleName() : decoding.getMessage();
            throw new DamagedArchiveException("not a readable gzip tar archive: " + why, decoding);
        }
        return false;
    }

    /** Owner-only and new: the db holds every Secret of the cluster. Its failures are local ones. */
    private static OutputStream newDbFile(Path target) throws LocalFailures.Failure {
        return new LocalFailures.Output(Channels.newOutputStream(LocalFailures.local(() -> FileChannel.open(target,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))));
    }

    /** Keeps the caller's stream open when the tar reader closes. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() {
        }
    }

    private static boolean startsLikeBbolt(byte[] prefix) {
        if (prefix.length < BBOLT_MAGIC_OFFSET + BBOLT_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < BBOLT_MAGIC.length; i++) {
            if (prefix[BBOLT_MAGIC_OFFSET + i] != BBOLT_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
