package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.testkit.ReliabilitySeeds;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of the SSH reliability suite ({@code SshCutChecks}, {@code SshConcurrencyChecks}), printed and
 * asserted once by {@link SshReliabilitySuiteTest}, with the base seed the cases drew from ({@link ReliabilitySeeds}).
 */
final class SshReliabilityLedger {

    /** Cuts of the TCP connection under the SSH client, and bytes flipped on the wire, that really happened. */
    static final AtomicLong FAULTS_INJECTED = new AtomicLong();
    /** Cuts armed on a dropped connection, so that they could land in the SSH handshake. */
    static final AtomicLong CUTS_ON_A_NEW_CONNECTION = new AtomicLong();
    /** Failed downloads that had received no byte of the file (cut in the handshake, channel open or exec). */
    static final AtomicLong FAILED_BEFORE_THE_FIRST_BYTE = new AtomicLong();
    /** Failed downloads that kept part of the file. */
    static final AtomicLong FAILED_MID_FILE = new AtomicLong();
    /** Failed downloads that had every byte but not the command's exit status. */
    static final AtomicLong FAILED_AFTER_THE_LAST_BYTE = new AtomicLong();
    /** Bytes flipped on the wire. */
    static final AtomicLong FLIPPED_BYTES = new AtomicLong();
    /** Streams that ended in the expected {@code EtcdBackupException} subclass. */
    static final AtomicLong TYPED_ERRORS = new AtomicLong();
    /** Faults followed by a byte-identical final file: resumed by the next call, or survived by the call itself. */
    static final AtomicLong RECOVERIES = new AtomicLong();
    /**
     * Of the recoveries, faults the call itself survived: cut before its channel opened (the transport reconnects
     * once), or after the command's exit status arrived.
     */
    static final AtomicLong CALL_SUCCEEDED = new AtomicLong();
    /** Any other exception or error (NPE, ISE, sshj's own types, ...). Must be 0. */
    static final AtomicLong UNTYPED_ERRORS = new AtomicLong();
    /** Files under their final name whose bytes differ from the unit's, or kept partial files not a prefix of it. */
    static final AtomicLong CORRUPT_FINAL_FILES = new AtomicLong();
    /** {@code cat}, {@code tail} or scripts on the unit still running for a call that ended. Must be 0. */
    static final AtomicLong LEAKED_REMOTE_PROCESSES = new AtomicLong();
    /** sshj channels still open on the transport's connections once every call ended. Must be 0. */
    static final AtomicLong LEAKED_CHANNELS = new AtomicLong();
    /** Units that streamed far more than the size they reported, stopped with nothing left ({@code SshHostileChecks}). */
    static final AtomicLong OVERSIZE_STREAMS_STOPPED = new AtomicLong();
    /** Symbolic links planted at the {@code .part} or the final name, refused by name and never followed. */
    static final AtomicLong PLANTED_LINKS_REFUSED = new AtomicLong();
    /** Downloads refused because another process held the {@code .part}'s lock, its bytes left alone. */
    static final AtomicLong LOCKS_HELD_ELSEWHERE_REFUSED = new AtomicLong();
    /** {@code sshj-*} and {@code etcd-backup-ssh-*} threads alive after {@code close()}. Must be 0. */
    static final AtomicLong LEAKED_THREADS = new AtomicLong();

    private SshReliabilityLedger() {
    }

    static String table() {
        String row = "| %-58s | %10s |%n";
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nssh-transport reliability suite (seed %d)%n", ReliabilitySeeds.BASE));
        out.append(String.format(Locale.ROOT, row, "figure", "value"));
        out.append(String.format(Locale.ROOT, "|%s|%s|%n", "-".repeat(60), "-".repeat(12)));
        out.append(String.format(Locale.ROOT, row, "faults injected (TCP cuts + flipped bytes)", FAULTS_INJECTED.get()));
        out.append(String.format(Locale.ROOT, row, "  cuts armed on a new connection (handshake included)",
                CUTS_ON_A_NEW_CONNECTION.get()));
        out.append(String.format(Locale.ROOT, row, "  flipped bytes", FLIPPED_BYTES.get()));
        out.append(String.format(Locale.ROOT, row, "typed errors", TYPED_ERRORS.get()));
        out.append(String.format(Locale.ROOT, row, "  before the first byte of the file",
                FAILED_BEFORE_THE_FIRST_BYTE.get()));
        out.append(String.format(Locale.ROOT, row, "  mid-file (partial file kept)", FAILED_MID_FILE.get()));
        out.append(String.format(Locale.ROOT, row, "  after the last byte, exit status missing",
                FAILED_AFTER_THE_LAST_BYTE.get()));
        out.append(String.format(Locale.ROOT, row, "recoveries (byte-identical final file after the fault)",
                RECOVERIES.get()));
        out.append(String.format(Locale.ROOT, row, "  the call itself succeeded (reconnected, or had it all)",
                CALL_SUCCEEDED.get()));
        out.append(String.format(Locale.ROOT, row, "oversize streams stopped, nothing kept", OVERSIZE_STREAMS_STOPPED.get()));
        out.append(String.format(Locale.ROOT, row, "planted links refused by name (.part, final name)",
                PLANTED_LINKS_REFUSED.get()));
        out.append(String.format(Locale.ROOT, row, "a .part locked by another process: refused",
                LOCKS_HELD_ELSEWHERE_REFUSED.get()));
        out.append(String.format(Locale.ROOT, row, "untyped errors (must be 0)", UNTYPED_ERRORS.get()));
        out.append(String.format(Locale.ROOT, row, "corrupt final or partial files (must be 0)",
                CORRUPT_FINAL_FILES.get()));
        out.append(String.format(Locale.ROOT, row, "leaked processes on the unit (must be 0)",
                LEAKED_REMOTE_PROCESSES.get()));
        out.append(String.format(Locale.ROOT, row, "leaked sshj channels (must be 0)", LEAKED_CHANNELS.get()));
        out.append(String.format(Locale.ROOT, row, "leaked sshj/transport threads (must be 0)",
                LEAKED_THREADS.get()));
        return out.toString();
    }
}
