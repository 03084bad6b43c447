package io.github.etcdbackup.spi;

import io.github.etcdbackup.ModelStatus;

/** What a transport that talks to a Juju controller can do with the model besides running etcd actions. */
public interface ModelOperations {
    /** {@code juju status}, parsed. */
    ModelStatus status(Deadline deadline);
}
