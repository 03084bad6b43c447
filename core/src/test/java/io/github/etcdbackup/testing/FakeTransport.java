package io.github.etcdbackup.testing;

import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.internal.unit.UnitArchives;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;

import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.ParallelReads;
import java.util.Optional;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** An in-memory transport with fault switches, for the core's own tests. */
public final class FakeTransport implements EtcdTransport {
    private volatile boolean closed;
    public static final String HEALTHY = """
            member 43169a5b3de9bf3c is healthy: got healthy result from https://10.32.17.22:2379
            member e41a25f160409683 is healthy: got healthy result from https://10.32.17.21:2379
            cluster is healthy
            """;

    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicLong cutAfter = new AtomicLong(-1);
    private final AtomicLong flipAt = new AtomicLong(-1);
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();
    private volatile int archiveSize = 300_000;
    private volatile CountDownLatch hangOnRead;
    private volatile String healthText = HEALTHY;
    private volatile byte[] fixedContent;
    private volatile FakeModel model;
    private volatile FakeHosts hosts;
    private volatile boolean sameSecond;
    private volatile String reportedSize;
    private volatile ParallelReads parallelReads;
    private final AtomicInteger rangesOpened = new AtomicInteger();

    /** Gives this transport a Juju model. */
    public void model(FakeModel fakeModel) {
        model = fakeModel;
    }

    @Override
    public java.util.Optional<io.github.etcdbackup.spi.ModelOperations> model() {
        return java.util.Optional.ofNullable(model);
    }

    /** Gives this transport hosts reached directly, as the SSH transport has. */
    public void hosts(FakeHosts fakeHosts) {
        hosts = fakeHosts;
    }

    @Override
    public java.util.Optional<io.github.etcdbackup.spi.HostOperations> host() {
        return java.util.Optional.ofNullable(hosts);
    }

    @Override
    public String name() {
        return "fake";
    }

    /** The next snapshots serve these exact bytes (a real archive) instead of random ones. */
    public void archiveContent(byte[] content) {
        fixedContent = content;
    }

    @Override
    public java.util.Optional<String> modelName() {
        return java.util.Optional.of("k8s");
    }

    /** Every snapshot gets the charm's name for one second, whatever the unit, as when several run at once. */
    public void allSnapshotsInOneSecond() {
        sameSecond = true;
    }

    /** The next snapshots report this {@code du -h} size instead of their real one. */
    public void reportedSize(String sizeText) {
        reportedSize = sizeText;
    }

    public void archiveSize(int bytes) {
        archiveSize = bytes;
    }

    public void cutNextStreamAfter(long bytes) {
        cutAfter.set(bytes);
    }

    public void flipByteInNextStreamAt(long offset) {
        flipAt.set(offset);
    }

    /** The next stream blocks in read() until the latch opens or the stream is closed. */
    public void hangNextStream(CountDownLatch release) {
        hangOnRead = release;
    }

    public void healthText(String text) {
        healthText = text;
    }

    /** How many snapshots were taken. */
    public int snapshots() {
        return snapshots.get();
    }

    public int opened() {
        return opened.get();
    }

    public int closes() {
        return closes.get();
    }

    /** The content of the one archive at {@code path}, whichever unit holds it. */
    public byte[] file(String path) {
        var matches = files.entrySet().stream().filter(e -> e.getKey().endsWith(":" + path)).toList();
        if (matches.size() != 1) {
            throw new IllegalStateException(matches.size() + " units hold " + path);
        }
        return matches.get(0).getValue();
    }

