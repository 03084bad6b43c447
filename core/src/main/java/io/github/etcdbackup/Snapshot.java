package io.github.etcdbackup;

import io.github.etcdbackup.exception.InvalidInputException;

import io.github.etcdbackup.internal.common.InputValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A snapshot archive as the unit reported it: where it is, its SHA-256, its size and the etcd versions that wrote it.
 * It has not been downloaded yet;
 * {@link io.github.etcdbackup.client.EtcdBackupClient#download(Snapshot, java.nio.file.Path)} turns it into a
 * verified {@link LocalSnapshot}.
 *
 * @param unit                 the unit that ran the snapshot (Juju resolves {@code etcd/leader} to, say, {@code etcd/3})
 * @param actionId             the Juju action or task id, empty over SSH
 * @param remotePath           the absolute path of the archive on the unit
 * @param archiveName          the archive's file name, the last segment of {@code remotePath}
 * @param sha256               the SHA-256 the unit computed, 64 lowercase hex digits
 * @param sizeText             the size as the charm reports it: {@code du -h} text such as {@code 68K}; empty if unknown
 * @param approximateSizeBytes {@code sizeText} in bytes (powers of 1024, truncated); 0 if unknown. Disk usage, not
 *                             the exact length: verify with {@code sha256}, never with the size
 * @param etcdctlVersion       e.g. {@code 3.4.22}; empty if unknown
 * @param apiVersion           the etcdctl API version, e.g. {@code 3.4} or {@code 2}; empty if unknown
 * @param keysVersion          which key space the archive holds
 * @param takenAt              when the client asked for the snapshot
 * @param elapsed              how long the snapshot took, as the client measured it
 */
public record Snapshot(String unit, Optional<String> actionId, String remotePath, String archiveName, String sha256,
                       String sizeText, long approximateSizeBytes, String etcdctlVersion, String apiVersion,
                       KeysVersion keysVersion, Instant takenAt, Duration elapsed) {

    private static final Pattern DU_SIZE = Pattern.compile("(\\d{1,15}(?:\\.\\d{1,6})?)([KMGTPE]?)");
    private static final Pattern ETCDCTL_VERSION = Pattern.compile("(?m)^etcdctl version:\\s*(\\S+)\\s*$");
    private static final Pattern API_VERSION = Pattern.compile("(?m)^API version:\\s*(\\S+)\\s*$");
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");
    private static final String TAR_GZ = ".tar.gz";
    private static final int LOCAL_NAME_HASH_DIGITS = 12;

    /** Validates every field. */
    public Snapshot {
        InputValidation.unit(unit);
        Objects.requireNonNull(actionId, "actionId");
        InputValidation.remotePath(remotePath);
        if (!InputValidation.baseName(remotePath).equals(archiveName)) {
            throw new InvalidInputException("archive name", archiveName, "must be the last segment of " + remotePath);
        }
        InputValidation.fileName(archiveName);
        sha256 = InputValidation.sha256(sha256);
        Objects.requireNonNull(sizeText, "sizeText");
        if (approximateSizeBytes < 0) {
            throw new InvalidInputException("approximate size", Long.toString(approximateSizeBytes), "must be >= 0");
        }
        Objects.requireNonNull(etcdctlVersion, "etcdctlVersion");
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(keysVersion, "keysVersion");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /**
     * A snapshot known only by its path and hash, e.g. one taken by hand with the charm's action. Sizes and
     * versions are unknown; the keys version is taken to be v3.
     */
    public static Snapshot of(String unit, String remotePath, String sha256) {
        return builder().unit(unit).remotePath(remotePath).sha256(sha256).build();
    }

    /** A builder, mostly for transports. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Bytes of a {@code du -h} size: {@code 68K} is 69632, {@code 4.2M} is 4404019 (powers of 1024, truncated).
     *
     * @throws InvalidInputException if the text is not a {@code du -h} size
     */
    public static long parseDuSize(String sizeText) {
        Matcher m = DU_SIZE.matcher(sizeText == null ? "" : sizeText.strip());
        if (!m.matches()) {
            throw new InvalidInputException("size", sizeText, "expected du -h text such as 4.0K, 68K or 1.2G");
        }
        int power = m.group(2).isEmpty() ? 0 : "KMGTPE".indexOf(m.group(2)) + 1;
        try {
            return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1024).pow(power))
                    .setScale(0, RoundingMode.DOWN).longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException("size", sizeText, "larger than " + Long.MAX_VALUE + " bytes");
        }
    }

    /**
     * The name a download gives this archive locally: the model (when known), the unit, the charm's name and the
     * first 12 hex digits of the SHA-256, e.g. {@code k8s_etcd-0_etcd-snapshot-2026-11-26-14.14.02_3f2a1b9c0d4e.tar.gz}.
     * The charm names archives by the second and without the unit, so archives of several units, or two snapshots
     * taken in one second, would otherwise share one name in a directory.
     *
     * @param model the model's name, or empty when unknown (then left out, as is a name that is not a Juju model name)
     * @throws InvalidInputException if the name would not be a plain file name (e.g. longer than 255 characters)
     */
    public String localName(String model) {
        String prefix = (model != null && MODEL_NAME.matcher(model).matches() ? model + "_" : "")
                + unit.replace('/', '-') + "_";
        String suffix = archiveName.endsWith(TAR_GZ) ? TAR_GZ : "";
        String stem = archiveName.substring(0, archiveName.length() - suffix.length());
        return InputValidation.fileName(prefix + stem + "_" + sha256.substring(0, LOCAL_NAME_HASH_DIGITS) + suffix);
    }

    /** A copy with other timing (the client sets what it measured). */
    public Snapshot withTiming(Instant takenAt, Duration elapsed) {
        return new Snapshot(unit, actionId, remotePath, archiveName, sha256, sizeText, approximateSizeBytes,
                etcdctlVersion, apiVersion, keysVersion, takenAt, elapsed);
    }

    /** Builder for {@link Snapshot}; the archive name and byte size are derived from the path and size text. */
    public static final class Builder {
        private String unit;
        private String actionId;
        private String remotePath;
        private String sha256;
        private String sizeText = "";
        private String etcdctlVersion = "";
        private String apiVersion = "";
        private KeysVersion keysVersion = KeysVersion.V3;

        private Builder() {
        }

        /** The unit that ran the snapshot. */
        public Builder unit(String unit) {
            this.unit = unit;
            return this;
        }

        /** The Juju action or task id. */
        public Builder actionId(String actionId) {
            this.actionId = actionId;
            return this;
        }

        /** The archive's absolute path on the unit. */
        public Builder remotePath(String remotePath) {
            this.remotePath = remotePath;
            return this;
        }

        /** The SHA-256 computed on the unit. */
        public Builder sha256(String sha256) {
            this.sha256 = sha256;
            return this;
        }

        /** The {@code du -h} size text. */
        public Builder sizeText(String sizeText) {
            this.sizeText = Objects.requireNonNull(sizeText, "sizeText").strip();
            return this;
        }

        /**
         * The {@code du -h} size text as a unit reported it. The size is informational (the SHA-256, never the size,
         * verifies an archive), so text that is not a {@code du -h} size, such as {@code 68,5K} from a unit with a
         * comma locale, leaves the size unknown, with a warning, instead of failing the snapshot.
         */
        public Builder sizeTextOrUnknown(String reported) {
            String text = reported == null ? "" : reported.strip();
            try {
                if (!text.isEmpty()) {
                    parseDuSize(text);
                }
                this.sizeText = text;
            } catch (InvalidInputException e) {
                warn("Size of the snapshot of {} recorded as unknown: {}", e);
                this.sizeText = "";
            }
            return this;
        }

        /** The etcdctl version, e.g. {@code 3.4.22}. */
        public Builder etcdctlVersion(String etcdctlVersion) {
            this.etcdctlVersion = Objects.requireNonNull(etcdctlVersion, "etcdctlVersion");
            return this;
        }

        /** The API version, e.g. {@code 3.4}. */
        public Builder apiVersion(String apiVersion) {
            this.apiVersion = Objects.requireNonNull(apiVersion, "apiVersion");
            return this;
        }

        /**
         * Both versions from the output of {@code etcdctl version}: {@code etcdctl version: 3.4.22} and
         * {@code API version: 3.4} (the charm's {@code snapshot.version} result).
         *
         * @throws InvalidInputException if either line is missing
         */
        public Builder versionText(String etcdctlVersionOutput) {
            String text = etcdctlVersionOutput == null ? "" : etcdctlVersionOutput.replace("\r", "");
            Matcher etcdctl = ETCDCTL_VERSION.matcher(text);
            Matcher api = API_VERSION.matcher(text);
            if (!etcdctl.find() || !api.find()) {
                throw new InvalidInputException("etcdctl version output", etcdctlVersionOutput,
                        "expected the two lines 'etcdctl version: X' and 'API version: Y'");
            }
            this.etcdctlVersion = etcdctl.group(1);
            this.apiVersion = api.group(1);
            return this;
        }

        /**
         * Both versions from {@code etcdctl version} output as a unit reported it. The versions are informational
         * for a snapshot, so output without the two lines leaves them unknown, with a warning, instead of failing the
         * snapshot; a restore refuses a snapshot whose etcd version is unknown.
         */
        public Builder versionTextOrUnknown(String reported) {
            try {
                return versionText(reported);
            } catch (InvalidInputException e) {
                warn("etcd versions of the snapshot of {} recorded as unknown: {}", e);
                this.etcdctlVersion = "";
                this.apiVersion = "";
                return this;
            }
        }

        /**
         * Logs an unreadable value. The logger is looked up here, not held in a field: loading this value class
         * (every manifest read does) must not start SLF4J, which prints to stderr when it has no provider.
         */
        private void warn(String format, InvalidInputException unreadable) {
            Logger log = LoggerFactory.getLogger(Snapshot.class);
            log.warn(format, unit == null ? "a unit" : unit, unreadable.getMessage());
        }

        /** The key space the archive holds. */
        public Builder keysVersion(KeysVersion keysVersion) {
            this.keysVersion = Objects.requireNonNull(keysVersion, "keysVersion");
            return this;
        }

        /** Builds and validates the snapshot. */
        public Snapshot build() {
            String path = InputValidation.remotePath(remotePath);
            long bytes = sizeText.isEmpty() ? 0 : parseDuSize(sizeText);
            return new Snapshot(unit, Optional.ofNullable(actionId), path, InputValidation.baseName(path), sha256,
                    sizeText, bytes, etcdctlVersion, apiVersion, keysVersion, Instant.now(), Duration.ZERO);
        }
    }
}
