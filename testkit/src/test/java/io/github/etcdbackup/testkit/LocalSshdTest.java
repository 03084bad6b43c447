package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
class LocalSshdTest {
    @TempDir
    Path dir;

    @Test
    void theSystemClientRunsACommandAndTheServerIsGoneAfterClose() throws Exception {
        long pid;
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("a"))) {
            pid = sshd.pid();
            assertThat(sshd.port()).isPositive();
            assertThat(sshd.user()).isEqualTo(System.getProperty("user.name"));
            assertThat(Files.readString(sshd.hostKnownHostsFile()))
                    .startsWith("[127.0.0.1]:" + sshd.port() + " ssh-ed25519 ")
                    .contains("[127.0.0.1]:" + sshd.port() + " ssh-rsa ");
            assertThat(sshd.hostKeyFingerprint()).matches("SHA256:[A-Za-z0-9+/]{43}");
            assertThat(sshd.hostKeyFingerprint("rsa")).isNotEqualTo(sshd.hostKeyFingerprint());
            assertThat(Files.readString(sshd.hostPublicKey("rsa"))).startsWith("ssh-rsa ");
            assertThat(Files.readString(sshd.userPublicKey())).startsWith("ssh-ed25519 ");
            assertThat(sshd.dir()).isEqualTo(dir.resolve("a"));

            CommandResult result = ssh(sshd.sshClientArgs(), "echo ok");
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdoutText()).isEqualTo("ok\n");

            assertThat(ssh(sshd.sshClientArgs(), "exit 7").exitCode()).as("remote exit code").isEqualTo(7);
            // SetEnv SHLVL=1, raised by the login shell: a level of 2 or more keeps bash from sourcing ~/.bashrc.
            assertThat(ssh(sshd.sshClientArgs(), "echo $SHLVL").stdoutText()).isEqualTo("2\n");
        }
        assertThat(ProcessHandle.of(pid)).isEmpty();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    @Test
    void anUnknownHostKeyIsRefused() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("a"))) {
            Path empty = Files.createFile(dir.resolve("empty_known_hosts"));
            List<String> args = new ArrayList<>(sshd.sshClientArgs());
            args.set(args.indexOf("UserKnownHostsFile=" + sshd.hostKnownHostsFile()), "UserKnownHostsFile=" + empty);
            CommandResult result = ssh(args, "echo ok");
            assertThat(result.exitCode()).isEqualTo(255);
            assertThat(result.stderr()).contains("Host key verification failed");
        }
    }

    @Test
    void anEncryptedKeyIsAuthorizedAndNeedsItsPassphrase() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("a"))) {
            Path key = sshd.encryptedUserKey("s3cret pass");
            assertThat(Files.readString(key)).contains("BEGIN OPENSSH PRIVATE KEY");
            // ssh-keygen -y proves the passphrase decrypts it; a wrong one does not
            assertThat(Commands.run(List.of("ssh-keygen", "-y", "-P", "s3cret pass", "-f", key.toString())).exitCode())
                    .isZero();
            assertThat(Commands.run(List.of("ssh-keygen", "-y", "-P", "wrong", "-f", key.toString())).exitCode())
                    .isNotZero();
            assertThat(Files.readString(dir.resolve("a/authorized_keys")).lines()).hasSize(2);
        }
    }

    @Test
    void weakAlgorithmsOnlyIsRefusedByAModernClientAndAcceptedWhenForced() throws Exception {
        try (LocalSshd sshd = LocalSshd.builder().weakAlgorithmsOnly().start(dir.resolve("weak"))) {
            CommandResult modern = ssh(sshd.sshClientArgs(), "echo ok");
            assertThat(modern.exitCode()).isEqualTo(255);
            assertThat(modern.stderr()).containsPattern("no matching (key exchange method|host key type|cipher)");

            List<String> forced = new ArrayList<>(List.of(
                    "-o", "KexAlgorithms=+diffie-hellman-group14-sha1",
                    "-o", "HostKeyAlgorithms=+ssh-rsa",
                    "-o", "Ciphers=+aes128-cbc",
                    "-o", "MACs=+hmac-sha1"));
            forced.addAll(sshd.sshClientArgs());
            CommandResult legacy = ssh(forced, "echo ok");
            assertThat(legacy.exitCode()).as(legacy.stderr()).isZero();
            assertThat(legacy.stdoutText()).isEqualTo("ok\n");
        }
    }

    @Test
    void aSecondInstanceServesAsJumpHostWithTheSameUserKey() throws Exception {
        try (LocalSshd jump = LocalSshd.start(dir.resolve("jump"));
             LocalSshd target = LocalSshd.builder().userKeyFrom(jump).start(dir.resolve("target"))) {
            assertThat(target.port()).isNotEqualTo(jump.port());
            assertThat(target.userPrivateKey()).isEqualTo(jump.userPrivateKey());
            Path knownHosts = LocalSshd.writeKnownHosts(dir.resolve("known_hosts_both"), jump, target);
            Path config = dir.resolve("ssh_config");
            Files.writeString(config, String.join("\n",
                    "Host *",
                    "  BatchMode yes",
                    "  StrictHostKeyChecking yes",
                    "  UserKnownHostsFile " + knownHosts,
                    "  GlobalKnownHostsFile /dev/null",
                    "  IdentitiesOnly yes",
                    "  IdentityFile " + jump.userPrivateKey(),
                    "  User " + jump.user(), ""));
            CommandResult result = Commands.run(List.of("ssh", "-F", config.toString(),
                    "-J", "127.0.0.1:" + jump.port(), "-p", String.valueOf(target.port()), "127.0.0.1", "echo ok"),
                    Map.of());
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdoutText()).isEqualTo("ok\n");
            assertThat(Files.readString(jump.logFile())).contains("Accepted publickey for " + jump.user());
        }
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    private static CommandResult ssh(List<String> args, String remoteCommand) {
        List<String> command = new ArrayList<>(List.of("ssh"));
        command.addAll(args);
        command.add("127.0.0.1");
        command.add(remoteCommand);
        return Commands.run(command, Map.of());
    }
}