    @Override
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        requireOpen();
        deadline.check("snapshot " + request.unit());
        int n = snapshots.incrementAndGet();
        byte[] content = fixedContent;
        if (content == null) {
            content = new byte[archiveSize];
            new Random(n).nextBytes(content);
        }
        int second = sameSecond ? 0 : n % 60;
        String path = request.target() + "/etcd-snapshot-2024-03-12-10.15." + String.format("%02d", second) + ".tar.gz";
        String unit = request.unit().endsWith("/leader") ? request.unit().replace("leader", "0") : request.unit();
        files.put(unit + ":" + path, content);
        String size = reportedSize != null ? reportedSize : (content.length / 1024 + 1) + "K";
        return Snapshot.builder().unit(unit).actionId(Integer.toString(n)).remotePath(path)
                .sha256(sha256(content)).sizeText(size)
                .versionText("etcdctl version: 3.4.23\nAPI version: 3.4").keysVersion(request.keysVersion()).build();
    }

    public static String sha256(byte[] content) {
        var digest = Sha256.newDigest();
        digest.update(content);
        return Sha256.hex(digest);
    }

    /** From now on offers ranged reads ({@code null}: no more). */
    public void parallelReads(ParallelReads reads) {
        parallelReads = reads;
    }

    /** How many ranges were opened. */
    public int rangesOpened() {
        return rangesOpened.get();
    }

    @Override
    public Optional<ParallelReads> parallelReads(String unit, Deadline deadline) {
        return Optional.ofNullable(parallelReads);
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        byte[] content = content(unit, remotePath, deadline);
        return stream(content, offset, content.length, cutAfter.getAndSet(-1), flipAt.getAndSet(-1), deadline);
    }

    /**
     * A slice of the file. The fault switches count in file bytes here: the range that holds the byte at the
     * {@link #cutNextStreamAfter} or {@link #flipByteInNextStreamAt} position takes the fault.
     */
    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        if (parallelReads == null) {
            return EtcdTransport.super.openRange(unit, remotePath, offset, length, deadline);
        }
        byte[] content = content(unit, remotePath, deadline);
        rangesOpened.incrementAndGet();
        long end = Math.min(content.length, offset + length);
        long cut = takeIfWithin(cutAfter, offset, end);
        return stream(content, offset, Math.max(offset, end), cut < 0 ? -1 : cut - offset,
                takeIfWithin(flipAt, offset, end), deadline);
    }

    private static long takeIfWithin(AtomicLong fault, long from, long to) {
        long at = fault.get();
        return at >= from && at < to && fault.compareAndSet(at, -1) ? at : -1;
    }

    private byte[] content(String unit, String remotePath, Deadline deadline) {
        requireOpen();
        deadline.check("open " + remotePath);
        byte[] content = files.get(unit + ":" + remotePath);
        if (content == null) {
            throw new TransportException(name(), "no such file " + remotePath, 1, "cat: No such file", null);
        }
        return content;
    }

    private InputStream stream(byte[] content, long offset, long end, long cut, long flip, Deadline deadline) {
        opened.incrementAndGet();
        CountDownLatch hang = hangOnRead;
        hangOnRead = null;
        byte[] rest = offset >= end ? new byte[0] : java.util.Arrays.copyOfRange(content, (int) offset, (int) end);
        if (flip >= offset && flip < end) {
            rest[(int) (flip - offset)] ^= 0x01;
        }
        return new FilterInputStream(new ByteArrayInputStream(rest)) {
            private long sent;
            private volatile boolean closed;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (hang != null) {
                    while (!closed && hang.getCount() > 0) {
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted");
                        }
                    }
                }
                if (closed) {
                    throw new IOException("stream closed");
                }
                if (deadline.expired()) {
                    throw new IOException("the deadline of " + deadline.timeout() + " passed");
                }
                if (len == 0) {
                    return 0;
                }
                if (cut >= 0 && sent >= cut) {
                    throw new IOException("connection reset after " + sent + " bytes");
                }
                int max = cut >= 0 ? (int) Math.min(len, cut - sent) : len;
                int n = super.read(b, off, Math.max(1, Math.min(max, 8192)));
                if (n > 0) {
                    sent += n;
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                closed = true;
                super.close();
            }
        };
    }

    /** Lists the fake unit's files in the directory, named and ordered like the charm's archives. */
    @Override
    public java.util.List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        requireOpen();
        deadline.check("list " + directory);
        String prefix = unit + ":" + directory + "/";
        return files.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .filter(e -> UnitArchives.ARCHIVE_NAME.matcher(e.getKey().substring(prefix.length())).matches())
                .map(e -> new UnitArchive(unit, e.getKey().substring(unit.length() + 1), e.getValue().length,
                        java.time.Instant.EPOCH))
                .sorted(java.util.Comparator.comparing(UnitArchive::path)).toList();
    }

    /** Removes a file of the fake unit, after the same path check as the real transports' script. */
    @Override
    public boolean removeArchive(String unit, String remotePath, java.util.Optional<String> sha256,
                                 Deadline deadline) {
        requireOpen();
        deadline.check("remove " + remotePath);
        UnitArchives.checkArchivePath(remotePath);
        byte[] content = files.get(unit + ":" + remotePath);
        if (content != null && sha256.isPresent() && !sha256(content).equals(sha256.get())) {
            throw new TransportException(name(), remotePath + " no longer holds the archive; left alone", null);
        }
        return content != null && files.remove(unit + ":" + remotePath, content);
    }

    /** True while the fake unit holds the file. */
    public boolean holds(String unit, String remotePath) {
        return files.containsKey(unit + ":" + remotePath);
    }

    @Override
    public String healthOutput(String unit, Deadline deadline) {
        requireOpen();
        deadline.check("health " + unit);
        FakeModel current = model;
        return current != null && !unit.startsWith("etcd/") ? current.healthOf(unit) : healthText;
    }

    @Override
    public void close() {
        closes.incrementAndGet();
        closed = true;
    }

    private void requireOpen() {
        if (closed) {
            throw new TransportException(name(), "This fake transport is closed", null);
        }
    }
}
