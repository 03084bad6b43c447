package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.testkit.ReliabilitySeeds;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of the reliability suite, shared by every {@code *Checks} class and printed (and asserted) once by
 * {@link ReliabilitySuiteTest} when the suite ends.
 */
final class Ledger {
    /** Hostile outputs, hostile inputs, hangs and stream cuts handed to the library. */
    static final AtomicLong FAULTS_INJECTED = new AtomicLong();
    /** Faults that ended in the expected {@code EtcdBackupException} subclass. */
    static final AtomicLong TYPED_ERRORS = new AtomicLong();
    /** Faults the library absorbed with a correct result: a parse of a harmless mutation, a resumed download. */
    static final AtomicLong RECOVERIES = new AtomicLong();
    /** Any other exception or error (NPE, ClassCast, StackOverflowError, ...). Must be 0. */
    static final AtomicLong UNTYPED_ERRORS = new AtomicLong();
    /** Files under their final name whose bytes differ from the unit's. Must be 0. */
    static final AtomicLong CORRUPT_FINAL_FILES = new AtomicLong();
    /** Processes started by the library still alive after the call ended. Must be 0. */
    static final AtomicLong LEAKED_PROCESSES = new AtomicLong();
    /** Library threads (output readers, stream drainers) and any non-daemon thread left after the call. Must be 0. */
    static final AtomicLong LEAKED_THREADS = new AtomicLong();
    /** Calls that ended later than their deadline plus the margin. Must be 0. */
    static final AtomicLong LATE_CALLS = new AtomicLong();
    /** Units that streamed far more than they reported, stopped with nothing kept (issue 16). */
    static final AtomicLong OVERSIZE_STREAMS_STOPPED = new AtomicLong();
    /** Links planted where a download writes, refused by name or replaced, never followed (issue 16). */
    static final AtomicLong PLANTED_LINKS_REFUSED = new AtomicLong();
    /** Slowest call on a hanging {@code juju} or one whose orphan holds its output, in milliseconds. */
    static final AtomicLong SLOWEST_HANGING_CALL_MILLIS = new AtomicLong();
    /** Slowest call on a {@code juju} whose orphan in a session of its own holds its output, in milliseconds. */
    static final AtomicLong SLOWEST_SETSID_ORPHAN_CALL_MILLIS = new AtomicLong();
    /** Heap used at most by a JVM at {@code -Xmx64m} while {@code juju} floods stdout, in bytes; 0 if not run. */
    static final AtomicLong FLOOD_PEAK_HEAP = new AtomicLong();
    /** Length of the {@code rawOutput()} the flood's {@code OutputParseException} keeps, in characters. */
    static final AtomicLong FLOOD_RAW_OUTPUT_CHARS = new AtomicLong();
    /** Slowest single parse of a hostile document, in milliseconds. */
    static final AtomicLong SLOWEST_PARSE_MILLIS = new AtomicLong();
    /** Most bytes a single parse allocated. */
    static final AtomicLong MOST_PARSE_ALLOCATION = new AtomicLong();

    private Ledger() {
    }

    static void slowestHangingCall(boolean orphanInOwnSession, long millis) {
        (orphanInOwnSession ? SLOWEST_SETSID_ORPHAN_CALL_MILLIS : SLOWEST_HANGING_CALL_MILLIS)
                .accumulateAndGet(millis, Math::max);
    }

    static void slowestParse(long millis) {
        SLOWEST_PARSE_MILLIS.accumulateAndGet(millis, Math::max);
    }

    static void parseAllocation(long bytes) {
        MOST_PARSE_ALLOCATION.accumulateAndGet(bytes, Math::max);
    }

    static String table() {
        String row = "| %-46s | %12s |%n";
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%njuju-cli-transport reliability suite (seed %d)%n",
                ReliabilitySeeds.BASE));
        out.append(String.format(Locale.ROOT, row, "figure", "value"));
        out.append(String.format(Locale.ROOT, "|%s|%s|%n", "-".repeat(48), "-".repeat(14)));
        out.append(String.format(Locale.ROOT, row, "faults injected", FAULTS_INJECTED.get()));
        out.append(String.format(Locale.ROOT, row, "typed errors", TYPED_ERRORS.get()));
        out.append(String.format(Locale.ROOT, row, "recoveries (correct result despite the fault)",
                RECOVERIES.get()));
        out.append(String.format(Locale.ROOT, row, "oversize streams stopped, nothing kept",
                OVERSIZE_STREAMS_STOPPED.get()));
        out.append(String.format(Locale.ROOT, row, "planted links refused or replaced",
                PLANTED_LINKS_REFUSED.get()));
        out.append(String.format(Locale.ROOT, row, "untyped errors (must be 0)", UNTYPED_ERRORS.get()));
        out.append(String.format(Locale.ROOT, row, "corrupt final files (must be 0)", CORRUPT_FINAL_FILES.get()));
        out.append(String.format(Locale.ROOT, row, "leaked processes (must be 0)", LEAKED_PROCESSES.get()));
        out.append(String.format(Locale.ROOT, row, "leaked library threads (must be 0)", LEAKED_THREADS.get()));
        out.append(String.format(Locale.ROOT, row, "calls past deadline + margin (must be 0)", LATE_CALLS.get()));
        String deadline = ", ms (deadline " + TimeoutChecks.DEADLINE.toMillis() + ")";
        out.append(String.format(Locale.ROOT, row, "slowest hang/orphan call" + deadline,
                SLOWEST_HANGING_CALL_MILLIS.get()));
        out.append(String.format(Locale.ROOT, row, "slowest setsid-orphan call" + deadline,
                SLOWEST_SETSID_ORPHAN_CALL_MILLIS.get()));
        out.append(String.format(Locale.ROOT, row, "500 MB flood at -Xmx64m: peak heap used (MiB)",
                FLOOD_PEAK_HEAP.get() / (1024 * 1024)));
        out.append(String.format(Locale.ROOT, row, "500 MB flood: rawOutput() (chars)",
                FLOOD_RAW_OUTPUT_CHARS.get()));
        out.append(String.format(Locale.ROOT, row, "slowest hostile parse (ms of CPU)", SLOWEST_PARSE_MILLIS.get()));
        out.append(String.format(Locale.ROOT, row, "most bytes allocated by one parse",
                MOST_PARSE_ALLOCATION.get()));
        return out.toString();
    }
}
