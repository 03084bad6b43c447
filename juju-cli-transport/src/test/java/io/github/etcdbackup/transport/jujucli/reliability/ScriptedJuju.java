package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.jujucli.RecordedCalls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fake {@code juju} for the reliability suite, safe to call from many threads at once: every call records its argv
 * in its own file and its pid (and the pid of any child it starts) in {@code pids/}, so that a test can prove that
 * nothing outlived the call. Answers are chosen per sub-command and per unit:
 * <ul>
 *   <li>{@code out.CMD.UNIT} / {@code out.CMD}, {@code err.CMD}, {@code exit.CMD}: stdout, stderr, exit code;</li>
 *   <li>{@code ssh}: streams {@code files/UNIT} ({@code cat} or {@code tail -c +N}); a {@code cut.UNIT} file makes the
 *       next {@code cat} stop after that many bytes with exit 1 (once);</li>
 *   <li>{@code hang.CMD}: print the answer, then wait on a child {@code sleep} until killed;</li>
 *   <li>{@code orphan.CMD}: print the answer, leave a background {@code sleep} holding stdout and stderr, exit 0 a
 *       moment later;</li>
 *   <li>{@code setsid-orphan.CMD}: the same, with the {@code sleep} in a session of its own ({@code setsid}), out of
 *       reach of a kill of {@code juju}'s tree or session, as a daemonising helper would be;</li>
 *   <li>{@code flood.CMD} ({@code FD BYTES}): print {@code BYTES} bytes of garbage on stdout (1) or stderr (2), or
 *       without end if {@code BYTES} is 0.</li>
 * </ul>
 * {@code UNIT} is the first unit-like argument with {@code /} replaced by {@code _} (e.g. {@code etcd_3}).
 */
final class ScriptedJuju {
    private static final String SCRIPT = """
            #!/bin/bash
            dir="$(cd "$(dirname "$0")" && pwd)"
            printf '%s\\0' "$@" > "$dir/calls/$(date +%s%N).$$"
            : > "$dir/pids/$$"
            cmd="$1"
            unit=""
            for a in "$@"; do
              if [[ "$a" =~ ^[a-z][a-z0-9-]*/([0-9]+|leader)$ ]]; then unit="${a//\\//_}"; break; fi
            done
            # Real juju lives for round trips to its controller. A fake that exits within a millisecond of its
            # start can beat the JVM to its own pipes: the JDK then drains and closes stdout and stderr at the exit
            # (before any reader thread is in read), so the orphan's pipes look ended, and the process tree has
            # not read their identities yet. That race is the JDK's, not the scenario's: give the start a moment.
            settle() { sleep 0.3; }
            answer() {
              if [ -f "$dir/out.$cmd.$unit" ]; then cat "$dir/out.$cmd.$unit"; elif [ -f "$dir/out.$cmd" ]; then cat "$dir/out.$cmd"; fi
              [ -f "$dir/err.$cmd" ] && cat "$dir/err.$cmd" >&2
            }
            if [ -f "$dir/hang.$cmd" ]; then
              answer
              sleep 1000 &
              : > "$dir/pids/$!"
              wait
              exit 0
            fi
            if [ -f "$dir/orphan.$cmd" ]; then
              answer
              sleep 1000 &
              : > "$dir/pids/$!"
              settle
              exit 0
            fi
            if [ -f "$dir/setsid-orphan.$cmd" ]; then
              answer
              setsid sleep 1000 &
              : > "$dir/pids/$!"
              settle
              exit 0
            fi
            if [ -f "$dir/flood.$cmd" ]; then
              read -r fd n < "$dir/flood.$cmd"
              if [ "$n" = 0 ]; then yes 'garbage, not yaml: {[' >&"$fd"; else yes 'garbage, not yaml: {[' | head -c "$n" >&"$fd"; fi
              exit 0
            fi
            if [ "$cmd" = "version" ]; then cat "$dir/version"; exit 0; fi
            if [ "$cmd" = "ssh" ]; then
              f="$dir/files/$unit"
              off=""; prev=""
              for a in "$@"; do [ "$prev" = "-c" ] && off="${a#+}"; prev="$a"; done
              if [ -n "$off" ]; then tail -c "+$off" "$f"; exit $?; fi
              if [ -f "$dir/cut.$unit" ]; then
                n=$(cat "$dir/cut.$unit"); rm -f "$dir/cut.$unit"
                head -c "$n" "$f"; echo "Connection to 10.0.0.1 closed by remote host." >&2; exit 255
              fi
              cat "$f"; exit $?
            fi
            answer
            exit "$(cat "$dir/exit.$cmd" 2>/dev/null || echo 0)"
            """;

