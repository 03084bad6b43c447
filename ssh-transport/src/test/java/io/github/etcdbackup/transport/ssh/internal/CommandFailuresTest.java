package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.transport.ssh.UnitLayout;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Failures that a root test machine cannot produce for real (sudo asking for a password, no sudo at all). */
class CommandFailuresTest {
    private static final UnitLayout CHARM = UnitLayout.charm();

    @Test
    void sudoAskingForAPasswordSaysHowToAllowIt() {
        ExecResult result = new ExecResult(1, "", "sudo: a password is required\n");
        assertThat(CommandFailures.of("etcd/0", "snapshot v3 of etcd/0", result, CHARM, "ubuntu", true))
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("asks user 'ubuntu' for a password")
                .hasMessageContaining("NOPASSWD")
                .hasMessageContaining("useSudo(false)");
    }

    @Test
    void missingSudoIsNotMistakenForMissingEtcdctl() {
        ExecResult result = new ExecResult(127, "", "bash: line 1: sudo: command not found\n");
        assertThat(CommandFailures.of("etcd/0", "health of etcd/0", result, CHARM, "ubuntu", true))
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("sudo is not installed on etcd/0");
    }

    @Test
    void aMissingEtcdutlIsNotMistakenForAMissingEtcdctl() {
        // etcd 3.6 dropped 'snapshot restore' from etcdctl; a unit that has no etcdutl cannot restore.
        ExecResult result = new ExecResult(Scripts.EXIT_ETCDUTL_MISSING, "",
                "etcd-backup: etcd 3.6.1 restores with etcdutl: none at /snap/bin/etcd.etcdutl nor on the PATH\n");
        assertThat(CommandFailures.of("etcd/0", "restore a.tar.gz on etcd/0", result, CHARM, "ubuntu", true))
                .isInstanceOfSatisfying(ActionFailedException.class, e -> assertThat(e.returnCode()).hasValue(69))
                .hasMessageContaining("etcdutl is not at /snap/bin/etcd.etcdutl")
                .hasMessageNotContaining("etcdctl is missing");
    }

    @Test
    void anyOtherFailureIsAFailedActionWithTheStderr() {
        ExecResult result = new ExecResult(1, "", "Error: context deadline exceeded\n");
        assertThat(CommandFailures.of("etcd/0", "snapshot v3 of etcd/0", result, CHARM, "ubuntu", true))
                .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                    assertThat(e.returnCode()).hasValue(1);
                    assertThat(e.stderrTail()).contains("context deadline exceeded");
                    assertThat(e.unit()).isEqualTo("etcd/0");
                });
    }
}
