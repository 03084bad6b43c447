package io.github.etcdbackup.spi;


import java.io.InputStream;

/**
 * Where a store reads a snapshot's archive from as it takes it in: the unit's file, through the client's transport
 * ({@link io.github.etcdbackup.spi.EtcdTransport#openFile}).
 */
@FunctionalInterface
public interface ArchiveSource {
    /** Opens the archive from byte {@code offset}; reads are cut when {@code deadline} passes. */
    InputStream open(long offset, Deadline deadline);
}
