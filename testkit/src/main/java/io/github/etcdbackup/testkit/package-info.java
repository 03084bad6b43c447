/**
 * Test infrastructure for etcd-backup: real etcd clusters laid out like Charmed Kubernetes etcd units
 * ({@link io.github.etcdbackup.testkit.EtcdCluster}), a real OpenSSH server on loopback
 * ({@link io.github.etcdbackup.testkit.LocalSshd}), and a Juju model simulator with a real {@code juju} executable
 * ({@link io.github.etcdbackup.testkit.JujuSimulator}). Every process it starts is stopped by {@code close()} and,
 * as a backstop, by a JVM shutdown hook; {@link io.github.etcdbackup.testkit.LeftoverProcesses} lets a test assert
 * that none survived. Test scope only (and the demo): never a runtime dependency of core or the transports.
 */
package io.github.etcdbackup.testkit;
