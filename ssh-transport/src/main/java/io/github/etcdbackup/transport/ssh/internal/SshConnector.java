package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.common.SSHException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.method.AuthMethod;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** Opens authenticated SSH connections to a unit, directly or through the jump host, and explains failures. */
final class SshConnector {
    private static final Logger LOG = LoggerFactory.getLogger(SshConnector.class);
    private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final SshSettings settings;
    private final Config config;

    SshConnector(SshSettings settings) {
        this.settings = settings;
        this.config = AlgorithmPolicy.config();
        config.setKeepAliveProvider(ReaderWatch.PROVIDER);
        config.setLoggerFactory(PromiseLogging.FACTORY);
        // A channel's buffer bounds what the unit may send ahead, not the window alone: sshj re-grants the whole
        // window after a read even while unread bytes still wait in the buffer (ChannelInputStream.checkWindow), and
        // stops only where the buffer cannot grow (16 MiB by default). So a reader that lags a moment let the buffer
        // of a 2 MiB window grow to 16 MiB and stay (benchmark 4's live heap rose in steps of 2, 2, 4 and 8 MiB at
        // -Xmx64m). Twice the window: the whole window is always granted, and the memory follows the window.
        config.setMaxCircularBufferSize(2 * settings.receiveWindow());
    }

    /** A connected and authenticated link to {@code host}; the caller owns it. */
    SshLink connect(String unit, String host, Deadline deadline) {
        String operation = "SSH connection to " + unit;
        SSHClient jump = null;
        AtomicReference<String> cipher = new AtomicReference<>("");
        try {
            SSHClient client;
            if (settings.jump().isPresent()) {
                SshSettings.Jump bastion = settings.jump().get();
                String who = "jump host " + bastion.host();
                jump = open(who, bastion.host(), bastion.port(), bastion.user(), deadline, null, operation,
                        new AtomicReference<>());
                DirectConnection tunnel = tunnel(jump, unit, host, deadline, operation);
                client = open(unit, host, settings.port(), settings.user(), deadline, tunnel, operation, cipher);
            } else {
                client = open(unit, host, settings.port(), settings.user(), deadline, null, operation, cipher);
            }
            return new SshLink(client, jump, cipher.get());
        } catch (RuntimeException e) {
            Closing.quietly(jump);
            throw e;
        }
    }

    private DirectConnection tunnel(SSHClient jump, String unit, String host, Deadline deadline, String operation) {
        try {
            return jump.newDirectConnection(host, settings.port());
        } catch (IOException e) {
            throw failure(e, deadline, operation, "The jump host could not open a tunnel to " + unit + " (" + host
                    + ":" + settings.port() + "): check that the jump host can reach it (AllowTcpForwarding must not"
                    + " be 'no' in its sshd_config)");
        }
    }

    private SSHClient open(String who, String host, int port, String user, Deadline deadline,
                           DirectConnection via, String operation, AtomicReference<String> cipher) {
        deadline.check(operation);
        SSHClient client = new SSHClient(config);
        ConnectionEnd.listen(client);
        int timeoutMs = timeoutMillis(deadline);
        client.setConnectTimeout(timeoutMs);
        // The window each new channel advertises: what the unit may send before it hears back, so the bound on one
        // channel's speed is window / round trip (2 MiB at 50 ms is 40 MB/s, whatever the link).
        client.getConnection().setWindowSize(settings.receiveWindow());
        // Bounds key exchange, authentication and channel opening; SO_TIMEOUT stays 0 so idle reuse is possible.
        client.getTransport().setTimeoutMs(timeoutMs);
        HostKeyCheck check = hostKeyCheck(client, who, host, port);
        Keys keys = keyProviders(client);
        client.getTransport().addAlgorithmsVerifier(algorithms -> {
            LOG.debug("{} ({}:{}): {}", who, host, port, algorithms);
            cipher.set(algorithms.getServer2ClientCipherAlgorithm());
            return true;
        });
        // sshj reads the server's version line with no timeout at all: a server that accepts and stays silent
        // would hold us forever, so the whole login is bounded by closing the client.
        try (StreamWatchdog.Guard guard = StreamWatchdog.closeAfter(client, Duration.ofMillis(timeoutMs))) {
            try {
                if (via == null) {
                    client.connect(host, port);
                } else {
                    client.connectVia(via);
                }
            } catch (IOException | IllegalStateException e) {
                // IllegalStateException ("Not connected"): sshj's doKex when the server hung up between its version
                // line and the key exchange (as UnitConnections sees from startSession).
                Closing.quietly(client);
                if (check != null && check.problem().isPresent()) {
                    throw new TransportException(TransportName.SSH,
                            check.explain(check.problem().get(), who, host, port), e);
                }
                throw failure(e, deadline, operation, guard.fired() ? silentAdvice(who, host, port)
                        : connectAdvice(who, host, port, e));
            }
            authenticate(client, keys, who, host, port, user, deadline, operation, guard);
        }
        return client;
    }