    private final Path dir;
    private final Path executable;

    ScriptedJuju(Path dir) {
        this.dir = dir;
        this.executable = dir.resolve("juju");
        try {
            Files.createDirectories(dir.resolve("calls"));
            Files.createDirectories(dir.resolve("pids"));
            Files.createDirectories(dir.resolve("files"));
            Files.writeString(executable, SCRIPT);
            Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write("version", Fixtures.bytes("version-3.x.txt"));
    }

    ScriptedJuju juju29() {
        return write("version", Fixtures.bytes("version-2.9.txt"));
    }

    ScriptedJuju answer(String command, String stdout) {
        return write("out." + command, stdout.getBytes(StandardCharsets.UTF_8));
    }

    ScriptedJuju answer(String command, byte[] stdout) {
        return write("out." + command, stdout);
    }

    ScriptedJuju answer(String command, String unit, String stdout) {
        return write("out." + command + "." + key(unit), stdout.getBytes(StandardCharsets.UTF_8));
    }

    ScriptedJuju stderr(String command, String stderr) {
        return write("err." + command, stderr.getBytes(StandardCharsets.UTF_8));
    }

    ScriptedJuju exit(String command, int code) {
        return write("exit." + command, Integer.toString(code).getBytes(StandardCharsets.UTF_8));
    }

    ScriptedJuju file(String unit, byte[] content) {
        return write("files/" + key(unit), content);
    }

    /** The next {@code cat} of the unit's file stops after {@code bytes} bytes, as a dropped SSH connection. */
    ScriptedJuju cutOnce(String unit, long bytes) {
        return write("cut." + key(unit), Long.toString(bytes).getBytes(StandardCharsets.UTF_8));
    }

    ScriptedJuju hang(String command) {
        return write("hang." + command, new byte[0]);
    }

    ScriptedJuju orphan(String command) {
        return write("orphan." + command, new byte[0]);
    }

    /** As {@link #orphan}, with the child in a session of its own. */
    ScriptedJuju orphanInOwnSession(String command) {
        return write("setsid-orphan." + command, new byte[0]);
    }

    /** {@code command} prints {@code bytes} of garbage (without end if 0) on stdout ({@code fd} 1) or stderr (2). */
    ScriptedJuju flood(String command, int fd, long bytes) {
        return write("flood." + command, (fd + " " + bytes + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String key(String unit) {
        return unit.replace('/', '_');
    }

    private ScriptedJuju write(String name, byte[] content) {
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

    /** A transport that reads files in ranges, through {@code juju ssh} sessions. */
    JujuCliTransport rangedTransport() {
        return JujuCliTransport.builder().executable(executable).fileTransfer(FileTransfer.SSH_CAT)
                .parallelReads(4, 4096).build();
    }

    /** Every call's argv, in no particular order, {@code juju version} included. */
    List<List<String>> calls() {
        return RecordedCalls.read(dir.resolve("calls"));
    }

    /** Every pid this fake and its children ever had. */
    List<Long> pids() {
        try (Stream<Path> files = Files.list(dir.resolve("pids"))) {
            return files.map(f -> Long.parseLong(f.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
