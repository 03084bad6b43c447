package io.github.etcdbackup.testing;

import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.ParallelReads;

/**
 * The contract's own check: the in-memory fake passes it, so a failure elsewhere is the transport's. Its archives
 * (300 kB) are read in ranges of 16 KiB, so every download of the contract goes through ranged reads.
 */
class FakeTransportContractTest extends EtcdTransportContract {
    private final FakeTransport transport = new FakeTransport();

    FakeTransportContractTest() {
        transport.parallelReads(new ParallelReads(4, 16 * 1024));
    }

    @Override
    protected EtcdTransport newTransport() {
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
