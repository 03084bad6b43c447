package io.github.etcdbackup.transport.ssh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What a transport prints in a log line or a debugger: where it connects, never anything about its key. */
class SshTransportToStringTest {
    @TempDir
    Path dir;

    @Test
    void namesTheUnitsAddressesLoginAndJumpHostButNothingAboutTheKey() throws IOException {
        Path key = Files.writeString(dir.resolve("juju_id_rsa"),
                "-----BEGIN OPENSSH PRIVATE KEY-----\nKEYMATERIALb3BlbnNzaC1rZXktdjE\n");
        char[] passphrase = "correct-horse-battery".toCharArray();
        try (SshTransport transport = SshTransport.builder().unitAddress("etcd/0", "10.0.0.5")
                .unitAddress("etcd/1", "10.0.0.6").user("ops").port(2222).privateKey(key, passphrase)
                .jumpHost("bastion.example.com", 22, "jump").knownHosts(dir.resolve("known_hosts")).build()) {
            String text = transport.toString();

            assertThat(text).isEqualTo("SshTransport[units={etcd/0=10.0.0.5, etcd/1=10.0.0.6}, user=ops, port=2222,"
                    + " jumpHost=jump@bastion.example.com:22, hostKeys=checked]");
            assertThat(text).doesNotContain("correct-horse-battery").doesNotContain("KEYMATERIAL")
                    .doesNotContain("juju_id_rsa");
        }
    }

    @Test
    void saysWhenHostKeysAreNotChecked() {
        try (SshTransport transport = SshTransport.builder().unitAddress("etcd/0", "10.0.0.5")
                .insecureAcceptAnyHostKey().build()) {
            assertThat(transport).hasToString("SshTransport[units={etcd/0=10.0.0.5}, user=ubuntu, port=22,"
                    + " jumpHost=none, hostKeys=NOT CHECKED]");
        }
    }
}
