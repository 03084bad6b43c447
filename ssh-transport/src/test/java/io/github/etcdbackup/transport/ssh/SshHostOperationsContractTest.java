package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.testing.HostOperationsContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host-operations contract, passed by the SSH transport against a real OpenSSH server and a real etcd. */
@Timeout(120)
class SshHostOperationsContractTest extends HostOperationsContract {
    @TempDir
    static Path shared;
    private static Testbed testbed;
    private SshTransport transport;
    private String uploads;

    @BeforeAll
    static void startCluster() {
        testbed = Testbed.start(shared, 1);
    }

    @AfterAll
    static void stopCluster() {
        testbed.close();
    }

    @AfterEach
    void closeTransport() {
        if (transport != null) {
            transport.close();
        }
    }

    @Override
    protected HostOperations hosts() {
        transport = testbed.direct().build();
        return transport.host().orElseThrow();
    }

    @Override
    protected String unit() {
        return "etcd/0";
    }

    /** The unit is this machine over loopback: a fresh directory of the test's is a directory on the unit. */
    @Override
    protected String remoteDir() {
        if (uploads == null) {
            try {
                uploads = Files.createTempDirectory(shared, "uploads-").toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return uploads;
    }
}
