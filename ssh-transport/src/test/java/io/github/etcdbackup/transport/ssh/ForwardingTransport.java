package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.ParallelReads;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** The real transport, every call passed through; the tests' fault injectors override {@link #openFile} and
 * {@link #openRange}. */
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
    public Optional<ParallelReads> parallelReads(String unit, Deadline deadline) {
        return real.parallelReads(unit, deadline);
    }

    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        return real.openRange(unit, remotePath, offset, length, deadline);
    }

    @Override
    public String healthOutput(String unit, Deadline deadline) {
        return real.healthOutput(unit, deadline);
    }

    @Override
    public List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        return real.listArchives(unit, directory, deadline);
    }

    @Override
    public boolean removeArchive(String unit, String remotePath, Optional<String> sha256, Deadline deadline) {
        return real.removeArchive(unit, remotePath, sha256, deadline);
    }

    @Override
    public void close() {
        real.close();
    }
}
