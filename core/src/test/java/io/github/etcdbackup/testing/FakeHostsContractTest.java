package io.github.etcdbackup.testing;

import io.github.etcdbackup.spi.HostOperations;

/** The fake hosts pass the contract the SSH transport's host operations pass. */
class FakeHostsContractTest extends HostOperationsContract {
    private final FakeHosts hosts = FakeHosts.of(1, "3.4.23");

    @Override
    protected HostOperations hosts() {
        return hosts;
    }

    @Override
    protected String unit() {
        return "etcd/0";
    }

    @Override
    protected String remoteDir() {
        return "/root";
    }
}
