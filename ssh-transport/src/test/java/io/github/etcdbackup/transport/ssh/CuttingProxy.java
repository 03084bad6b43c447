package io.github.etcdbackup.transport.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay in front of sshd whose connections a test can cut, as a network failure would: the SSH client sees
 * its socket closed in the middle of a transfer. Since the relay is the only way bytes reach the client, a cut
 * after N bytes guarantees the client never saw more, however large sshj's channel window is.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    /** Server-to-client bytes still allowed through before everything is cut; negative when not armed. */
    private final AtomicLong allowance = new AtomicLong(-1);
    /** Server-to-client bytes still to relay untouched before one is flipped; negative when not armed. */
    private final AtomicLong flipIn = new AtomicLong(-1);
    private volatile int flipMask;
    /** Server-to-client bytes relayed so far, over every connection. */
    private final AtomicLong relayedToClient = new AtomicLong();
    private final AtomicLong armedCutsDone = new AtomicLong();
    private final AtomicLong flipsDone = new AtomicLong();
    private volatile boolean frozen;

    private CuttingProxy(ServerSocket server, String targetHost, int targetPort) {
        this.server = server;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.acceptor = new Thread(this::acceptLoop, "cutting-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static CuttingProxy to(String host, int port) {
        try {
            return new CuttingProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), host, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Cuts every connection once {@code bytes} more bytes went from the server to the client. */
    void cutAfter(long bytes) {
        allowance.set(bytes);
    }

    /**
     * Lets {@code bytes} more server-to-client bytes through untouched, then XORs the next one with {@code mask}
     * (1 to 255), as a faulty link that the checksums of TCP and Ethernet both missed.
     */
    void flipAfter(long bytes, int mask) {
        if (mask < 1 || mask > 255) {
            throw new IllegalArgumentException("mask must be 1 to 255: " + mask);
        }
        flipMask = mask;
        flipIn.set(bytes);
    }

    /** Forgets an armed cut or flip that has not happened yet. */
    void disarm() {
        allowance.set(-1);
        flipIn.set(-1);
    }

    /** Server-to-client bytes relayed so far over every connection (what the SSH client received). */
    long bytesToClient() {
        return relayedToClient.get();
    }

    /** How many cuts armed with {@link #cutAfter(long)} have happened. */
    long cutsDone() {
        return armedCutsDone.get();
    }

    /** How many flips armed with {@link #flipAfter(long, int)} have happened. */
    long flipsDone() {
        return flipsDone.get();
    }

    /**
     * Stops relaying in both directions and closes nothing, as a network that silently drops every packet: neither
     * side hears from the other again. {@link #cutAll()} ends it.
     */
    void freeze() {
        frozen = true;
    }

    /** Closes every relayed connection now (and ends a freeze); new connections are still accepted. */
    void cutAll() {
        // One by one: a connection accepted meanwhile (a client reconnecting at once) stays tracked, to be cut later.
        for (Socket socket : sockets) {
            closeQuietly(socket);
            sockets.remove(socket);
        }
        frozen = false;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean toClient) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    while (frozen && !to.isClosed()) {
                        Thread.sleep(20);
                    }
                    if (toClient) {
                        flip(buffer, n);
                    }
                    long left = toClient ? allowance.get() : -1;
                    if (left >= 0 && n >= left) {
                        out.write(buffer, 0, (int) left);
                        out.flush();
                        relayedToClient.addAndGet(left);
                        allowance.set(-1);
                        armedCutsDone.incrementAndGet();
                        cutAll();
                        return;
                    }
                    if (left >= 0) {
                        allowance.addAndGet(-n);
                    }
                    out.write(buffer, 0, n);
                    if (toClient) {
                        relayedToClient.addAndGet(n);
                    }
                }
            } catch (IOException ignored) {
                // the other side or cutAll() closed the socket
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Flips the armed byte if it is among these {@code n}. */
    private void flip(byte[] buffer, int n) {
        long in = flipIn.get();
        if (in < 0) {
            return;
        }
        if (in < n) {
            if (flipIn.compareAndSet(in, -1)) {
                buffer[(int) in] ^= (byte) flipMask;
                flipsDone.incrementAndGet();
            }
        } else {
            flipIn.addAndGet(-n);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        cutAll();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
