package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.testing.EtcdTransportContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

/** The core's transport contract, run against a real OpenSSH sshd and a real 3-member etcd cluster. */
@Timeout(120)
class SshTransportContractTest extends EtcdTransportContract {
    @TempDir
    static Path shared;
    private static Testbed testbed;
    private CutNextStream transport;

    @BeforeAll
    static void startCluster() {
        testbed = Testbed.start(shared, 3);
        // Archives must be larger than the cut point (100 bytes plus the channel's overhead) to be cut at all.
        Testbed.putRandomKeys(testbed.cluster.unit("etcd/0"), 100);
    }

    @AfterAll
    static void stopCluster() {
        testbed.close();
    }

    @Override
    protected EtcdTransport newTransport() {
        // Ranges of 16 KiB: the contract's archives (about 100 kB) are downloaded as several ranges at once.
        transport = new CutNextStream(testbed.viaProxy().parallelReads(4, 16 * 1024)
                .parallelReadsFrom(Duration.ZERO).build(), testbed.proxy);
        return transport;
    }

    @Override
    protected String unit() {
        return "etcd/0";
    }

    @Override
    protected void cutNextStreamAfter(long bytes) {
        transport.cutNextStreamAfter(bytes);
    }
}
