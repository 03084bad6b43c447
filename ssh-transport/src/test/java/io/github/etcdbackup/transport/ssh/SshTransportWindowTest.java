package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.spi.ParallelReads;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** How the SSH windows are sized from the heap and shared by a download's ranges. */
class SshTransportWindowTest {
    private static final int MIB = 1024 * 1024;

    @Test
    void theReceiveWindowIsASixtyFourthOfTheHeapBetweenTheSshDefaultAndSixteenMib() {
        assertThat(SshTransport.Builder.defaultReceiveWindow(64L * MIB)).isEqualTo(2 * MIB);
        assertThat(SshTransport.Builder.defaultReceiveWindow(512L * MIB)).isEqualTo(8 * MIB);
        assertThat(SshTransport.Builder.defaultReceiveWindow(8192L * MIB)).isEqualTo(16 * MIB);
    }

    @Test
    void theRangesOfOneDownloadShareTheReceiveWindowDownToTheSshDefault() {
        assertThat(SshTransport.Builder.rangeWindow(16 * MIB, Optional.of(new ParallelReads(4, 16L * MIB))))
                .isEqualTo(4 * MIB);
        assertThat(SshTransport.Builder.rangeWindow(4 * MIB, Optional.of(new ParallelReads(4, 16L * MIB))))
                .isEqualTo(2 * MIB);
        assertThat(SshTransport.Builder.rangeWindow(16 * MIB, Optional.empty())).isEqualTo(16 * MIB);
    }
}
