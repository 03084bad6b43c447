package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;

import java.io.InputStream;

/** The real transport, every call passed through; the tests' fault injectors override {@link #openFile}. */
abstract class ForwardingTransport implements EtcdTransport {
    final EtcdTransport real;

    ForwardingTransport(EtcdTransport real) {
        this.real = real;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        return real.takeSnapshot(request, deadline);
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        return real.openFile(unit, remotePath, offset, deadline);
    }

    @Override
    public String healthOutput(String unit, Deadline deadline) {
        return real.healthOutput(unit, deadline);
    }

    @Override
    public void close() {
        real.close();
    }
}
