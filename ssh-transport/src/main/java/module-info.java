/** Backs up etcd units directly over SSH. */
module io.github.etcdbackup.transport.ssh {
    requires transitive io.github.etcdbackup;
    requires org.slf4j;
}
