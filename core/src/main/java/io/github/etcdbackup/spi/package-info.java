/**
 * What a transport implements: {@link io.github.etcdbackup.spi.EtcdTransport} (snapshots, file streams, health
 * output), optionally {@link io.github.etcdbackup.spi.ModelOperations} (a Juju model) and
 * {@link io.github.etcdbackup.spi.HostOperations} (the units' hosts), all bounded by a
 * {@link io.github.etcdbackup.spi.Deadline}. Applications pass a transport to the client and need not import
 * anything else from here.
 */
package io.github.etcdbackup.spi;
