package io.github.etcdbackup.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command "on a unit" for {@code juju ssh} and {@code juju exec}: the words are joined with spaces and run
 * by bash, as sshd hands them to the login shell, after the unit's view of the machine has been mapped onto the
 * host: absolute paths under {@code /var}, {@code /home}, {@code /root}, {@code /tmp}, {@code /mnt}... go under the
 * unit's root dir, {@code /snap/bin/etcd.etcdctl} is the host's etcdctl, {@code https://127.0.0.1:2379} is the
 * unit's client port on 127.0.0.1, and {@code sudo} is dropped (the simulator runs as the test user; CI runs as root).
 * So {@code sudo cat /var/snap/etcd/common/ca.crt} and {@code tail -c +N /home/ubuntu/...} behave as on a unit.
 * A unit whose sudo wants a password keeps the word and gets a {@code sudo} shell function that refuses as the real
 * one does without a terminal.
 */
final class UnitShell {
    private static final Pattern SUDO = Pattern.compile("(^|[;&|(]\\s*)sudo(\\s+-[A-Za-z]+)*\\s+");
    private static final Pattern UNIT_PATH = Pattern.compile(
            "(?<![^\\s'\"=<>|;&(:])(/(?:var|home|root|tmp|mnt|media|srv|opt)(?=/|\\s|$|['\";|&<>)])[^\\s'\";|&<>()]*)");
    private static final Pattern ETCDCTL = Pattern.compile("/snap/bin/(?:etcd\\.)?etcdctl\\b");
    /** The snap's own etcd binary, which the charm's v2 restore (and the v2 key replay) start by this path. */
    private static final Pattern ETCD = Pattern.compile("/snap/etcd/current/bin/etcd\\b");
    private static final Pattern CHARM_ENDPOINT = Pattern.compile("https://127\\.0\\.0\\.1:2379\\b");
    /** sudo 1.9's words when it needs a password and has no terminal (with {@code -n}, only the second line). */
    private static final String SUDO_REFUSES = "sudo() {\n"
            + "  if [ \"$1\" != -n ]; then echo 'sudo: a terminal is required to read the password; either use the -S"
            + " option to read from standard input or configure an askpass helper' >&2; fi\n"
            + "  echo 'sudo: a password is required' >&2\n"
            + "  return 1\n"
            + "}\n";

    private UnitShell() {
    }

    /** The shell command with the unit's paths and endpoints mapped onto the host. */
    static String translate(EtcdUnit unit, String command, boolean sudoRefuses) {
        String translated = sudoRefuses ? SUDO_REFUSES + command : SUDO.matcher(command).replaceAll("$1");
        translated = ETCDCTL.matcher(translated).replaceAll(EtcdUnit.ETCDCTL.toString());
        translated = ETCD.matcher(translated).replaceAll(EtcdUnit.ETCD.toString());
        // The unit's own 127.0.0.1, whatever address it advertises: a certificate without 127.0.0.1 fails there.
        translated = CHARM_ENDPOINT.matcher(translated).replaceAll(unit.loopbackClientUrl());
        Matcher paths = UNIT_PATH.matcher(translated);
        StringBuilder out = new StringBuilder();
        while (paths.find()) {
            paths.appendReplacement(out, Matcher.quoteReplacement(unit.root() + paths.group(1)));
        }
        paths.appendTail(out);
        return out.toString();
    }

    /**
     * Runs the command, streaming stdout to {@code stdout} as it comes, and returns the exit status, with stderr
     * (unit paths restored) appended to {@code stderr}. A {@link FaultyStream.ConnectionCut} kills the command
     * and ends like a dropped ssh connection: status 255.
     *
     * @param sudoRefuses whether {@code sudo} asks for a password (the command runs as {@code ubuntu} without
     *                    passwordless sudo)
     * @param sshRoute    the {@code ssh} command line to run it through ({@link JujuSimulator#sshThrough}), or empty
     *                    to run it right here
     * @param stdio       the client's stdin and stderr, live ({@code juju ssh}); empty: the command reads no input
     *                    and its stderr is appended to {@code stderr}
     */
    static int run(EtcdUnit unit, String command, OutputStream stdout, StringBuilder stderr, boolean sudoRefuses,
                   Optional<List<String>> sshRoute, Optional<SshStdio> stdio) {
        try {
            Path home = unitHome(unit);
            List<String> argv = sshRoute.isPresent() ? sshCommand(unit, home, command, sudoRefuses, sshRoute.get())
                    : List.of("bash", "-c", translate(unit, command, sudoRefuses));
            ProcessBuilder builder = new ProcessBuilder(argv).directory(home.toFile())
                    .redirectInput(stdio.isPresent() ? ProcessBuilder.Redirect.PIPE
                            : ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().put("HOME", home.toString());
            Process process = builder.start();
            stdio.ifPresent(live -> live.attach(process.getOutputStream()));
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            Thread errorPump = new Thread(() -> pump(process.getErrorStream(), stdio.isPresent()
                    ? new LiveStderr(stdio.get(), unit.root().toString()) : errors), "unit-shell-stderr");
            errorPump.setDaemon(true);
            errorPump.start();
            try (InputStream in = process.getInputStream()) {
                Relay.copy(in, stdout);
                stdout.flush();
            } catch (IOException cutOrClientGone) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                if (cutOrClientGone instanceof FaultyStream.ConnectionCut) {
                    stderr.append("Connection to 127.0.0.1 closed by remote host.\n");
                    return 255;
                }
                throw new UncheckedIOException(cutOrClientGone);
            }
            int code = process.waitFor();
            errorPump.join(5000);
            stderr.append(errors.toString(StandardCharsets.UTF_8).replace(unit.root().toString(), ""));
            return code;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /**
     * The {@code ssh} command line ({@code sshRoute} and the remote words) that runs {@code command} on the unit
     * through a real sshd. OpenSSH runs the remote words through the login shell, as on a unit: cd and HOME are set
     * there, and the unit's root is taken out of what the command prints on stderr (sed, on the unit's side), so
     * that errors name unit paths whether the output passes the simulator or goes straight to the caller.
     */
    static List<String> sshCommand(EtcdUnit unit, String command, boolean sudoRefuses, List<String> sshRoute) {
        return sshCommand(unit, unitHome(unit), command, sudoRefuses, sshRoute);
    }

    private static List<String> sshCommand(EtcdUnit unit, Path unitHome, String command, boolean sudoRefuses,
                                           List<String> sshRoute) {
        String home = unitHome.toString();
        String unmapPaths = "exec 2> >(exec sed -u -e \"$1\" >&2); exec bash -c \"$2\"";
        List<String> argv = new ArrayList<>(sshRoute);
        argv.add("cd " + quote(home) + " && HOME=" + quote(home) + " exec bash -c " + quote(unmapPaths)
                + " unit-shell " + quote("s|" + sedLiteral(unit.root().toString()) + "||g") + " "
                + quote(translate(unit, command, sudoRefuses)));
        return argv;
    }

    /** The unit's home, with the temp directories a unit has, created if need be. */
    private static Path unitHome(EtcdUnit unit) {
        try {
            Files.createDirectories(unit.root().resolve("tmp"));
            Files.createDirectories(unit.root().resolve("var/tmp"));
            return Files.createDirectories(unit.root().resolve("home/ubuntu"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code text} as a sed basic regular expression matching it literally, with {@code |} as the delimiter. */
    private static String sedLiteral(String text) {
        return text.replaceAll("([\\\\.\\[\\]*^$|])", "\\\\$1");
    }

    /** One shell word, single-quoted. */
    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** A command's stderr on its way to the client as it comes, line by line, with the unit's root taken out. */
    private static final class LiveStderr extends OutputStream {
        private final SshStdio stdio;
        private final String root;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LiveStderr(SshStdio stdio, String root) {
            this.stdio = stdio;
            this.root = root;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }

        @Override
        public void flush() {
            byte[] text = line.toString(StandardCharsets.UTF_8).replace(root, "").getBytes(StandardCharsets.UTF_8);
            line.reset();
            stdio.err(text, 0, text.length);
        }

        @Override
        public void close() {
            if (line.size() > 0) {
                flush();
            }
        }
    }

    private static void pump(InputStream in, OutputStream out) {
        try (in; out) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the command was killed
        }
    }
}
