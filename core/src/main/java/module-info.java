/**
 * etcd-backup core: the client API, values, exceptions, events and the transport SPI.
 *
 * <p>{@code io.github.etcdbackup.internal} is shared with the transports only (a qualified export), never with
 * applications.
 */
module io.github.etcdbackup {
    requires org.slf4j;

    exports io.github.etcdbackup;
    exports io.github.etcdbackup.spi;
    exports io.github.etcdbackup.internal to
            io.github.etcdbackup.transport.jujucli,
            io.github.etcdbackup.transport.ssh;
}
