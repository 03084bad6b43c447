package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

import java.io.File;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Optional;

/**
 * Checks host keys against an OpenSSH known_hosts file, and remembers why it refused one, so that the exception
 * can print the fingerprint and the exact line to trust (sshj itself only logs it).
 */
final class HostKeyCheck extends OpenSSHKnownHosts {
    /** What was wrong with the key the server presented. */
    record Problem(boolean changed, PublicKey key) {
    }

    private volatile Problem problem;

    HostKeyCheck(File knownHosts) throws IOException {
        super(knownHosts);
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
        problem = new Problem(false, key);
        return false;
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
        problem = new Problem(true, key);
        return false;
    }

    Optional<Problem> problem() {
        return Optional.ofNullable(problem);
    }

    /** What to tell the user, naming {@code who} (a unit or the jump host) and where the file is. */
    String explain(Problem found, String who, String host, int port) {
        String hostPattern = port == 22 ? host : "[" + host + "]:" + port;
        String type = KeyType.fromKey(found.key()).toString();
        String line = hostPattern + " " + type + " " + Base64.getEncoder().encodeToString(blob(found.key()));
        String shortType = type.startsWith("ssh-") ? type.substring(4) : type;
        String fingerprint = fingerprint(found.key());
        if (found.changed()) {
            return "The host key of " + who + " (" + host + ":" + port + ") has CHANGED: it now presents " + type + " "
                    + fingerprint + ", which does not match " + getFile() + ". Someone may be intercepting the"
                    + " connection, or the machine was reinstalled. Only if you know why it changed, compare the"
                    + " fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_" + shortType + "_key.pub` on the machine,"
                    + " remove the old entry with `ssh-keygen -R '" + hostPattern + "' -f " + getFile() + "` and add"
                    + " this line:\n" + line;
        }
        return "The host key of " + who + " (" + host + ":" + port + ") is not in " + getFile() + ": it presents "
                + type + " " + fingerprint + ". Compare that fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_"
                + shortType + "_key.pub` on the machine, then trust it by adding this line to " + getFile() + ":\n"
                + line + "\n(or run `ssh-keyscan -p " + port + " -t " + type + " " + host + " >> " + getFile()
                + "` and check the fingerprint it prints). insecureAcceptAnyHostKey() skips this check; do not use"
                + " it in production.";
    }

    /** OpenSSH's {@code SHA256:...} fingerprint: unpadded base64 of the SHA-256 of the key blob. */
    static String fingerprint(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob(key));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] blob(PublicKey key) {
        return new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    }
}
