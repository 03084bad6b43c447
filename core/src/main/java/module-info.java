/**
 * etcd-backup core: the client API, values, exceptions, events and the transport SPI.
 *
 * <p>{@code io.github.etcdbackup.internal.common} (validation, shell quoting, hashing, the stream watchdog) and
 * {@code io.github.etcdbackup.internal.unit} (the scripts that list and remove archives on a unit) and
 * {@code io.github.etcdbackup.internal.spool} (the files ranges wait in) are shared with the transports only
 * (qualified exports), never with applications.
 */
module io.github.etcdbackup {
    requires org.slf4j;
    requires com.exceptionfactory.jagged;
    requires com.exceptionfactory.jagged.bech32;
    requires com.exceptionfactory.jagged.framework;
    requires com.exceptionfactory.jagged.x25519;

    exports io.github.etcdbackup;
    exports io.github.etcdbackup.client;
    exports io.github.etcdbackup.encryption;
    exports io.github.etcdbackup.exception;
    exports io.github.etcdbackup.health;
    exports io.github.etcdbackup.restore;
    exports io.github.etcdbackup.spi;
    exports io.github.etcdbackup.status;
    exports io.github.etcdbackup.store;
    exports io.github.etcdbackup.internal.common to
            io.github.etcdbackup.transport.jujucli,
            io.github.etcdbackup.transport.ssh,
            io.github.etcdbackup.store.s3;
    exports io.github.etcdbackup.internal.unit to
            io.github.etcdbackup.transport.jujucli,
            io.github.etcdbackup.transport.ssh;
    exports io.github.etcdbackup.internal.spool to
            io.github.etcdbackup.transport.jujucli,
            io.github.etcdbackup.transport.ssh;
    exports io.github.etcdbackup.internal.archive to io.github.etcdbackup.store.s3;
    exports io.github.etcdbackup.internal.download to io.github.etcdbackup.store.s3;
    exports io.github.etcdbackup.internal.files to io.github.etcdbackup.store.s3;
    exports io.github.etcdbackup.internal.store to io.github.etcdbackup.store.s3;
}
