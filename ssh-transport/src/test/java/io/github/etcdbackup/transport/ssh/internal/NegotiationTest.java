package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.testkit.LocalSshd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Against real OpenSSH: the negotiated download cipher is one of ours (SunJCE AES-GCM), with ed25519 keys. */
@Timeout(60)
class NegotiationTest {
    @TempDir
    Path dir;

    @Test
    void opensshNegotiatesSunJceAesGcm() {
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            SshSettings settings = new SshSettings(sshd.port(), sshd.user(), Optional.of(sshd.userPrivateKey()), null,
                    sshd.hostKnownHostsFile(), false, Duration.ofSeconds(10), Optional.empty(), 2 * 1024 * 1024);
            try (SshLink link = new SshConnector(settings).connect("etcd/0", sshd.host(),
                    Deadline.after(Duration.ofSeconds(30)))) {
                assertThat(link.cipher()).isEqualTo("aes128-gcm@openssh.com");
                assertThat(link.usable()).isTrue();
            }
        }
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }
}
