/** Drives the etcd charm through the local {@code juju} CLI. */
module io.github.etcdbackup.transport.jujucli {
    requires transitive io.github.etcdbackup;
    requires org.slf4j;
}
