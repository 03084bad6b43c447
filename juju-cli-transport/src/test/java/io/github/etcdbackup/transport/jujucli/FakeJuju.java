package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replaying fake {@code juju}: a bash script in a temp directory that records the argv of every call (NUL
 * separated, so any byte but NUL survives) and answers {@code juju version} with a chosen version and every other
 * command with a chosen stdout, stderr and exit code (per sub-command if wanted). Its {@code scp} can write a file
 * into the destination (its last argument) as scp's sink does. It can also hang, with a child process, to test
 * deadlines.
 */
final class FakeJuju {
    private static final String SCRIPT = """
            #!/bin/bash
            dir="$(cd "$(dirname "$0")" && pwd)"
            n=$(ls "$dir"/calls | wc -l)
            for a in "$@"; do printf '%s\\0' "$a"; done > "$dir/calls/$(printf '%04d' "$n")"
            printf '%s' "${JUJU_DATA-unset}" > "$dir/juju-data"
            if [ "$1" = "version" ]; then cat "$dir/version"; exit 0; fi
            pick() { if [ -f "$dir/$1.$cmd" ]; then cat "$dir/$1.$cmd"; elif [ -f "$dir/$1" ]; then cat "$dir/$1"; fi; }
            cmd="$1"
            pick stdout
            pick stderr >&2
            if [ "$cmd" = "scp" ] && [ -f "$dir/scp-file" ]; then
              for dest in "$@"; do :; done
              if [ -f "$dir/scp-holds" ]; then exec 4> "$dest"; cat "$dir/scp-file" >&4; else cat "$dir/scp-file" > "$dest"; fi
            fi
            if [ -f "$dir/hang" ]; then
              # Written then renamed: a test polling for the file must never read it empty.
              echo $$ > "$dir/parent.pid.tmp" && mv "$dir/parent.pid.tmp" "$dir/parent.pid"
              sleep 1000 &
              echo $! > "$dir/child.pid.tmp" && mv "$dir/child.pid.tmp" "$dir/child.pid"
              wait
            fi
            exit "$(pick exitcode)"
            """;

    private final Path dir;
    private final Path executable;

    FakeJuju(Path dir) {
        this.dir = dir;
        this.executable = dir.resolve("juju");
        try {
            Files.createDirectories(dir.resolve("calls"));
            Files.writeString(executable, SCRIPT);
            Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        jujuVersion("3.x");
        answer("", "", 0);
    }

    /** Plays Juju {@code 2.9} or {@code 3.x} (the version fixtures). */
    FakeJuju jujuVersion(String dialect) {
        return write("version", Fixtures.bytes("version-" + dialect + ".txt"));
    }

    FakeJuju answer(String stdout, String stderr, int exitCode) {
        return answer(stdout.getBytes(StandardCharsets.UTF_8), stderr, exitCode);
    }

    FakeJuju answer(byte[] stdout, String stderr, int exitCode) {
        write("stdout", stdout);
        write("stderr", stderr.getBytes(StandardCharsets.UTF_8));
        return write("exitcode", Integer.toString(exitCode).getBytes(StandardCharsets.UTF_8));
    }

    /** Answers the sub-command {@code command} (e.g. {@code ssh}) with this stdout instead of the general one. */
    FakeJuju answerFor(String command, byte[] stdout) {
        return write("stdout." + command, stdout);
    }

    /** Answers the sub-command {@code command} with this stdout, stderr and exit code instead of the general ones. */
    FakeJuju answerFor(String command, String stdout, String stderr, int exitCode) {
        answerFor(command, stdout.getBytes(StandardCharsets.UTF_8));
        write("stderr." + command, stderr.getBytes(StandardCharsets.UTF_8));
        return write("exitcode." + command, Integer.toString(exitCode).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Plays Juju 2.9's queue-then-wait for a {@code run-action --wait} fixture ({@code unit-etcd-0:} wrapping one
     * task): {@code run-action} prints {@code Action queued with id: "ID"}, {@code show-action-output} the task map
     * itself, with the fixture's stderr and exit code (the fixture's own bytes, one level of indentation less).
     */
    FakeJuju answer29(String wrappedTask, String stderr, int exitCode) {
        String newline = wrappedTask.contains("\r\n") ? "\r\n" : "\n";
        String[] lines = wrappedTask.split("\r?\n", -1);
        if (!lines[0].matches("unit-[a-z0-9-]+-[0-9]+:")) {
            throw new IllegalArgumentException("not one wrapped 2.9 task: " + lines[0]);
        }
        StringBuilder task = new StringBuilder();
        String id = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].startsWith("  ") ? lines[i].substring(2) : lines[i];
            if (line.startsWith("id: ")) {
                id = line.substring(4).replace("\"", "");
            }
            task.append(line).append(i < lines.length - 1 ? newline : "");
        }
        answerFor("run-action", "Action queued with id: \"" + id + "\"" + newline, "", 0);
        return answerFor("show-action-output", task.toString(), stderr, exitCode);
    }

    /** {@code juju scp} writes this into its destination (opened as scp's sink does: no replace, a FIFO stays one). */
    FakeJuju scpWrites(byte[] content) {
        return write("scp-file", content);
    }

    /** As {@link #scpWrites}, but keeps the destination open afterwards, for as long as the call lives. */
    FakeJuju scpWritesAndHolds(byte[] content) {
        write("scp-holds", new byte[0]);
        return scpWrites(content);
    }

    /** The {@code JUJU_DATA} the last call saw, {@code unset} if none. */
    String lastJujuData() {
        try {
            return Files.readString(dir.resolve("juju-data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** After printing its answer, sleeps (in a child process) until killed. */
    FakeJuju hang() {
        return write("hang", new byte[0]);
    }

    private FakeJuju write(String name, byte[] content) {
        try {
            Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Path executable() {
        return executable;
    }

    JujuCliTransport transport() {
        return JujuCliTransport.builder().executable(executable).build();
    }

    /** Every call's argv, in order, {@code juju version} included. */
    List<List<String>> calls() {
        return RecordedCalls.read(dir.resolve("calls"));
    }

    /** The calls other than {@code juju version}. */
    List<List<String>> commands() {
        return calls().stream().filter(argv -> !argv.equals(List.of("version"))).toList();
    }

    /** The only command other than {@code juju version}. */
    List<String> command() {
        List<List<String>> commands = commands();
        if (commands.size() != 1) {
            throw new AssertionError("expected one juju command, got " + commands);
        }
        return commands.get(0);
    }

    /** Waits (up to 5 s) until the hanging fake wrote the pid of {@code which}: {@code parent} or {@code child}. */
    void awaitPid(String which) throws InterruptedException {
        for (int i = 0; i < 200 && pid(which).isEmpty(); i++) {
            Thread.sleep(25);
        }
        assertThat(pid(which)).isPresent();
    }

    /** The fake's process {@code which} ({@code parent} or {@code child}) is gone; reaping may take a moment. */
    void assertGone(String which) throws InterruptedException {
        OptionalLong pid = pid(which);
        assertThat(pid).isPresent();
        for (int i = 0; i < 100; i++) {
            if (ProcessHandle.of(pid.getAsLong()).map(p -> !p.isAlive()).orElse(true)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("process " + pid.getAsLong() + " is still alive");
    }

    OptionalLong pid(String which) {
        Path file = dir.resolve(which + ".pid");
        try {
            return Files.exists(file) ? OptionalLong.of(Long.parseLong(Files.readString(file).strip()))
                    : OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
