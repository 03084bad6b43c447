package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One {@code juju} invocation as the simulator sees it: the client's arguments, working directory and
 * {@code JUJU_MODEL}, a stdout that streams straight to the client, a stderr collected for the end, and the exit
 * code the client will exit with. A copy call ({@code scp} from a unit) instead hands the client one local file to
 * write the bytes into, see {@link #copyInto(Path)}. An exec call ({@code juju ssh} through a real sshd) may instead
 * hand the client a command line to replace itself with, see {@link #exec(List)}.
 */
final class Call {
    private final List<String> argv;
    private final Path workingDir;
    private final String modelFromEnv;
    private final OutputStream stdout;
    private final StringBuilder stderr = new StringBuilder();
    private final Supplier<String> stdinLine;
    private final SimulatorServer.Mode mode;
    private final SshStdio stdin;
    private boolean copyStarted;
    private List<String> execArgv = List.of();
    private int exitCode;

    Call(List<String> argv, Path workingDir, String modelFromEnv, OutputStream stdout, Supplier<String> stdinLine,
         SimulatorServer.Mode mode) {
        this(argv, workingDir, modelFromEnv, stdout, stdinLine, mode, null);
    }

    /** As the other constructor, with the client's raw stdin for a streamed command ({@link #stdin()}). */
    Call(List<String> argv, Path workingDir, String modelFromEnv, OutputStream stdout, Supplier<String> stdinLine,
         SimulatorServer.Mode mode, SshStdio stdin) {
        this.stdin = stdin;
        this.argv = List.copyOf(argv);
        this.workingDir = workingDir;
        this.modelFromEnv = modelFromEnv;
        this.stdout = stdout;
        this.stdinLine = stdinLine;
        this.mode = mode;
    }

    List<String> argv() {
        return argv;
    }

    /** Resolves a local path argument against the client's working directory. */
    Path local(String path) {
        return workingDir.resolve(path).normalize();
    }

    String modelFromEnv() {
        return modelFromEnv;
    }

    void out(String text) {
        out(text.getBytes(StandardCharsets.UTF_8));
    }

    void out(byte[] bytes) {
        try {
            stdout.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("client went away", e);
        }
    }

    OutputStream stdout() {
        return stdout;
    }

    /**
     * Tells the client to open {@code destination} (as scp's sink does: O_WRONLY|O_CREAT, so an existing FIFO stays
     * a FIFO) and returns the stream whose bytes it writes there. Until this is called the client opens nothing, as
     * scp opens nothing before the unit has sent the file's header.
     */
    OutputStream copyInto(Path destination) {
        if (mode != SimulatorServer.Mode.COPY || copyStarted) {
            throw new IllegalStateException("not a copy call, or its destination was already sent");
        }
        copyStarted = true;
        out((destination + "\0").getBytes(StandardCharsets.UTF_8));
        return stdout;
    }

    boolean copyStarted() {
        return copyStarted;
    }

    /** Whether the client may replace itself with a command line ({@link SimulatorServer.Mode#EXEC}). */
    boolean mayExec() {
        return mode == SimulatorServer.Mode.EXEC;
    }

    /**
     * Tells the client to replace itself with {@code command} ({@code exec}), whose stdout, stderr and exit status
     * then are the call's: nothing passes through the simulator.
     */
    void exec(List<String> command) {
        if (!mayExec() || command.isEmpty()) {
            throw new IllegalStateException("not an exec call, or no command");
        }
        execArgv = List.copyOf(command);
    }

    /** The command line the client replaces itself with; empty if it prints the stderr and exit status instead. */
    List<String> execArgv() {
        return execArgv;
    }

    void err(String text) {
        synchronized (stderr) {
            stderr.append(text);
        }
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Reads one line from the client's stdin (a prompt's answer); empty when stdin is at its end. */
    String readLine() {
        return stdinLine.get();
    }

    /** The client's raw stdin, for a streamed command to read; empty where the client sends none. */
    Optional<SshStdio> stdin() {
        return Optional.ofNullable(stdin);
    }

    void exit(int code) {
        this.exitCode = code;
    }

    int exitCode() {
        return exitCode;
    }

    /** Prints {@code ERROR message} and sets exit status 1, as Juju does for a failed command. */
    void error(String message) {
        err("ERROR " + message + "\n");
        exit(1);
    }
}
