package io.github.etcdbackup.testing;

import io.github.etcdbackup.spi.EtcdTransport;

/** The contract's own check: the in-memory fake passes it, so a failure elsewhere is the transport's. */
class FakeTransportContractTest extends EtcdTransportContract {
    private final FakeTransport transport = new FakeTransport();

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
