package io.github.etcdbackup.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback in front of the S3 server that misbehaves on demand, as a bad network or an overloaded
 * server does: it answers requests with {@code 503 Slow Down}, cuts a connection in the middle of a request, or
 * stalls (accepts bytes and forwards nothing) until released.
 */
final class FaultProxy implements AutoCloseable {
    private final URI upstream;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger slowDownsServed = new AtomicInteger();
    private final AtomicLong cutAfter = new AtomicLong(-1);
    private final AtomicLong stallAfter = new AtomicLong(-1);
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile CountDownLatch stall = new CountDownLatch(0);

    private FaultProxy(URI upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
    }

    /** Starts a proxy to {@code upstream} ({@code http://host:port}). */
    static FaultProxy start(URI upstream) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultProxy proxy = new FaultProxy(upstream, server);
        Thread acceptor = new Thread(proxy::accept, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    /** {@code http://127.0.0.1:<port>}. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The next {@code count} requests, each on a new connection, get {@code 503 Slow Down}. */
    void slowDown(int count) {
        slowDowns.set(count);
        dropConnections();
    }

    /** How many {@code 503} answers were sent. */
    int slowDownsServed() {
        return slowDownsServed.get();
    }

    /** Cuts the connection that carries the client's byte number {@code bytes} from now. */
    void cutAfter(long bytes) {
        cutAfter.set(forwarded.get() + bytes);
    }

    /** How many connections were cut. */
    int cuts() {
        return cuts.get();
    }

    /** From the client's byte number {@code bytes} from now, forwards nothing until {@link #release()}. */
    void stallAfter(long bytes) {
        stall = new CountDownLatch(1);
        stallAfter.set(forwarded.get() + bytes);
    }

    /** Bytes the client sent through the proxy so far. */
    long forwarded() {
        return forwarded.get();
    }

    /** Ends a stall. */
    void release() {
        stall.countDown();
    }

    private void dropConnections() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread thread = new Thread(() -> serve(client), "fault-proxy-connection");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            if (slowDowns.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answerSlowDown(client);
                return;
            }
            Socket server = new Socket();
            sockets.add(server);
            server.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), 5000);
            Thread back = new Thread(() -> pump(server, client, false), "fault-proxy-back");
            back.setDaemon(true);
            back.start();
            pump(client, server, true);
        } catch (IOException ignored) {
            closeQuietly(client);
        }
    }

    /** Reads the request's head and answers 503 as S3 does when throttling, then closes. */
    private void answerSlowDown(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                + "<Message>Please reduce your request rate.</Message></Error>";
        String response = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        OutputStream out = client.getOutputStream();
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slowDownsServed.incrementAndGet();
        client.close();
    }

    private void pump(Socket from, Socket to, boolean upstreamBound) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (upstreamBound) {
                    long total = forwarded.addAndGet(n);
                    long cut = cutAfter.get();
                    if (cut >= 0 && total >= cut && cutAfter.compareAndSet(cut, -1)) {
                        cuts.incrementAndGet();
                        from.close();
                        to.close();
                        return;
                    }
                    long stallAt = stallAfter.get();
                    if (stallAt >= 0 && total >= stallAt) {
                        stall.await();
                        stallAfter.set(-1);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException ignored) {
            // A side closed: close the other.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        release();
        server.close();
        dropConnections();
    }
}
