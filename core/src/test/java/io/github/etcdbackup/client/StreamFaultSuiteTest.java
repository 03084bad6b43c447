package io.github.etcdbackup.client;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testing.FakeTransport;

import io.github.etcdbackup.spi.ParallelReads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded fault injection on the verified download (issue #11's core part): streams cut at random offsets and bytes
 * flipped in transit, across archive sizes, read whole and in parallel ranges (issue #22). Every fault must end in a typed error or a successful resume, and no
 * final file may ever differ from the source. Prints its figures.
 */
@Timeout(120)
class StreamFaultSuiteTest {
    private static final long SEED = 20261126L;
    private static final int[] SIZES = {1, 1000, 65_536, 131_073, 1_048_579};

    /** Small ranges, so that a 1 MiB archive crosses 64 of them and faults land mid-range and on their edges. */
    private static final int RANGE_BYTES = 16 * 1024;

    @TempDir
    Path root;

    private static void rangedIf(boolean ranged, FakeTransport transport) {
        if (ranged) {
            transport.parallelReads(new ParallelReads(4, RANGE_BYTES));
        }
    }

    @ParameterizedTest(name = "ranged reads: {0}")
    @ValueSource(booleans = {false, true})
    void cutStreamsEndTypedAndResumeByteIdentical(boolean ranged) throws IOException {
        Random random = new Random(SEED);
        int cuts = 0;
        int typedErrors = 0;
        int resumes = 0;
        int rangedDownloads = 0;
        for (int round = 0; round < 200; round++) {
            int size = SIZES[round % SIZES.length];
            FakeTransport transport = new FakeTransport();
            transport.archiveSize(size);
            rangedIf(ranged, transport);
            Path dir = root.resolve("cut-" + ranged + "-" + round);
            try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
                Snapshot snapshot = client.snapshot("etcd/0");
                long offset = size == 1 ? 0 : random.nextInt(size);
                transport.cutNextStreamAfter(offset);
                cuts++;
                try {
                    client.download(snapshot, dir);
                    fail("a stream cut after " + offset + " of " + size + " bytes was accepted");
                } catch (TransportException expected) {
                    typedErrors++;
                }
                assertThat(dir.resolve(snapshot.localName(""))).doesNotExist();
                LocalSnapshot local = client.download(snapshot, dir);
                assertThat(Files.readAllBytes(local.file())).isEqualTo(transport.file(snapshot.remotePath()));
                resumes++;
                if (ranged && size > 3 * RANGE_BYTES) {
                    rangedDownloads++;
                    assertThat(transport.rangesOpened()).isGreaterThan(2);
                }
            }
        }
        System.out.printf("stream-faults (ranged %s): cuts=%d typedErrors=%d resumes=%d rangedDownloads=%d "
                + "corruptFinalFiles=0%n", ranged, cuts, typedErrors, resumes, rangedDownloads);
        assertThat(typedErrors).isEqualTo(cuts);
        assertThat(resumes).isEqualTo(cuts);
    }

    @ParameterizedTest(name = "ranged reads: {0}")
    @ValueSource(booleans = {false, true})
    void everyFlippedByteIsCaughtAndNothingIsKept(boolean ranged) throws IOException {
        Random random = new Random(SEED + 1);
        int flips = 0;
        for (int round = 0; round < 100; round++) {
            int size = SIZES[round % SIZES.length];
            FakeTransport transport = new FakeTransport();
            transport.archiveSize(size);
            rangedIf(ranged, transport);
            Path dir = root.resolve("flip-" + ranged + "-" + round);
            try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
                Snapshot snapshot = client.snapshot("etcd/0");
                transport.flipByteInNextStreamAt(random.nextInt(size));
                assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(ChecksumMismatchException.class);
                flips++;
                try (var files = Files.list(dir)) {
                    assertThat(files.filter(p -> !p.getFileName().toString().startsWith("."))).isEmpty();
                }
            }
        }
        System.out.printf("stream-faults (ranged %s): flips=%d caught=%d corruptFinalFiles=0%n", ranged, flips, flips);
    }
}
