package io.github.etcdbackup.spi;

import io.github.etcdbackup.exception.InvalidInputException;

import java.util.Optional;

/**
 * How a transport can read one file as several byte ranges at once ({@link EtcdTransport#openRange}). Over a link
 * with a long round trip one stream is capped by its window (OpenSSH's 2 MiB allows about 40 MB/s at 50 ms), not by
 * the bandwidth; several ranges in flight fill the link. The core fetches consecutive ranges of {@code rangeBytes},
 * at most {@code streams} at a time, and hands them to the verified download in file order, so the SHA-256 is still
 * computed in one pass and the {@code .part} still only grows at its end. Up to {@code 2 x streams} ranges are held
 * at once (a range that arrived early waits for the reader): in memory, where the core shrinks both to fit a quarter
 * of the heap, unless the transport keeps them itself ({@code spooled}, see {@link SpooledRange}).
 *
 * @param streams    ranges read at the same time, 2 to {@value #MAX_STREAMS}
 * @param rangeBytes bytes per range, {@value #MIN_RANGE_BYTES} to {@value #MAX_RANGE_BYTES}; each costs a remote
 *                   command, so a range should take several round trips to arrive
 * @param spooled    whether every stream {@link EtcdTransport#openRange} returns is a {@link SpooledRange}: its bytes
 *                   wait in the transport's own storage (a file), so the core holds none of them in memory and
 *                   does not shrink such ranges to fit the heap
 */
public record ParallelReads(int streams, long rangeBytes, boolean spooled) {
    /** The most ranges in flight at once (sshd's default {@code MaxSessions} is 10 per connection). */
    public static final int MAX_STREAMS = 8;
    /** The smallest range. */
    public static final long MIN_RANGE_BYTES = 4096;
    /** The largest range: one array. */
    public static final long MAX_RANGE_BYTES = 256L * 1024 * 1024;

    /**
     * A transport builder's setting: {@code streams} ranges of {@code rangeBytes}, or none for one stream.
     *
     * @throws InvalidInputException if {@code streams} is not 1 to {@value #MAX_STREAMS} or, above 1, the range is
     *                               out of its bounds
     */
    public static Optional<ParallelReads> orOneStream(int streams, long rangeBytes) {
        return streams == 1 ? Optional.empty() : Optional.of(new ParallelReads(streams, rangeBytes));
    }

    /** Ranges the core holds in memory ({@code spooled} false). */
    public ParallelReads(int streams, long rangeBytes) {
        this(streams, rangeBytes, false);
    }

    /** The same reads, with ranges the transport keeps itself ({@link SpooledRange}). */
    public ParallelReads asSpooled() {
        return new ParallelReads(streams, rangeBytes, true);
    }

    /** @throws InvalidInputException if a value is out of its range */
    public ParallelReads {
        if (streams < 2 || streams > MAX_STREAMS) {
            throw new InvalidInputException("parallel reads", Integer.toString(streams),
                    "must be 2 to " + MAX_STREAMS + " (1 means one stream: leave parallel reads off)");
        }
        if (rangeBytes < MIN_RANGE_BYTES || rangeBytes > MAX_RANGE_BYTES) {
            throw new InvalidInputException("range size", Long.toString(rangeBytes),
                    "must be " + MIN_RANGE_BYTES + " to " + MAX_RANGE_BYTES + " bytes");
        }
    }
}
