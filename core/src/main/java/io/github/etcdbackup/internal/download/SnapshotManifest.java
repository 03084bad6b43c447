package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.internal.files.AtomicFile;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.StoredSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The small properties file written beside each verified archive ({@code <archive>.manifest}): what the unit
 * reported, so that a store can list and check its archives months later without asking the cluster.
 */
public final class SnapshotManifest {
    /** Suffix of the manifest file. */
    public static final String SUFFIX = ".manifest";
    private static final String FORMAT = "1";
    /** The {@code encryption} value of an age-encrypted archive; absent for a plain one. */
    private static final String AGE = "age";
    /** A manifest is about 600 bytes; this leaves room for long paths and model names. */
    public static final int MAX_BYTES = 64 * 1024;

    private SnapshotManifest() {
    }

    /** The manifest path of an archive. */
    public static Path pathOf(Path archive) {
        return archive.resolveSibling(archive.getFileName() + SUFFIX);
    }

    /** Writes the manifest of a verified archive atomically (temp file, fsync, rename). */
    public static void write(LocalSnapshot local, String model) {
        AtomicFile.write(pathOf(local.file()), text(local, model).getBytes(StandardCharsets.UTF_8));
    }

    /** The manifest of a verified archive, as any store keeps it beside the archive. */
    public static String text(StoredSnapshot local, String model) {
        Snapshot s = local.source();
        TreeMap<String, String> values = new TreeMap<>();
        values.put("format", FORMAT);
        values.put("unit", s.unit());
        values.put("application", s.unit().substring(0, s.unit().indexOf('/')));
        values.put("model", model);
        values.put("actionId", s.actionId().orElse(""));
        values.put("remotePath", s.remotePath());
        values.put("archive", local.name());
        values.put("sha256", local.sha256());
        values.put("sizeBytes", Long.toString(local.sizeBytes()));
        values.put("sizeText", s.sizeText());
        values.put("keysVersion", s.keysVersion().name());
        values.put("etcdctlVersion", s.etcdctlVersion());
        values.put("apiVersion", s.apiVersion());
        values.put("takenAt", s.takenAt().toString());
        values.put("elapsed", s.elapsed().toString());
        local.encryption().ifPresent(e -> {
            // The archive's sha256 and sizeBytes above are the ciphertext's; these are the plaintext's.
            values.put("encryption", AGE);
            values.put("plaintextSha256", e.plaintextSha256());
            values.put("plaintextSizeBytes", Long.toString(e.plaintextSizeBytes()));
            values.put("recipients", String.join(",", e.recipients().stream().map(AgeRecipient::publicKey).toList()));
        });
        StringBuilder text = new StringBuilder("# etcd-backup snapshot manifest\n");
        values.forEach((key, value) -> text.append(key).append('=').append(escape(value)).append('\n'));
        return text.toString();
    }

    /** A manifest that was read, with the model it names. */
    public record Read(LocalSnapshot snapshot, String model) {
    }

    /**
     * What a manifest says of its archive, wherever it is kept.
     *
     * @param sha256     the stored bytes' SHA-256 (the ciphertext's, for an encrypted archive)
     * @param sizeBytes  the stored bytes' length
     * @param source     what the unit reported
     * @param encryption present for an encrypted archive
     * @param model      the model it names, empty when none was known
     */
    public record Contents(String sha256, long sizeBytes, Snapshot source, Optional<EncryptedArchive> encryption,
                           String model) {
    }

    /**
     * Reads the manifest of {@code archive}.
     *
     * @return empty if there is no manifest
     * @throws IllegalArgumentException if it exists but is not a valid manifest (the message says why)
     * @throws LocalStorageException    if reading it failed
     */
    public static Optional<Read> read(Path archive) {
        Path file = pathOf(archive);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Contents contents = parse(load(file), file.toString());
        return Optional.of(new Read(new LocalSnapshot(archive, contents.sha256(), contents.sizeBytes(),
                contents.source(), contents.encryption()), contents.model()));
    }

    /**
     * Parses a manifest's bytes.
     *
     * @param where where they were read, for messages
     * @throws IllegalArgumentException if they are not a valid manifest (the message says why)
     */
    public static Contents parse(byte[] bytes, String where) {
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("manifest " + where + " is larger than " + MAX_BYTES + " bytes");
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString()));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("manifest " + where + " is not UTF-8 text", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid manifest " + where + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new IllegalArgumentException("unknown or missing manifest format in " + where);
        }
        try {
            Optional<EncryptedArchive> encryption = encryption(p);
            Snapshot source = Snapshot.builder()
                    .unit(required(p, "unit"))
                    .actionId(blankToNull(p.getProperty("actionId")))
                    .remotePath(required(p, "remotePath"))
                    // What the unit reported: the archive's own hash, or for an encrypted one its plaintext's.
                    .sha256(encryption.map(EncryptedArchive::plaintextSha256).orElse(required(p, "sha256")))
                    .sizeText(p.getProperty("sizeText", ""))
                    .etcdctlVersion(p.getProperty("etcdctlVersion", ""))
                    .apiVersion(p.getProperty("apiVersion", ""))
                    .keysVersion(KeysVersion.valueOf(required(p, "keysVersion")))
                    .build()
                    .withTiming(Instant.parse(required(p, "takenAt")), Duration.parse(required(p, "elapsed")));
            Contents contents = new Contents(io.github.etcdbackup.internal.common.InputValidation.sha256(
                    required(p, "sha256")), Long.parseLong(required(p, "sizeBytes")), source, encryption,
                    p.getProperty("model", ""));
            if (contents.sizeBytes() < 0) {
                throw new IllegalArgumentException("negative sizeBytes");
            }
            return contents;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid manifest " + where + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest's properties. Only a small regular file of UTF-8 text is read: a directory or a FIFO under the
     * manifest's name would fail or block the read, a huge file would fill the heap, and a lenient decoder would turn
     * a damaged byte into a value that still parses.
     */
    private static byte[] load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("manifest " + file + " is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading", e);
        }
    }

    private static Optional<EncryptedArchive> encryption(Properties p) {
        String kind = p.getProperty("encryption");
        if (kind == null) {
            return Optional.empty();
        }
        if (!kind.equals(AGE)) {
            throw new IllegalArgumentException("unknown encryption " + kind);
        }
        List<AgeRecipient> recipients = Arrays.stream(required(p, "recipients").split(","))
                .map(AgeRecipient::new).toList();
        return Optional.of(new EncryptedArchive(recipients, required(p, "plaintextSha256"),
                Long.parseLong(required(p, "plaintextSizeBytes"))));
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String escape(String value) {
        Properties one = new Properties();
        one.setProperty("k", value);
        StringWriter out = new StringWriter();
        try {
            one.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String stored = out.toString().lines().filter(l -> l.startsWith("k=")).findFirst().orElseThrow();
        return stored.substring(2);
    }
}
