package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code juju scp} into a FIFO, and the {@code AUTO} fallback to it, against the replaying fake {@code juju}: the
 * exact argv, failures before and after the first byte, deadlines, and nothing left behind.
 */
@Timeout(60)
class ScpStreamingTest {
    private static final Duration MARGIN = Duration.ofSeconds(3);
    private static final String PATH = "/home/ubuntu/it's here/etcd-snapshot-2024-05-21-14.02.11.tar.gz";
    private static final String QUOTED = "'/home/ubuntu/it'\\''s here/etcd-snapshot-2024-05-21-14.02.11.tar.gz'";
    private static final String SUDO_REFUSES = "sudo: a terminal is required to read the password; either use the -S"
            + " option to read from standard input or configure an askpass helper\nsudo: a password is required\n";

    @TempDir
    Path dir;

    private static byte[] content() {
        byte[] content = new byte[300_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + i / 7);
        }
        return content;
    }

    private JujuCliTransport transport(FakeJuju juju, FileTransfer transfer, String sshV) {
        return JujuCliTransport.builder().executable(juju.executable()).model("k8s").fileTransfer(transfer)
                .environment(FakeOpenSsh.environment(dir.resolve("openssh"), sshV)).build();
    }

    private static Deadline minute() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    @Test
    void scpStreamsThroughAFifoWithTheLegacyProtocolOnOpenSsh9AndLeavesNothingBehind() throws IOException {
        byte[] content = content();
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).scpWrites(content);
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", PATH, 0, minute())) {
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(in.read()).isEqualTo(-1);
        }
        List<String> argv = juju.command();
        assertThat(argv.subList(0, argv.size() - 1))
                .containsExactly("scp", "-m", "k8s", "--", "-O", "-T", "etcd/0:" + QUOTED);
        Path fifo = Path.of(argv.get(argv.size() - 1));
        assertThat(fifo).isAbsolute();
        assertThat(fifo.getFileName()).hasToString("stream");
        assertThat(fifo.getParent().getFileName().toString()).startsWith("etcd-backup-scp-");
        assertThat(fifo.getParent()).doesNotExist();
    }

    @Test
    void olderOpenSshGetsOnlyTheOptionsItKnows() throws IOException {
        for (Map.Entry<String, List<String>> openSsh : Map.of(
                "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11, OpenSSL 1.1.1f  31 Mar 2020", List.of("-T"),
                "OpenSSH_7.6p1 Ubuntu-4ubuntu0.7, OpenSSL 1.0.2n  7 Dec 2017", List.<String>of()).entrySet()) {
            FakeJuju juju = new FakeJuju(dir.resolve("juju-" + openSsh.getValue().size())).scpWrites(content());
            try (JujuCliTransport transport = JujuCliTransport.builder().executable(juju.executable())
                    .fileTransfer(FileTransfer.SCP)
                    .environment(FakeOpenSsh.environment(dir.resolve("openssh-" + openSsh.getValue().size()),
                            openSsh.getKey())).build();
                 InputStream in = transport.openFile("etcd/0", "/home/ubuntu/x.tar.gz", 0, minute())) {
                assertThat(in.readAllBytes()).isEqualTo(content());
            }
            List<String> expected = new ArrayList<>(List.of("scp", "--"));
            expected.addAll(openSsh.getValue());
            expected.add("etcd/0:'/home/ubuntu/x.tar.gz'");
            List<String> argv = juju.command();
            assertThat(argv.subList(0, argv.size() - 1)).as(openSsh.getKey()).isEqualTo(expected);
        }
    }

    @Test
    void anOffsetIsReachedByDiscardingTheBytesBeforeIt() throws IOException {
        byte[] content = content();
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).scpWrites(content);
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9)) {
            for (int offset : new int[] {1, 65_537, content.length - 1, content.length, content.length + 10}) {
                try (InputStream in = transport.openFile("etcd/0", PATH, offset, minute())) {
                    assertThat(in.readAllBytes()).as("from %d", offset)
                            .isEqualTo(Arrays.copyOfRange(content, Math.min(offset, content.length), content.length));
                }
            }
        }
    }

    @Test
    void aFailingScpIsATypedErrorWithJujusExitCodeAndStderrQuicklyAndLeavesNothingBehind() {
        String error = "ERROR exit status 1 (scp: /home/ubuntu/nope.tar.gz: No such file or directory)\n";
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answer("", error, 1);
        long start = System.nanoTime();
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9)) {
            assertThatThrownBy(() -> transport.openFile("etcd/0", "/home/ubuntu/nope.tar.gz", 0, minute()))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.exitCode()).hasValue(1);
                        assertThat(e.stderrTail()).isEqualTo(error);
                        assertThat(e.getMessage()).contains("'juju scp' failed (exit code 1)", "ubuntu user",
                                "No such file or directory");
                    });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MARGIN);
        List<String> argv = juju.command();
        assertThat(Path.of(argv.get(argv.size() - 1)).getParent()).doesNotExist();
    }

    @Test
    void aScpThatExitsZeroWithoutWritingIsNotAnEmptyFile() {
        FakeJuju juju = new FakeJuju(dir.resolve("juju"));
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9)) {
            assertThatThrownBy(() -> transport.openFile("etcd/0", PATH, 0, minute()))
                    .isInstanceOf(TransportException.class).hasMessageContaining("without writing");
        }
    }

    @Test
    void aHangingScpEndsAtTheDeadlineWithItsProcessTreeKilled() throws InterruptedException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).hang();
        Duration timeout = Duration.ofMillis(1500);
        long start = System.nanoTime();
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9)) {
            assertThatThrownBy(() -> transport.openFile("etcd/0", PATH, 0, Deadline.after(timeout)))
                    .isInstanceOfSatisfying(OperationTimeoutException.class,
                            e -> assertThat(e.timeout()).isEqualTo(timeout));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plus(MARGIN));
        juju.assertGone("parent");
        juju.assertGone("child");
        List<String> argv = juju.command();
        assertThat(Path.of(argv.get(argv.size() - 1)).getParent()).doesNotExist();
    }

    @Test
    void aScpThatStallsMidFileIsAnIOExceptionAtTheDeadlineAndLeavesNoProcess() throws InterruptedException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).scpWritesAndHolds("some bytes".getBytes()).hang();
        Duration timeout = Duration.ofMillis(1500);
        long start = System.nanoTime();
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", PATH, 0, Deadline.after(timeout))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("deadline");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plus(MARGIN));
        juju.assertGone("parent");
        juju.assertGone("child");
    }

    @Test
    void autoFallsBackToScpWhenSudoWantsAPassword() throws IOException {
        byte[] content = content();
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answerFor("ssh", "", SUDO_REFUSES, 1).scpWrites(content);
        try (JujuCliTransport transport = transport(juju, FileTransfer.AUTO, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", PATH, 1000, minute())) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 1000, content.length));
        }
        List<List<String>> commands = juju.commands();
        assertThat(commands).hasSize(2);
        assertThat(commands.get(0)).containsExactly("ssh", "-m", "k8s", "--pty=false", "etcd/0", "--", "sudo",
                "tail", "-c", "+1001", QUOTED);
        assertThat(commands.get(1).subList(0, 7)).containsExactly("scp", "-m", "k8s", "--", "-O", "-T",
                "etcd/0:" + QUOTED);
    }

    @Test
    void autoFallsBackWhenSshItselfFailedAndWhenSudoIsMissing() throws IOException {
        for (String[] failure : new String[][] {{"ssh: connect to host 10.0.0.1 port 22: Connection refused\n", "255"},
                {"bash: line 1: sudo: command not found\n", "127"}}) {
            FakeJuju juju = new FakeJuju(dir.resolve("juju-" + failure[1]))
                    .answerFor("ssh", "", failure[0], Integer.parseInt(failure[1])).scpWrites(content());
            try (JujuCliTransport transport = transport(juju, FileTransfer.AUTO, FakeOpenSsh.OPENSSH_9);
                 InputStream in = transport.openFile("etcd/0", PATH, 0, minute())) {
                assertThat(in.readAllBytes()).as(failure[0]).isEqualTo(content());
            }
            assertThat(juju.commands()).extracting(argv -> argv.get(0)).containsExactly("ssh", "scp");
        }
    }

    @Test
    void autoNeverFallsBackOnceBytesWereDelivered() throws IOException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answerFor("ssh", "partial bytes", SUDO_REFUSES, 1)
                .scpWrites(content());
        try (JujuCliTransport transport = transport(juju, FileTransfer.AUTO, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", PATH, 0, minute())) {
            assertThat(in.read()).isEqualTo('p');
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("exited with 1");
        }
        assertThat(juju.commands()).extracting(argv -> argv.get(0)).containsExactly("ssh");
    }

    @Test
    void autoDoesNotFallBackForAnErrorScpWouldShare() throws IOException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju"))
                .answerFor("ssh", "", "cat: /home/ubuntu/x: No such file or directory\n", 1).scpWrites(content());
        try (JujuCliTransport transport = transport(juju, FileTransfer.AUTO, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", "/home/ubuntu/x", 0, minute())) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("No such file");
        }
        assertThat(juju.commands()).extracting(argv -> argv.get(0)).containsExactly("ssh");
    }

    @Test
    void whenTheFallbackFailsTooItsTypedErrorNamesBoth() throws IOException {
        String scpError = "ERROR exit status 1 (scp: /home/ubuntu/x: Permission denied)\n";
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answerFor("ssh", "", SUDO_REFUSES, 1)
                .answerFor("scp", "", scpError, 1);
        try (JujuCliTransport transport = transport(juju, FileTransfer.AUTO, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", "/home/ubuntu/x", 0, minute())) {
            assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(TransportException.class, e -> {
                assertThat(e.exitCode()).hasValue(1);
                assertThat(e.stderrTail()).isEqualTo(scpError);
                assertThat(e.getSuppressed()).singleElement().satisfies(
                        ssh -> assertThat(ssh).hasMessageContaining("sudo: a password is required"));
            });
        }
    }

    @Test
    void sshCatNeverFallsBack() throws IOException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).answerFor("ssh", "", SUDO_REFUSES, 1).scpWrites(content());
        try (JujuCliTransport transport = transport(juju, FileTransfer.SSH_CAT, FakeOpenSsh.OPENSSH_9);
             InputStream in = transport.openFile("etcd/0", PATH, 0, minute())) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("sudo: a password is required");
        }
        assertThat(juju.commands()).extracting(argv -> argv.get(0)).containsExactly("ssh");
    }

    @Test
    void nothingTheCallerGivesReachesScpAsAnOption() {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).scpWrites(content());
        try (JujuCliTransport transport = transport(juju, FileTransfer.SCP, FakeOpenSsh.OPENSSH_9)) {
            for (String[] bad : new String[][] {{"-oProxyCommand=x", "/x"}, {"etcd/0", "-r"},
                    {"etcd/0", "relative/x"}, {"etcd/0:/y", "/x"}}) {
                assertThatThrownBy(() -> transport.openFile(bad[0], bad[1], 0, minute()))
                        .isInstanceOf(InvalidInputException.class);
            }
        }
        assertThat(juju.commands()).isEmpty();
    }

    @Test
    void theFileTransferCannotBeNull() {
        assertThatThrownBy(() -> JujuCliTransport.builder().fileTransfer(null))
                .isInstanceOf(NullPointerException.class);
    }
}