    private void authenticate(SSHClient client, Keys keys, String who, String host, int port,
                              String user, Deadline deadline, String operation, StreamWatchdog.Guard guard) {
        try {
            client.auth(user, keys.usable().stream().<AuthMethod>map(SignedPublickey::new).toList());
        } catch (UserAuthException e) {
            Closing.quietly(client);
            if (guard.fired()) {
                throw failure(e, deadline, operation, silentAdvice(who, host, port));
            }
            // sshj reads a private key only when it signs, so a key it cannot decrypt ends as a failed login too.
            if (privateKeyUnreadable(e)) {
                throw unreadableKey(e);
            }
            throw new TransportException(TransportName.SSH, who + " (" + host + ":" + port
                    + ") refused user '" + user + "' with " + keyDescription() + keys.skippedNote()
                    + ": add the public key to ~" + user
                    + "/.ssh/authorized_keys there, or give the right key with privateKey(...)", e);
        } catch (IOException | RuntimeException e) {
            Closing.quietly(client);
            if (e instanceof EtcdBackupException typed) {
                throw typed;
            }
            throw failure(e, deadline, operation, guard.fired() ? silentAdvice(who, host, port)
                    : "Logging in to " + who + " (" + host + ":" + port + ") as '" + user + "' failed: " + e);
        }
    }

