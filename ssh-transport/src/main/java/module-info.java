/**
 * Backs up etcd units directly over SSH (sshj), for when the Juju controller is down.
 * {@code io.github.etcdbackup.transport.ssh.internal} holds the sshj code and is not exported.
 */
module io.github.etcdbackup.transport.ssh {
    requires transitive io.github.etcdbackup;
    requires com.hierynomus.sshj;
    requires org.slf4j;

    exports io.github.etcdbackup.transport.ssh;
}
