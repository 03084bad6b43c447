package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The shaped link against a plain echo server: bytes arrive intact and in order, never sooner than the delay,
 * never faster than the rate (lower bounds only: how much slower a loaded machine is, is the benchmarks' business),
 * a half-close passes through, and closing the link closes its connections.
 */
@Timeout(60)
class ShapedLinkTest {
    private ServerSocket echo;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread copier = new Thread(() -> echoUntilEof(socket));
                    copier.setDaemon(true);
                    copier.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Echoes what it reads; at the end of input it writes "bye" and closes. */
    private static void echoUntilEof(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            in.transferTo(out);
            out.write("bye".getBytes());
        } catch (IOException ignored) {
            // The link was closed under it: what the close test wants.
        }
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    @Test
    void aRoundTripTakesAtLeastTwiceTheOneWayDelay() throws IOException {
        try (ShapedLink link = ShapedLink.start("127.0.0.1", echo.getLocalPort(), Duration.ofMillis(60), 10_000_000);
             Socket socket = new Socket(link.host(), link.port())) {
            assertThat(link.roundTrip()).isEqualTo(Duration.ofMillis(120));
            long start = System.nanoTime();
            socket.getOutputStream().write(7);
            assertThat(socket.getInputStream().read()).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(120));
        }
    }

    @Test
    void bytesArriveIntactNoFasterThanTheRateAndAHalfClosePassesThrough() throws Exception {
        byte[] sent = new byte[4 * 1024 * 1024];
        new Random(22).nextBytes(sent);
        try (ShapedLink link = ShapedLink.start("127.0.0.1", echo.getLocalPort(), Duration.ofMillis(5), 8_000_000);
             Socket socket = new Socket(link.host(), link.port())) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    socket.getInputStream().transferTo(received);
                } catch (IOException ignored) {
                    // The assertions below show what arrived.
                }
            });
            long start = System.nanoTime();
            reader.start();
            socket.getOutputStream().write(sent);
            socket.shutdownOutput();
            reader.join(30_000);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            byte[] expected = new byte[sent.length + 3];
            System.arraycopy(sent, 0, expected, 0, sent.length);
            System.arraycopy("bye".getBytes(), 0, expected, sent.length, 3);
            assertThat(received.toByteArray()).isEqualTo(expected);
            // 4 MiB each way at 8 MB/s: at least half a second, whatever else the machine does.
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void closingTheLinkClosesItsConnections() throws Exception {
        ShapedLink link = ShapedLink.start("127.0.0.1", echo.getLocalPort(), Duration.ofMillis(1), 10_000_000);
        try (Socket socket = new Socket(link.host(), link.port())) {
            socket.getOutputStream().write(1);
            assertThat(socket.getInputStream().read()).isEqualTo(1);
            link.close();
            socket.setSoTimeout(10_000);
            Throwable thrown = catchThrowable(() -> {
                int n = socket.getInputStream().read();
                assertThat(n).isEqualTo(-1);
            });
            if (thrown != null) {
                assertThat(thrown).isInstanceOf(IOException.class).isNotInstanceOf(java.net.SocketTimeoutException.class);
            }
        }
    }
}
