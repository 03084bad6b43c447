package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.spi.SpooledRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class ParallelRangeStreamTest {
    private static final int RANGE = 4096;
    private static final ParallelReads FOUR = new ParallelReads(4, RANGE);

    private static byte[] file(int size) {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        return content;
    }

    /** Serves slices of {@code content}, as a transport's openRange would: short only where the file ends. */
    private static ParallelRangeStream.RangeOpener slices(byte[] content) {
        return (offset, length, deadline) -> {
            int from = (int) Math.min(offset, content.length);
            int to = (int) Math.min(content.length, offset + length);
            return new ByteArrayInputStream(Arrays.copyOfRange(content, from, to));
        };
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1000];
        int n;
        while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** What the ranges share (a transport's range sessions) is released once, after the ranges, when it closes. */
    @Test
    void closingTheStreamReleasesWhatItsRangesShareOnceAfterTheirStreams() throws IOException {
        byte[] content = file(50_000);
        List<String> events = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener sharing = new ParallelRangeStream.RangeOpener() {
            @Override
            public InputStream open(long offset, long length, Deadline deadline) {
                InputStream slice = slices(content).open(offset, length, deadline);
                return new FilterInputStream(slice) {
                    @Override
                    public void close() throws IOException {
                        events.add("range");
                        super.close();
                    }
                };
            }

            @Override
            public void close() {
                events.add("shared");
            }
        };
        ParallelRangeStream in = ParallelRangeStream.staggered(sharing, 0, FOUR, content.length, deadline());
        assertThat(readAll(in)).isEqualTo(content);
        assertThat(events).doesNotContain("shared");
        in.close();
        in.close();
        assertThat(events).containsOnlyOnce("shared").last().isEqualTo("shared");
    }

    @ParameterizedTest(name = "{0} bytes from {1}")
    @CsvSource({"0,0", "1,0", "4095,0", "4096,0", "4097,0", "16384,0", "16385,0", "100000,0", "100000,4096",
            "100000,77777", "100000,100000", "100000,120000"})
    void givesTheFileInOrderFromAnyOffset(int size, int offset) throws IOException {
        byte[] content = file(size);
        try (ParallelRangeStream in = new ParallelRangeStream(slices(content), offset, FOUR, deadline())) {
            assertThat(readAll(in)).isEqualTo(Arrays.copyOfRange(content, Math.min(offset, size), size));
        }
    }

    @ParameterizedTest(name = "{0} bytes from {1}")
    @CsvSource({"0,0", "1,0", "1024,0", "1025,0", "3072,0", "10240,0", "10241,0", "14336,0", "100000,0",
            "100000,77777", "100000,120000"})
    void staggeredGivesTheFileInOrderFromAnyOffset(int size, int offset) throws IOException {
        byte[] content = file(size);
        try (ParallelRangeStream in = ParallelRangeStream.staggered(slices(content), offset, FOUR, 0, deadline())) {
            assertThat(readAll(in)).isEqualTo(Arrays.copyOfRange(content, Math.min(offset, size), size));
        }
    }

    @Test
    void staggeredRangesStartAtAQuarterHalfThreeQuartersAndAllOfARangeThenWhole() throws IOException {
        byte[] content = file(10 * RANGE + 123);
        List<long[]> asked = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener recording = (offset, length, deadline) -> {
            asked.add(new long[] {offset, length});
            return slices(content).open(offset, length, deadline);
        };
        try (ParallelRangeStream in = ParallelRangeStream.staggered(recording, 0, FOUR, 0, deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
        List<long[]> sorted = asked.stream().sorted(Comparator.comparingLong(r -> r[0])).toList();
        assertThat(sorted.subList(0, 4)).extracting(r -> r[1])
                .containsExactly((long) RANGE / 4, (long) RANGE / 2, 3L * RANGE / 4, (long) RANGE);
        assertThat(sorted.subList(4, sorted.size())).extracting(r -> r[1]).containsOnly((long) RANGE);
        long expectedOffset = 0;
        for (long[] range : sorted) {
            assertThat(range[0]).as("ranges follow each other without gap or overlap").isEqualTo(expectedOffset);
            expectedOffset += range[1];
        }
    }

    @Test
    void withTheApproximateSizeTheLastRoundsRangesShrinkToAStreamsShareOfWhatIsLeft() throws IOException {
        byte[] content = file(10 * RANGE + 123);
        List<long[]> asked = askedRanges(content, content.length);

        long lastRoundFrom = content.length - 4L * RANGE;
        long previous = RANGE;
        for (long[] range : asked.subList(4, asked.size())) {
            long share = Math.min(RANGE, (content.length - range[0] + 3) / 4);
            if (range[0] + RANGE <= lastRoundFrom) {
                assertThat(range[1]).as("a range before the last round").isEqualTo(RANGE);
            } else if (range[0] < content.length) {
                // A streams-th of what is left, but not below what the set-up measured allows (an eighth to half).
                assertThat(range[1]).as("the last round's ranges shrink")
                        .isLessThanOrEqualTo(previous).isGreaterThanOrEqualTo(Math.min(share, RANGE / 8))
                        .isLessThanOrEqualTo(Math.max(share, RANGE / 2));
                previous = range[1];
            }
        }
        assertThat(asked.subList(4, asked.size())).as("some last-round range is shorter than a range")
                .anyMatch(range -> range[1] < RANGE && range[0] + range[1] <= content.length);
    }

    @ParameterizedTest(name = "size said {0} of the real one")
    @CsvSource({"0.5", "0.99", "1.01", "2", "40"})
    void aWrongApproximateSizeChangesOnlyTheRangesNotTheFile(double said) throws IOException {
        byte[] content = file(10 * RANGE + 123);
        List<long[]> asked = askedRanges(content, (long) (content.length * said));
        // Past a size said far too low, ranges are whole again once one arrived full.
        if (said <= 0.5) {
            long from = (long) (content.length * said) + 2L * RANGE;
            assertThat(asked).filteredOn(range -> range[0] >= from && range[0] + range[1] <= content.length)
                    .isNotEmpty().allMatch(range -> range[1] == RANGE);
        }
    }

    @Test
    void theLastRoundsRangesStayLongWhereEachRangeCostsALongSetUp() throws IOException {
        // 300 ms before any byte, then 20 ms per KiB: a range must be long to be worth its set-up.
        int size = 8 * RANGE + 77;
        List<long[]> slow = askedRangesThrough(file(size), 300, 20);
        assertThat(lastRound(slow, size)).isNotEmpty()
                .allMatch(range -> range[1] >= RANGE / 2 || range[0] + range[1] >= size);
    }

    @Test
    void theLastRoundsRangesShrinkFurtherWhereASetUpCostsNothing() throws IOException {
        // No set-up, 100 ms per KiB: short ranges cost nothing but their bytes. The first 64 bytes' wait counts as
        // set-up; a floor of half a range would need 8 times that.
        int size = 8 * RANGE + 77;
        List<long[]> quick = askedRangesThrough(file(size), 0, 100);
        assertThat(lastRound(quick, size)).anyMatch(range -> range[1] < RANGE / 2);
    }

    /**
     * Reads {@code content} staggered, its size known, through ranges whose opening takes {@code setupMillis} and
     * whose bytes then come 64 at a time, {@code millisPerKib} per KiB.
     */
    private static List<long[]> askedRangesThrough(byte[] content, long setupMillis, long millisPerKib)
            throws IOException {
        List<long[]> asked = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener timed = (offset, length, deadline) -> {
            asked.add(new long[] {offset, length});
            sleep(setupMillis);
            return new FilterInputStream(slices(content).open(offset, length, deadline)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, Math.min(len, 64));
                    if (n > 0) {
                        sleep(Math.max(1, millisPerKib * n / 1024));
                    }
                    return n;
                }
            };
        };
        try (ParallelRangeStream in = ParallelRangeStream.staggered(timed, 0, FOUR, content.length, deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
        return asked.stream().sorted(Comparator.comparingLong(r -> r[0])).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The ranges that start within the last four ranges' worth of the file. */
    private static List<long[]> lastRound(List<long[]> asked, long size) {
        return asked.stream().filter(range -> range[0] >= size - 4L * RANGE && range[0] < size).toList();
    }

    @Test
    void aRangeThatArrivedShortStopsNewRangesBeforeTheReaderGetsThere() throws Exception {
        // Two streams: one waits on the head, the other reads the next ranges one after the other.
        byte[] content = file(2 * RANGE + 100);
        CountDownLatch headMayGo = new CountDownLatch(1);
        Set<Long> opened = ConcurrentHashMap.newKeySet();
        ParallelRangeStream.RangeOpener slowHead = slowHead(content, headMayGo, opened);
        try (ParallelRangeStream in = new ParallelRangeStream(slowHead, 0, new ParallelReads(2, RANGE),
                deadline())) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (!opened.contains(2L * RANGE) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            // The range at 2 x RANGE came back with 100 bytes: nothing after it can hold any, so nothing starts.
            assertThat(opened).containsExactlyInAnyOrder(0L, (long) RANGE, 2L * RANGE);
            headMayGo.countDown();
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void pastTheApproximateEndRangesStartOneAtATime() throws Exception {
        // The four staggered ranges (a quarter, half, three quarters and all of a range) end where the file does.
        byte[] content = file(RANGE / 4 + RANGE / 2 + 3 * RANGE / 4 + RANGE);
        CountDownLatch pastEndMayGo = new CountDownLatch(1);
        List<Long> pastEnd = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener recording = (offset, length, deadline) -> {
            if (offset >= content.length) {
                pastEnd.add(offset);
                await(pastEndMayGo);
            }
            return slices(content).open(offset, length, deadline);
        };
        try (ParallelRangeStream in = ParallelRangeStream.staggered(recording, 0, FOUR, content.length,
                deadline())) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (pastEnd.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            // Three streams are free, but a range beyond the size said is most likely empty: one finds out.
            assertThat(pastEnd).hasSize(1);
            pastEndMayGo.countDown();
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void pastAnApproximateEndThatWasLowRangesGoBackToAllStreamsOnceOneArrivesFull() throws Exception {
        byte[] content = file(20 * RANGE);
        long said = 5L * RANGE;
        CountDownLatch laterMayGo = new CountDownLatch(1);
        Set<Long> waiting = ConcurrentHashMap.newKeySet();
        ParallelRangeStream.RangeOpener holdLater = (offset, length, deadline) -> {
            if (offset >= 10L * RANGE) {
                waiting.add(offset);
                await(laterMayGo);
            }
            return slices(content).open(offset, length, deadline);
        };
        try (ParallelRangeStream in = ParallelRangeStream.staggered(holdLater, 0, FOUR, said, deadline())) {
            // Read meanwhile: held ranges are bounded, so the reader must make room for the later ones.
            java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return readAll(in);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            long until = System.nanoTime() + 10_000_000_000L;
            while (waiting.size() < 2 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            // The ranges between the size said and 10 x RANGE arrived full: the probe's rule no longer holds.
            assertThat(waiting).hasSizeGreaterThan(1);
            laterMayGo.countDown();
            assertThat(read.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(content);
        }
    }

    /** Reads {@code content} staggered with {@code approximateSize}; checks it and returns the ranges asked, in order. */
    private static List<long[]> askedRanges(byte[] content, long approximateSize) throws IOException {
        List<long[]> asked = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener recording = (offset, length, deadline) -> {
            asked.add(new long[] {offset, length});
            return slices(content).open(offset, length, deadline);
        };
        try (ParallelRangeStream in = ParallelRangeStream.staggered(recording, 0, FOUR, approximateSize, deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
        List<long[]> sorted = asked.stream().sorted(Comparator.comparingLong(r -> r[0])).toList();
        long expectedOffset = 0;
        // Up to the end: a range past it may have been given up before it was asked for.
        for (long[] range : sorted.stream().filter(r -> r[0] < content.length).toList()) {
            assertThat(range[0]).as("ranges follow each other without gap or overlap").isEqualTo(expectedOffset);
            expectedOffset += range[1];
        }
        assertThat(expectedOffset).as("the ranges asked cover the file").isGreaterThanOrEqualTo(content.length);
        return sorted;
    }

    @Test
    void aStaggeredRangeShorterThanARangeDoesNotEndTheFile() throws IOException {
        // The first range is a quarter of a range: it arrives whole, and the file goes on after it.
        byte[] content = file(RANGE + 1);
        try (ParallelRangeStream in = ParallelRangeStream.staggered(slices(content), 0, FOUR, 0, deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void rangesLargerThanTheFirstBufferGrowAndArriveWhole() throws IOException {
        byte[] content = file(7 * 1024 * 1024 + 5);
        ParallelReads large = new ParallelReads(2, 3 * 1024 * 1024);
        try (ParallelRangeStream in = new ParallelRangeStream(slices(content), 0, large, deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void rangesThatArriveBeforeASlowHeadFreeTheirStreamForTheNextOnes() throws Exception {
        byte[] content = file(10 * RANGE);
        CountDownLatch headMayGo = new CountDownLatch(1);
        Set<Long> opened = ConcurrentHashMap.newKeySet();
        ParallelRangeStream.RangeOpener slowHead = slowHead(content, headMayGo, opened);
        ParallelReads two = new ParallelReads(2, RANGE);
        try (ParallelRangeStream in = new ParallelRangeStream(slowHead, 0, two, deadline())) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (opened.size() < 4 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            // Two streams, four ranges held: the head and three that came in while it waited.
            assertThat(opened).containsExactlyInAnyOrder(0L, (long) RANGE, 2L * RANGE, 3L * RANGE);
            headMayGo.countDown();
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void aRangeThatBringsMoreThanAskedIsAnError() {
        byte[] content = file(20_000);
        ParallelRangeStream.RangeOpener tooMuch = (offset, length, deadline) ->
                new ByteArrayInputStream(Arrays.copyOfRange(content, (int) offset,
                        (int) Math.min(content.length, offset + length + 1)));
        try (ParallelRangeStream in = new ParallelRangeStream(tooMuch, 0, FOUR, deadline())) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class).hasMessageContaining("more than");
        }
    }

    @Test
    void aFileThatEndsInOneRangeButNotInTheNextIsAnError() throws Exception {
        byte[] content = file(40_000);
        CountDownLatch laterRangeArrived = new CountDownLatch(1);
        ParallelRangeStream.RangeOpener changing = (offset, length, deadline) -> {
            if (offset == RANGE) {
                // The second range finds the file ended early, once the third already brought bytes.
                await(laterRangeArrived);
                return new ByteArrayInputStream(new byte[10]);
            }
            InputStream slice = slices(content).open(offset, length, deadline);
            if (offset == 2 * RANGE) {
                return new java.io.FilterInputStream(slice) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        laterRangeArrived.countDown();
                        return n;
                    }
                };
            }
            return slice;
        };
        try (ParallelRangeStream in = new ParallelRangeStream(changing, 0, FOUR, deadline())) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class)
                    .hasMessageContaining("changed while it was read");
        }
    }

    @Test
    void aLaterRangeThatFailsFailsTheReadBeforeTheHeadEnds() throws Exception {
        byte[] content = file(40_000);
        CountDownLatch never = new CountDownLatch(1);
        ParallelRangeStream.RangeOpener failing = (offset, length, deadline) -> {
            if (offset == 0) {
                return new HangingStream(never);
            }
            if (offset == 2 * RANGE) {
                return new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("connection reset");
                    }
                };
            }
            return slices(content).open(offset, length, deadline);
        };
        try (ParallelRangeStream in = new ParallelRangeStream(failing, 0, FOUR, deadline())) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class)
                    .hasMessageContaining("bytes 8192 to 12288").hasRootCauseMessage("connection reset");
        }
    }

    @Test
    void aTypedErrorOfTheTransportComesThroughAsItIs() {
        TransportException refused = new TransportException("fake", "sudo refused", 1, "sudo: a password is required",
                null);
        ParallelRangeStream.RangeOpener opener = (offset, length, deadline) -> {
            throw refused;
        };
        try (ParallelRangeStream in = new ParallelRangeStream(opener, 0, FOUR, deadline())) {
            assertThatThrownBy(() -> readAll(in)).isSameAs(refused);
        }
    }

    @Test
    void closeWakesABlockedReaderStopsEveryWorkerAndClosesEveryRange() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Set<HangingStream> opened = ConcurrentHashMap.newKeySet();
        ParallelRangeStream in = new ParallelRangeStream((offset, length, deadline) -> {
            HangingStream stream = new HangingStream(never);
            opened.add(stream);
            return stream;
        }, 0, FOUR, deadline());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                readAll(in);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        reader.start();
        while (opened.size() < FOUR.streams()) {
            Thread.sleep(5);
        }
        in.close();
        reader.join(10_000);
        assertThat(thrown.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(in.awaitWorkersStopped(10_000)).isTrue();
        assertThat(opened).hasSize(4).allMatch(HangingStream::closed);
    }

    @Test
    void anInterruptedReaderGetsAnInterruptedIoExceptionWithItsFlagSet() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        try (ParallelRangeStream in = new ParallelRangeStream((o, l, d) -> new HangingStream(never), 0, FOUR,
                deadline())) {
            Thread reader = new Thread(() -> {
                try {
                    readAll(in);
                } catch (Throwable e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            reader.start();
            Thread.sleep(100);
            reader.interrupt();
            reader.join(10_000);
        }
        assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(flag.get()).isTrue();
    }

    @Test
    void aDeadlineThatPassesWhileWaitingEndsTheRead() {
        CountDownLatch never = new CountDownLatch(1);
        try (ParallelRangeStream in = new ParallelRangeStream((o, l, d) -> new HangingStream(never), 0, FOUR,
                Deadline.after(Duration.ofMillis(300)))) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class).hasMessageContaining("deadline");
        }
    }

    @Test
    void buffersAreShrunkToAQuarterOfTheHeapAndRangesDroppedBelowTwoStreams() {
        long mib = 1024 * 1024;
        ParallelReads wanted = new ParallelReads(4, 32 * mib);
        assertThat(ArchiveReads.fit(wanted, 4096 * mib)).contains(wanted);
        assertThat(ArchiveReads.fit(wanted, 64 * mib)).contains(new ParallelReads(4, 2 * mib));
        assertThat(ArchiveReads.fit(wanted, 16 * mib)).contains(new ParallelReads(2, mib));
        assertThat(ArchiveReads.fit(wanted, 8 * mib)).isEmpty();
    }

    @ParameterizedTest(name = "{0} bytes from {1}")
    @CsvSource({"0,0", "4095,0", "4096,0", "16385,0", "100000,0", "100000,77777", "100000,120000"})
    void spooledRangesAreReadFromTheirStreamsInFileOrderAndEachIsClosedOnceRead(int size, int offset)
            throws IOException, InterruptedException {
        byte[] content = file(size);
        List<Spooled> opened = new CopyOnWriteArrayList<>();
        ParallelRangeStream in = new ParallelRangeStream(spooledSlices(content, opened, new CountDownLatch(0)),
                offset, FOUR.asSpooled(), deadline());
        try (in) {
            assertThat(readAll(in)).isEqualTo(Arrays.copyOfRange(content, Math.min(offset, size), size));
            // Every range read to its end was closed by the reader, which frees what its transport stored.
            assertThat(opened).filteredOn(range -> range.readToEnd).isNotEmpty().allMatch(range -> range.closed);
        }
        // A worker still opening a range past the end when the stream closed closes it once it has it.
        assertThat(in.awaitWorkersStopped(10_000)).isTrue();
        assertThat(opened).allMatch(range -> range.closed);
    }

    @Test
    void aSpooledHeadIsReadWhileItArrivesAndRangesThatArrivedFreeTheirStreams() throws Exception {
        byte[] content = file(10 * RANGE);
        CountDownLatch headArrives = new CountDownLatch(1);
        List<Spooled> opened = new CopyOnWriteArrayList<>();
        ParallelRangeStream.RangeOpener slowHead = (offset, length, deadline) ->
                spooledSlice(content, offset, length, offset == 0 ? headArrives : new CountDownLatch(0), opened);
        try (ParallelRangeStream in = new ParallelRangeStream(slowHead, 0, new ParallelReads(2, RANGE, true),
                deadline())) {
            byte[] first = new byte[100];
            assertThat(in.read(first)).isEqualTo(100);
            assertThat(first).isEqualTo(Arrays.copyOf(content, 100));
            long until = System.nanoTime() + 10_000_000_000L;
            while (opened.size() < 4 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            // Two streams, four ranges held: the head, still arriving, and three that arrived meanwhile.
            assertThat(opened).extracting(range -> range.offset).containsExactlyInAnyOrder(0L, (long) RANGE, 2L * RANGE,
                    3L * RANGE);
            headArrives.countDown();
            assertThat(readAll(in)).isEqualTo(Arrays.copyOfRange(content, 100, content.length));
        }
    }

    @Test
    void rangesTheReaderFinishedBeforeTheirWorkersReturnedDoNotEndTheFileEarly() throws IOException {
        // The reader may read a spooled range to its end before its worker has returned from awaitArrival: with both
        // streams still held, every started range is read while the file goes on.
        byte[] content = file(6 * RANGE);
        CountDownLatch workersReturn = new CountDownLatch(1);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workersReturn.countDown();
        });
        releaser.start();
        try (ParallelRangeStream in = new ParallelRangeStream(spooledSlices(content, new CopyOnWriteArrayList<>(),
                workersReturn), 0, new ParallelReads(2, RANGE, true), deadline())) {
            assertThat(readAll(in)).isEqualTo(content);
        }
    }

    @Test
    void aSpooledRangeThatFailsToArriveFailsTheRead() {
        byte[] content = file(40_000);
        ParallelRangeStream.RangeOpener failing = (offset, length, deadline) -> {
            Spooled range = spooledSlice(content, offset, length, new CountDownLatch(0), new CopyOnWriteArrayList<>());
            range.failure = offset == 2 * RANGE ? new IOException("juju ssh exited with 255") : null;
            return range;
        };
        try (ParallelRangeStream in = new ParallelRangeStream(failing, 0, FOUR.asSpooled(), deadline())) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class)
                    .hasMessageContaining("bytes 8192 to 12288").hasRootCauseMessage("juju ssh exited with 255");
        }
    }

    @Test
    void aSpooledRangeThatHoldsMoreThanAskedIsAnError() {
        byte[] content = file(20_000);
        ParallelRangeStream.RangeOpener tooMuch = (offset, length, deadline) -> new Spooled(offset,
                Arrays.copyOfRange(content, (int) Math.min(offset, content.length),
                        (int) Math.min(content.length, offset + length + 1)), new CountDownLatch(0), length);
        try (ParallelRangeStream in = new ParallelRangeStream(tooMuch, 0, FOUR.asSpooled(), deadline())) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(IOException.class).hasMessageContaining("more than");
        }
    }

    @Test
    void spooledRangesKeepTheirSizeWhateverTheHeap() {
        long mib = 1024 * 1024;
        ParallelReads spooled = new ParallelReads(4, 128 * mib, true);
        assertThat(ArchiveReads.fit(spooled, 64 * mib)).contains(spooled);
    }

    /** Serves slices of {@code content} as spooled ranges that arrive when {@code arrival} opens. */
    private static ParallelRangeStream.RangeOpener spooledSlices(byte[] content, List<Spooled> opened,
                                                                CountDownLatch arrival) {
        return (offset, length, deadline) -> spooledSlice(content, offset, length, arrival, opened);
    }

    private static Spooled spooledSlice(byte[] content, long offset, long length, CountDownLatch arrival,
                                        List<Spooled> opened) {
        int from = (int) Math.min(offset, content.length);
        int to = (int) Math.min(content.length, offset + length);
        Spooled range = new Spooled(offset, Arrays.copyOfRange(content, from, to), arrival, to - from);
        opened.add(range);
        return range;
    }

    /** Serves {@code content}, noting every offset opened; the range at 0 waits for {@code headMayGo}. */
    private static ParallelRangeStream.RangeOpener slowHead(byte[] content, CountDownLatch headMayGo,
                                                            Set<Long> opened) {
        return (offset, length, deadline) -> {
            opened.add(offset);
            if (offset == 0) {
                await(headMayGo);
            }
            return slices(content).open(offset, length, deadline);
        };
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(30));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A range whose bytes are all there from the start, as a transport's spool file that is written ahead of its
     * reader; it arrives (its remote command ends) when {@code arrival} opens, with {@code failure} if set.
     */
    private static final class Spooled extends InputStream implements SpooledRange {
        final long offset;
        private final ByteArrayInputStream bytes;
        private final CountDownLatch arrival;
        private final long arrived;
        volatile IOException failure;
        volatile boolean readToEnd;
        volatile boolean closed;

        Spooled(long offset, byte[] bytes, CountDownLatch arrival, long arrived) {
            this.offset = offset;
            this.bytes = new ByteArrayInputStream(bytes);
            this.arrival = arrival;
            this.arrived = arrived;
        }

        @Override
        public long awaitArrival(Deadline deadline) throws IOException {
            await(arrival);
            if (failure != null) {
                throw failure;
            }
            return arrived;
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
            int n = bytes.read(b, off, len);
            readToEnd = n == -1;
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Blocks in read until the latch opens or it is closed. */
    private static final class HangingStream extends InputStream {
        private final CountDownLatch release;
        private volatile boolean closed;

        HangingStream(CountDownLatch release) {
            this.release = release;
        }

        boolean closed() {
            return closed;
        }

        @Override
        public int read() throws IOException {
            while (!closed && release.getCount() > 0) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
            }
            throw new IOException("closed");
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
