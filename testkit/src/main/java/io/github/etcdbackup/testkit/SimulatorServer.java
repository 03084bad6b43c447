package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The loopback server behind the generated {@code juju} script. The client sends
 * {@code JUJUSIM1 \0 cwd \0 JUJU_MODEL \0 argc \0 args... \0} and the server answers with a mode:
 * <ul>
 *   <li>{@code inline} (most commands): when the command has finished, {@code stdoutFile \0 stderr \0 exitCode \0}
 *       and, once the client has read the file and sent one byte, the file is deleted. The client does all of it
 *       with bash builtins, so a call costs one bash process and no {@code cat} (starting processes is what makes
 *       a call slow), and stdout comes from a regular file because bash reads a socket one byte per syscall;</li>
 *   <li>{@code prompt}: as inline, but first the client sends one line of its stdin ({@code L<line>\n}, or
 *       {@code E\n} at end of input) for the command's question;</li>
 *   <li>{@code stream} ({@code exec}, 2.9's {@code run}: raw bytes, possibly large): {@code id \0}, then stdout raw
 *       until the connection closes; the client then connects again with {@code JUJUSIM1-RESULT \0 id \0} and
 *       reads {@code exitCode \0 stderr \0}. Bash cannot relay a raw stream itself, so this mode uses {@code cat};</li>
 *   <li>{@code streamio} ({@code ssh}): as stream, and the client also opens {@code JUJUSIM1-STDIN \0 id \0}, then
 *       its stdin raw until its end (the connection's end), and {@code JUJUSIM1-STDERR \0 id \0}, on which the
 *       command's stderr comes as it is printed until the call is over ({@link SshStdio}); the result then holds
 *       only what the simulator itself adds (a cut's message);</li>
 *   <li>{@code copy} ({@code scp} from a unit): as stream, but after the id comes {@code destination \0} (empty when
 *       nothing is to be written) and the raw bytes go into that local file, written by the client's {@code cat}:
 *       like scp's sink, the writer is a process of the {@code juju} call, so killing the call's session stops
 *       it, and it opens an existing destination (a FIFO included) without replacing it.</li>
 *   <li>{@code exec} ({@code juju ssh} through a real sshd, no stream fault armed): when the command has been
 *       handled, {@code argc \0 args... \0}; with arguments the client replaces itself with that command
 *       ({@code exec ssh ...}), so the bytes go from ssh to the caller as with Juju's own {@code juju ssh}; with none
 *       it reads {@code stderr \0 exitCode \0}, prints and exits.</li>
 * </ul>
 */
final class SimulatorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatorServer.class);
    private static final String MAGIC = "JUJUSIM1";
    private static final String RESULT_MAGIC = "JUJUSIM1-RESULT";
    private static final String STDIN_MAGIC = "JUJUSIM1-STDIN";
    private static final String STDERR_MAGIC = "JUJUSIM1-STDERR";

    private final ServerSocket socket;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "juju-simulator-call");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Result> results = new ConcurrentHashMap<>();
    /** The live stdin and stderr of streamed {@code ssh} calls still running, by call id. */
    private final Map<String, SshStdio> stdios = new ConcurrentHashMap<>();
    private final AtomicLong callIds = new AtomicLong();
    private final Consumer<Call> handler;
    private final Function<List<String>, Mode> modes;
    private final Path callDir;

    /** How a call's output reaches the client; see the class comment. */
    enum Mode {
        INLINE, PROMPT, STREAM, COPY, EXEC
    }

    private record Result(int exitCode, String stderr) {
    }

    SimulatorServer(Path callDir, Consumer<Call> handler, Function<List<String>, Mode> modes) {
        this.callDir = callDir;
        try {
            Files.createDirectories(callDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.handler = handler;
        this.modes = modes;
        try {
            socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "juju-simulator-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.execute(() -> serve(client));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("accept failed", e);
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream());
            String magic = readField(in);
            if (RESULT_MAGIC.equals(magic)) {
                sendResult(readField(in), client.getOutputStream());
            } else if (STDIN_MAGIC.equals(magic) || STDERR_MAGIC.equals(magic)) {
                SshStdio stdio = stdios.get(readField(in));
                if (stdio != null && STDIN_MAGIC.equals(magic)) {
                    stdio.stdinConnected(in);
                } else if (stdio != null) {
                    stdio.stderrConnected(client.getOutputStream());
                }
            } else if (MAGIC.equals(magic)) {
                runCall(in, client.getOutputStream());
            }
        } catch (IOException e) {
            LOG.debug("client connection ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runCall(InputStream in, OutputStream rawOut) throws IOException {
        Path cwd = Path.of(readField(in));
        String model = readField(in);
        int argc = Integer.parseInt(readField(in));
        List<String> argv = new ArrayList<>();
        for (int i = 0; i < argc; i++) {
            argv.add(readField(in));
        }
        OutputStream out = new BufferedOutputStream(rawOut, 64 * 1024);
        Mode mode = modes.apply(argv);
        if (mode == Mode.STREAM || mode == Mode.COPY) {
            stream(argv, cwd, model, in, out, mode == Mode.COPY);
            return;
        }
        if (mode == Mode.EXEC) {
            exec(argv, cwd, model, in, out);
            return;
        }
        out.write(((mode == Mode.PROMPT ? "prompt" : "inline") + "\0").getBytes(StandardCharsets.UTF_8));
        out.flush();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Call call = new Call(argv, cwd, model, stdout, () -> readStdinLine(in), mode);
        execute(call);
        Path stdoutFile = null;
        if (stdout.size() > 0) {
            stdoutFile = Files.createTempFile(callDir, "stdout-", "");
            Files.write(stdoutFile, stdout.toByteArray());
        }
        out.write(((stdoutFile == null ? "" : stdoutFile.toString()) + "\0" + call.stderr() + "\0"
                + call.exitCode() + "\0").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (stdoutFile != null) {
            try {
                in.read(); // the client has read the file (or gone away)
            } finally {
                Files.deleteIfExists(stdoutFile);
            }
        }
    }

    private void stream(List<String> argv, Path cwd, String model, InputStream in, OutputStream out, boolean copy)
            throws IOException {
        String id = String.valueOf(callIds.incrementAndGet());
        // ssh passes the client's stdin and the command's stderr live (SshStdio), on a second connection.
        SshStdio stdio = !copy && argv.get(0).equals("ssh") ? new SshStdio() : null;
        if (stdio != null) {
            stdios.put(id, stdio);
            stdio.watchClient(in);
        }
        try {
            out.write(((copy ? "copy" : stdio != null ? "streamio" : "stream") + "\0" + id + "\0")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            Call call = new Call(argv, cwd, model, out, () -> readStdinLine(in), copy ? Mode.COPY : Mode.STREAM,
                    stdio);
            execute(call);
            if (stdio != null) {
                // Before the result, which the client asks for once stdout ended: its stderr connection ends first.
                stdios.remove(id);
                call.err(stdio.close());
            }
            if (copy && !call.copyStarted()) {
                try {
                    out.write(0); // no destination: the client writes nothing
                } catch (IOException clientGone) {
                    LOG.debug("client of call {} went away before its result", id);
                }
            }
            // The result must exist before stdout ends: the client asks for it as soon as it sees end-of-file.
            results.put(id, new Result(call.exitCode(), call.stderr()));
            try {
                out.flush();
            } catch (IOException clientGone) {
                LOG.debug("client of call {} went away before the end of stdout", id);
            }
        } finally {
            if (stdio != null) {
                stdios.remove(id);
                stdio.close();
            }
        }
    }

    private void exec(List<String> argv, Path cwd, String model, InputStream in, OutputStream out)
            throws IOException {
        out.write("exec\0".getBytes(StandardCharsets.UTF_8));
        out.flush();
        Call call = new Call(argv, cwd, model, OutputStream.nullOutputStream(), () -> readStdinLine(in), Mode.EXEC);
        execute(call);
        StringBuilder answer = new StringBuilder().append(call.execArgv().size()).append('\0');
        call.execArgv().forEach(word -> answer.append(word).append('\0'));
        if (call.execArgv().isEmpty()) {
            // Only a refusal ends here (unit not found, no command...): Juju prints it on stderr, nothing on stdout.
            answer.append(call.stderr()).append('\0').append(call.exitCode()).append('\0');
        }
        out.write(answer.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void execute(Call call) {
        try {
            handler.accept(call);
        } catch (UncheckedIOException clientGone) {
            LOG.debug("client of {} went away: {}", call.argv(), clientGone.toString());
        } catch (RuntimeException e) {
            LOG.warn("juju {} failed inside the simulator", call.argv(), e);
            call.error("juju simulator: " + e);
        }
    }

    private static String readStdinLine(InputStream in) {
        try {
            int kind = in.read();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return kind == 'L' ? line.toString(StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void sendResult(String id, OutputStream out) throws IOException {
        Result result = results.remove(id);
        if (result == null) {
            out.write(("1\0ERROR juju simulator: no result for call " + id + "\n\0").getBytes(StandardCharsets.UTF_8));
            return;
        }
        out.write((result.exitCode() + "\0" + result.stderr() + "\0").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readField(InputStream in) throws IOException {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != 0) {
            if (b < 0) {
                throw new IOException("connection closed in the middle of a request");
            }
            field.write(b);
        }
        return field.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing the simulator socket", e);
        }
        connections.shutdownNow();
        try {
            connections.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