    /**
     * Whether the login failed reading the private key: sshj's protocol errors are {@code SSHException}s, while
     * decrypting or parsing the key file fails with a plain {@code IOException} (for an OpenSSH key a
     * {@code KeyDecryptionFailedException}, for PEM a parse error) that sshj wraps into the login's failure.
     */
    private static boolean privateKeyUnreadable(UserAuthException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException && !(cause instanceof SSHException)) {
                return true;
            }
        }
        return false;
    }

    private String silentAdvice(String who, String host, int port) {
        return who + " at " + host + ":" + port + " did not answer within " + settings.connectTimeout()
                + ": check the address, firewalls and that an SSH server listens on port " + port
                + ", or raise connectTimeout(...)";
    }

    private HostKeyCheck hostKeyCheck(SSHClient client, String who, String host, int port) {
        if (settings.acceptAnyHostKey()) {
            client.addHostKeyVerifier(new AnyHostKey(who, host, port));
            return null;
        }
        try {
            HostKeyCheck check = new HostKeyCheck(settings.knownHosts().toFile());
            client.addHostKeyVerifier(check);
            return check;
        } catch (IOException e) {
            throw new TransportException(TransportName.SSH, "Cannot read the known_hosts file "
                    + settings.knownHosts() + ": fix its permissions or give another with knownHosts(...)", e);
        }
    }

    /**
     * The keys to log in with: the given one, or those found in ~/.ssh. A login signs with every key it tries (see
     * {@link SignedPublickey}), so a key found in ~/.ssh that cannot be decrypted without a passphrase is left out
     * here, and named if the unit then refuses the others: otherwise its "needs its passphrase" would hide that
     * refusal, whichever key the unit knows.
     */
    private Keys keyProviders(SSHClient client) {
        List<Path> files = settings.privateKey().map(List::of).orElseGet(SshConnector::defaultKeyFiles);
        if (files.isEmpty()) {
            throw new TransportException(TransportName.SSH, "No private key: none of "
                    + DEFAULT_KEYS + " exists in ~/.ssh; give one with privateKey(Path)", null);
        }
        List<KeyProvider> providers = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        Exception lastUnreadable = null;
        for (Path file : files) {
            KeyProvider provider;
            try {
                provider = settings.passphrase() == null ? client.loadKeys(file.toString())
                        : client.loadKeys(file.toString(), new Passphrase(settings.passphrase()));
            } catch (IOException | RuntimeException e) {
                throw new TransportException(TransportName.SSH, "Cannot read the private key " + file
                        + ": check that it exists, is readable and is an OpenSSH, PEM or PuTTY key", e);
            }
            if (settings.privateKey().isPresent()) {
                decryptBeforeConnecting(provider);
            } else {
                try {
                    provider.getPrivate();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("Leaving out {}: it cannot be read without a passphrase ({})", file, e.toString());
                    skipped.add(file);
                    lastUnreadable = e;
                    continue;
                }
            }
            providers.add(provider);
        }
        if (providers.isEmpty()) {
            throw unreadableKey(lastUnreadable);
        }
        return new Keys(providers, skipped);
    }

    /** The keys a login tries, and those found in ~/.ssh but left out because they need a passphrase. */
    private record Keys(List<KeyProvider> usable, List<Path> skipped) {
        String skippedNote() {
            return skipped.isEmpty() ? "" : " (left out, encrypted: " + skipped
                    + "; give the one the unit knows with privateKey(Path, char[]))";
        }
    }

    /**
     * Reads the given key before any connection. sshj otherwise decrypts it only when the server accepted its public
     * half, on its reader thread, and a key it cannot decrypt there sometimes left the login waiting until the
     * connect timeout (seen once in CI: "did not answer within PT10S" instead of "needs its passphrase"). Keys found
     * in ~/.ssh that cannot be read are left out instead ({@link #keyProviders}).
     */
    private void decryptBeforeConnecting(KeyProvider provider) {
        try {
            provider.getPrivate();
        } catch (IOException | RuntimeException e) {
            throw unreadableKey(e);
        }
    }

    private TransportException unreadableKey(Exception cause) {
        return new TransportException(TransportName.SSH, settings.passphrase() == null
                ? "Cannot read " + keyDescription() + ": the key is encrypted and needs its passphrase (give"
                        + " it with privateKey(Path, char[])), or the file is damaged"
                : "Cannot decrypt " + keyDescription() + " with the passphrase given: check the passphrase", cause);
    }

    private static List<Path> defaultKeyFiles() {
        Path sshDir = Path.of(System.getProperty("user.home"), ".ssh");
        List<Path> found = new ArrayList<>();
        for (String name : DEFAULT_KEYS) {
            Path file = sshDir.resolve(name);
            if (Files.isReadable(file)) {
                found.add(file);
            }
        }
        return Collections.unmodifiableList(found);
    }

    private String keyDescription() {
        return settings.privateKey().map(p -> "the key " + p).orElse("the default keys in ~/.ssh");
    }

    private String connectAdvice(String who, String host, int port, Exception e) {
        if (e instanceof ConnectException) {
            return "Connection to " + who + " at " + host + ":" + port + " was refused: check that sshd runs there"
                    + " and listens on port " + port + " (port(...) in the builder)";
        }
        if (e instanceof UnknownHostException) {
            return "Cannot resolve the host name '" + host + "' of " + who + ": check the address given to the"
                    + " builder";
        }
        if (e instanceof NoRouteToHostException) {
            return "No route to " + who + " at " + host + ":" + port + ": check the address and the network";
        }
        if (e instanceof SocketTimeoutException || isTimeout(e)) {
            return silentAdvice(who, host, port);
        }
        if (String.valueOf(e.getMessage()).contains("Unable to reach a settlement")) {
            return who + " at " + host + ":" + port + " offers only algorithms this client refuses (SHA-1 key"
                    + " exchange or signatures, CBC ciphers, SHA-1/MD5 MACs, which OpenSSH itself disabled): update"
                    + " its SSH server. Details: " + e.getMessage();
        }
        if (e instanceof net.schmizz.sshj.transport.TransportException t
                && t.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
            return "The host key of " + who + " (" + host + ":" + port + ") was not accepted";
        }
        return "SSH connection to " + who + " at " + host + ":" + port + " failed: " + e.getMessage();
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException
                    || String.valueOf(t.getMessage()).contains("Timeout expired")) {
                return true;
            }
        }
        return false;
    }

    /** A timeout when the deadline is gone, an interrupt when the thread was interrupted, else the advice. */
    private EtcdBackupException failure(Exception e, Deadline deadline, String operation, String advice) {
        if (Thread.currentThread().isInterrupted()
                || (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException))) {
            Thread.currentThread().interrupt();
            return new OperationInterruptedException(operation, e);
        }
        if (deadline.expired()) {
            return new OperationTimeoutException(operation, deadline.timeout(), null, e);
        }
        return new TransportException(TransportName.SSH, advice, e);
    }

    private int timeoutMillis(Deadline deadline) {
        Duration bound = settings.connectTimeout().compareTo(deadline.remaining()) < 0
                ? settings.connectTimeout() : deadline.remaining();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bound.toMillis()));
    }

    /** Gives sshj a fresh copy of the passphrase each time (it may wipe what it gets), and never retries. */
    private static final class Passphrase implements PasswordFinder {
        private final char[] secret;

        Passphrase(char[] secret) {
            this.secret = secret;
        }

        @Override
        public char[] reqPassword(Resource<?> resource) {
            return secret.clone();
        }

        @Override
        public boolean shouldRetry(Resource<?> resource) {
            return false;
        }
    }

    /** The explicit opt-out: accepts every key, but logs which one, so that an incident can be traced. */
    private static final class AnyHostKey implements HostKeyVerifier {
        private final String who;
        private final String host;
        private final int port;

        AnyHostKey(String who, String host, int port) {
            this.who = who;
            this.host = host;
            this.port = port;
        }

        @Override
        public boolean verify(String hostname, int port, PublicKey key) {
            LOG.warn("Accepting the host key of {} ({}:{}) without checking it (insecureAcceptAnyHostKey): {}", who,
                    host, this.port, HostKeyCheck.fingerprint(key));
            return true;
        }

        @Override
        public List<String> findExistingAlgorithms(String hostname, int port) {
            return Collections.emptyList();
        }
    }
}
