package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that behaves like a long, fast link: every byte arrives {@code oneWayDelay} after it left,
 * and each direction carries at most {@code bytesPerSecond}, shared by every connection through the link (one
 * bottleneck, as a WAN path). This kernel has no netem, so latency is made here, in user space.
 *
 * <p>Each direction is modelled as a transmitter and a wire: a chunk read from the sender starts transmitting when
 * the transmitter is free, takes {@code size / bytesPerSecond} to send, and is delivered {@code oneWayDelay} after
 * it was sent. What waits in one connection's queue is bounded ({@link #queueBytes()}: twice the bandwidth-delay
 * product, at least 4 MiB); beyond it the proxy stops reading, and TCP pushes back on the sender, as a router's
 * buffer does. So an SSH channel whose window is W bytes moves at most W per round trip through it, as on a real
 * path of that round trip; the loopback legs on each side add next to nothing.
 *
 * <p>Put it in front of a {@link LocalSshd}: {@code ShapedLink.start(sshd.host(), sshd.port(), delay, rate)}, then
 * connect to {@link #port()}. Closing it closes every connection through it.
 */
public final class ShapedLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShapedLink.class);
    private static final int CHUNK = 64 * 1024;
    private static final long MIN_QUEUE = 4L * 1024 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final long bytesPerSecond;
    private final Transmitter up = new Transmitter();
    private final Transmitter down = new Transmitter();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ShapedLink(ServerSocket server, InetSocketAddress target, Duration oneWayDelay, long bytesPerSecond) {
        this.server = server;
        this.target = target;
        this.delayNanos = oneWayDelay.toNanos();
        this.bytesPerSecond = bytesPerSecond;
    }

    /**
     * Listens on a free port of 127.0.0.1 and forwards every connection to {@code host:port}.
     *
     * @param oneWayDelay    added in each direction: the round trip grows by twice this
     * @param bytesPerSecond what each direction carries at most (1 Gbit/s is {@code 125_000_000})
     */
    public static ShapedLink start(String host, int port, Duration oneWayDelay, long bytesPerSecond) {
        if (oneWayDelay.isNegative() || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("a link needs a delay >= 0 and a rate > 0, not " + oneWayDelay
                    + " and " + bytesPerSecond);
        }
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            ShapedLink link = new ShapedLink(server, new InetSocketAddress(host, port), oneWayDelay, bytesPerSecond);
            daemon(link::accept, "shaped-link-accept-" + server.getLocalPort());
            LOG.info("Link 127.0.0.1:{} -> {}:{}: {} each way, {} MB/s", server.getLocalPort(), host, port,
                    oneWayDelay, bytesPerSecond / 1_000_000);
            return link;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where clients connect: 127.0.0.1. */
    public String host() {
        return "127.0.0.1";
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** The round trip the link adds: twice the one-way delay. */
    public Duration roundTrip() {
        return Duration.ofNanos(2 * delayNanos);
    }

    /** What each direction carries at most, in bytes per second. */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /**
     * What the link has carried towards the clients so far, over every connection: take it before and after a
     * transfer, and {@link Carried#minus} tells how long the link was busy during it (the rest it stood idle: set-up
     * round trips, gaps between ranges, a sender that could not keep it full).
     */
    public Carried carriedDown() {
        return down.carried();
    }

    /** Bytes a direction of the link carried, and how long it was busy sending them. */
    public record Carried(long bytes, Duration busy) {
        /** What was carried since {@code before}. */
        public Carried minus(Carried before) {
            return new Carried(bytes - before.bytes, busy.minus(before.busy));
        }
    }

    /** How many bytes one direction of one connection may hold before the proxy stops reading from its sender. */
    public long queueBytes() {
        return Math.max(MIN_QUEUE, 2 * bytesPerSecond * delayNanos / 1_000_000_000L);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 10_000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                for (Socket s : List.of(client, upstream)) {
                    s.setTcpNoDelay(true);
                    sockets.add(s);
                }
                String name = "shaped-link-" + client.getPort();
                AtomicInteger open = new AtomicInteger(2);
                new Direction(client, upstream, up, open, name + "-up").start();
                new Direction(upstream, client, down, open, name + "-down").start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Link on port {} stopped accepting: {}", port(), e.toString());
                }
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        quietly(server);
        sockets.forEach(ShapedLink::quietly);
    }

    /** The sending side of one direction of the link, shared by its connections: one chunk on the wire at a time. */
    private final class Transmitter {
        private long freeAt;
        private long carriedBytes;
        private long busyNanos;

        /** Books the transmitter for {@code bytes} that arrived at {@code arrival}; returns when they are delivered. */
        synchronized long deliveryTime(long arrival, int bytes) {
            long start = Math.max(arrival, freeAt);
            long sending = bytes * 1_000_000_000L / bytesPerSecond;
            freeAt = start + sending;
            carriedBytes += bytes;
            busyNanos += sending;
            return freeAt + delayNanos;
        }

        synchronized Carried carried() {
            return new Carried(carriedBytes, Duration.ofNanos(busyNanos));
        }
    }

    /** One direction of one connection: a reader that stamps chunks, and a writer that delivers them on time. */
    private final class Direction {
        private final Socket from;
        private final Socket to;
        private final Transmitter transmitter;
        /** Directions of the connection still carrying bytes; the last to end closes both sockets. */
        private final AtomicInteger open;
        private final String name;
        private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        private long queued;
        private boolean ended;

        Direction(Socket from, Socket to, Transmitter transmitter, AtomicInteger open, String name) {
            this.from = from;
            this.to = to;
            this.transmitter = transmitter;
            this.open = open;
            this.name = name;
        }

        void start() {
            daemon(this::read, name + "-read");
            daemon(this::write, name + "-write");
        }

        private void read() {
            try {
                // Not closed here: closing a socket's stream closes the socket, and the other direction still runs.
                InputStream in = from.getInputStream();
                while (true) {
                    byte[] buffer = new byte[CHUNK];
                    int n = in.read(buffer);
                    if (n == -1) {
                        break;
                    }
                    long arrival = System.nanoTime();
                    offer(new Chunk(buffer, n, transmitter.deliveryTime(arrival, n)));
                }
            } catch (IOException | InterruptedException e) {
                // closed: the other direction or close() ends the connection
            }
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }

        private synchronized void offer(Chunk chunk) throws InterruptedException {
            while (queued >= queueBytes() && !closed) {
                wait(100);
            }
            queue.add(chunk);
            queued += chunk.length;
            notifyAll();
        }

        private synchronized Chunk take() throws InterruptedException {
            while (queue.isEmpty() && !ended && !closed) {
                wait(100);
            }
            Chunk chunk = queue.poll();
            if (chunk != null) {
                queued -= chunk.length;
                notifyAll();
            }
            return chunk;
        }

        private void write() {
            try {
                OutputStream out = to.getOutputStream();
                Chunk chunk;
                while ((chunk = take()) != null) {
                    long wait;
                    while ((wait = chunk.deliverAt - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(chunk.bytes, 0, chunk.length);
                }
                // The sender closed its side: pass the half-close on, after the bytes before it.
                to.shutdownOutput();
                if (open.decrementAndGet() == 0) {
                    closeConnection();
                }
            } catch (IOException | InterruptedException e) {
                closeConnection();
            }
        }

        private void closeConnection() {
            quietly(from);
            quietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private record Chunk(byte[] bytes, int length, long deliverAt) {
    }

    private static void quietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a socket that is already gone
        }
    }

    private static void daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }
}
