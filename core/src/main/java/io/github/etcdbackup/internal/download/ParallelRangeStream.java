package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.FileRanges;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.spi.SpooledRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A remote file from an offset to its end, read as consecutive ranges by several workers at once and given back in
 * file order: to its reader it is one stream, like {@code EtcdTransport.openFile}'s, so the verified download above
 * it (one-pass SHA-256, a {@code .part} that only grows at its end, resume, size limit, encryption) is unchanged.
 *
 * <p>At most {@code streams} ranges are read at once, and at most twice as many are held (a range that arrived
 * early waits in memory for the reader while its stream already reads the next), each in a buffer that grows with
 * what arrived up to {@code rangeBytes} (so ranges past a short file's end cost next to nothing); the first is read by
 * the caller while it still arrives, the others fill meanwhile. A range shorter than asked marks the end of the file:
 * no range after it is started, and one already started must have found nothing (else the file changed while it was
 * read, an error). Every range must end by its stream's -1 (the remote command succeeded): a range that failed fails
 * the next {@code read}, whichever range it was, so a broken transfer is seen at once. {@link #close()} closes every
 * range's stream, which ends its worker (one still opening its range closes it once it is open); a caller blocked in
 * {@code read} then gets an {@code IOException}, and an interrupted one an {@code InterruptedIOException}.
 *
 * <p>Staggered ({@link #staggered}), the first {@code streams} ranges are a {@code streams}-th of {@code rangeBytes},
 * two, ... up to all of it, so that the streams end their ranges at different times from then on. Ranges of equal
 * length read side by side end together, and then every stream sets up its next range at the same moment (a round
 * trip or two for an SSH channel, a whole new connection for {@code juju ssh}) while the link stands idle; and the
 * reader, which can only take the file in order, finds all but one of the ranges it waited behind arrived at once,
 * a backlog to hash and write after the last byte came. Staggered, the link stays busy while one stream sets up
 * and the reader keeps nearer to what arrives. Given the file's approximate size (the charm's {@code du -h}), the
 * ranges of the last round shrink: each is a {@code streams}-th of what is left, so that the streams end about
 * together instead of one range arriving alone at the end, at the speed of one stream; but none shorter than four
 * times what its set-up costs, measured on the first range (an SSH channel opens in a round trip or two, a
 * {@code juju ssh} connection takes ten). Beyond that size ranges start one at a time (each most likely finds
 * nothing, and costs its transport a set-up) until one arrives full: the size was low, and ranges are whole again.
 * The size only shapes the ranges: where the file ends is still found by a range that comes back short. Measured on
 * benchmark 9's link (benchmarks/RESULTS.md, issue 22).
 *
 * <p>A range whose stream is a {@link SpooledRange} (its transport stores the bytes as they arrive) is not copied
 * into memory: its worker only waits for it to arrive, which frees the stream for the next range, and the reader
 * reads it from its stream when its turn comes, then closes it (which frees what the transport stored).
 */
public final class ParallelRangeStream extends BlockInputStream {
    private static final Logger LOG = LoggerFactory.getLogger(ParallelRangeStream.class);
    /** Opens at most {@code length} bytes of the file from {@code offset} ({@code EtcdTransport.openRange}). */
    @FunctionalInterface
    public interface RangeOpener {
        /** The range's stream; ends early only where the file ends. */
        InputStream open(long offset, long length, Deadline deadline);

        /** Releases what the ranges share, once the stream is closed ({@link FileRanges#close()}); none by default. */
        default void close() {
        }

        /** The ranges of a transport's {@link FileRanges}, released with them. */
        static RangeOpener of(FileRanges ranges) {
            return new RangeOpener() {
                @Override
                public InputStream open(long offset, long length, Deadline deadline) {
                    return ranges.open(offset, length, deadline);
                }

                @Override
                public void close() {
                    ranges.close();
                }
            };
        }
    }

    private static final int READ_CHUNK = 256 * 1024;
    private static final int FIRST_BUFFER = 1024 * 1024;
    /** Ranges held per stream: one being read, one that arrived early and waits for the reader. */
    static final int BUFFERED_PER_STREAM = 2;
    /** A range of the last round takes at least this many times its transport's set-up to arrive. */
    private static final int SETUP_SHARE = 4;
    /** {@link #readLocked}'s answer when the head range is spooled: the caller reads its stream, outside the lock. */
    private static final int READ_SPOOLED_HEAD = -2;
    private static final AtomicInteger STREAM_NUMBERS = new AtomicInteger();

    private final RangeOpener opener;
    private final Deadline deadline;
    private final int streams;
    private final int rangeBytes;
    private final boolean staggered;
    /** Where the file about ends (0: unknown), for the last round's shorter ranges. */
    private final long approximateEnd;
    private final ExecutorService workers;
    private final Object lock = new Object();
    /** Ranges started and not yet read to their end, in file order. Guarded by {@link #lock}. */
    private final ArrayDeque<Range> inFlight = new ArrayDeque<>();
    /** Buffers of ranges read to their end, for the next ones. Guarded by {@link #lock}. */
    private final List<byte[]> spare = new ArrayList<>();
    /** Workers still opening or reading their range. Guarded by {@link #lock}. */
    private int active;
    private long nextOffset;
    /** Ranges started so far. Guarded by {@link #lock}. */
    private int rangesStarted;
    /**
     * The shortest range of the last round ({@link #measureSetUp}): a quarter of a range until the first range has
     * arrived. Guarded by {@link #lock}.
     */
    private long smallestTailRange;
    private int headPosition;
    private boolean endReached;
    /** A range arrived shorter than asked: the file ends in it, and no range after it needs to start. */
    private boolean endSeen;
    /** A range beyond {@link #approximateEnd} arrived full: the size said was low, ranges are as usual again. */
    private boolean approximateEndPassed;
    private boolean closed;

    /**
     * Ranges of {@code reads.rangeBytes()} each, not staggered.
     *
     * @param opener  opens one range
     * @param offset  where the stream starts in the file
     * @param reads   how many ranges at once, and how long each
     * @param deadline bounds every range's opening and reading
     */
    public ParallelRangeStream(RangeOpener opener, long offset, ParallelReads reads, Deadline deadline) {
        this(opener, offset, reads, deadline, false, 0);
    }

    private ParallelRangeStream(RangeOpener opener, long offset, ParallelReads reads, Deadline deadline,
                                boolean staggered, long approximateEnd) {
        this.staggered = staggered;
        this.approximateEnd = approximateEnd;
        this.smallestTailRange = Math.max(1, reads.rangeBytes() / 4);
        this.opener = opener;
        this.deadline = deadline;
        this.streams = reads.streams();
        this.rangeBytes = Math.toIntExact(reads.rangeBytes());
        this.nextOffset = offset;
        int number = STREAM_NUMBERS.incrementAndGet();
        AtomicInteger workerNumbers = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(streams, task -> {
            Thread thread = new Thread(task, "etcd-backup-range-" + number + "-" + workerNumbers.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        synchronized (lock) {
            startRanges();
        }
    }

    /**
     * As the constructor, with the first ranges staggered and the last ones shorter (see the class comment): how
     * downloads read.
     *
     * @param approximateSize the file's size as far as known (the charm's {@code du -h}), 0 if unknown
     */
    public static ParallelRangeStream staggered(RangeOpener opener, long offset, ParallelReads reads,
                                                long approximateSize, Deadline deadline) {
        return new ParallelRangeStream(opener, offset, reads, deadline, true, Math.max(0, approximateSize));
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            Range spooledHead;
            int left;
            List<InputStream> abandoned = new ArrayList<>();
            try {
                synchronized (lock) {
                    int n = readLocked(buffer, off, len, abandoned);
                    if (n != READ_SPOOLED_HEAD) {
                        return n;
                    }
                    spooledHead = inFlight.peekFirst();
                    left = spooledHead.length - headPosition;
                }
            } finally {
                // Closing stops a remote command; done outside the lock, so that no worker waits on it meanwhile.
                abandoned.forEach(ParallelRangeStream::closeQuietly);
            }
            // Outside the lock: a spooled stream may wait for its bytes, and workers must go on meanwhile.
            int n;
            try {
                n = left > 0 ? spooledHead.stream.read(buffer, off, Math.min(len, left)) : endOf(spooledHead);
            } catch (IOException e) {
                synchronized (lock) {
                    // A range's worker closes its stream when it fails: its own error says why, not "closed".
                    failIfAnyRangeFailed();
                }
                throw e;
            }
            synchronized (lock) {
                if (n >= 0) {
                    if (spooledHead.firstByteNanos == 0 && n > 0) {
                        spooledHead.firstByteNanos = System.nanoTime();
                    }
                    headPosition += n;
                    return n;
                }
                spooledHead.readToEnd = true;
            }
        }
    }

    /** A spooled range read to its length must end there. */
    private static int endOf(Range range) throws IOException {
        if (range.stream.read() != -1) {
            throw tooLong(range);
        }
        return -1;
    }

    private static IOException tooLong(Range range) {
        return new IOException("the range from byte " + range.offset + " brought more than the " + range.length
                + " bytes asked");
    }

    private int readLocked(byte[] buffer, int off, int len, List<InputStream> abandoned) throws IOException {
        while (true) {
            if (closed) {
                throw new IOException("the ranged read was closed");
            }
            failIfAnyRangeFailed();
            Range head = inFlight.peekFirst();
            if (head == null) {
                if (endReached) {
                    return -1;
                }
                // Every range started was read, and the next ones could not start yet: a worker whose range the
                // reader already finished (a spooled one, read as it arrived) had not given its stream back.
                startRanges();
                if (inFlight.isEmpty()) {
                    awaitProgress();
                }
                continue;
            }
            if (head.spooled()) {
                if (!head.readToEnd) {
                    return READ_SPOOLED_HEAD;
                }
                head.filled = headPosition;
                finishHead(head, abandoned);
                continue;
            }
            if (headPosition < head.filled) {
                int n = Math.min(len, head.filled - headPosition);
                System.arraycopy(head.buffer, headPosition, buffer, off, n);
                headPosition += n;
                return n;
            }
            if (head.done) {
                finishHead(head, abandoned);
                continue;
            }
            awaitProgress();
        }
    }

    /**
     * The head range was read to its end: a short one ends the file, a full one makes room for the next. A spooled
     * one's stream is closed, which frees what its transport stored.
     */
    private void finishHead(Range head, List<InputStream> abandoned) throws IOException {
        inFlight.removeFirst();
        headPosition = 0;
        if (head.spooled()) {
            abandoned.add(head.stream);
        } else if (head.buffer != null && head.buffer.length == rangeBytes) {
            spare.add(head.buffer);
        }
        if (head.filled < head.length) {
            endReached = true;
            for (Range later : inFlight) {
                if (later.filled > 0) {
                    throw new IOException("the file ended at byte " + (head.offset + head.filled) + " for one range "
                            + "but had bytes at " + later.offset + " for another: it changed while it was read");
                }
            }
            abandoned.addAll(stopWorkers());
            return;
        }
        startRanges();
    }

    private void failIfAnyRangeFailed() throws IOException {
        for (Range range : inFlight) {
            if (range.failure != null) {
                if (range.failure instanceof RuntimeException typed) {
                    throw typed;
                }
                throw new IOException("bytes " + range.offset + " to " + (range.offset + range.length)
                        + " of the file: " + range.failure.getMessage(), range.failure);
            }
        }
    }

    private void awaitProgress() throws IOException {
        long waitMillis = Math.max(1, Math.min(1000, deadline.remaining().toMillis()));
        try {
            lock.wait(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a range of the file");
        }
        if (deadline.expired()) {
            throw new IOException("the deadline of " + deadline.timeout() + " passed while a range of the file was "
                    + "on its way");
        }
    }

    /**
     * Starts ranges while fewer than {@code streams} are being read and fewer than twice that are held, unless the
     * end of the file was seen.
     */
    private void startRanges() {
        while (!endReached && !endSeen && !closed && active < streams
                && inFlight.size() < BUFFERED_PER_STREAM * streams && !probingPastApproximateEnd()) {
            int length = nextLength();
            if (length != rangeBytes) {
                // Shorter ranges take no spare buffer: kept, they would only add to the memory ranges hold.
                spare.clear();
            }
            // A buffer only for a range read into memory: its worker makes one if none is spare.
            Range range = new Range(nextOffset, length, spare.isEmpty() ? null : spare.remove(spare.size() - 1),
                    rangesStarted);
            nextOffset += length;
            rangesStarted++;
            inFlight.addLast(range);
            active++;
            workers.execute(() -> fill(range));
        }
    }

    /**
     * Whether a range beyond the approximate end is already on its way: there, ranges start one at a time until one
     * arrives full (the size said was low), for each is most likely empty, and costs its transport a set-up (a whole
     * {@code juju ssh}, CPU the ranges still arriving need) for nothing.
     */
    private boolean probingPastApproximateEnd() {
        if (approximateEnd == 0 || approximateEndPassed || nextOffset < approximateEnd) {
            return false;
        }
        for (Range range : inFlight) {
            if (range.offset >= approximateEnd && !range.done && range.failure == null) {
                return true;
            }
        }
        return false;
    }

    /**
     * A range has all arrived: a short one shows where the file ends, so that no range after it starts (the reader
     * still ends the file only when it gets there); a full one beyond the approximate end shows that size was low.
     */
    private void arrived(Range range) {
        if (range.filled < range.length) {
            endSeen = true;
            return;
        }
        if (approximateEnd > 0 && range.offset >= approximateEnd) {
            approximateEndPassed = true;
        }
        if (staggered && range.number == 0 && range.firstByteNanos > 0) {
            measureSetUp(range);
        }
    }

    /**
     * Sets {@link #smallestTailRange}: a range of the last round should take at least {@value #SETUP_SHARE} times its
     * set-up to arrive. The set-up is what a range costs besides its bytes (an SSH channel's opening and
     * {@code exec}, a whole {@code juju ssh} connection), read off the first range: the time from its opening to its
     * first byte; its bytes then came at {@code length / (arrival - first byte)}. An eighth to half a range.
     */
    private void measureSetUp(Range first) {
        long now = System.nanoTime();
        long setUpNanos = Math.max(0, first.firstByteNanos - first.startedNanos);
        long bytesNanos = Math.max(1, now - first.firstByteNanos);
        double worthIt = SETUP_SHARE * (double) setUpNanos * first.length / bytesNanos;
        smallestTailRange = Math.max(Math.max(1, rangeBytes / 8), Math.min(Math.max(1, rangeBytes / 2),
                (long) worthIt));
        LOG.debug("The first range took {} ms to its first byte and {} ms for its {} bytes: the last round's ranges "
                + "are at least {} bytes", setUpNanos / 1_000_000, bytesNanos / 1_000_000, first.length,
                smallestTailRange);
    }

    /**
     * {@code rangeBytes}; staggered, the first ranges a 1/streams, 2/streams... share of it, and those of the last
     * round (by the approximate size) a streams-th of what is left, at least {@link #smallestTailRange}.
     */
    private int nextLength() {
        if (!staggered) {
            return rangeBytes;
        }
        if (rangesStarted < streams) {
            return (int) Math.max(1, (long) rangeBytes * (rangesStarted + 1) / streams);
        }
        long left = approximateEnd - nextOffset;
        if (approximateEnd == 0 || approximateEndPassed || left >= (long) streams * rangeBytes) {
            return rangeBytes;
        }
        return (int) Math.max(smallestTailRange, Math.min(rangeBytes, (left + streams - 1) / streams));
    }

    /** A worker: reads one range into its buffer, then checks that its stream ends there with success. */
    private void fill(Range range) {
        InputStream in = null;
        try {
            synchronized (lock) {
                if (closed || range.cancelled) {
                    return;
                }
                range.startedNanos = System.nanoTime();
            }
            in = opener.open(range.offset, range.length, deadline);
            synchronized (lock) {
                if (closed || range.cancelled) {
                    return;
                }
                range.stream = in;
                lock.notifyAll();
            }
            if (in instanceof SpooledRange spooled) {
                awaitSpooled(range, spooled);
                return;
            }
            int filled = 0;
            byte[] buffer;
            synchronized (lock) {
                if (range.buffer == null) {
                    range.buffer = new byte[Math.min(range.length, FIRST_BUFFER)];
                }
                buffer = range.buffer;
            }
            while (filled < range.length) {
                if (filled == buffer.length) {
                    // Only this worker writes the range; the reader copies [0, filled) of whichever array it sees.
                    buffer = Arrays.copyOf(buffer, (int) Math.min(range.length, 2L * buffer.length));
                    synchronized (lock) {
                        range.buffer = buffer;
                    }
                }
                int n = in.read(buffer, filled, Math.min(READ_CHUNK, buffer.length - filled));
                if (n < 0) {
                    break;
                }
                filled += n;
                synchronized (lock) {
                    if (range.firstByteNanos == 0 && n > 0) {
                        range.firstByteNanos = System.nanoTime();
                    }
                    range.filled = filled;
                    lock.notifyAll();
                }
            }
            if (filled == range.length && in.read() != -1) {
                throw tooLong(range);
            }
            synchronized (lock) {
                range.done = true;
                arrived(range);
                lock.notifyAll();
            }
        } catch (IOException | RuntimeException e) {
            synchronized (lock) {
                if (!closed && !range.cancelled) {
                    range.failure = e;
                }
                lock.notifyAll();
            }
        } finally {
            boolean readerTakesIt;
            synchronized (lock) {
                active--;
                // A range that arrived before the reader needs it frees its stream for the next one at once:
                // otherwise ranges waiting behind a slow head would leave the link to one stream. So does one the
                // reader finished first, for a reader that may be waiting for the next range to start.
                startRanges();
                lock.notifyAll();
                readerTakesIt = range.spooled() && range.failure == null && !range.cancelled && !closed;
            }
            if (!readerTakesIt) {
                closeQuietly(in);
            }
        }
    }

    /** A spooled range: waits until all of it arrived; the reader reads (and closes) its stream later. */
    private void awaitSpooled(Range range, SpooledRange spooled) throws IOException {
        long arrived = spooled.awaitArrival(deadline);
        if (arrived > range.length) {
            throw tooLong(range);
        }
        synchronized (lock) {
            range.filled = (int) arrived;
            range.done = true;
            arrived(range);
            lock.notifyAll();
        }
    }

    /** Stops the workers of ranges nobody will read; returns their streams, for the caller to close. */
    private List<InputStream> stopWorkers() {
        List<InputStream> streamsToClose = new ArrayList<>();
        for (Range range : inFlight) {
            range.cancelled = true;
            if (range.stream != null) {
                streamsToClose.add(range.stream);
            }
        }
        inFlight.clear();
        spare.clear();
        // No interrupt: a worker interrupted while its transport opens a channel or starts a process could leave
        // them behind (sshj keeps a channel whose opening was interrupted). A cancelled worker closes what it opened
        // as soon as the opening returns; one reading has its stream closed below, which ends the read.
        workers.shutdown();
        return streamsToClose;
    }

    @Override
    public void close() {
        List<InputStream> abandoned;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            abandoned = stopWorkers();
            lock.notifyAll();
        }
        abandoned.forEach(ParallelRangeStream::closeQuietly);
        // After the ranges: what they share goes last. A worker still opening a range then finds it closed.
        opener.close();
    }

    /** Waits until every worker has stopped; for tests that count what is left running. */
    boolean awaitWorkersStopped(long millis) throws InterruptedException {
        return workers.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // The range is abandoned; what its stream says on closing changes nothing.
        }
    }

    /** One range of the file and what has arrived of it. Mutable fields are guarded by the stream's lock. */
    private static final class Range {
        final long offset;
        final int length;
        byte[] buffer;
        int filled;
        boolean done;
        boolean cancelled;
        /** A spooled range's stream returned -1 to the reader. */
        boolean readToEnd;
        Exception failure;
        InputStream stream;
        /** Which range this is, from 0, in the order they were started. */
        final int number;
        /** When its worker began opening it ({@link System#nanoTime()}). */
        long startedNanos;
        /** When its first bytes were read, by its worker or (spooled) the reader; 0 until then. */
        long firstByteNanos;

        Range(long offset, int length, byte[] buffer, int number) {
            this.offset = offset;
            this.length = length;
            this.buffer = buffer;
            this.number = number;
        }

        /** Its stream is a {@link SpooledRange}: read by the reader from the stream, never copied into memory. */
        boolean spooled() {
            return stream instanceof SpooledRange;
        }
    }
}
