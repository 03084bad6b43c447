package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.internal.download.ParallelRangeStream.RangeOpener;
import io.github.etcdbackup.spi.ArchiveSource;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.ParallelReads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * How the client reads a unit's archive: whole, through {@link EtcdTransport#openFile}, or, when the transport offers
 * {@link EtcdTransport#parallelReads} and the archive spans more than two ranges (or its size is unknown), as a
 * {@link ParallelRangeStream} of the transport's {@link EtcdTransport#fileRanges} (released when it is closed).
 * Either way the store above sees one stream in file order. Ranges that wait on local disk
 * ({@link ParallelReads#spooled()}) are used only where the plaintext may touch it: not for an encrypted download,
 * nor on the way to a bucket.
 */
public final class ArchiveReads {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveReads.class);
    private static final long SMALLEST_SHRUNK_RANGE = 1024 * 1024;

    private ArchiveReads() {
    }

    /**
     * The source of {@code snapshot}'s archive through {@code transport}; ranged or not is decided on opening.
     *
     * @param plaintextMayTouchDisk false where the archive's bytes must not reach the local disk on their way: an
     *                              encrypted download (only ciphertext may), a store that is not local (a bucket is
     *                              filled without touching local disk). Ranges that wait on disk
     *                              ({@link ParallelReads#spooled()}) are then not used: the archive is one stream.
     */
    public static ArchiveSource of(EtcdTransport transport, Snapshot snapshot, boolean plaintextMayTouchDisk) {
        String unit = snapshot.unit();
        String path = snapshot.remotePath();
        return (offset, deadline) -> {
            Optional<ParallelReads> reads = transport.parallelReads(unit, deadline)
                    .filter(wanted -> plaintextMayTouchDisk || !wanted.spooled())
                    .flatMap(wanted -> fit(wanted, Runtime.getRuntime().maxMemory()))
                    .filter(fitted -> snapshot.approximateSizeBytes() <= 0
                            || snapshot.approximateSizeBytes() > 2 * fitted.rangeBytes());
            if (reads.isEmpty()) {
                return transport.openFile(unit, path, offset, deadline);
            }
            LOG.debug("Reading {}:{} in ranges of {} bytes, {} at a time", unit, path, reads.get().rangeBytes(),
                    reads.get().streams());
            return ParallelRangeStream.staggered(RangeOpener.of(transport.fileRanges(unit, path)), offset,
                    reads.get(), snapshot.approximateSizeBytes(), deadline);
        };
    }

    /**
     * What is left of {@code wanted} once its buffers ({@code 2 x streams x rangeBytes}: each stream may hold a range
     * that arrived early) fit a quarter of the heap: smaller ranges first (down to 1 MiB), then fewer streams; empty
     * when not even two would fit, and the archive is then read as one stream. Spooled ranges take no heap: kept.
     */
    public static Optional<ParallelReads> fit(ParallelReads wanted, long maxHeap) {
        if (wanted.spooled()) {
            return Optional.of(wanted);
        }
        long budget = maxHeap / 4;
        int held = ParallelRangeStream.BUFFERED_PER_STREAM;
        int streams = wanted.streams();
        long range = wanted.rangeBytes();
        if ((long) held * streams * range <= budget) {
            return Optional.of(wanted);
        }
        long smallest = Math.min(range, SMALLEST_SHRUNK_RANGE);
        range = Math.max(smallest, budget / held / streams);
        if ((long) held * streams * range > budget) {
            streams = (int) (budget / held / range);
        }
        return streams < 2 ? Optional.empty() : Optional.of(new ParallelReads(streams, range));
    }
}
