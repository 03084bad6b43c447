package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real OpenSSH {@code sshd} on a free loopback port, owned by a test: its own directory, generated host keys
 * (ed25519 and RSA), a generated user key pair in {@code authorized_keys}, and a {@code known_hosts} file the
 * client can trust. It logs in as the current OS user and is stopped by pid in {@link #close()}.
 * <pre>{@code
 * try (LocalSshd sshd = LocalSshd.start(tempDir)) {
 *     // ssh -p sshd.port() -i sshd.userPrivateKey() -o UserKnownHostsFile=sshd.hostKnownHostsFile() ...
 * }
 * }</pre>
 */
public final class LocalSshd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSshd.class);
    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    /** sshd refuses to start without its privilege-separation directory. */
    private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
    private static final Duration START_DEADLINE = Duration.ofSeconds(15);

    /**
     * Legacy algorithms only: SHA-1 RSA host key signatures, SHA-1 key exchange, CBC ciphers and SHA-1 MACs.
     * A client with today's defaults must refuse such a server; one that accepts it is what a test catches.
     */
    private static final List<String> WEAK_ALGORITHMS = List.of(
            "HostKeyAlgorithms ssh-rsa",
            "KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1",
            "Ciphers aes128-cbc,3des-cbc",
            "MACs hmac-sha1",
            "PubkeyAcceptedAlgorithms ssh-ed25519,ssh-rsa");

    private final Path dir;
    private final int port;
    private final Path userPrivateKey;
    private final Process process;

    private LocalSshd(Path dir, int port, Path userPrivateKey, Process process) {
        this.dir = dir;
        this.port = port;
        this.userPrivateKey = userPrivateKey;
        this.process = process;
    }

    /** Starts an sshd with modern defaults in {@code dir}, which must be new or empty (created if missing). */
    public static LocalSshd start(Path dir) {
        return builder().start(dir);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for {@link #start(Path)}; each call of {@link #start(Path)} makes an independent server. */
    public static final class Builder {
        private boolean weakAlgorithmsOnly;
        private LocalSshd sharedUserKeyFrom;
        private final List<String> extraConfig = new ArrayList<>();

        private Builder() {
        }

        /** Offer only legacy algorithms (SHA-1 RSA host key, SHA-1 kex, CBC, hmac-sha1). */
        public Builder weakAlgorithmsOnly() {
            this.weakAlgorithmsOnly = true;
            return this;
        }

        /**
         * Accept the user key of another instance instead of generating one, so one key logs in to both
         * (a jump host and the host behind it).
         */
        public Builder userKeyFrom(LocalSshd other) {
            this.sharedUserKeyFrom = other;
            return this;
        }

        /**
         * Appends a raw {@code sshd_config} line, e.g. {@code MaxSessions 2}. sshd keeps the first value of most
         * keywords, so a line that repeats a default (such as {@code SetEnv}, which holds {@code SHLVL=1}) is
         * ignored.
         */
        public Builder config(String line) {
            extraConfig.add(line);
            return this;
        }

        public LocalSshd start(Path dir) {
            return LocalSshd.launch(dir.toAbsolutePath(), this);
        }
    }

    private static LocalSshd launch(Path dir, Builder options) {
        try {
            Files.createDirectories(dir);
            ensurePrivsepDir();
            keygen("-t", "ed25519", "-N", "", "-C", "testkit-host", "-f", dir.resolve("ssh_host_ed25519_key"));
            keygen("-t", "rsa", "-b", "3072", "-N", "", "-C", "testkit-host", "-f", dir.resolve("ssh_host_rsa_key"));
            Path userKey;
            if (options.sharedUserKeyFrom != null) {
                userKey = options.sharedUserKeyFrom.userPrivateKey();
            } else {
                userKey = dir.resolve("id_ed25519");
                keygen("-t", "ed25519", "-N", "", "-C", "testkit-user", "-f", userKey);
            }
            Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
            int port = FreePorts.next();
            Files.writeString(dir.resolve("sshd_config"), config(dir, port, options));
            Files.writeString(dir.resolve("known_hosts"), knownHostsLines(dir, port, options.weakAlgorithmsOnly));

            Process process = ProcessReaper.track(new ProcessBuilder(
                    SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start());
            LocalSshd sshd = new LocalSshd(dir, port, userKey, process);
            try {
                sshd.awaitBanner();
            } catch (RuntimeException e) {
                sshd.close();
                throw e;
            }
            LOG.debug("sshd listening on 127.0.0.1:{} (pid {}, dir {})", port, process.pid(), dir);
            return sshd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String config(Path dir, int port, Builder options) {
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("ssh_host_ed25519_key"),
                "HostKey " + dir.resolve("ssh_host_rsa_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                // the temp dir's owner and modes are not what sshd insists on for a home directory
                "StrictModes no",
                "UsePAM no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "Subsystem sftp internal-sftp",
                // bash, started by sshd for every exec, sources ~/.bashrc when it sees SSH_CLIENT and a shell level
                // below 2. On machines whose .bashrc runs `pyenv init` that costs 0.6 to 3 s per remote command
                // (`bash -c true`: 1.18 s, with SHLVL=1 0.014 s); a unit reached by Juju has no such rc file.
                "SetEnv SHLVL=1",
                "LogLevel VERBOSE"));
        if (options.weakAlgorithmsOnly) {
            lines.addAll(WEAK_ALGORITHMS);
        }
        lines.addAll(options.extraConfig);
        return String.join("\n", lines) + "\n";
    }

    private static String knownHostsLines(Path dir, int port, boolean rsaOnly) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String key : rsaOnly ? List.of("ssh_host_rsa_key") : List.of("ssh_host_ed25519_key", "ssh_host_rsa_key")) {
            String[] publicKey = Files.readString(dir.resolve(key + ".pub")).trim().split(" ");
            out.append("[127.0.0.1]:").append(port).append(' ').append(publicKey[0]).append(' ')
                    .append(publicKey[1]).append('\n');
        }
        return out.toString();
    }

    private static void ensurePrivsepDir() {
        try {
            Files.createDirectories(PRIVSEP_DIR);
        } catch (IOException e) {
            // Not root: sshd will say so in its log if it really needs the directory.
            LOG.warn("cannot create {}: {}", PRIVSEP_DIR, e.toString());
        }
    }

    private static void keygen(Object... args) {
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q"));
        for (Object arg : args) {
            command.add(arg.toString());
        }
        Commands.run(command).orThrow();
    }

    /** Waits until sshd answers with its protocol banner, failing early if the process dies. */
    private void awaitBanner() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("sshd exited with status " + process.exitValue() + ": " + logTail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                socket.setSoTimeout(2000);
                InputStream in = socket.getInputStream();
                byte[] banner = in.readNBytes(4);
                if (new String(banner, StandardCharsets.US_ASCII).equals("SSH-")) {
                    return;
                }
            } catch (IOException notYet) {
                EtcdUnit.sleep(50);
            }
        }
        throw new IllegalStateException("sshd did not answer within " + START_DEADLINE + ": " + logTail());
    }

    private String logTail() {
        try {
            return Files.readString(logFile());
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return "127.0.0.1";
    }

    /** The port sshd listens on. */
    public int port() {
        return port;
    }

    /** The login user: the OS user running the test (sshd can only switch to others as root). */
    public String user() {
        return System.getProperty("user.name");
    }

    /** The directory holding keys, config, pid file and log. */
    public Path dir() {
        return dir;
    }

    /** A {@code known_hosts} file with this server's host keys under {@code [127.0.0.1]:PORT}. */
    public Path hostKnownHostsFile() {
        return dir.resolve("known_hosts");
    }

    /**
     * A {@code known_hosts} file with this server's host keys under {@code [127.0.0.1]:PORT} for another port: the
     * one a client reaches this server through (a {@link ShapedLink}), since clients look keys up by the port they
     * dialled.
     */
    public Path knownHostsFileFor(int otherPort) {
        Path file = dir.resolve("known_hosts-" + otherPort);
        try {
            List<String> lines = new ArrayList<>();
            for (String line : knownHostsLines()) {
                lines.add(line.replace("[127.0.0.1]:" + port + " ", "[127.0.0.1]:" + otherPort + " "));
            }
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code known_hosts} lines of this server, to combine several servers in one file. */
    public List<String> knownHostsLines() {
        try {
            return Files.readAllLines(hostKnownHostsFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one {@code known_hosts} file that trusts every given server (for jump-host tests). */
    public static Path writeKnownHosts(Path file, LocalSshd... servers) {
        List<String> lines = new ArrayList<>();
        for (LocalSshd server : servers) {
            lines.addAll(server.knownHostsLines());
        }
        try {
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The unencrypted ed25519 private key (OpenSSH format) that {@code authorized_keys} accepts. */
    public Path userPrivateKey() {
        return userPrivateKey;
    }

    /** The public half of {@link #userPrivateKey()}. */
    public Path userPublicKey() {
        return Path.of(userPrivateKey + ".pub");
    }

    /**
     * Generates another ed25519 user key, encrypted with {@code passphrase}, authorizes it, and returns the
     * private key file. Each call makes a new key.
     */
    public synchronized Path encryptedUserKey(String passphrase) {
        if (passphrase.isEmpty()) {
            throw new IllegalArgumentException("an encrypted key needs a non-empty passphrase");
        }
        try {
            Path key = Files.createTempFile(dir, "id_ed25519_encrypted_", "");
            Files.delete(key);
            keygen("-t", "ed25519", "-N", passphrase, "-C", "testkit-user-encrypted", "-f", key);
            Files.writeString(dir.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")),
                    StandardOpenOption.APPEND);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SHA-256 fingerprint ({@code SHA256:base64}) of the ed25519 host key, as {@code ssh} prints it. */
    public String hostKeyFingerprint() {
        return hostKeyFingerprint("ed25519");
    }

    /** The SHA-256 fingerprint of the host key of this type: {@code ed25519} or {@code rsa}. */
    public String hostKeyFingerprint(String type) {
        Path publicKey = dir.resolve("ssh_host_" + type + "_key.pub");
        String line = Commands.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", publicKey.toString()))
                .orThrow().stdoutText();
        return line.split(" ")[1];
    }

    /** The host public key file of this type ({@code ed25519} or {@code rsa}), to compare with what a client saw. */
    public Path hostPublicKey(String type) {
        return dir.resolve("ssh_host_" + type + "_key.pub");
    }

    /** sshd's log ({@code -e}: everything it would send to syslog). */
    public Path logFile() {
        return dir.resolve("sshd.log");
    }

    /** The listener's pid. */
    public long pid() {
        return process.pid();
    }

    /** True while the listener runs. */
    public boolean running() {
        return process.isAlive();
    }

    /**
     * The {@code ssh} options a test needs to reach this server with the system client: batch mode, this
     * server's known_hosts, the user key, the port.
     */
    public List<String> sshClientArgs() {
        return sshClientArgs(port, hostKnownHostsFile());
    }

    /** {@link #sshClientArgs()} for reaching this server through a {@link ShapedLink} in front of it. */
    public List<String> sshClientArgs(ShapedLink link) {
        return sshClientArgs(link.port(), knownHostsFileFor(link.port()));
    }

    private List<String> sshClientArgs(int port, Path knownHosts) {
        return List.of("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "IdentitiesOnly=yes", "-i", userPrivateKey.toString(),
                "-p", String.valueOf(port), "-l", user());
    }

    /** Stops the listener and every session it spawned, by pid, and waits for them to exit. Idempotent. */
    @Override
    public void close() {
        ProcessReaper.stop(process, Duration.ofSeconds(5));
    }
}
