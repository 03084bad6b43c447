package io.github.etcdbackup.testing;

import io.github.etcdbackup.spi.ModelOperations;

/** The fake model passes the contract the real juju-cli model operations pass. */
class FakeModelContractTest extends ModelOperationsContract {
    private final FakeModel model = FakeModel.charmedKubernetes("kubernetes-control-plane");

    @Override
    protected ModelOperations model() {
        return model;
    }

    @Override
    protected String etcdApplication() {
        return "etcd";
    }
}
