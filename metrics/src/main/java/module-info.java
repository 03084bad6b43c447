/** etcd-backup's events as Micrometer meters. */
module io.github.etcdbackup.metrics {
    requires io.github.etcdbackup;
    requires micrometer.core;

    exports io.github.etcdbackup.metrics;
}
