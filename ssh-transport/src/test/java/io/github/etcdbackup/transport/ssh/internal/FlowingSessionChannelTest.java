package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.LocalSshd;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FlowingSessionChannel} against real OpenSSH: once sshj has answered the unit's close of a channel, the unit
 * frees it, and any request naming it ends the whole connection (sshd: "server_input_channel_req: unknown channel").
 * Found by the SSH cut suite: a range abandoned as its command ended by itself got a SIGTERM request after the close,
 * and every other range on the connection failed with it.
 */
@Timeout(60)
class FlowingSessionChannelTest {
    @TempDir
    Path dir;

    @Test
    void aSignalToACommandWhoseChannelClosedIsNotSentAndTheConnectionLivesOn() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            SshSettings settings = new SshSettings(sshd.port(), sshd.user(), Optional.of(sshd.userPrivateKey()), null,
                    sshd.hostKnownHostsFile(), false, Duration.ofSeconds(10), Optional.empty(), 2 * 1024 * 1024);
            try (SshLink link = new SshConnector(settings).connect("etcd/0", sshd.host(),
                    Deadline.after(Duration.ofSeconds(30)))) {
                SSHClient client = link.client();
                FlowingSessionChannel channel = new FlowingSessionChannel(client.getConnection(),
                        client.getRemoteCharset());
                channel.open();
                Session.Command command = channel.exec("true");
                channel.join(10, TimeUnit.SECONDS); // the unit closed it, and sshj answered
                assertThat(channel.isOpen()).isFalse();
                Thread.sleep(300); // the unit frees the channel on our close

                command.signal(Signal.TERM); // as ChannelStopper does for a stream it abandons

                Thread.sleep(300); // a disconnect for an unknown channel would be here by now
                assertThat(client.isConnected()).as("the connection survives").isTrue();
                try (Session session = client.startSession()) {
                    Session.Command echo = session.exec("echo ok");
                    assertThat(new String(echo.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("ok\n");
                }
            }
        }
    }
}
