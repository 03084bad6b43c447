/**
 * Drives the etcd charm through the local {@code juju} CLI (Juju 2.9 and 3.x).
 *
 * <p>Only {@code io.github.etcdbackup.transport.jujucli} is exported; Jackson, SnakeYAML and commons-exec stay behind
 * the internal package.
 */
module io.github.etcdbackup.transport.jujucli {
    requires transitive io.github.etcdbackup;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.yaml.snakeyaml;
    requires org.apache.commons.exec;
    requires org.slf4j;

    exports io.github.etcdbackup.transport.jujucli;
}
